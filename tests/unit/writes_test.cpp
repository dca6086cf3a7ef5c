// Writes that systems in this field get wrong, on 8 nodes: OR over two columns, shard-key
// updates, large multi-row inserts, generated ids, ALTER TABLE, RETURNING/UPSERT, co-location and
// subqueries in writes.
#include <catch2/catch.hpp>

#include <set>
#include "cluster_helpers.h"

using bd::Value;
using bd::native::Cluster;

namespace {
std::unique_ptr<Cluster> cluster(int nodes) { return bd::testing::cluster(nodes, "writes"); }
using bd::testing::run;
}  // namespace

TEST_CASE("writes: WHERE a = 1 OR b = 2 returns each matching row once") {
  auto c = cluster(8);
  run(*c, "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER)");
  run(*c, "INSERT INTO t VALUES (1, 1, 2), (2, 1, 0), (3, 0, 2), (4, 0, 0)");
  auto r = run(*c, "SELECT id FROM t WHERE a = 1 OR b = 2 ORDER BY id");
  REQUIRE(r.rs.rows.size() == 3);
  CHECK(r.rs.rows[0][0].i == 1);
  CHECK(r.rs.rows[1][0].i == 2);
  CHECK(r.rs.rows[2][0].i == 3);
  auto k = run(*c, "SELECT id FROM t WHERE id = 1 OR id = 1 OR id = 3");
  CHECK(k.rs.rows.size() == 2);
}

TEST_CASE("writes: an UPDATE of the shard key moves the row; a point lookup by the new key finds it") {
  auto c = cluster(8);
  run(*c, "CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT)");
  for (int i = 1; i <= 50; i++) run(*c, "INSERT INTO t VALUES (?, ?)", {Value::integer(i), Value::text("v" + std::to_string(i))});
  auto u = run(*c, "UPDATE t SET id = id + 1000 WHERE id <= 10");
  CHECK(u.rs.changes == 10);
  for (int i = 1; i <= 10; i++) {
    auto r = run(*c, "SELECT x FROM t WHERE id = ?", {Value::integer(i + 1000)});
    REQUIRE(r.rs.rows.size() == 1);
    CHECK(r.rs.rows[0][0].s == "v" + std::to_string(i));
    CHECK(run(*c, "SELECT x FROM t WHERE id = ?", {Value::integer(i)}).rs.rows.empty());
  }
  CHECK(run(*c, "SELECT count(*) FROM t").rs.rows[0][0].i == 50);
  // Exactly one copy of every row, on the node its key hashes to (one node answers per point).
  int64_t total = 0;
  for (int n = 0; n < 8; n++) total += c->node_exec(n, "SELECT count(*) FROM t")->rows[0][0].i;
  CHECK(total == 50);
}

TEST_CASE("writes: one INSERT of 500 rows x 4 columns succeeds within the 100-parameter limit") {
  auto c = cluster(8);
  run(*c, "CREATE TABLE w (id INTEGER PRIMARY KEY, a TEXT, b REAL, c BLOB)");
  std::string sql = "INSERT INTO w (id, a, b, c) VALUES ";
  std::vector<Value> params;
  for (int i = 0; i < 500; i++) {
    sql += i ? ", (?, ?, ?, ?)" : "(?, ?, ?, ?)";
    params.push_back(Value::integer(i + 1));
    params.push_back(Value::text(std::string(300, 'a' + i % 26)));  // long enough to travel as parameters
    params.push_back(Value::real(i * 0.5));
    params.push_back(Value::blob(std::string(4, static_cast<char>(i))));
  }
  // The user's statement itself has 2,000 parameters: more than a Durable Object accepts at once.
  auto r = run(*c, sql, params);
  CHECK(r.rs.changes == 500);
  CHECK(run(*c, "SELECT count(*), sum(b), count(DISTINCT a) FROM w").rs.rows[0][0].i == 500);
}

TEST_CASE("writes: 10,000 inserts without ids yield 10,000 distinct ids spread over all nodes") {
  auto c = cluster(8);
  run(*c, "CREATE TABLE e (id INTEGER PRIMARY KEY, v INTEGER)");
  std::set<int64_t> ids;
  for (int i = 0; i < 10000; i++) ids.insert(run(*c, "INSERT INTO e (v) VALUES (?)", {Value::integer(i)}).rs.last_insert_rowid);
  CHECK(ids.size() == 10000);
  CHECK(run(*c, "SELECT count(DISTINCT id), count(*) FROM e").rs.rows[0][0].i == 10000);
  for (int n = 0; n < 8; n++) CHECK(c->node_exec(n, "SELECT count(*) FROM e")->rows[0][0].i > 900);
}

TEST_CASE("writes: ALTER TABLE ADD COLUMN, then INSERT and SELECT of the new column, on every node") {
  auto c = cluster(8);
  run(*c, "CREATE TABLE a (id INTEGER PRIMARY KEY, x INTEGER)");
  for (int i = 1; i <= 40; i++) run(*c, "INSERT INTO a VALUES (?, ?)", {Value::integer(i), Value::integer(i)});
  run(*c, "ALTER TABLE a ADD COLUMN note TEXT DEFAULT 'none'");
  for (int i = 41; i <= 80; i++)
    run(*c, "INSERT INTO a (id, x, note) VALUES (?, ?, ?)", {Value::integer(i), Value::integer(i), Value::text("n" + std::to_string(i))});
  auto r = run(*c, "SELECT count(*) FROM a WHERE note = 'none'");
  CHECK(r.rs.rows[0][0].i == 40);
  auto s = run(*c, "SELECT note FROM a WHERE id = 77");
  REQUIRE(s.rs.rows.size() == 1);
  CHECK(s.rs.rows[0][0].s == "n77");
  for (int n = 0; n < 8; n++) CHECK(c->node_exec(n, "SELECT note FROM a LIMIT 1").ok());
  auto star = run(*c, "SELECT * FROM a WHERE id = 1");
  CHECK(star.rs.columns == std::vector<std::string>{"id", "x", "note"});
}

