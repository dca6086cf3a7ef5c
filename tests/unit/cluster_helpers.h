// Shared by the tests that drive the native cluster: open one, run a statement or fail the test.
#pragma once
#include <catch2/catch.hpp>

#include <memory>
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

}  // namespace bd::testing
