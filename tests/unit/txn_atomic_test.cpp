// Statements that touch several nodes are all or nothing, and single-node ones stay on the fast
// path; interactive transactions natively (BEGIN/COMMIT/ROLLBACK/SAVEPOINT), on 8 nodes.
#include <catch2/catch.hpp>

#include "cluster_helpers.h"
#include "storage/txn.h"
#include "conductor/sqlite_exec.h"
#include "sqlite3.h"

using bd::Value;
using bd::native::Cluster;
using bd::testing::run;

namespace {

std::unique_ptr<Cluster> cluster(int nodes = 8) { return bd::testing::cluster(nodes, "txn"); }

int64_t scalar(Cluster& c, const std::string& sql) { return run(c, sql).rs.rows.at(0).at(0).i; }

// After every transaction is over (recovery included), no node keeps locks, undo or live state.
void no_transaction_state_left(Cluster& c) {
  for (int n = 0; n < c.nodes(); n++) {
    auto k = c.txn_counts(n);
    REQUIRE(k.ok());
    INFO("node " << n);
    CHECK(k->live == 0);
    CHECK(k->undo == 0);
    CHECK(k->locks == 0);
  }
}

std::string rows_of(Cluster& c, const std::string& sql) {
  std::string out;
  for (auto& row : run(c, sql).rs.rows) {
    for (auto& v : row) out += (v.is_null() ? "NULL" : v.type == bd::ValueType::Integer ? std::to_string(v.i) : v.s) + "|";
    out += "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("txn atomic: an UPDATE whose CHECK fails on one node changes nothing on any node") {
  auto c = cluster();
  run(*c, "CREATE TABLE chk (id INTEGER PRIMARY KEY, qty INTEGER CHECK (qty >= 0))");
  std::string values;
  for (int i = 1; i <= 40; i++) values += (i > 1 ? ", (" : "(") + std::to_string(i) + ", " + std::to_string(i == 17 ? 3 : 10 + i) + ")";
  run(*c, "INSERT INTO chk VALUES " + values);
  int64_t before = scalar(*c, "SELECT sum(qty) FROM chk");
  std::string rows = rows_of(*c, "SELECT * FROM chk ORDER BY id");
  auto r = c->execute("UPDATE chk SET qty = qty - 5");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "CHECK constraint failed: qty >= 0");
  CHECK(scalar(*c, "SELECT sum(qty) FROM chk") == before);
  CHECK(rows_of(*c, "SELECT * FROM chk ORDER BY id") == rows);
  no_transaction_state_left(*c);
  // The same statement without the offending row applies everywhere.
  run(*c, "UPDATE chk SET qty = qty + 5 WHERE id = 17");
  run(*c, "UPDATE chk SET qty = qty - 5");
  CHECK(scalar(*c, "SELECT sum(qty) FROM chk") == before + 5 - 40 * 5);
}

TEST_CASE("txn atomic: a multi-row INSERT whose last row collides inserts nothing") {
  auto c = cluster();
  run(*c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
  run(*c, "INSERT INTO t VALUES (5, 'old')");
  std::string values;
  for (int i = 100; i < 130; i++) values += "(" + std::to_string(i) + ", 'new'), ";
  auto r = c->execute("INSERT INTO t VALUES " + values + "(5, 'again')");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "UNIQUE constraint failed: t.id");
  CHECK(scalar(*c, "SELECT count(*) FROM t") == 1);
  no_transaction_state_left(*c);
}

TEST_CASE("txn atomic: global index entries and rows go in together or not at all") {
  auto c = cluster();
  run(*c, "CREATE TABLE u (id INTEGER PRIMARY KEY, email TEXT)");
  run(*c, "CREATE UNIQUE INDEX u_email ON u (email)");
  run(*c, "INSERT INTO u VALUES (1, 'a@x'), (2, 'b@x')");
  auto r = c->execute("INSERT INTO u VALUES (3, 'c@x'), (4, 'd@x'), (5, 'a@x')");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "UNIQUE constraint failed: u.email");
  CHECK(scalar(*c, "SELECT count(*) FROM u") == 2);
  int64_t entries = 0;
  for (int n = 0; n < 8; n++) entries += c->node_exec(n, "SELECT count(*) FROM _bd_idx_u_email")->rows[0][0].i;
  CHECK(entries == 2);
  // An UPDATE moving a value onto a taken one changes neither rows nor entries.
  auto u = c->execute("UPDATE u SET email = 'b@x' WHERE id = 1");
  REQUIRE_FALSE(u.ok());
  CHECK(rows_of(*c, "SELECT id, email FROM u ORDER BY id") == "1|a@x|\n2|b@x|\n");
  no_transaction_state_left(*c);
}

