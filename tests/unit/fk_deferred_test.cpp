// Deferred foreign keys (DEFERRABLE INITIALLY DEFERRED, and every key while PRAGMA
// defer_foreign_keys is on) on 4 nodes against one plain SQLite database with foreign_keys on:
// the same sequences of statements run on both — transactions, autocommit statements, batches —
// with the same success or error at every step and the same rows after it (read inside the
// transaction while one is open). Parents and children are on different nodes (children sharded by
// their own ids) and co-located (a child sharded by its parent's key, which a node would check on
// its own rows if the key were immediate). A deferred key is checked once, when the transaction
// commits: a failed COMMIT leaves it open, to be fixed and committed, or rolled back.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "reference_pair.h"

using namespace bd;

namespace {

const std::vector<std::string> kSchema = {
    "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT)",
    // Deferred, the parent elsewhere (the conductor's key).
    "CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED)",
    // Deferred, co-located with its parent (sharded by the key it references).
    "CREATE TABLE k (pid INTEGER PRIMARY KEY REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED, v TEXT)",
    // Immediate, elsewhere and co-located (the nodes check this one).
    "CREATE TABLE ci (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id))",
    "CREATE TABLE ki (pid INTEGER PRIMARY KEY, v TEXT, FOREIGN KEY (pid) REFERENCES p(id))",
    // Deferred with an action (actions are never deferred) and with RESTRICT (not deferred by the
    // declaration either).
    "CREATE TABLE cc (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED)",
    "CREATE TABLE r (id INTEGER PRIMARY KEY, pid INTEGER, "
    "FOREIGN KEY (pid) REFERENCES p(id) ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED)",
    // Deferred, referencing its own table.
    "CREATE TABLE emp (id INTEGER PRIMARY KEY, boss INTEGER REFERENCES emp(id) DEFERRABLE INITIALLY DEFERRED)",
};
const std::vector<std::string> kTables = {"p", "c", "k", "ci", "ki", "cc", "r", "emp"};

struct Pair : testing::ReferencePair {
  std::string txn;  // Big Daddy's open transaction ("" outside one)

  Pair() : ReferencePair(4, "fkdefer", {.foreign_keys = true, .avoid_planner_bugs = true}) {
    for (auto& s : kSchema) both(s);
    both("INSERT INTO p VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e'), (6, 'f'), (7, 'g'), (8, 'h')");
    both("INSERT INTO c VALUES (50, 2), (51, 3), (52, 4)");
    both("INSERT INTO k VALUES (3, 'k3'), (6, 'k6')");
    both("INSERT INTO cc VALUES (60, 2), (61, 6)");
    both("INSERT INTO r VALUES (70, 5)");
    both("INSERT INTO ci VALUES (80, 7)");
    both("INSERT INTO ki VALUES (8, 'ki8')");
    both("INSERT INTO emp VALUES (1, NULL), (2, 1)");
    same_state();
  }

  // Every table's rows, read inside the transaction while one is open.
  void same_state() {
    for (auto& t : kTables) {
      INFO("table " << t << (txn.empty() ? "" : " (inside the transaction)"));
      check({"SELECT * FROM " + t + " ORDER BY 1"}, txn);
    }
  }

  // One statement on both (check()), then the same rows everywhere. BEGIN opens Big Daddy's
  // transaction; after COMMIT or ROLLBACK it is over on both or open on both. Returns whether the
  // statement succeeded.
  bool step(const std::string& sql) {
    INFO("statement: " << sql);
    if (txn.empty() && sql == "BEGIN") {
      auto a = testing::run(*big, sql);
      REQUIRE_FALSE(a.transaction.empty());
      txn = a.transaction;
      ref_run(sql);
      last_ok = true;
    } else {
      check({sql}, txn);
    }
    bool ok = last_ok;
    bool ref_open = sqlite3_get_autocommit(ref) == 0;
    if (!txn.empty() && !ref_open) {
      auto gone = big->execute_in_txn(txn, "SELECT 1");
      CHECK_FALSE(gone.ok());
      txn.clear();
    }
    CHECK(txn.empty() == !ref_open);
    same_state();
    return ok;
  }