TEST_CASE("writes: RETURNING, UPSERT and INSERT OR REPLACE are routed and exact") {
  auto c = cluster(8);
  run(*c, "CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER)");
  auto r = run(*c, "INSERT INTO kv VALUES ('a', 1), ('b', 2) RETURNING *");
  CHECK(r.rs.rows.size() == 2);
  CHECK(r.rs.columns == std::vector<std::string>{"k", "v"});
  run(*c, "INSERT INTO kv VALUES ('a', 10) ON CONFLICT(k) DO UPDATE SET v = v + excluded.v");
  CHECK(run(*c, "SELECT v FROM kv WHERE k = 'a'").rs.rows[0][0].i == 11);
  run(*c, "INSERT OR REPLACE INTO kv VALUES ('b', 5)");
  CHECK(run(*c, "SELECT v FROM kv WHERE k = 'b'").rs.rows[0][0].i == 5);
  auto ig = run(*c, "INSERT OR IGNORE INTO kv VALUES ('b', 6)");
  CHECK(ig.rs.changes == 0);
  auto d = run(*c, "DELETE FROM kv WHERE k = 'a' RETURNING v");
  REQUIRE(d.rs.rows.size() == 1);
  CHECK(d.rs.rows[0][0].i == 11);
  auto dup = c->execute("INSERT INTO kv VALUES ('b', 7)");
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().message == "UNIQUE constraint failed: kv.k");
}

TEST_CASE("writes: co-location by a chosen shard key and reference tables") {
  auto c = cluster(8);
  run(*c, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)");
  run(*c, "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, total REAL)");
  run(*c, "PRAGMA bigdaddy_shard_key = 'orders.user_id'");
  run(*c, "CREATE TABLE countries (code TEXT PRIMARY KEY, name TEXT)");
  run(*c, "PRAGMA bigdaddy_reference_table = 'countries'");
  run(*c, "INSERT INTO countries VALUES ('FR', 'France'), ('DE', 'Germany')");
  for (int u = 1; u <= 20; u++) {
    run(*c, "INSERT INTO users VALUES (?, ?)", {Value::integer(u), Value::text("u" + std::to_string(u))});
    run(*c, "INSERT INTO orders (user_id, total) VALUES (?, 1.5), (?, 2.5)", {Value::integer(u), Value::integer(u)});
  }
  // Every node holds a full copy of the reference table.
  for (int n = 0; n < 8; n++) CHECK(c->node_exec(n, "SELECT count(*) FROM countries")->rows[0][0].i == 2);
  // A user's orders live with the user: the join for one user touches one node.
  auto j = run(*c, "SELECT o.total FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id = 7");
  CHECK(j.rs.rows.size() == 2);
  CHECK(j.meta_json.find("\"nodesTouched\":1") != std::string::npos);
  auto all = run(*c, "SELECT count(*) FROM users u JOIN orders o ON o.user_id = u.id");
  CHECK(all.rs.rows[0][0].i == 40);
  // Placement can only be declared while the table is empty.
  CHECK_FALSE(c->execute("PRAGMA bigdaddy_shard_key = 'users.name'").ok());
}

TEST_CASE("writes: subqueries over other sharded tables in UPDATE/DELETE are evaluated first") {
  auto c = cluster(8);
  run(*c, "CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER)");
  run(*c, "CREATE TABLE u (id INTEGER PRIMARY KEY, flag INTEGER)");
  for (int i = 1; i <= 40; i++) {
    run(*c, "INSERT INTO t VALUES (?, ?)", {Value::integer(i), Value::integer(i)});
    run(*c, "INSERT INTO u VALUES (?, ?)", {Value::integer(i), Value::integer(i % 4 == 0)});
  }
  // Every node must see all of u's flagged ids, not only its own rows.
  auto d = run(*c, "DELETE FROM t WHERE id IN (SELECT id FROM u WHERE flag = ?)", {Value::integer(1)});
  CHECK(d.rs.changes == 10);
  CHECK(run(*c, "SELECT count(*) FROM t").rs.rows[0][0].i == 30);
  auto up =
      run(*c, "UPDATE t SET x = (SELECT max(id) FROM u) WHERE id > ? AND EXISTS (SELECT 1 FROM u WHERE flag = 1)", {Value::integer(35)});
  CHECK(up.rs.changes == 3);  // 36..40 minus 36 and 40 deleted above: 37, 38, 39
  CHECK(run(*c, "SELECT count(*) FROM t WHERE x = 40").rs.rows[0][0].i == up.rs.changes);
  // A correlated subquery is read with the rows it changes, then written row by row key.
  auto corr = run(*c, "UPDATE t SET x = (SELECT flag FROM u WHERE u.id = t.id)");
  CHECK(corr.rs.changes == 30);
  CHECK(run(*c, "SELECT count(*), sum(x) FROM t").rs.rows[0][1].i == 0);  // the flagged ids were deleted above
}
