// Schema changes inside interactive transactions, on 4 nodes against one plain SQLite database:
// each case runs the same BEGIN; <DDL>...; ROLLBACK or COMMIT on both, and afterwards
// sqlite_master (type, name, tbl_name, sql, in order) must be the same text, the rows the same,
// and the tables still usable. What cannot be undone exactly is refused before anything applies.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "reference_pair.h"

using namespace bd;

namespace {

const char* kMaster = "SELECT type, name, tbl_name, sql FROM sqlite_master";

const std::vector<std::string> kSchema = {
    "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT)",
    "CREATE INDEX users_name ON users(name)",
    "CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users(id), title TEXT)",
    "CREATE VIEW named AS SELECT id, name FROM users WHERE name IS NOT NULL",
    "CREATE TABLE log (id INTEGER PRIMARY KEY, what TEXT)",
    "CREATE TRIGGER users_note AFTER INSERT ON users BEGIN SELECT RAISE(IGNORE) WHERE new.name = 'nobody'; END",
    "CREATE TABLE tail (id INTEGER PRIMARY KEY, v TEXT)",
    "CREATE VIEW log_view AS SELECT what FROM log",
};

struct Pair : testing::ReferencePair {
  Pair() : ReferencePair(4, "txnddl", {.foreign_keys = true}) {
    for (auto& s : kSchema) both(s);
    for (int i = 1; i <= 12; i++)
      both("INSERT INTO users VALUES (" + std::to_string(i) + ", 'u" + std::to_string(i) + "', 'e" + std::to_string(i) + "')");
    for (int i = 1; i <= 12; i++) both("INSERT INTO posts VALUES (" + std::to_string(100 + i) + ", " + std::to_string(i) + ", 't')");
    same();
  }

  void same() {
    check({kMaster});
    for (auto* q : {"SELECT * FROM users ORDER BY id", "SELECT * FROM posts ORDER BY id", "SELECT * FROM named ORDER BY id"}) check({q});
    // Only whether it works: once its table was dropped inside a transaction, the view's error
    // names the table as the nodes renamed it aside (README, Transactions).
    auto x = big->execute("SELECT * FROM log_view ORDER BY 1");
    auto y = sqlite_run(ref, "SELECT * FROM log_view ORDER BY 1", {});
    REQUIRE(x.ok() == y.ok());
    if (x.ok()) CHECK(x->rs.rows == y->rows);
  }

  // The statements between BEGIN and `end` on both; each must succeed on both or fail on both.
  void txn(const std::vector<std::string>& statements, const std::string& end) {
    auto begin = testing::run(*big, "BEGIN");
    ref_run("BEGIN");
    for (auto& s : statements) {
      check({s}, begin.transaction);
      // Inside the transaction the schema is already the changed one.
      INFO("inside the transaction, after " << s);
      check({kMaster}, begin.transaction);
    }
    auto a = big->execute_in_txn(begin.transaction, end);
    INFO(end << ": " << (a.ok() ? std::string("ok") : a.error().message));
    REQUIRE(a.ok());
    ref_run(end);
    same();
  }
};

}  // namespace

TEST_CASE("txn ddl: ROLLBACK restores exactly the previous sqlite_master, object by object (4 nodes)") {
  Pair p;
  p.txn({"CREATE TABLE fresh (id INTEGER PRIMARY KEY, x)", "INSERT INTO fresh VALUES (1, 2)"}, "ROLLBACK");
  p.txn({"ALTER TABLE users ADD COLUMN age INTEGER DEFAULT 0"}, "ROLLBACK");
  p.txn({"ALTER TABLE users RENAME COLUMN name TO full_name"}, "ROLLBACK");
  p.txn({"ALTER TABLE users RENAME TO people"}, "ROLLBACK");
  p.txn({"CREATE INDEX posts_title ON posts(title)"}, "ROLLBACK");
  p.txn({"DROP INDEX users_name"}, "ROLLBACK");
  p.txn({"DROP VIEW named"}, "ROLLBACK");
  p.txn({"DROP TRIGGER users_note"}, "ROLLBACK");
  p.txn({"CREATE VIEW titles AS SELECT title FROM posts", "CREATE TRIGGER t2 AFTER DELETE ON posts BEGIN SELECT 1; END"}, "ROLLBACK");
  p.txn({"DROP TABLE log"}, "ROLLBACK");
  p.txn({"DROP TABLE posts"}, "ROLLBACK");
  // Several changes, with rows written in between.
  p.txn({"ALTER TABLE users ADD COLUMN age INTEGER", "UPDATE users SET age = id", "ALTER TABLE users RENAME TO people",
         "CREATE INDEX people_age ON people(age)", "DROP TABLE tail"},
        "ROLLBACK");
}

