// The first path through the core, natively: DDL on every node, routed inserts, point selects on
// one node, scatter counts, id allocation, and DDL that a node refuses leaving no trace.
#include <catch2/catch.hpp>

#include <set>
#include "cluster_helpers.h"

using bd::Value;
using bd::native::Cluster;

namespace {
std::unique_ptr<Cluster> cluster(int nodes) { return bd::testing::cluster(nodes, "test"); }
using bd::testing::run;
int64_t node_rows(Cluster& c, int node, const std::string& table) {
  auto r = c.node_exec(node, "SELECT count(*) FROM " + table);
  REQUIRE(r.ok());
  return r->rows[0][0].i;
}
}  // namespace

TEST_CASE("1,000 rows: spread over all nodes, point reads touch one node, count sums") {
  auto c = cluster(4);
  run(*c, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)");
  for (int i = 1; i <= 1000; i++)
    run(*c, "INSERT INTO items (id, name, qty) VALUES (?, ?, ?)",
        {Value::integer(i), Value::text("item-" + std::to_string(i)), Value::integer(i % 7)});
  auto count = run(*c, "SELECT COUNT(*) FROM items");
  REQUIRE(count.rs.rows.size() == 1);
  CHECK(count.rs.rows[0][0].i == 1000);
  int64_t total = 0;
  for (int n = 0; n < 4; n++) {
    int64_t rows = node_rows(*c, n, "items");
    CHECK(rows > 100);  // 256 virtual shards dealt round-robin: each node holds about a quarter
    total += rows;
  }
  CHECK(total == 1000);
  for (int id : {1, 77, 1000}) {
    auto r = run(*c, "SELECT name, qty FROM items WHERE id = ?", {Value::integer(id)});
    REQUIRE(r.rs.rows.size() == 1);
    CHECK(r.rs.rows[0][0].s == "item-" + std::to_string(id));
    CHECK(r.meta_json.find("\"nodesTouched\":1") != std::string::npos);
    CHECK(r.meta_json.find("\"plan\":\"route\"") != std::string::npos);
  }
  // '77' routes like 77 on an INTEGER key (affinity before hashing).
  auto r = run(*c, "SELECT id FROM items WHERE id = '77'");
  REQUIRE(r.rs.rows.size() == 1);
  CHECK(r.rs.rows[0][0].i == 77);
  auto in = run(*c, "SELECT id FROM items WHERE id IN (3, 5, 9)");
  CHECK(in.rs.rows.size() == 3);
}

TEST_CASE("UPDATE with x = x - 1 changes exactly the routed row") {
  auto c = cluster(8);
  run(*c, "CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER)");
  run(*c, "INSERT INTO t VALUES (1, 10), (5, 50), (9, 90)");
  auto u = run(*c, "UPDATE t SET x = x - 1 WHERE id = 5");
  CHECK(u.rs.changes == 1);
  auto r = run(*c, "SELECT id, x FROM t ORDER BY id");
  REQUIRE(r.rs.rows.size() == 3);
  CHECK(r.rs.rows[0][1].i == 10);
  CHECK(r.rs.rows[1][1].i == 49);
  CHECK(r.rs.rows[2][1].i == 90);
}

TEST_CASE("omitted ids are globally unique and spread") {
  auto c = cluster(8);
  run(*c, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
  std::set<int64_t> ids;
  for (int i = 0; i < 200; i++) ids.insert(run(*c, "INSERT INTO notes (body) VALUES ('x')").rs.last_insert_rowid);
  CHECK(ids.size() == 200);
  auto d = run(*c, "SELECT count(DISTINCT id) FROM notes");
  CHECK(d.rs.rows[0][0].i == 200);
  for (int n = 0; n < 8; n++) CHECK(node_rows(*c, n, "notes") > 0);
  // A table without a PRIMARY KEY is sharded by a hidden rowid, and spreads too.
  run(*c, "CREATE TABLE log (msg TEXT)");
  for (int i = 0; i < 100; i++) run(*c, "INSERT INTO log VALUES ('m" + std::to_string(i) + "')");
  int spread = 0;
  for (int n = 0; n < 8; n++) spread += node_rows(*c, n, "log") > 0;
  CHECK(spread == 8);
  CHECK(run(*c, "SELECT count(*) FROM log").rs.rows[0][0].i == 100);
}

TEST_CASE("a CREATE TABLE a node rejects leaves no trace and returns the node's error") {
  auto c = cluster(4);
  // Node 2 already has a conflicting object of that name.
  REQUIRE(c->node_exec(2, "CREATE TABLE clash (z)").ok());
  auto r = c->execute("CREATE TABLE clash (id INTEGER PRIMARY KEY)");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("already exists") != std::string::npos);
  // Not in the catalog: a query on it fails as on SQLite, and no other node kept the table.
  auto q = c->execute("SELECT * FROM clash");
  CHECK_FALSE(q.ok());
  for (int n : {0, 1, 3}) CHECK_FALSE(c->node_exec(n, "SELECT * FROM clash").ok());
}

