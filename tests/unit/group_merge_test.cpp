// GROUP BY over shards whose final step only picks columns: the conductor projects the merged
// groups itself, with the column names SQLite gave the same statement over the same tables. The
// answers (names, values, types, order) must be exactly one SQLite database's, also when the names
// come from the per-isolate cache and after the tables change.
#include <catch2/catch.hpp>

#include "cluster_helpers.h"
#include "conductor/combine.h"
#include "value/compare.h"

using bd::testing::cluster;
using bd::testing::run;

namespace {

struct Both {
  std::unique_ptr<bd::native::Cluster> sharded = cluster(4, "group-merge");
  std::unique_ptr<bd::CombineDb> one = std::move(*bd::CombineDb::open());

  void exec(const std::string& sql) {
    run(*sharded, sql);
    INFO(sql);
    REQUIRE(one->exec(sql).ok());
  }

  void same(const std::string& sql) {
    INFO(sql);
    auto want = one->query(sql, {});
    REQUIRE(want.ok());
    auto got = run(*sharded, sql);
    CHECK(got.rs.columns == want->columns);
    REQUIRE(got.rs.rows.size() == want->rows.size());
    for (size_t r = 0; r < want->rows.size(); r++) {
      REQUIRE(got.rs.rows[r].size() == want->rows[r].size());
      for (size_t c = 0; c < want->rows[r].size(); c++) {
        INFO("row " << r << " column " << c);
        CHECK(got.rs.rows[r][c].type == want->rows[r][c].type);
        CHECK(bd::compare(got.rs.rows[r][c], want->rows[r][c], bd::Collation::Binary) == 0);
      }
    }
    CHECK(got.meta_json.find("\"scatter-aggregate\"") != std::string::npos);
  }
};

}  // namespace

TEST_CASE("group merge: a GROUP BY that only picks keys and aggregates answers as SQLite", "[group-merge]") {
  Both db;
  db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, Name TEXT COLLATE NOCASE, age INTEGER, n)");
  std::string values;
  for (int i = 1; i <= 400; i++) {
    std::string n = i % 11 == 0  ? "NULL"
                    : i % 7 == 0 ? std::to_string(i) + ".5"
                    : i % 5 == 0 ? "'t" + std::to_string(i) + "'"
                                 : std::to_string(i % 13);
    values += (values.empty() ? "" : ", ") + std::string("(") + std::to_string(i) + ", '" + "u" + std::to_string(i % 9) + "', " +
              (i % 17 == 0 ? "NULL" : std::to_string(18 + i % 30)) + ", " + n + ")";
  }
  db.exec("INSERT INTO users (id, Name, age, n) VALUES " + values);
  for (int pass = 0; pass < 2; pass++) {  // the second pass takes the names from the cache
    db.same("SELECT age, count(*) AS c, avg(n) AS a FROM users GROUP BY age");
    db.same("SELECT Age, count(*), avg(n), total(n), sum(n), min(n), max(n), count(n) FROM users GROUP BY Age");
    db.same("SELECT age, age AS again, count(*) AS c, age FROM users GROUP BY age");
    db.same("SELECT count(*), age FROM users GROUP BY 2");
    db.same("SELECT name, count(*) FROM users GROUP BY name");
    db.same("SELECT users.name, age, max(id) AS g FROM users GROUP BY users.name, age");
    db.same("SELECT count(*), sum(age) FROM users");
    db.same("SELECT count(*), sum(age) FROM users WHERE id < 0");
    db.same("SELECT age, count(*) FROM users WHERE id > 1000 GROUP BY age");
  }
}

TEST_CASE("group merge: a NaN aggregate reads as NULL, as SQLite stores it", "[group-merge]") {
  Both db;
  db.exec("CREATE TABLE r (id INTEGER PRIMARY KEY, g INTEGER, x REAL)");
  db.exec("INSERT INTO r VALUES (1, 1, 9e999), (2, 1, -9e999), (3, 2, 1.5), (4, 1, 2.0), (5, 3, -9e999)");
  for (int pass = 0; pass < 2; pass++) db.same("SELECT g, avg(x), sum(x), total(x) FROM r GROUP BY g");
}

TEST_CASE("group merge: the same statement over a changed table takes SQLite's new names", "[group-merge]") {
  Both db;
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, v INTEGER)");
  db.exec("INSERT INTO t VALUES (1, 1, 10), (2, 1, 20), (3, 2, 30)");
  db.same("SELECT k, sum(v) FROM t GROUP BY k");
  db.exec("DROP TABLE t");
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, K TEXT, V REAL)");
  db.exec("INSERT INTO t VALUES (1, 'b', 1.5), (2, 'a', 2.5), (3, 'b', 3.0)");
  db.same("SELECT k, sum(v) FROM t GROUP BY k");
}
