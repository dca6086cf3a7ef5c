// The conductor robustness target: one input is a short session of requests against a fresh
// in-process cluster (1 to 4 storage nodes, a small seeded schema), driven through the same core
// the Worker runs. Shared by the libFuzzer target (tests/fuzz/fuzz_conductor.cpp, built with
// ASan+UBSan by scripts/fuzz.sh) and the unit test that replays the kept corpus.
//
// Input: the first byte picks the node count; the rest is lines, one request each:
//   SQL               one statement through the conductor (isolate 0)
//   |SQL              the same through another isolate (its own topology cache)
//   !SCRIPT           statements separated by ';', run as a script (exec)
//   %                 run the resize job's steps (after PRAGMA bigdaddy_resize = N)
// A TAB ends the SQL; TAB-separated parameters follow: NULL, an integer, a real, x'..' a blob,
// anything else text.
//
// Whatever the input, nothing may crash, every answer is well formed (rows as wide as the
// columns, errors with a message, no internal error) and the cluster still answers afterwards.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>
#include "native/cluster.h"

namespace bd::fuzz {

inline constexpr const char* kSeedSchema[] = {
    "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL)",
    "CREATE TABLE r (k TEXT PRIMARY KEY, v)",
    "PRAGMA bigdaddy_reference_table = 'r'",
    "CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER, x BLOB)",
    "PRAGMA bigdaddy_shard_key = 'u.t_id'",
    ("INSERT INTO t VALUES (1, 10, 'one', 1.5), (2, NULL, 'two', -0.0), (3, 9223372036854775807, NULL, 1e300), "
     "(4, -9223372036854775808, 'four', NULL), (5, 9007199254740993, 'FIVE', 2.5), (6, 0, '', 0), (7, 7, 'seven', 7)"),
    "INSERT INTO r VALUES ('a', 1), ('b', 'x'), ('c', NULL), ('d', 2.25)",
    "INSERT INTO u VALUES (1, 1, x'00ff'), (2, 1, NULL), (3, 5, x''), (4, 7, x'41'), (5, 99, x'4243')",
};

[[noreturn]] inline void fail(const std::string& what, std::string_view request) {
  std::fprintf(stderr, "conductor target: %s\nrequest: %.*s\n", what.c_str(), static_cast<int>(request.size()), request.data());
  std::abort();
}

inline Value parse_param(std::string_view p) {
  if (p == "NULL") return Value::null();
  if (p.size() >= 3 && (p[0] == 'x' || p[0] == 'X') && p[1] == '\'' && p.back() == '\'') {
    std::string bytes;
    for (size_t i = 2; i + 2 < p.size(); i += 2)
      bytes.push_back(static_cast<char>(std::strtol(std::string(p.substr(i, 2)).c_str(), nullptr, 16)));
    return Value::blob(std::move(bytes));
  }
  std::string s(p);
  char* end = nullptr;
  if (!s.empty()) {
    long long i = std::strtoll(s.c_str(), &end, 10);
    if (end && *end == 0) return Value::integer(i);
    double d = std::strtod(s.c_str(), &end);
    if (end && *end == 0) return Value::real(d);
  }
  return Value::text(std::move(s));
}

inline void check(const Result<native::QueryResult>& r, std::string_view request) {
  if (!r.ok()) {
    if (r.error().message.empty()) fail("an error without a message", request);
    if (r.error().code == ErrorCode::Internal) fail("internal error: " + r.error().message, request);
    return;
  }
  for (auto& row : r->rs.rows)
    if (row.size() != r->rs.columns.size()) fail("a row is not as wide as the columns", request);
}

// Runs one input; aborts (a crash for the fuzzer) when an invariant breaks.
inline void run_input(std::string_view data) {
  if (data.empty()) return;
  native::ClusterOptions o;
  o.nodes = 1 + static_cast<uint8_t>(data[0]) % 4;
  o.database = "fuzz";
  o.copy_batch_rows = 3;
  o.max_gather_rows = 20000;
  auto opened = native::Cluster::open(o);
  if (!opened.ok()) fail("cluster did not open: " + opened.error().message, "");
  auto& c = **opened;
  for (const char* s : kSeedSchema) {
    auto r = c.execute(s);
    if (!r.ok()) fail("seed schema: " + r.error().message, s);
  }
  data.remove_prefix(1);
  int requests = 0;
  while (!data.empty() && requests < 64) {
    size_t nl = data.find('\n');
    std::string_view line = data.substr(0, nl);
    data.remove_prefix(nl == std::string_view::npos ? data.size() : nl + 1);
    if (line.empty()) continue;
    requests++;
    std::vector<Value> params;
    std::string_view sql = line;
    if (size_t tab = line.find('\t'); tab != std::string_view::npos) {
      sql = line.substr(0, tab);
      std::string_view rest = line.substr(tab + 1);
      while (params.size() < 200) {
        size_t t = rest.find('\t');
        params.push_back(parse_param(rest.substr(0, t)));
        if (t == std::string_view::npos) break;
        rest.remove_prefix(t + 1);
      }
    }
    switch (sql[0]) {
      case '|': check(c.execute_in_isolate(1, sql.substr(1), params), line); break;
      case '!': check(c.execute_script(sql.substr(1)), line); break;
      case '%': {
        auto job = c.run_resize(2);
        if (!job.ok() && job.error().code == ErrorCode::Internal) fail("resize: " + job.error().message, line);
        break;
      }
      default: check(c.execute(sql, params), line);
    }
  }
  // Never wedged: whatever ran, the cluster still answers.
  auto one = c.execute("SELECT 1");
  if (!one.ok() || one->rs.rows.size() != 1 || one->rs.rows[0][0].i != 1)
    fail("the cluster no longer answers SELECT 1: " + (one.ok() ? std::string("wrong result") : one.error().message), "SELECT 1");
}

}  // namespace bd::fuzz
