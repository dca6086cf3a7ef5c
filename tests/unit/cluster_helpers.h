// Shared by the tests that drive the native cluster: open one, run a statement or fail the test.
#pragma once
#include <catch2/catch.hpp>

#include <memory>
#include <sstream>
#include <string>
#include <vector>
#include "native/cluster.h"

namespace bd::testing {

inline std::unique_ptr<native::Cluster> cluster(int nodes, const char* name = "test") {
  auto c = native::Cluster::open({nodes, "", name});
  REQUIRE(c.ok());
  return std::move(*c);
}

inline native::QueryResult run(native::Cluster& c, const std::string& sql, std::vector<Value> params = {}) {
  auto r = c.execute(sql, params);
  INFO(sql);
  if (!r.ok()) FAIL(r.error().message);
  return std::move(*r);
}

// Rows for a failure message, one a line: NULL, integers, r<real>, 'text', x(<blob size>).
inline std::string show_rows(const std::vector<Row>& rows) {
  std::ostringstream o;
  for (auto& r : rows) {
    o << "  (";
    for (size_t i = 0; i < r.size(); i++) {
      const Value& v = r[i];
      o << (i ? ", " : "");
      switch (v.type) {
        case ValueType::Null: o << "NULL"; break;
        case ValueType::Integer: o << v.i; break;
        case ValueType::Real: o << "r" << v.r; break;
        case ValueType::Text: o << "'" << v.s << "'"; break;
        case ValueType::Blob: o << "x(" << v.s.size() << ")"; break;
      }
    }
    o << ")\n";
  }
  return o.str();
}

}  // namespace bd::testing