TEST_CASE("txn atomic: a single-node write stays one round trip and leaves no transaction tables") {
  auto c = cluster();
  run(*c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)");
  auto r = run(*c, "INSERT INTO t VALUES (1, 1)");
  CHECK(r.meta_json.find("\"roundTrips\":1") != std::string::npos);
  auto u = run(*c, "UPDATE t SET v = 2 WHERE id = 1");
  CHECK(u.meta_json.find("\"roundTrips\":1") != std::string::npos);
  for (int n = 0; n < 8; n++) CHECK(c->node_exec(n, "SELECT count(*) FROM sqlite_schema WHERE name = '_bd_txn'")->rows[0][0].i == 0);
}

TEST_CASE("txn interactive: own writes visible inside, invisible outside until COMMIT, gone after ROLLBACK") {
  auto c = cluster();
  run(*c, "CREATE TABLE acc (id INTEGER PRIMARY KEY, bal INTEGER)");
  run(*c, "INSERT INTO acc VALUES (1, 100), (2, 100), (3, 100), (4, 100)");
  auto b = run(*c, "BEGIN");
  REQUIRE(!b.transaction.empty());
  const std::string t = b.transaction;
  REQUIRE(c->execute_in_txn(t, "UPDATE acc SET bal = bal - 30 WHERE id = 1").ok());
  REQUIRE(c->execute_in_txn(t, "UPDATE acc SET bal = bal + 30 WHERE id = 3").ok());
  REQUIRE(c->execute_in_txn(t, "INSERT INTO acc VALUES (9, 5)").ok());
  auto inside = c->execute_in_txn(t, "SELECT sum(bal), count(*) FROM acc");
  REQUIRE(inside.ok());
  CHECK(inside->rs.rows[0][0].i == 405);
  CHECK(inside->transaction == t);
  // Outside, the committed rows only, on every path (point read, scan, aggregate).
  CHECK(scalar(*c, "SELECT bal FROM acc WHERE id = 1") == 100);
  CHECK(scalar(*c, "SELECT sum(bal) FROM acc") == 400);
  CHECK(scalar(*c, "SELECT count(*) FROM acc") == 4);
  auto done = c->execute_in_txn(t, "COMMIT");
  REQUIRE(done.ok());
  c->run_alarms();
  CHECK(scalar(*c, "SELECT sum(bal) FROM acc") == 405);
  CHECK(scalar(*c, "SELECT bal FROM acc WHERE id = 1") == 70);
  // The finished transaction is gone.
  auto again = c->execute_in_txn(t, "SELECT 1");
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().message.find("no such transaction") != std::string::npos);

  auto b2 = run(*c, "BEGIN");
  REQUIRE(c->execute_in_txn(b2.transaction, "DELETE FROM acc WHERE id > 1").ok());
  CHECK(c->execute_in_txn(b2.transaction, "SELECT count(*) FROM acc")->rs.rows[0][0].i == 1);
  REQUIRE(c->execute_in_txn(b2.transaction, "ROLLBACK").ok());
  CHECK(scalar(*c, "SELECT count(*) FROM acc") == 5);
  CHECK(scalar(*c, "SELECT sum(bal) FROM acc") == 405);
  no_transaction_state_left(*c);
}

