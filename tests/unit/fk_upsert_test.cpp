// Foreign keys checked by the conductor when an INSERT resolves a conflict: ON CONFLICT DO UPDATE
// that writes a child key or a referenced key, DO NOTHING and OR IGNORE (a row not inserted is not
// checked), and INSERT OR REPLACE / REPLACE deleting a parent row that children reference (NO ACTION
// and RESTRICT fail, CASCADE / SET NULL / SET DEFAULT act). On 4 nodes against one plain SQLite
// database with foreign_keys on: every statement runs on both, both succeed or fail with the same
// words, and after each one every table holds the same rows. Parents and children are sharded by
// their own ids, so a parent's children are on other nodes and only the conductor can check them.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "reference_pair.h"

using namespace bd;

namespace {

const std::vector<std::string> kSchema = {
    // name: a UNIQUE column that is not the shard key (a global unique index).
    "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT UNIQUE)",
    "CREATE TABLE c_none (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id))",
    "CREATE TABLE c_restrict (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id) ON DELETE RESTRICT ON UPDATE RESTRICT)",
    "CREATE TABLE c_cascade (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id) ON DELETE CASCADE ON UPDATE CASCADE)",
    "CREATE TABLE c_null (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id) ON DELETE SET NULL)",
    "CREATE TABLE c_default (id INTEGER PRIMARY KEY, pid INTEGER DEFAULT 9 REFERENCES p(id) ON DELETE SET DEFAULT)",
    "CREATE TABLE c_deferred (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED)",
    // A child that upserts write.
    "CREATE TABLE kids (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id), note TEXT)",
    "CREATE TABLE kids_deferred (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED, note TEXT)",
    // A referenced key that is not the shard key (DO UPDATE may set it).
    "CREATE TABLE q (id INTEGER PRIMARY KEY, code TEXT UNIQUE)",
    "CREATE TABLE q_none (id INTEGER PRIMARY KEY, code TEXT REFERENCES q(code))",
    "CREATE TABLE q_restrict (id INTEGER PRIMARY KEY, code TEXT REFERENCES q(code) ON UPDATE RESTRICT)",
    "CREATE TABLE q_cascade (id INTEGER PRIMARY KEY, code TEXT REFERENCES q(code) ON UPDATE CASCADE ON DELETE CASCADE)",
    "CREATE TABLE q_null (id INTEGER PRIMARY KEY, code TEXT REFERENCES q(code) ON UPDATE SET NULL)",
    // A parent with no global index: its REPLACE is resolved by the node alone.
    "CREATE TABLE r (id INTEGER PRIMARY KEY, v TEXT)",
    "CREATE TABLE r_none (id INTEGER PRIMARY KEY, rid INTEGER REFERENCES r(id))",
    "CREATE TABLE r_cascade (id INTEGER PRIMARY KEY, rid INTEGER REFERENCES r(id) ON DELETE CASCADE)",
};
const std::vector<std::string> kTables = {"p",  "c_none",     "c_restrict", "c_cascade", "c_null", "c_default", "c_deferred", "kids",
                                          "kids_deferred", "q", "q_none", "q_restrict", "q_cascade", "q_null", "r", "r_none", "r_cascade"};

struct Pair : testing::ReferencePair {
  std::string txn;  // Big Daddy's open transaction ("" outside one)