  // A script outside transactions (one request, so one connection): Big Daddy answers with its
  // last statement's result or its first error; SQLite runs the statements one by one.
  bool script(const std::vector<std::string>& sqls) {
    REQUIRE(txn.empty());
    std::string text;
    for (auto& s : sqls) text += (text.empty() ? "" : "; ") + s;
    INFO("script: " << text);
    auto a = big->execute_script(text);
    Result<ResultSet> b = ResultSet{};
    for (auto& s : sqls)
      if (b = sqlite_run(ref, s, {}); !b.ok()) break;
    if (!b.ok()) {
      INFO("SQLite fails with: " << b.error().message);
      if (a.ok()) FAIL("Big Daddy succeeds");
      CHECK(a.error().message == b.error().message);
    } else {
      if (!a.ok()) FAIL("Big Daddy fails with: " << a.error().message);
      INFO("Big Daddy:\n" << testing::show_rows(a->rs.rows) << "SQLite:\n" << testing::show_rows(b->rows));
      CHECK(a->rs.rows == b->rows);
    }
    same_state();
    return b.ok();
  }

  void steps(const std::vector<std::string>& sqls) {
    for (auto& s : sqls) step(s);
  }

  void no_transaction_state_left() {
    REQUIRE(txn.empty());
    for (int n = 0; n < big->nodes(); n++) {
      auto k = big->txn_counts(n);
      REQUIRE(k.ok());
      INFO("node " << n);
      CHECK(k->live == 0);
      CHECK(k->undo == 0);
      CHECK(k->locks == 0);
    }
  }
};

}  // namespace

TEST_CASE("deferred fk: children before their parents inside a transaction commit (4 nodes, as SQLite)", "[fk][deferred]") {
  Pair p;
  p.steps({"BEGIN", "INSERT INTO c VALUES (1, 101)", "INSERT INTO k VALUES (101, 'x')", "INSERT INTO emp VALUES (10, 11)",
           "INSERT INTO p VALUES (101, 'late')", "INSERT INTO emp VALUES (11, NULL)", "COMMIT"});
  // A parent deleted and inserted again: its deferred children are satisfied at the commit; the
  // CASCADE child went at once (actions are not deferred).
  p.steps({"BEGIN", "DELETE FROM p WHERE id = 2", "SELECT count(*) FROM cc WHERE pid = 2", "INSERT INTO p VALUES (2, 'again')", "COMMIT"});
  // A parent's key changes, its children follow it before the commit.
  p.steps({"BEGIN", "UPDATE p SET id = 40 WHERE id = 4", "UPDATE c SET pid = 40 WHERE pid = 4", "COMMIT"});
  // Savepoints: a dangling child rolled back to a savepoint leaves nothing to fail.
  p.steps({"BEGIN", "SAVEPOINT a", "INSERT INTO c VALUES (90, 777)", "INSERT INTO k VALUES (777, 'no')", "ROLLBACK TO a", "RELEASE a",
           "COMMIT"});
  p.no_transaction_state_left();
}