TEST_CASE("txn interactive: a failing statement is undone on every node and the transaction goes on; SAVEPOINT/ROLLBACK TO") {
  auto c = cluster();
  run(*c, "CREATE TABLE chk (id INTEGER PRIMARY KEY, qty INTEGER CHECK (qty >= 0))");
  run(*c, "INSERT INTO chk VALUES (1, 10), (2, 10), (3, 10), (4, 1), (5, 10), (6, 10), (7, 10), (8, 10)");
  const std::string t = run(*c, "BEGIN").transaction;
  REQUIRE(c->execute_in_txn(t, "UPDATE chk SET qty = qty + 1 WHERE id = 1").ok());
  auto bad = c->execute_in_txn(t, "UPDATE chk SET qty = qty - 5");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "CHECK constraint failed: qty >= 0");
  CHECK(c->execute_in_txn(t, "SELECT sum(qty) FROM chk")->rs.rows[0][0].i == 72);
  REQUIRE(c->execute_in_txn(t, "SAVEPOINT s1").ok());
  REQUIRE(c->execute_in_txn(t, "UPDATE chk SET qty = 0").ok());
  REQUIRE(c->execute_in_txn(t, "INSERT INTO chk VALUES (20, 20)").ok());
  CHECK(c->execute_in_txn(t, "SELECT sum(qty) FROM chk")->rs.rows[0][0].i == 20);
  REQUIRE(c->execute_in_txn(t, "ROLLBACK TO s1").ok());
  CHECK(c->execute_in_txn(t, "SELECT sum(qty) FROM chk")->rs.rows[0][0].i == 72);
  REQUIRE(c->execute_in_txn(t, "RELEASE s1").ok());
  auto missing = c->execute_in_txn(t, "ROLLBACK TO s1");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message == "no such savepoint: s1");
  REQUIRE(c->execute_in_txn(t, "COMMIT").ok());
  c->run_alarms();
  CHECK(scalar(*c, "SELECT sum(qty) FROM chk") == 72);
  no_transaction_state_left(*c);
  // SAVEPOINT outside a transaction begins one; RELEASE of it commits.
  auto sp = run(*c, "SAVEPOINT outer_sp");
  REQUIRE(!sp.transaction.empty());
  REQUIRE(c->execute_in_txn(sp.transaction, "DELETE FROM chk WHERE id = 8").ok());
  REQUIRE(c->execute_in_txn(sp.transaction, "RELEASE outer_sp").ok());
  CHECK(scalar(*c, "SELECT count(*) FROM chk") == 7);
  CHECK_FALSE(c->execute_in_txn(sp.transaction, "SELECT 1").ok());
}

TEST_CASE("txn interactive: SQLite's words for misuse") {
  auto c = cluster(2);
  auto r = c->execute("COMMIT");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "cannot commit - no transaction is active");
  r = c->execute("ROLLBACK");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "cannot rollback - no transaction is active");
  const std::string t = run(*c, "BEGIN").transaction;
  auto nested = c->execute_in_txn(t, "BEGIN");
  REQUIRE_FALSE(nested.ok());
  CHECK(nested.error().message == "cannot start a transaction within a transaction");
  auto unknown = c->execute_in_txn("0123456789abcdef", "SELECT 1");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message.find("no such transaction: 0123456789abcdef") == 0);
}

TEST_CASE("txn interactive: schema changes inside a transaction are undone by ROLLBACK and kept by COMMIT") {
  auto c = cluster(4);
  run(*c, "CREATE TABLE keep (id INTEGER PRIMARY KEY, v TEXT)");
  run(*c, "INSERT INTO keep VALUES (1, 'a'), (2, 'b'), (3, 'c')");
  std::string t = run(*c, "BEGIN").transaction;
  REQUIRE(c->execute_in_txn(t, "CREATE TABLE fresh (id INTEGER PRIMARY KEY, x INTEGER)").ok());
  REQUIRE(c->execute_in_txn(t, "CREATE INDEX fresh_x ON fresh (x)").ok());
  REQUIRE(c->execute_in_txn(t, "INSERT INTO fresh VALUES (1, 10), (2, 20)").ok());
  REQUIRE(c->execute_in_txn(t, "ALTER TABLE keep ADD COLUMN w INTEGER DEFAULT 0").ok());
  REQUIRE(c->execute_in_txn(t, "UPDATE keep SET w = 5, v = 'z'").ok());
  REQUIRE(c->execute_in_txn(t, "DROP TABLE keep").ok());
  CHECK_FALSE(c->execute_in_txn(t, "SELECT * FROM keep").ok());
  REQUIRE(c->execute_in_txn(t, "ROLLBACK").ok());
  CHECK_FALSE(c->execute("SELECT * FROM fresh").ok());
  CHECK(rows_of(*c, "SELECT * FROM keep ORDER BY id") == "1|a|\n2|b|\n3|c|\n");
  no_transaction_state_left(*c);

  t = run(*c, "BEGIN").transaction;
  REQUIRE(c->execute_in_txn(t, "CREATE TABLE fresh (id INTEGER PRIMARY KEY, x INTEGER)").ok());
  REQUIRE(c->execute_in_txn(t, "INSERT INTO fresh VALUES (1, 10), (2, 20)").ok());
  REQUIRE(c->execute_in_txn(t, "DROP TABLE keep").ok());
  REQUIRE(c->execute_in_txn(t, "COMMIT").ok());
  CHECK(scalar(*c, "SELECT sum(x) FROM fresh") == 30);
  CHECK_FALSE(c->execute("SELECT * FROM keep").ok());
  // The table renamed aside until the commit is gone from every node.
  for (int n = 0; n < 4; n++) CHECK(c->node_exec(n, "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'keep%'")->rows[0][0].i == 0);
}

