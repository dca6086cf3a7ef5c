// The combine engine (SQLite inside the conductor) must answer as SQLite is documented to, even
// where the embedded SQLite version has a planner bug.
#include <catch2/catch.hpp>

#include "conductor/combine.h"

TEST_CASE("combine: EXISTS with LIMIT/OFFSET skips the offset rows (SQLite 3.53's EXISTS-to-JOIN does not)") {
  auto db = bd::CombineDb::open();
  REQUIRE(db.ok());
  auto& c = **db;
  REQUIRE(c.exec("CREATE TABLE t0 (ka INTEGER, kb TEXT, c2 INTEGER, PRIMARY KEY (ka, kb))").ok());
  REQUIRE(c.exec("INSERT INTO t0 VALUES (5, 'b', 7), (0, 'c', 7), (1, 'A', -3), (3, 'c', 10), (4, 'b ', 'b '), (5, 'a', 10), "
                 "(6, 'b ', NULL), (3, 'b', 1), (1, 'a', NULL)")
              .ok());
  REQUIRE(c.exec("CREATE TABLE t1 (k TEXT PRIMARY KEY, c2)").ok());
  REQUIRE(c.exec("INSERT INTO t1 VALUES ('k5', 'a'), ('k2', 'A'), ('k20', 'A'), ('k26', 'b '), ('k1', 'Abc ')").ok());
  const char* q = "SELECT a.c2 FROM t0 a WHERE EXISTS (SELECT 1 FROM t1 b WHERE b.c2 = a.kb)";
  auto all = c.query(q, {});
  REQUIRE(all.ok());
  REQUIRE(all->rows.size() == 5);
  for (int offset : {1, 3}) {
    auto some = c.query(std::string(q) + " LIMIT 5 OFFSET " + std::to_string(offset), {});
    REQUIRE(some.ok());
    CHECK(some->rows.size() == static_cast<size_t>(5 - offset));
  }
}