  Pair() : ReferencePair(4, "fkupsert", {.foreign_keys = true, .avoid_planner_bugs = true}) {
    for (auto& s : kSchema) both(s);
    std::string ps = "INSERT INTO p VALUES ";
    for (int i = 1; i <= 20; i++) ps += (i > 1 ? ", (" : "(") + std::to_string(i) + ", 'a" + std::to_string(i) + "')";
    both(ps);
    // Each parent row has children of one kind only, spread over the nodes.
    both("INSERT INTO c_none VALUES (100, 1), (101, 1), (102, 1)");
    both("INSERT INTO c_restrict VALUES (110, 2), (111, 2)");
    both("INSERT INTO c_cascade VALUES (120, 3), (121, 3), (122, 3), (123, 13)");
    both("INSERT INTO c_null VALUES (130, 4), (131, 4), (132, 14)");
    both("INSERT INTO c_default VALUES (140, 5), (141, 5), (142, 15)");
    both("INSERT INTO c_deferred VALUES (150, 11), (151, 11)");
    both("INSERT INTO kids VALUES (70, 7, 'k70'), (73, 7, 'skip'), (74, NULL, 'k74')");
    both("INSERT INTO kids_deferred VALUES (80, 7, 'd80')");
    both("INSERT INTO q VALUES (1, 'q1'), (2, 'q2'), (3, 'q3'), (4, 'q4'), (5, 'q5')");
    both("INSERT INTO q_none VALUES (200, 'q1'), (201, 'q1')");
    both("INSERT INTO q_cascade VALUES (210, 'q2'), (211, 'q2'), (212, 'q4')");
    both("INSERT INTO q_null VALUES (220, 'q3'), (221, 'q3')");
    both("INSERT INTO q_restrict VALUES (230, 'q5')");
    both("INSERT INTO r VALUES (1, 'r1'), (2, 'r2'), (3, 'r3')");
    both("INSERT INTO r_none VALUES (300, 1), (301, 1)");
    both("INSERT INTO r_cascade VALUES (310, 2), (311, 2), (312, 3)");
    same_state();
  }

  // Every table's rows, read inside the transaction while one is open.
  void same_state() {
    for (auto& t : kTables) {
      INFO("table " << t << (txn.empty() ? "" : " (inside the transaction)"));
      ReferencePair::check({"SELECT * FROM " + t + " ORDER BY 1"}, txn);
    }
  }

  // One statement on both, then the same rows everywhere; BEGIN opens Big Daddy's transaction.
  // Returns whether the statement succeeded.
  bool step(const std::string& sql, const std::vector<Value>& params = {}) {
    INFO("statement: " << sql);
    if (txn.empty() && sql == "BEGIN") {
      auto a = testing::run(*big, sql);
      REQUIRE_FALSE(a.transaction.empty());
      txn = a.transaction;
      ref_run(sql);
      last_ok = true;
    } else {
      ReferencePair::check({sql, params}, txn);
    }
    bool ok = last_ok;
    bool ref_open = sqlite3_get_autocommit(ref) == 0;
    if (!txn.empty() && !ref_open) txn.clear();
    CHECK(txn.empty() == !ref_open);
    same_state();
    return ok;
  }
};

}  // namespace