TEST_CASE("txn atomic: a write over two nodes commits in two round trips, and a failure on either node leaves nothing") {
  auto c = cluster();
  run(*c, "CREATE TABLE acc (id INTEGER PRIMARY KEY, bal INTEGER CHECK (bal >= 0))");
  std::string values;
  for (int i = 1; i <= 40; i++) values += (i > 1 ? ", (" : "(") + std::to_string(i) + ", 10)";
  run(*c, "INSERT INTO acc VALUES " + values);
  // Two accounts on different nodes.
  std::vector<int64_t> on_node(8, 0);
  for (int n = 0; n < 8; n++) {
    auto r = c->node_exec(n, "SELECT min(id) FROM acc");
    REQUIRE(r.ok());
    if (r->rows[0][0].type == bd::ValueType::Integer) on_node[n] = r->rows[0][0].i;
  }
  int64_t a = 0, b = 0;
  for (int n = 0; n < 8; n++)
    if (on_node[n] && !a)
      a = on_node[n];
    else if (on_node[n] && !b)
      b = on_node[n];
  REQUIRE(a);
  REQUIRE(b);
  const std::string transfer = "UPDATE acc SET bal = bal + CASE id WHEN ?1 THEN -?3 ELSE ?3 END WHERE id IN (?1, ?2)";
  auto moved = run(*c, transfer, {Value::integer(a), Value::integer(b), Value::integer(4)});
  CHECK(moved.rs.changes == 2);
  CHECK(moved.meta_json.find("\"roundTrips\":2") != std::string::npos);
  CHECK(scalar(*c, "SELECT sum(bal) FROM acc") == 400);
  CHECK(run(*c, "SELECT bal FROM acc WHERE id = ?", {Value::integer(a)}).rs.rows[0][0].i == 6);
  no_transaction_state_left(*c);
  // The CHECK fails on the first node, then on the second (one of them holds the decision).
  for (auto [from, to] : {std::pair{a, b}, std::pair{b, a}}) {
    std::string before = rows_of(*c, "SELECT * FROM acc ORDER BY id");
    auto r = c->execute(transfer, {Value::integer(from), Value::integer(to), Value::integer(50)});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "CHECK constraint failed: bal >= 0");
    CHECK(rows_of(*c, "SELECT * FROM acc ORDER BY id") == before);
    no_transaction_state_left(*c);
  }
}

namespace {

// sqlite_schema as a migration tool reads it (rootpage is storage layout), one line per object.
std::string schema_of(const std::vector<bd::Row>& rows) {
  std::string out;
  for (auto& row : rows) {
    for (auto& v : row) out += (v.is_null() ? "NULL" : v.s) + "|";
    out += "\n";
  }
  return out;
}

const char* kSchemaQuery = "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name";

}  // namespace