TEST_CASE("statements the engine cannot run yet fail clearly") {
  auto c = cluster(2);
  run(*c, "CREATE TABLE t (id INTEGER PRIMARY KEY, x)");
  auto r = c->execute("VACUUM");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("not supported") != std::string::npos);
  auto s = c->execute("SELEC 1");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message.find("syntax error") != std::string::npos);
}

TEST_CASE("combine engine answers joins, aggregates and ORDER BY/LIMIT exactly") {
  auto c = cluster(4);
  run(*c, "CREATE TABLE a (id INTEGER PRIMARY KEY, g TEXT, v REAL)");
  run(*c, "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER, w INTEGER)");
  for (int i = 1; i <= 50; i++) {
    run(*c, "INSERT INTO a VALUES (?, ?, ?)", {Value::integer(i), Value::text(i % 3 ? "x" : "y"), Value::real(i * 1.5)});
    run(*c, "INSERT INTO b VALUES (?, ?, ?)", {Value::integer(i), Value::integer(51 - i), Value::integer(i)});
  }
  auto avg = run(*c, "SELECT g, avg(v), count(*) FROM a GROUP BY g ORDER BY g");
  REQUIRE(avg.rs.rows.size() == 2);
  CHECK(avg.rs.rows[0][2].i == 34);
  auto top = run(*c, "SELECT id FROM a ORDER BY v DESC LIMIT 3");
  REQUIRE(top.rs.rows.size() == 3);
  CHECK(top.rs.rows[0][0].i == 50);
  CHECK(top.rs.rows[2][0].i == 48);
  auto j = run(*c, "SELECT count(*) FROM a JOIN b ON a.id = b.a_id WHERE b.w < 10");
  CHECK(j.rs.rows[0][0].i == 9);
}

TEST_CASE("a conductor with a stale catalog is refused by the nodes and re-plans") {
  auto c = cluster(8);
  auto other = [&](const std::string& sql, std::vector<Value> params = {}) {
    auto r = c->execute_in_isolate(1, sql, params);
    INFO(sql);
    if (!r.ok()) FAIL(r.error().message);
    return std::move(*r);
  };
  run(*c, "CREATE TABLE t (id INTEGER PRIMARY KEY, u INTEGER)");
  other("SELECT count(*) FROM t");  // isolate 1 caches the catalog: t sharded by id
  // Isolate 0 re-creates t sharded by u.
  run(*c, "DROP TABLE t");
  run(*c, "CREATE TABLE t (id INTEGER PRIMARY KEY, u INTEGER)");
  run(*c, "PRAGMA bigdaddy_shard_key = 't.u'");
  // Isolate 1 still believes t is sharded by id; its inserts must land by u anyway.
  for (int i = 1; i <= 20; i++) other("INSERT INTO t VALUES (?, ?)", {Value::integer(i), Value::integer(i * 7)});
  for (int i = 1; i <= 20; i++) {
    auto r = run(*c, "SELECT id FROM t WHERE u = ?", {Value::integer(i * 7)});
    REQUIRE(r.rs.rows.size() == 1);
    CHECK(r.rs.rows[0][0].i == i);
    CHECK(r.meta_json.find("\"nodesTouched\":1") != std::string::npos);
  }
  // A global index created by isolate 0 is maintained by isolate 1's writes.
  other("SELECT count(*) FROM t");
  run(*c, "CREATE INDEX t_id ON t (id)");
  other("INSERT INTO t VALUES (100, 700)");
  auto r = run(*c, "SELECT u FROM t WHERE id = 100");
  REQUIRE(r.rs.rows.size() == 1);
  CHECK(r.rs.rows[0][0].i == 700);
  CHECK(r.meta_json.find("\"plan\":\"lookup\"") != std::string::npos);
}
