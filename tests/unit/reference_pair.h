// A Big Daddy cluster and one plain SQLite database side by side, for the tests that compare
// statement by statement with SQLite: both() sets up the same state on each, check() runs a
// statement on both and fails the test unless they agree. A test's own fixture derives from it
// and adds what it compares after each statement (its tables' rows, sqlite_master, ...).
#pragma once
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "cluster_helpers.h"
#include "conductor/sqlite_exec.h"
#include "sqlite3.h"

namespace bd::testing {

// One statement for ReferencePair::check.
struct Step {
  std::string sql;
  std::vector<Value> params = {};
  bool ordered = true;  // compare rows in order (else as a multiset)
};

// Big Daddy's syntax errors also say where (" at line L, column C"); the words are SQLite's.
inline std::string sqlite_words(std::string m) {
  auto at = m.rfind(" at line ");
  if (at != std::string::npos && m.find(": syntax error") != std::string::npos) m.erase(at);
  return m;
}

// How the reference SQLite database is opened.
struct ReferenceOptions {
  bool foreign_keys = false;        // PRAGMA foreign_keys = ON
  bool avoid_planner_bugs = false;  // avoid_sqlite_planner_bugs
};

class ReferencePair {
 public:
  explicit ReferencePair(int nodes, const char* name, ReferenceOptions options = {}) : big(cluster(nodes, name)) {
    REQUIRE(sqlite3_open(":memory:", &ref) == SQLITE_OK);
    if (options.avoid_planner_bugs) avoid_sqlite_planner_bugs(ref);
    if (options.foreign_keys) REQUIRE(sqlite_run(ref, "PRAGMA foreign_keys = ON", {}).ok());
  }
  ~ReferencePair() { sqlite3_close(ref); }
  ReferencePair(const ReferencePair&) = delete;
  ReferencePair& operator=(const ReferencePair&) = delete;

  std::unique_ptr<native::Cluster> big;
  sqlite3* ref = nullptr;
  bool last_ok = false;  // whether the last check()'s statement succeeded (on both)

  // The statement on the reference only; it must succeed.
  ResultSet ref_run(const std::string& sql, const std::vector<Value>& params = {}) {
    auto r = sqlite_run(ref, sql, params);
    INFO("SQLite: " << sql);
    if (!r.ok()) FAIL(r.error().message);
    return std::move(*r);
  }

  // Setting up: the statement must succeed on both.
  void both(const std::string& sql) {
    INFO(sql);
    run(*big, sql);
    ref_run(sql);
  }

  // One statement on both (on Big Daddy inside transaction `txn` when one is given; the reference
  // is then inside its own BEGIN). They must agree: both succeed, or both fail with the same words
  // and result code; on success the same columns (where SQLite names any), the same rows (in order
  // unless the step says otherwise) and the same count of changed rows. Returns SQLite's rows.
  std::vector<Row> check(const Step& st, const std::string& txn = "") {
    auto a = txn.empty() ? big->execute(st.sql, st.params) : big->execute_in_txn(txn, st.sql, st.params);
    auto total_before = sqlite3_total_changes64(ref);
    auto b = sqlite_run(ref, st.sql, st.params);
    INFO("statement: " << st.sql);
    last_ok = b.ok();
    if (!b.ok()) {
      INFO("SQLite fails with: " << b.error().message);
      REQUIRE_FALSE(a.ok());
      CHECK(sqlite_words(a.error().message) == b.error().message);
      CHECK(a.error().code_name() == b.error().code_name());
      return {};
    }
    if (!a.ok()) FAIL("Big Daddy fails with: " << a.error().message);
    auto ra = a->rs.rows, rb = b->rows;
    if (!st.ordered) {
      auto less = [](const Row& x, const Row& y) { return show_rows({x}) < show_rows({y}); };
      std::sort(ra.begin(), ra.end(), less);
      std::sort(rb.begin(), rb.end(), less);
    }
    if (!b->columns.empty()) CHECK(a->rs.columns == b->columns);
    INFO("Big Daddy:\n" << show_rows(ra) << "SQLite:\n" << show_rows(rb));
    CHECK(ra == rb);
    // SQLite counts changed rows for INSERT, UPDATE and DELETE; after a statement that changed
    // none (any other statement) sqlite3_changes() may still hold an earlier count: Big Daddy says 0.
    CHECK(a->rs.changes == (sqlite3_total_changes64(ref) != total_before ? b->changes : 0));
    return b->rows;
  }
};

}  // namespace bd::testing