TEST_CASE("txn interactive: a table recreation (drizzle-kit's migration) re-creates indexes and triggers of the same names") {
  // What drizzle-kit emits to change a column's constraints: a new table, the rows copied, the old
  // table dropped, the new one renamed, then its indexes and triggers re-created under the names
  // the old table's had. Inside one transaction (a migration is one batch), as in plain SQLite.
  const std::vector<std::string> setup = {
      "CREATE TABLE posts (id INTEGER PRIMARY KEY, author TEXT, title TEXT, slug TEXT UNIQUE, n INTEGER)",
      "CREATE INDEX posts_author_title ON posts (author, title)",
      "CREATE UNIQUE INDEX posts_title_u ON posts (title)",
      "CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT)",
      "CREATE TRIGGER posts_audit AFTER INSERT ON posts BEGIN SELECT 1; END",
      "INSERT INTO posts VALUES (1, 'ann', 'one', 's1', 1), (2, 'bob', 'two', 's2', 2), (3, 'ann', 'three', 's3', 3)",
  };
  const std::vector<std::string> migration = {
      // As drizzle-kit writes them (the schema keeps the text as written, as SQLite's does).
      "CREATE TABLE `__new_posts` (\n\t`id` integer PRIMARY KEY,\n\t`author` text NOT NULL, title TEXT, slug TEXT UNIQUE, n INTEGER "
      "DEFAULT 0\n)",
      "INSERT INTO __new_posts (id, author, title, slug, n) SELECT id, author, title, slug, n FROM posts",
      "DROP TABLE posts",
      "ALTER TABLE __new_posts RENAME TO posts",
      "CREATE INDEX `posts_author_title` ON `posts` (`author`,`title`)",
      "CREATE UNIQUE INDEX posts_title_u ON posts (title)",
      "CREATE TRIGGER posts_audit AFTER INSERT ON posts BEGIN SELECT 1; END",
  };
  sqlite3* ref = nullptr;
  sqlite3_open(":memory:", &ref);
  for (auto& s : setup) REQUIRE(bd::sqlite_run(ref, s, {}).ok());
  auto ref_before = bd::sqlite_run(ref, kSchemaQuery, {});
  REQUIRE(ref_before.ok());
  for (auto& s : migration) {
    INFO(s);
    REQUIRE(bd::sqlite_run(ref, s, {}).ok());
  }
  auto ref_after = bd::sqlite_run(ref, kSchemaQuery, {});
  REQUIRE(ref_after.ok());
  sqlite3_close(ref);

  auto c = cluster(4);
  for (auto& s : setup) run(*c, s);
  const std::string rows = rows_of(*c, "SELECT * FROM posts ORDER BY id");
  CHECK(schema_of(run(*c, kSchemaQuery).rs.rows) == schema_of(ref_before->rows));

  SECTION("ROLLBACK puts the old table back with its indexes and triggers") {
    std::string t = run(*c, "BEGIN").transaction;
    for (auto& s : migration) {
      INFO(s);
      auto r = c->execute_in_txn(t, s);
      if (!r.ok()) FAIL(r.error().message);
    }
    REQUIRE(c->execute_in_txn(t, "ROLLBACK").ok());
    // Exactly the schema before, text and all (the table comes back by a rename on the nodes).
    CHECK(schema_of(run(*c, kSchemaQuery).rs.rows) == schema_of(ref_before->rows));
    CHECK(rows_of(*c, "SELECT * FROM posts ORDER BY id") == rows);
    // The indexes work: the unique one refuses a duplicate title, the lookup finds rows.
    auto dup = c->execute("INSERT INTO posts VALUES (9, 'cy', 'two', 's9', 9)");
    REQUIRE_FALSE(dup.ok());
    CHECK(dup.error().message == "UNIQUE constraint failed: posts.title");
    CHECK(rows_of(*c, "SELECT id FROM posts WHERE title = 'three'") == "3|\n");
  }
  SECTION("COMMIT keeps the new table under the old names") {
    std::string t = run(*c, "BEGIN").transaction;
    for (auto& s : migration) {
      INFO(s);
      auto r = c->execute_in_txn(t, s);
      if (!r.ok()) FAIL(r.error().message);
    }
    REQUIRE(c->execute_in_txn(t, "COMMIT").ok());
    CHECK(schema_of(run(*c, kSchemaQuery).rs.rows) == schema_of(ref_after->rows));
    CHECK(rows_of(*c, "SELECT * FROM posts ORDER BY id") == rows);
    auto dup = c->execute("INSERT INTO posts VALUES (9, 'cy', 'two', 's9', 9)");
    REQUIRE_FALSE(dup.ok());
    CHECK(dup.error().message == "UNIQUE constraint failed: posts.title");
    CHECK(rows_of(*c, "SELECT id FROM posts WHERE title = 'three'") == "3|\n");
    CHECK(rows_of(*c, "SELECT id FROM posts WHERE slug = 's2'") == "2|\n");
    auto dup_slug = c->execute("INSERT INTO posts VALUES (9, 'cy', 'nine', 's1', 9)");
    REQUIRE_FALSE(dup_slug.ok());
    CHECK(dup_slug.error().message == "UNIQUE constraint failed: posts.slug");
    // A second recreation of the same table (the next migration) goes the same way.
    t = run(*c, "BEGIN").transaction;
    for (auto& s : migration) {
      INFO(s);
      auto r = c->execute_in_txn(t, s);
      if (!r.ok()) FAIL(r.error().message);
    }
    REQUIRE(c->execute_in_txn(t, "COMMIT").ok());
    CHECK(schema_of(run(*c, kSchemaQuery).rs.rows) == schema_of(ref_after->rows));
    CHECK(rows_of(*c, "SELECT * FROM posts ORDER BY id") == rows);
    dup_slug = c->execute("INSERT INTO posts VALUES (9, 'cy', 'nine', 's1', 9)");
    REQUIRE_FALSE(dup_slug.ok());
    CHECK(dup_slug.error().message == "UNIQUE constraint failed: posts.slug");
    run(*c, "INSERT INTO posts VALUES (9, 'cy', 'nine', 's9', 9)");
    CHECK(rows_of(*c, "SELECT id FROM posts WHERE slug = 's9'") == "9|\n");
  }
  no_transaction_state_left(*c);
}