TEST_CASE("deferred fk: a COMMIT with dangling children fails, the transaction stays open, fixed it commits (4 nodes)", "[fk][deferred]") {
  Pair p;
  p.steps({"BEGIN", "INSERT INTO c VALUES (2, 102)", "INSERT INTO k VALUES (102, 'y')", "UPDATE p SET name = 'seen' WHERE id = 1"});
  CHECK_FALSE(p.step("COMMIT"));
  REQUIRE_FALSE(p.txn.empty());
  // Still open: its rows are there, and it goes on.
  p.steps({"SELECT * FROM c WHERE id = 2", "INSERT INTO p VALUES (102, 'fix')", "COMMIT"});
  CHECK(p.txn.empty());
  // A deleted parent whose children stay (elsewhere and co-located); a key changed from under them.
  p.steps({"BEGIN", "DELETE FROM p WHERE id = 3"});
  CHECK_FALSE(p.step("COMMIT"));
  CHECK_FALSE(p.step("COMMIT"));
  p.steps({"DELETE FROM c WHERE pid = 3"});
  CHECK_FALSE(p.step("COMMIT"));  // k's co-located child is still there
  p.steps({"DELETE FROM k WHERE pid = 3", "COMMIT"});
  p.steps({"BEGIN", "UPDATE p SET id = 106 WHERE id = 6"});
  CHECK_FALSE(p.step("COMMIT"));
  p.steps({"UPDATE p SET id = 6 WHERE id = 106", "COMMIT"});
  // A self-referencing row left without its boss.
  p.steps({"BEGIN", "DELETE FROM emp WHERE id = 1"});
  CHECK_FALSE(p.step("COMMIT"));
  p.steps({"UPDATE emp SET boss = NULL WHERE id = 2", "COMMIT"});
  p.no_transaction_state_left();
}

TEST_CASE("deferred fk: ROLLBACK after a failed COMMIT restores everything (4 nodes)", "[fk][deferred]") {
  Pair p;
  p.steps({"BEGIN", "INSERT INTO c VALUES (3, 103)", "INSERT INTO k VALUES (103, 'z')", "DELETE FROM p WHERE id = 6",
           "UPDATE p SET name = 'changed' WHERE id = 1", "INSERT INTO p VALUES (200, 'new')"});
  CHECK_FALSE(p.step("COMMIT"));
  p.steps({"ROLLBACK"});
  p.no_transaction_state_left();
}

TEST_CASE("deferred fk: RESTRICT and immediate keys are not deferred by the declaration of others (4 nodes)", "[fk][deferred]") {
  Pair p;
  p.steps({"BEGIN"});
  CHECK_FALSE(p.step("DELETE FROM p WHERE id = 5"));  // r's RESTRICT acts at once
  CHECK_FALSE(p.step("INSERT INTO ci VALUES (12, 999)"));
  CHECK_FALSE(p.step("INSERT INTO ki VALUES (999, 'q')"));
  CHECK_FALSE(p.step("DELETE FROM p WHERE id = 7"));
  CHECK_FALSE(p.step("DELETE FROM p WHERE id = 8"));
  p.steps({"INSERT INTO c VALUES (4, 1)", "COMMIT"});
  p.no_transaction_state_left();
}

TEST_CASE("deferred fk: PRAGMA defer_foreign_keys defers immediate keys, nodes' own too, until the commit (4 nodes)", "[fk][deferred]") {
  Pair p;
  p.steps({"BEGIN", "PRAGMA defer_foreign_keys", "PRAGMA defer_foreign_keys = ON", "PRAGMA defer_foreign_keys",
           "INSERT INTO ci VALUES (10, 110)", "INSERT INTO ki VALUES (110, 'z')", "DELETE FROM p WHERE id = 7",
           "DELETE FROM p WHERE id = 8", "DELETE FROM p WHERE id = 5"});  // RESTRICT too, while the PRAGMA is on (as SQLite)
  CHECK_FALSE(p.step("COMMIT"));
  p.steps({"PRAGMA defer_foreign_keys", "INSERT INTO p VALUES (110, 'p'), (7, 'g'), (8, 'h'), (5, 'e')", "COMMIT"});
  // Off again after the transaction.
  p.steps({"PRAGMA defer_foreign_keys"});
  p.steps({"BEGIN", "PRAGMA defer_foreign_keys = ON", "INSERT INTO ki VALUES (111, 'dangling')", "INSERT INTO ci VALUES (11, 111)"});
  CHECK_FALSE(p.step("COMMIT"));
  p.steps({"ROLLBACK", "PRAGMA defer_foreign_keys"});
  // Turned off inside the transaction, SQLite forgets every violation deferred so far (a
  // declared-deferred key's too), not those made after: foreign_key_check reports them all.
  p.steps({"BEGIN", "INSERT INTO c VALUES (15, 115)", "PRAGMA defer_foreign_keys = ON", "INSERT INTO ki VALUES (112, 'left')",
           "INSERT INTO ci VALUES (13, 113)", "INSERT INTO c VALUES (14, 114)", "PRAGMA defer_foreign_keys = OFF",
           "PRAGMA foreign_key_check", "INSERT INTO c VALUES (16, 116)"});
  CHECK_FALSE(p.step("COMMIT"));
  p.steps({"DELETE FROM c WHERE id = 16", "COMMIT", "PRAGMA foreign_key_check"});
  p.no_transaction_state_left();
}

