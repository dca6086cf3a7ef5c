// Global secondary indexes: backfill, maintenance on every write, UNIQUE across shards, routing.
#include <catch2/catch.hpp>

#include "cluster_helpers.h"

using bd::Value;
using bd::native::Cluster;

namespace {
std::unique_ptr<Cluster> cluster(int nodes) { return bd::testing::cluster(nodes, "idx"); }
using bd::testing::run;
int64_t count(Cluster& c, const std::string& sql, std::vector<Value> params = {}) { return run(c, sql, params).rs.rows[0][0].i; }
int64_t entries(Cluster& c, const std::string& index) {
  int64_t n = 0;
  for (int i = 0; i < c.nodes(); i++) n += c.node_exec(i, "SELECT count(*) FROM _bd_idx_" + index)->rows[0][0].i;
  return n;
}
int64_t touched(const std::string& meta) { return std::stoll(meta.substr(meta.find("\"nodesTouched\":") + 15)); }
}  // namespace

TEST_CASE("index: created after 1,000 rows exist, it finds every one of them") {
  auto c = cluster(8);
  run(*c, "CREATE TABLE t (id INTEGER PRIMARY KEY, grp INTEGER, name TEXT)");
  for (int i = 1; i <= 1000; i++)
    run(*c, "INSERT INTO t VALUES (?, ?, ?)", {Value::integer(i), Value::integer(i % 37), Value::text("n" + std::to_string(i))});
  run(*c, "CREATE INDEX t_grp ON t (grp)");
  CHECK(entries(*c, "t_grp") == 1000);
  for (int g = 0; g < 37; g++) {
    auto r = run(*c, "SELECT count(*) FROM t WHERE grp = ?", {Value::integer(g)});
    CHECK(r.rs.rows[0][0].i == 1000 / 37 + (g >= 1 && g <= 1000 % 37 ? 1 : 0));
    CHECK(r.meta_json.find("\"plan\":\"lookup\"") != std::string::npos);
  }
  // Rows inserted later are indexed too, and deleted rows leave the index.
  run(*c, "INSERT INTO t VALUES (2000, 5, 'late')");
  CHECK(count(*c, "SELECT count(*) FROM t WHERE grp = 5") == 28);
  run(*c, "DELETE FROM t WHERE grp = 5 AND id > 500");
  CHECK(count(*c, "SELECT count(*) FROM t WHERE grp = 5") == 14);
  CHECK(entries(*c, "t_grp") == count(*c, "SELECT count(*) FROM t"));
}

TEST_CASE("index: an UPDATE that changes the indexed column used in its own WHERE leaves the index right") {
  auto c = cluster(8);
  run(*c, "CREATE TABLE t (id INTEGER PRIMARY KEY, grp INTEGER)");
  for (int i = 1; i <= 200; i++) run(*c, "INSERT INTO t VALUES (?, ?)", {Value::integer(i), Value::integer(i % 10)});
  run(*c, "CREATE INDEX t_grp ON t (grp)");
  auto u = run(*c, "UPDATE t SET grp = grp + 100 WHERE grp = 5");
  CHECK(u.rs.changes == 20);
  CHECK(count(*c, "SELECT count(*) FROM t WHERE grp = 105") == 20);
  CHECK(count(*c, "SELECT count(*) FROM t WHERE grp = 5") == 0);
  CHECK(entries(*c, "t_grp") == 200);
  // Every row is reachable through the index by its current value.
  for (int g : {0, 1, 2, 3, 4, 6, 7, 8, 9, 105}) CHECK(count(*c, "SELECT count(*) FROM t WHERE grp = ?", {Value::integer(g)}) == 20);
}

TEST_CASE("index: UNIQUE rejects a duplicate whose rows hash to different shards, with SQLite's message") {
  auto c = cluster(8);
  run(*c, "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)");
  run(*c, "CREATE UNIQUE INDEX users_email ON users (email)");
  run(*c, "INSERT INTO users VALUES (1, 'ann@example.com')");
  // Find an id whose row lives on another node than id 1's.
  auto node_of = [&](int id) {
    for (int n = 0; n < 8; n++)
      if (c->node_exec(n, "SELECT count(*) FROM users WHERE id = " + std::to_string(id))->rows[0][0].i) return n;
    return -1;
  };
  int home = node_of(1);
  int other = 2;
  for (;; other++) {
    run(*c, "INSERT INTO users VALUES (?, ?)", {Value::integer(other), Value::text("probe" + std::to_string(other))});
    if (node_of(other) != home) break;
  }
  auto dup = c->execute("INSERT INTO users VALUES (?, 'ann@example.com')", {Value::integer(other + 1000)});
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().message == "UNIQUE constraint failed: users.email");
  auto dup2 = c->execute("UPDATE users SET email = 'ann@example.com' WHERE id = ?", {Value::integer(other)});
  REQUIRE_FALSE(dup2.ok());
  CHECK(dup2.error().message == "UNIQUE constraint failed: users.email");
  CHECK(count(*c, "SELECT count(*) FROM users WHERE email = 'ann@example.com'") == 1);
  // NULLs are distinct, as in SQLite.
  run(*c, "INSERT INTO users VALUES (9001, NULL), (9002, NULL)");
  // A UNIQUE index over existing duplicates fails and leaves nothing behind.
  run(*c, "CREATE TABLE d (id INTEGER PRIMARY KEY, v TEXT)");
  run(*c, "INSERT INTO d VALUES (1, 'x'), (2, 'x')");
  auto bad = c->execute("CREATE UNIQUE INDEX d_v ON d (v)");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "UNIQUE constraint failed: d.v");
  CHECK(c->execute("INSERT INTO d VALUES (3, 'x')").ok());
}

TEST_CASE("index: plan — an indexed equality touches the index's shard plus the owning shard only") {
  auto c = cluster(8);
  run(*c, "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, age INTEGER)");
  run(*c, "CREATE UNIQUE INDEX users_email ON users (email)");
  for (int i = 1; i <= 300; i++)
    run(*c, "INSERT INTO users VALUES (?, ?, ?)", {Value::integer(i), Value::text("u" + std::to_string(i) + "@x"), Value::integer(i % 50)});
  for (int i : {1, 150, 300}) {
    auto r = run(*c, "SELECT id FROM users WHERE email = ?", {Value::text("u" + std::to_string(i) + "@x")});
    REQUIRE(r.rs.rows.size() == 1);
    CHECK(r.rs.rows[0][0].i == i);
    CHECK(touched(r.meta_json) <= 2);
    CHECK(r.meta_json.find("\"roundTrips\":2") != std::string::npos);
  }
  auto none = run(*c, "SELECT id FROM users WHERE email = 'nobody'");
  CHECK(none.rs.rows.empty());
  // Composite index, leftmost prefix.
  run(*c, "CREATE INDEX users_age_id ON users (age, id)");
  auto pre = run(*c, "SELECT count(*) FROM users WHERE age = 7");
  CHECK(pre.rs.rows[0][0].i == 6);
  CHECK(pre.meta_json.find("\"plan\":\"lookup\"") != std::string::npos);
  // DROP INDEX removes the lookup table; queries still answer (by scatter).
  run(*c, "DROP INDEX users_email");
  CHECK_FALSE(c->node_exec(0, "SELECT count(*) FROM _bd_idx_users_email").ok());
  CHECK(run(*c, "SELECT id FROM users WHERE email = 'u7@x'").rs.rows[0][0].i == 7);
}
