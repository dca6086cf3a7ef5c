// Rows whose rowid is the smallest (or largest) 64-bit integer are rows like any other: a global
// index built over them finds them, and a resize copies them to their new nodes.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "cluster_helpers.h"

using bd::Value;
using bd::testing::run;

namespace {
constexpr int kTables = 12;
std::string name(int i) { return "m" + std::to_string(i); }
int64_t count_on(bd::native::Cluster& c, int node, const std::string& sql) {
  auto r = c.node_exec(node, sql);
  REQUIRE(r.ok());
  return r->rows[0][0].i;
}
}  // namespace

TEST_CASE("rowid extremes: INT64_MIN and INT64_MAX rows survive a UNIQUE index backfill and a resize (2 -> 5 nodes)") {
  auto c = bd::testing::cluster(2, "rowid-extremes");
  // Tables sharded by another column, so that their extreme rows land on different virtual shards.
  for (int i = 0; i < kTables; i++) {
    run(*c, "CREATE TABLE " + name(i) + " (id INTEGER PRIMARY KEY, org INTEGER, v TEXT)");
    run(*c, "PRAGMA bigdaddy_shard_key = '" + name(i) + ".org'");
    run(*c, "INSERT INTO " + name(i) + " VALUES (?, ?, 'min'), (?, ?, 'max'), (1, ?, 'one')",
        {Value::integer(INT64_MIN), Value::integer(i * 3 + 1), Value::integer(INT64_MAX), Value::integer(i * 3 + 2),
         Value::integer(i * 3 + 3)});
    run(*c, "CREATE UNIQUE INDEX " + name(i) + "_v ON " + name(i) + " (v)");
  }
  run(*c, "CREATE TABLE r (id INTEGER PRIMARY KEY, v TEXT)");
  run(*c, "PRAGMA bigdaddy_reference_table = 'r'");
  run(*c, "INSERT INTO r VALUES (?, 'min'), (?, 'max')", {Value::integer(INT64_MIN), Value::integer(INT64_MAX)});

  auto check_all = [&](int nodes) {
    for (int i = 0; i < kTables; i++) {
      INFO(name(i) << " on " << nodes << " nodes");
      // Through the global index (the backfill must have read the INT64_MIN row).
      for (auto [v, id] : {std::pair<const char*, int64_t>{"min", INT64_MIN}, {"max", INT64_MAX}, {"one", 1}}) {
        auto r = run(*c, "SELECT id FROM " + name(i) + " WHERE v = ?", {Value::text(v)});
        REQUIRE(r.rs.rows.size() == 1);
        CHECK(r.rs.rows[0][0].i == id);
        CHECK(r.meta_json.find("\"plan\":\"lookup\"") != std::string::npos);
      }
      CHECK(run(*c, "SELECT count(*) FROM " + name(i)).rs.rows[0][0].i == 3);
      // Its primary key still holds across nodes.
      auto dup = c->execute("INSERT INTO " + name(i) + " VALUES (?, 999, 'dup')", {Value::integer(INT64_MIN)});
      REQUIRE_FALSE(dup.ok());
      CHECK(dup.error().message == "UNIQUE constraint failed: " + name(i) + ".id");
      auto dupv = c->execute("INSERT INTO " + name(i) + " VALUES (5, 998, 'min')");
      REQUIRE_FALSE(dupv.ok());
      CHECK(dupv.error().message == "UNIQUE constraint failed: " + name(i) + ".v");
    }
    for (int n = 0; n < nodes; n++) CHECK(count_on(*c, n, "SELECT count(*) FROM r WHERE id = -9223372036854775807 - 1") == 1);
  };
  check_all(2);

  run(*c, "PRAGMA bigdaddy_resize = 5");
  auto json = c->run_resize();
  REQUIRE(json.ok());
  REQUIRE(json->find("\"phase\":\"done\"") != std::string::npos);
  REQUIRE(c->nodes() == 5);
  check_all(5);
  // Not vacuous: some INT64_MIN rows moved to the new nodes.
  int64_t moved = 0;
  for (int n = 2; n < 5; n++)
    for (int i = 0; i < kTables; i++) moved += count_on(*c, n, "SELECT count(*) FROM " + name(i) + " WHERE id = -9223372036854775807 - 1");
  CHECK(moved > 0);
}
