// Triggers whose bodies write to sharded tables (an audit row that lands on another node, a counter
// kept in another table), on 4 nodes against one plain SQLite database: the conductor runs them as
// part of the statement's transaction, so the statement and every trigger write apply together or
// not at all. After every statement both hold the same rows.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "reference_pair.h"

using namespace bd;

namespace {

const std::vector<std::string> kState = {
    "SELECT id, name FROM users ORDER BY id",
    "SELECT uid, what FROM audit ORDER BY uid, what",
    "SELECT name, n FROM counters ORDER BY name",
};

struct Pair : testing::ReferencePair {
  Pair() : ReferencePair(4, "trig") {
    for (auto* s : {
             "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)",
             // No key: rows spread by a hidden rowid, so a user's audit rows land on other nodes.
             "CREATE TABLE audit (uid INTEGER, what TEXT CHECK (what NOT LIKE '%forbidden%'))",
             "CREATE TABLE counters (name TEXT PRIMARY KEY, n INTEGER CHECK (n >= 0))",
             "INSERT INTO counters VALUES ('users', 0), ('renames', 0), ('vips', 0)",
             "CREATE TRIGGER users_audit AFTER INSERT ON users BEGIN INSERT INTO audit VALUES (new.id, 'insert ' || new.name); "
             "UPDATE counters SET n = n + 1 WHERE name = 'users'; END",
             "CREATE TRIGGER users_vip AFTER INSERT ON users WHEN new.name LIKE 'vip%' BEGIN "
             "UPDATE counters SET n = n + 1 WHERE name = 'vips'; END",
             "CREATE TRIGGER users_rename AFTER UPDATE OF name ON users BEGIN "
             "INSERT INTO audit (uid, what) VALUES (old.id, old.name || ' -> ' || new.name); "
             "UPDATE counters SET n = n + 1 WHERE name = 'renames'; END",
             "CREATE TRIGGER users_gone AFTER DELETE ON users BEGIN INSERT INTO audit VALUES (old.id, 'delete'); "
             "UPDATE counters SET n = n - 1 WHERE name = 'users'; END",
         })
      both(s);
  }

  void same() {
    for (auto& q : kState) {
      auto a = testing::run(*big, q).rs.rows;
      auto b = ref_run(q).rows;
      INFO(q << "\nBig Daddy:\n" << testing::show_rows(a) << "SQLite:\n" << testing::show_rows(b));
      CHECK(a == b);
    }
  }

  void check(const std::string& sql) {
    ReferencePair::check({sql});
    same();
  }
};

}  // namespace

TEST_CASE("trigger writes: audit rows and counters on other nodes, all or nothing, as in SQLite (4 nodes)") {
  Pair p;
  // sqlite_master keeps the triggers as written.
  auto master = testing::run(*p.big, "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name").rs.rows;
  CHECK(master.size() == 4);
  p.check("INSERT INTO users VALUES (1, 'ada')");
  p.check("INSERT INTO users (id, name) VALUES (2, 'grace')");
  p.check("INSERT INTO users VALUES (10, 'vip alan'), (11, 'bob'), (12, 'vip carol'), (13, 'dan'), (14, 'eve')");
  p.check("UPDATE users SET name = upper(name) WHERE id > 10");
  p.check("UPDATE users SET id = id WHERE id = 1");  // not UPDATE OF name: no rename trigger
  p.check("DELETE FROM users WHERE id IN (11, 13)");
  // A trigger's write fails (audit's CHECK) after the row and other trigger writes went to other
  // nodes: nothing of the statement stays.
  p.check("INSERT INTO users VALUES (20, 'ok'), (21, 'forbidden'), (22, 'fine')");
  p.check("UPDATE users SET name = 'forbidden' WHERE id = 12");
  // A counter that would go negative fails the DELETE of every row.
  p.check("UPDATE counters SET n = 1 WHERE name = 'users'");
  p.check("DELETE FROM users");
  p.check("UPDATE counters SET n = 100 WHERE name = 'users'");
  p.check("DELETE FROM users WHERE id > 10");
  // Dropped, it no longer fires.
  p.check("DROP TRIGGER users_audit");
  p.check("INSERT INTO users VALUES (30, 'quiet')");
  p.check("DELETE FROM users WHERE id = 30");
}

TEST_CASE("trigger writes: inside a transaction, ROLLBACK takes the trigger writes back with the statement") {
  Pair p;
  p.check("INSERT INTO users VALUES (1, 'ada'), (2, 'bob')");
  auto begin = testing::run(*p.big, "BEGIN");
  REQUIRE(p.big->execute_in_txn(begin.transaction, "INSERT INTO users VALUES (3, 'carl')").ok());
  REQUIRE(p.big->execute_in_txn(begin.transaction, "UPDATE users SET name = 'robert' WHERE id = 2").ok());
  auto inside = p.big->execute_in_txn(begin.transaction, "SELECT n FROM counters WHERE name = 'users'");
  REQUIRE(inside.ok());
  CHECK(inside->rs.rows[0][0].i == 3);
  auto bad = p.big->execute_in_txn(begin.transaction, "INSERT INTO users VALUES (4, 'forbidden')");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "CHECK constraint failed: what NOT LIKE '%forbidden%'");
  REQUIRE(p.big->execute_in_txn(begin.transaction, "ROLLBACK").ok());
  p.same();
}

TEST_CASE("trigger writes: BEFORE triggers writing to sharded tables are refused when created") {
  auto c = testing::cluster(4);
  testing::run(*c, "CREATE TABLE a (id INTEGER PRIMARY KEY)");
  testing::run(*c, "CREATE TABLE b (id INTEGER PRIMARY KEY)");
  auto r = c->execute("CREATE TRIGGER t BEFORE INSERT ON a BEGIN INSERT INTO b VALUES (new.id); END");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("only AFTER triggers can") != std::string::npos);
  CHECK(testing::run(*c, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").rs.rows[0][0].i == 0);
  // An AFTER one runs, and NEW has the values the row got (an allocated id, a default).
  testing::run(*c, "CREATE TABLE c (id INTEGER PRIMARY KEY, tag TEXT DEFAULT 'd')");
  testing::run(
      *c, "CREATE TRIGGER t AFTER INSERT ON c BEGIN INSERT INTO b VALUES (new.id + 1000000); INSERT INTO a VALUES (length(new.tag)); END");
  testing::run(*c, "INSERT INTO c DEFAULT VALUES");
  auto id = testing::run(*c, "SELECT id FROM c").rs.rows[0][0].i;
  CHECK(testing::run(*c, "SELECT id FROM b").rs.rows[0][0].i == id + 1000000);
  CHECK(testing::run(*c, "SELECT id FROM a").rs.rows[0][0].i == 1);
}