TEST_CASE("fk upsert: DO UPDATE of a child key checks its new parent on another node; rows not inserted are not checked",
          "[fk][upsert]") {
  Pair p;
  // The proposed row's parent exists, the key DO UPDATE writes does not.
  CHECK_FALSE(p.step("INSERT INTO kids VALUES (70, 6, 'x') ON CONFLICT(id) DO UPDATE SET pid = 999"));
  CHECK_FALSE(p.step("INSERT INTO kids VALUES (70, 999, 'x') ON CONFLICT(id) DO UPDATE SET pid = excluded.pid"));
  CHECK_FALSE(p.step("INSERT INTO kids VALUES (?1, ?2, 'p') ON CONFLICT(id) DO UPDATE SET pid = ?3",
                     {Value::integer(70), Value::integer(1), Value::integer(999)}));
  // The proposed row is not inserted: its missing parent does not matter.
  CHECK(p.step("INSERT INTO kids VALUES (70, 999, 'x') ON CONFLICT(id) DO UPDATE SET note = 'kept'"));
  CHECK(p.step("INSERT INTO kids VALUES (70, 999, 'x') ON CONFLICT DO NOTHING"));
  CHECK(p.step("INSERT OR IGNORE INTO kids VALUES (70, 999, 'z')"));
  CHECK_FALSE(p.step("INSERT OR IGNORE INTO kids VALUES (72, 999, 'z')"));
  CHECK(p.step("INSERT INTO kids VALUES (70, 6, 'x') ON CONFLICT(id) DO UPDATE SET pid = excluded.pid"));
  CHECK(p.step("INSERT INTO kids VALUES (74, 999, 'x') ON CONFLICT(id) DO UPDATE SET pid = 8 WHERE pid IS NULL"));
  // Several rows: one inserted, one updated to a missing parent: nothing of it stays.
  CHECK_FALSE(p.step("INSERT INTO kids VALUES (71, 8, 'new'), (70, 1000, 'y') ON CONFLICT(id) DO UPDATE SET pid = excluded.pid"));
  // An upsert's WHERE leaves row 73 as it is (its new parent is not checked), RETURNING as SQLite.
  CHECK(p.step("INSERT INTO kids VALUES (71, 8, 'new'), (70, 10, 'y'), (73, 999, 'no') ON CONFLICT(id) DO UPDATE SET "
               "pid = excluded.pid, note = excluded.note WHERE kids.note <> 'skip' RETURNING id, pid, note"));
  CHECK(p.step("INSERT INTO kids (id, pid) VALUES (71, 12) ON CONFLICT(id) DO UPDATE SET pid = excluded.pid + 1 RETURNING *"));
  // Changing a parent's key other rows still reference fails; a parent's other columns are free.
  CHECK(p.step("INSERT INTO p VALUES (1, 'x') ON CONFLICT(id) DO UPDATE SET name = 'renamed1'"));
  CHECK(p.step("INSERT INTO p VALUES (50, 'a2') ON CONFLICT(name) DO UPDATE SET name = 'renamed2'"));
}

TEST_CASE("fk upsert: DO UPDATE of a referenced key: NO ACTION and RESTRICT fail, ON UPDATE actions reach children elsewhere",
          "[fk][upsert]") {
  Pair p;
  CHECK_FALSE(p.step("INSERT INTO q VALUES (1, 'zz') ON CONFLICT(id) DO UPDATE SET code = 'q1new'"));
  CHECK_FALSE(p.step("INSERT INTO q VALUES (5, 'zz') ON CONFLICT(id) DO UPDATE SET code = 'q5new'"));
  CHECK(p.step("INSERT INTO q VALUES (2, 'zz') ON CONFLICT(id) DO UPDATE SET code = 'q2new'"));
  CHECK(p.step("INSERT INTO q VALUES (3, 'q3x') ON CONFLICT(id) DO UPDATE SET code = excluded.code"));
  // The conflict found through the global unique index on code.
  CHECK(p.step("INSERT INTO q VALUES (9, 'q2new') ON CONFLICT(code) DO UPDATE SET code = 'q2again'"));
  CHECK_FALSE(p.step("INSERT INTO q VALUES (9, 'q1') ON CONFLICT(code) DO UPDATE SET code = 'gone'"));
  // Several rows: an insert, an update followed by its children, then one that must fail.
  CHECK_FALSE(p.step("INSERT INTO q VALUES (10, 'q10'), (4, 'x'), (1, 'y') ON CONFLICT(id) DO UPDATE SET code = excluded.code"));
  CHECK(p.step("INSERT INTO q VALUES (10, 'q10'), (4, 'x') ON CONFLICT(id) DO UPDATE SET code = excluded.code"));
}