TEST_CASE("txn atomic: capture triggers leave a node once no transaction ran there for a while, and come back with the next") {
  auto c = cluster(4);
  c->set_time_ms(1'000'000);
  run(*c, "CREATE TABLE acc (id INTEGER PRIMARY KEY, bal INTEGER NOT NULL CHECK (bal >= 0))");
  std::string values;
  for (int i = 1; i <= 40; i++) values += (i > 1 ? ", (" : "(") + std::to_string(i) + ", 10)";
  run(*c, "INSERT INTO acc VALUES " + values);
  auto triggers = [&](int node) {
    auto r = c->node_exec(node, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '\\_bd\\_tx\\_%' ESCAPE '\\'");
    REQUIRE(r.ok());
    return r->rows[0][0].i;
  };
  auto everywhere = [&]() {
    int64_t n = 0;
    for (int node = 0; node < c->nodes(); node++) n += triggers(node) > 0;
    return n;
  };
  // A multi-node write is a transaction: every node it wrote gets capture triggers.
  run(*c, "UPDATE acc SET bal = bal + 1");
  REQUIRE(everywhere() == c->nodes());
  // Writes right after keep them (a transaction ran moments ago).
  c->set_time_ms(1'000'000 + bd::storage::kCaptureIdleMs / 2);
  run(*c, "UPDATE acc SET bal = bal + 1 WHERE id = 1");
  CHECK(everywhere() == c->nodes());
  // After an idle while, the next single-node write drops them on its node.
  c->set_time_ms(1'000'000 + 2 * bd::storage::kCaptureIdleMs);
  for (int i = 1; i <= 40; i++) run(*c, "UPDATE acc SET bal = bal + 1 WHERE id = " + std::to_string(i));
  CHECK(everywhere() == 0);
  CHECK(scalar(*c, "SELECT sum(bal) FROM acc") == 40 * 10 + 40 + 1 + 40);
  // The next multi-node write installs them again and is still all or nothing.
  auto r = c->execute("UPDATE acc SET bal = bal - 13");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "CHECK constraint failed: bal >= 0");
  CHECK(scalar(*c, "SELECT sum(bal) FROM acc") == 40 * 10 + 40 + 1 + 40);
  run(*c, "UPDATE acc SET bal = bal - 1");
  CHECK(scalar(*c, "SELECT sum(bal) FROM acc") == 40 * 10 + 1 + 40);
  CHECK(everywhere() == c->nodes());
  no_transaction_state_left(*c);
}