TEST_CASE("txn ddl: COMMIT keeps the schema SQLite would have, references renamed as SQLite renames them (4 nodes)") {
  Pair p;
  p.txn({"ALTER TABLE users RENAME COLUMN email TO mail"}, "COMMIT");
  p.txn({"ALTER TABLE users RENAME TO people"}, "COMMIT");
  p.txn({"DROP TABLE tail", "CREATE TABLE tail (id INTEGER PRIMARY KEY, w TEXT)"}, "COMMIT");
  // A table recreated as migration tools change a column: the view over it keeps working.
  p.both("INSERT INTO log VALUES (1, 'one'), (2, 'two')");
  p.txn({"CREATE TABLE __new_log (id INTEGER PRIMARY KEY, what TEXT NOT NULL)", "INSERT INTO __new_log SELECT * FROM log", "DROP TABLE log",
         "ALTER TABLE __new_log RENAME TO log"},
        "COMMIT");
  p.txn({"DROP TABLE log"}, "COMMIT");
  p.txn({"ALTER TABLE people ADD COLUMN age INTEGER", "CREATE INDEX people_age ON people(age)"}, "COMMIT");
  p.both("INSERT INTO people (id, name) VALUES (50, 'x')");
}

TEST_CASE("txn ddl: what cannot be undone exactly is refused before anything applies; the transaction goes on") {
  Pair p;
  auto begin = testing::run(*p.big, "BEGIN");
  REQUIRE(p.big->execute_in_txn(begin.transaction, "UPDATE users SET name = 'changed' WHERE id = 1").ok());
  auto drop_column = p.big->execute_in_txn(begin.transaction, "ALTER TABLE users DROP COLUMN email");
  REQUIRE_FALSE(drop_column.ok());
  CHECK(drop_column.error().message.find("inside a transaction") != std::string::npos);
  auto index = p.big->execute_in_txn(begin.transaction, "CREATE INDEX users_email ON users(email)");
  REQUIRE_FALSE(index.ok());
  CHECK(index.error().message.find("inside a transaction") != std::string::npos);
  // Nothing of them applied, and the transaction's own write is still there.
  auto inside = p.big->execute_in_txn(begin.transaction, "SELECT name FROM users WHERE id = 1");
  REQUIRE(inside.ok());
  CHECK(inside->rs.rows[0][0].s == "changed");
  REQUIRE(p.big->execute_in_txn(begin.transaction, "ROLLBACK").ok());
  p.same();
}

TEST_CASE("txn ddl: DROP TABLE of a parent whose nodes check a child's foreign key is refused inside a transaction") {
  auto c = testing::cluster(4);
  testing::run(*c, "CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT)");
  // Sharded by post_id (its first key column): each node checks its comments' posts itself.
  testing::run(*c, "CREATE TABLE comments (id INTEGER, post_id INTEGER REFERENCES posts(id), body TEXT, PRIMARY KEY (post_id, id))");
  testing::run(*c, "INSERT INTO posts VALUES (1, 'a'), (2, 'b')");
  auto before = testing::run(*c, kMaster).rs.rows;
  auto b = testing::run(*c, "BEGIN");
  REQUIRE(c->execute_in_txn(b.transaction, "CREATE TABLE __new_posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL)").ok());
  auto drop = c->execute_in_txn(b.transaction, "DROP TABLE posts");
  REQUIRE_FALSE(drop.ok());
  CHECK(drop.error().message ==
        "DROP TABLE posts inside a transaction is not supported yet: table comments references it with a foreign key its nodes check "
        "(drop it outside a transaction)");
  REQUIRE(c->execute_in_txn(b.transaction, "ROLLBACK").ok());
  CHECK(testing::run(*c, kMaster).rs.rows == before);
  // The child's nodes still check against posts.
  testing::run(*c, "INSERT INTO comments VALUES (1, 1, 'x')");
  auto orphan = c->execute("INSERT INTO comments VALUES (2, 9, 'y')");
  REQUIRE_FALSE(orphan.ok());
  CHECK(orphan.error().message == "FOREIGN KEY constraint failed");
}