TEST_CASE("fk upsert: REPLACE deleting a referenced parent: NO ACTION and RESTRICT fail, CASCADE / SET NULL / SET DEFAULT act",
          "[fk][upsert]") {
  Pair p;
  // The same key comes back: NO ACTION children still have their parent; RESTRICT fails anyway.
  CHECK(p.step("REPLACE INTO p VALUES (1, 'n1')"));
  CHECK_FALSE(p.step("REPLACE INTO p VALUES (2, 'n2')"));
  // The conflict is on name: row 1 goes, its children would dangle.
  CHECK_FALSE(p.step("REPLACE INTO p VALUES (40, 'n1')"));
  CHECK_FALSE(p.step("INSERT OR REPLACE INTO p VALUES (41, 'a2')"));
  // NO ACTION is checked when the statement ends: a later row brings the deleted key back.
  CHECK(p.step("REPLACE INTO p VALUES (60, 'n1'), (1, 'again')"));
  // Actions run even when the key comes back (the row was deleted), as SQLite does.
  CHECK(p.step("INSERT OR REPLACE INTO p VALUES (3, 'n3')"));
  CHECK(p.step("REPLACE INTO p VALUES (42, 'a4')"));
  CHECK(p.step("REPLACE INTO p VALUES (5, 'n5')"));
  // Two conflicts at once (id 13 and name a14): both rows go, each child its own action.
  CHECK(p.step("REPLACE INTO p VALUES (13, 'a14')"));
  // Several rows, the last fails: nothing applied.
  CHECK_FALSE(p.step("REPLACE INTO p VALUES (6, 'n6'), (15, 'n15'), (43, 'a2')"));
  CHECK(p.step("REPLACE INTO p VALUES (6, 'n6'), (15, 'n15') RETURNING *"));
  // The parent without a global index: the node replaces, the conductor checks and acts.
  CHECK(p.step("REPLACE INTO r VALUES (1, 'x')"));
  CHECK(p.step("REPLACE INTO r VALUES (2, 'y')"));
  CHECK(p.step("INSERT INTO r VALUES (3, 'z') ON CONFLICT DO NOTHING"));
  // A child key changed by REPLACE must have its parent.
  CHECK_FALSE(p.step("REPLACE INTO kids VALUES (70, 999, 'r')"));
  CHECK(p.step("REPLACE INTO kids VALUES (70, 8, 'r')"));
  // A REPLACE into q deletes a row referenced by code (ON DELETE CASCADE).
  CHECK(p.step("REPLACE INTO q VALUES (20, 'q2')"));
}

TEST_CASE("fk upsert: deferred keys written or deleted by upserts and REPLACE are checked at COMMIT (4 nodes)", "[fk][upsert][deferred]") {
  Pair p;
  // The deferred children of p 11 lose their parent; it comes back before the commit.
  p.step("BEGIN");
  CHECK(p.step("REPLACE INTO p VALUES (44, 'a11')"));
  CHECK_FALSE(p.step("COMMIT"));
  CHECK(p.step("INSERT INTO p VALUES (11, 'back')"));
  CHECK(p.step("COMMIT"));
  // A deferred child key written by DO UPDATE, its parent missing at the commit.
  p.step("BEGIN");
  CHECK(p.step("INSERT INTO kids_deferred VALUES (80, 7, 'x') ON CONFLICT(id) DO UPDATE SET pid = 777"));
  CHECK_FALSE(p.step("COMMIT"));
  CHECK(p.step("ROLLBACK"));
  // Outside a transaction the statement is its own.
  CHECK_FALSE(p.step("INSERT INTO kids_deferred VALUES (80, 7, 'x') ON CONFLICT(id) DO UPDATE SET pid = 778"));
  CHECK_FALSE(p.step("REPLACE INTO p VALUES (45, 'back')"));
  CHECK(p.step("INSERT INTO kids_deferred VALUES (80, 7, 'x') ON CONFLICT(id) DO UPDATE SET pid = 12"));
  // PRAGMA defer_foreign_keys defers immediate keys deleted by REPLACE until the commit.
  p.step("BEGIN");
  CHECK(p.step("PRAGMA defer_foreign_keys = ON"));
  CHECK(p.step("REPLACE INTO p VALUES (46, 'a2')"));
  CHECK(p.step("INSERT INTO kids VALUES (70, 6, 'x') ON CONFLICT(id) DO UPDATE SET pid = 555"));
  CHECK_FALSE(p.step("COMMIT"));
  CHECK(p.step("INSERT INTO p VALUES (2, 'two'), (555, 'p555')"));
  CHECK(p.step("COMMIT"));
}
