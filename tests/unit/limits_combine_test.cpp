// The combine engine's bounds: a statement is interrupted at its time limit (SQLite's progress
// handler) and a result may not grow past its row and byte limits, each a clear error naming the
// limit; the conductor applies the same result limits to every plan.
#include <catch2/catch.hpp>
#include <chrono>

#include "cluster_helpers.h"
#include "conductor/combine.h"

namespace {
const char* kInfinite = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";
}

TEST_CASE("limits: the combine engine interrupts a statement at its time limit") {
  auto db = bd::CombineDb::open({.time_ms = 200});
  REQUIRE(db.ok());
  auto t0 = std::chrono::steady_clock::now();
  auto r = (*db)->query(kInfinite, {});
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(!r.ok());
  CHECK(r.error().code == bd::ErrorCode::Limit);
  CHECK(r.error().message == "interrupted: the statement ran past its time limit (200 ms)");
  CHECK(ms < 2000);
  // The same engine answers the next statement.
  auto ok = (*db)->query("SELECT 1 + 1", {});
  REQUIRE(ok.ok());
  CHECK(ok->rows[0][0] == bd::Value::integer(2));
}

TEST_CASE("limits: the step budget interrupts where the clock does not move") {
  auto db = bd::CombineDb::open({.time_ms = 1e9, .max_steps = 100000});
  REQUIRE(db.ok());
  auto r = (*db)->query(kInfinite, {});
  REQUIRE(!r.ok());
  CHECK(r.error().code == bd::ErrorCode::Limit);
  auto fine = (*db)->query("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100) SELECT sum(x) FROM c", {});
  REQUIRE(fine.ok());
  CHECK(fine->rows[0][0] == bd::Value::integer(5050));
}

TEST_CASE("limits: result rows and bytes") {
  auto db = bd::CombineDb::open({.max_rows = 1000, .max_bytes = 1 << 20});
  REQUIRE(db.ok());
  auto rows = (*db)->query("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1001) SELECT x FROM c", {});
  REQUIRE(!rows.ok());
  CHECK(rows.error().message == "result too large: more than 1000 rows (the limit for one result)");
  auto exact = (*db)->query("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) SELECT x FROM c", {});
  CHECK(exact.ok());
  auto bytes =
      (*db)->query("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10) SELECT randomblob(200000) FROM c", {});
  REQUIRE(!bytes.ok());
  CHECK(bytes.error().message == "result too large: more than 1 MB (the limit for one result)");
}

TEST_CASE("limits: a 1,000,000-row result is refused through the conductor, and the cluster keeps answering") {
  auto c = bd::testing::cluster(4, "limits");
  bd::testing::run(*c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)");
  std::string values;
  for (int i = 1; i <= 1000; i++) values += (i > 1 ? "," : "") + std::string("(") + std::to_string(i) + "," + std::to_string(i % 7) + ")";
  bd::testing::run(*c, "INSERT INTO t VALUES " + values);
  for (const char* q : {"SELECT a.id, b.id FROM t a, t b", "SELECT a.id, b.v FROM t a CROSS JOIN t b ORDER BY 1"}) {
    auto r = c->execute(q);
    REQUIRE(!r.ok());
    CHECK(r.error().code == bd::ErrorCode::Limit);
    CHECK(r.error().message == "result too large: more than 200000 rows (the limit for one result)");
  }
  auto r = c->execute(kInfinite);
  REQUIRE(!r.ok());
  CHECK(r.error().message == "interrupted: the statement ran past its time limit (1000 ms)");
  CHECK(bd::testing::run(*c, "SELECT count(*) FROM t a, t b").rs.rows[0][0] == bd::Value::integer(1000000));
}