TEST_CASE("deferred fk: autocommit statements check their deferred keys when they end (4 nodes)", "[fk][deferred]") {
  Pair p;
  CHECK_FALSE(p.step("INSERT INTO c VALUES (20, 9999)"));
  CHECK_FALSE(p.step("INSERT INTO k VALUES (9999, 'w')"));
  CHECK_FALSE(p.step("INSERT INTO c VALUES (21, 1), (22, 9998), (23, 2)"));  // nothing of it stays
  CHECK_FALSE(p.step("DELETE FROM p WHERE id = 3"));
  CHECK_FALSE(p.step("UPDATE p SET id = 30 WHERE id = 3"));
  p.steps({"UPDATE c SET pid = 1 WHERE pid = 3", "UPDATE p SET name = 'x' WHERE id = 3"});
  // Children before their parents in one statement (a table referencing itself).
  p.steps({"INSERT INTO emp VALUES (12, 13), (13, 14), (14, NULL)"});
  CHECK_FALSE(p.step("INSERT INTO emp VALUES (15, 16), (16, 17)"));
  CHECK_FALSE(p.step("DELETE FROM emp WHERE id = 14"));
  p.steps({"DELETE FROM emp WHERE id >= 12"});
  // The PRAGMA outside a transaction (a request is one connection: a script) lasts until the next
  // statement that reads or writes ends (SQLite switches it off when each transaction ends); while
  // on, an immediate key waits for the end of the statement too.
  CHECK(p.script({"PRAGMA defer_foreign_keys = ON", "PRAGMA defer_foreign_keys"}));
  CHECK(p.script({"PRAGMA defer_foreign_keys = ON", "SELECT count(*) FROM p", "PRAGMA defer_foreign_keys"}));
  CHECK_FALSE(p.script({"PRAGMA defer_foreign_keys = ON", "INSERT INTO ci VALUES (21, 8888)"}));
  CHECK(p.script({"PRAGMA defer_foreign_keys = ON", "INSERT INTO p VALUES (300, 'x')", "PRAGMA defer_foreign_keys"}));
  p.no_transaction_state_left();
}

TEST_CASE("deferred fk: a batch is one transaction, its deferred keys checked at its end (4 nodes)", "[fk][deferred]") {
  // As the hosts run a batch (binding, HTTP, D1 client): BEGIN, the statements, COMMIT; a failure
  // rolls it back.
  Pair p;
  auto batch = [&](const std::vector<std::string>& sqls) {
    p.step("BEGIN");
    for (auto& s : sqls)
      if (!p.step(s)) {
        p.step("ROLLBACK");
        return false;
      }
    if (p.step("COMMIT")) return true;
    p.step("ROLLBACK");
    return false;
  };
  CHECK(batch({"INSERT INTO c VALUES (30, 130)", "INSERT INTO k VALUES (130, 'b')", "INSERT INTO p VALUES (130, 'batch')"}));
  CHECK_FALSE(batch({"INSERT INTO p VALUES (131, 'kept?')", "INSERT INTO c VALUES (31, 132)"}));
  CHECK(batch({"PRAGMA defer_foreign_keys = ON", "INSERT INTO ki VALUES (133, 'b')", "INSERT INTO p VALUES (133, 'p')"}));
  CHECK_FALSE(batch({"PRAGMA defer_foreign_keys = ON", "DELETE FROM p WHERE id = 8"}));
  p.no_transaction_state_left();
}
