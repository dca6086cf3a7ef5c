// The value layer's rules as routing sees them: a row is found again by any value SQLite compares
// equal to its shard key, after the column's affinity, on 8 nodes.
#include <catch2/catch.hpp>

#include "cluster_helpers.h"

using namespace bd;
using bd::testing::cluster;
using bd::testing::run;

TEST_CASE("value routing: a REAL stored into a TEXT shard key is found by its full-precision text", "[value][cluster]") {
  auto c = cluster(8);
  run(*c, "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)");
  // TEXT affinity renders 0.1 + 0.2 as '0.30000000000000004' (17 significant digits), as SQLite does.
  for (int i = 0; i < 50; i++) run(*c, "INSERT INTO t VALUES (?, ?)", {Value::real(i / 7.0 + 1000.1), Value::integer(i)});
  run(*c, "INSERT INTO t VALUES (0.1 + 0.2, 1000)");
  auto direct = run(*c, "SELECT v FROM t WHERE k = '0.30000000000000004'");
  CHECK(direct.meta_json.find("\"plan\":\"route\"") != std::string::npos);
  REQUIRE(direct.rs.rows.size() == 1);
  CHECK(direct.rs.rows[0][0].i == 1000);
  for (int i = 0; i < 50; i++) {
    auto r = run(*c, "SELECT v FROM t WHERE k = ?", {Value::real(i / 7.0 + 1000.1)});
    INFO("i=" << i);
    REQUIRE(r.rs.rows.size() == 1);
    CHECK(r.rs.rows[0][0].i == i);
  }
  CHECK(run(*c, "SELECT count(*) FROM t").rs.rows[0][0].i == 51);
}

TEST_CASE("value routing: a REAL from a subquery reaches an UPDATE's WHERE with full precision", "[value][cluster]") {
  auto c = cluster(8);
  run(*c, "CREATE TABLE m (id INTEGER PRIMARY KEY, r REAL)");
  run(*c, "CREATE TABLE u (id INTEGER PRIMARY KEY, r REAL, hit INTEGER DEFAULT 0)");
  run(*c, "INSERT INTO m VALUES (1, 0.1 + 0.2)");
  run(*c, "INSERT INTO u (id, r) VALUES (1, 0.3), (2, 0.1 + 0.2), (3, 0.30000000000000004)");
  // The subquery runs first through the distributed engine; its value is put into the UPDATE.
  auto r = run(*c, "UPDATE u SET hit = 1 WHERE r = (SELECT max(r) FROM m)");
  CHECK(r.rs.changes == 2);
  auto hits = run(*c, "SELECT id FROM u WHERE hit = 1 ORDER BY id");
  REQUIRE(hits.rs.rows.size() == 2);
  CHECK(hits.rs.rows[0][0].i == 2);
  CHECK(hits.rs.rows[1][0].i == 3);
}

TEST_CASE("value routing: -2^63 as a REAL and as an INTEGER find the same row of an INTEGER key", "[value][cluster]") {
  auto c = cluster(8);
  run(*c, "CREATE TABLE t (k INT PRIMARY KEY, v TEXT)");
  run(*c, "INSERT INTO t VALUES (?, 'real')", {Value::real(-9223372036854775808.0)});
  // The column keeps it REAL (as SQLite does); it still equals INT64_MIN and routes with it.
  CHECK(run(*c, "SELECT typeof(k) FROM t").rs.rows[0][0].s == "real");
  auto r = run(*c, "SELECT v FROM t WHERE k = -9223372036854775808");
  REQUIRE(r.rs.rows.size() == 1);
  CHECK(r.rs.rows[0][0].s == "real");
}
