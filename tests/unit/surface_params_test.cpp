// Bound parameters as applications send them: counts checked as D1 checks them, named parameters,
// and parameters in the clauses an INSERT keeps on the nodes (ON CONFLICT ... DO UPDATE, RETURNING).
#include <catch2/catch.hpp>

#include "cluster_helpers.h"

using namespace bd;
using bd::testing::cluster;
using bd::testing::run;

TEST_CASE("surface params: too few or too many values are refused with D1's message") {
  auto c = cluster(4);
  run(*c, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)");
  run(*c, "INSERT INTO t VALUES (?, ?)", {Value::integer(1), Value::text("a")});
  for (auto params : {std::vector<Value>{}, std::vector<Value>{Value::integer(1), Value::integer(2)}}) {
    auto r = c->execute("SELECT * FROM t WHERE id = ?", params);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "Wrong number of parameter bindings for SQL query.");
  }
  // ?NNN: SQLite's parameter count is the largest number used.
  auto gap = c->execute("SELECT ?2", {Value::integer(1)});
  REQUIRE_FALSE(gap.ok());
  CHECK(run(*c, "SELECT ?2, ?1", {Value::integer(1), Value::integer(2)}).rs.rows[0][0].i == 2);
  // A statement without parameters takes none.
  CHECK_FALSE(c->execute("SELECT 1", {Value::integer(1)}).ok());
  // Nothing was written by the refused statements.
  CHECK_FALSE(c->execute("INSERT INTO t VALUES (?, ?)", {Value::integer(2)}).ok());
  CHECK(run(*c, "SELECT count(*) FROM t").rs.rows[0][0].i == 1);
}

TEST_CASE("surface params: named parameters bind by name, with or without their prefix") {
  auto c = cluster(4);
  run(*c, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)");
  auto ins = c->execute_named("INSERT INTO t VALUES (:id, @name, $qty)", {"id", "@name", "qty"},
                              {Value::integer(7), Value::text("pear"), Value::integer(3)});
  REQUIRE(ins.ok());
  // The same name twice is one parameter; the routing sees the bound value.
  auto sel = c->execute_named("SELECT name, qty FROM t WHERE id = :id AND :id > 0", {"id"}, {Value::integer(7)});
  REQUIRE(sel.ok());
  REQUIRE(sel->rs.rows.size() == 1);
  CHECK(sel->rs.rows[0][0].s == "pear");
  CHECK(sel->meta_json.find("\"plan\":\"route\"") != std::string::npos);

  auto missing = c->execute_named("SELECT * FROM t WHERE id = :id AND name = :name", {"id"}, {Value::integer(7)});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message == "Missing named parameter \"name\"");
  auto extra = c->execute_named("SELECT * FROM t WHERE id = :id", {"id", "nope"}, {Value::integer(7), Value::integer(1)});
  REQUIRE_FALSE(extra.ok());
  CHECK(extra.error().message == "named parameter \"nope\" is not used by the SQL query");
  auto positional = c->execute_named("SELECT * FROM t WHERE id = ? AND name = :name", {"name"}, {Value::text("pear")});
  REQUIRE_FALSE(positional.ok());
  CHECK(positional.error().message.rfind("parameter ?1 is positional", 0) == 0);
}

TEST_CASE("surface params: ON CONFLICT DO UPDATE SET col = ? binds its parameter, on every node count") {
  for (int nodes : {1, 4}) {
    auto c = cluster(nodes);
    run(*c, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, visits INTEGER)");
    // drizzle's onConflictDoUpdate: values first, then the SET values as parameters.
    const char* upsert =
        "INSERT INTO users (id, name, visits) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = ?, visits = visits + ? "
        "RETURNING id, name, visits, ? AS tag";
    auto a =
        run(*c, upsert,
            {Value::integer(1), Value::text("Ada"), Value::integer(1), Value::text("Ada L."), Value::integer(5), Value::text("first")});
    REQUIRE(a.rs.rows.size() == 1);
    CHECK(a.rs.rows[0][1].s == "Ada");
    CHECK(a.rs.rows[0][3].s == "first");
    auto b =
        run(*c, upsert,
            {Value::integer(1), Value::text("Ada"), Value::integer(1), Value::text("Ada L."), Value::integer(5), Value::text("second")});
    REQUIRE(b.rs.rows.size() == 1);
    CHECK(b.rs.rows[0][1].s == "Ada L.");
    CHECK(b.rs.rows[0][2].i == 6);
    CHECK(b.rs.rows[0][3].s == "second");
    // Named parameters in the SET clause, and a multi-row insert split over nodes.
    auto m = c->execute_named(
        "INSERT INTO users (id, name, visits) VALUES (1, 'x', 0), (2, 'Grace', 0), (3, 'Linus', 0) "
        "ON CONFLICT (id) DO UPDATE SET name = :renamed WHERE excluded.visits = :zero",
        {"renamed", "zero"}, {Value::text("Ada Lovelace"), Value::integer(0)});
    REQUIRE(m.ok());
    auto all = run(*c, "SELECT id, name FROM users ORDER BY id");
    REQUIRE(all.rs.rows.size() == 3);
    CHECK(all.rs.rows[0][1].s == "Ada Lovelace");
    CHECK(all.rs.rows[1][1].s == "Grace");
  }
}
