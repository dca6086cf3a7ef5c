// Streamed results with a bounded window: 120,000 rows on 4 nodes, read page by page (a node keeps
// a result larger than a page as a snapshot in a cursor table and answers page by page), merged as
// the pages arrive and handed to the host a window at a time. Each answer equals plain SQLite's and
// the unstreamed one; the conductor's memory stays a small fraction of the result's; the snapshot
// holds against writes made while the result streams; cursor tables are gone afterwards (also
// after a LIMIT ends the read early, or when nobody read them before they expired); beside an open
// transaction a streamed read sees only committed rows.
#include <catch2/catch.hpp>

#include <malloc.h>
#include <algorithm>
#include <string>
#include <vector>
#include "cluster_helpers.h"
#include "conductor/sqlite_exec.h"
#include "conductor/stream.h"
#include "sqlite3.h"

using bd::ResultSet;
using bd::Row;
using bd::Value;

namespace {

constexpr int kRows = 120000;

std::string text(const Value& v) {
  switch (v.type) {
    case bd::ValueType::Null: return "NULL";
    case bd::ValueType::Integer: return std::to_string(v.i);
    case bd::ValueType::Real: return "r" + std::to_string(v.r);
    case bd::ValueType::Blob: return "x" + v.s;
    default: return "'" + v.s + "'";
  }
}

bool row_less(const Row& a, const Row& b) {
  for (size_t k = 0; k < a.size() && k < b.size(); k++) {
    auto ta = text(a[k]), tb = text(b[k]);
    if (ta != tb) return ta < tb;
  }
  return a.size() < b.size();
}

bool same_rows(std::vector<Row> a, std::vector<Row> b, bool ordered) {
  if (!ordered) {
    std::sort(a.begin(), a.end(), row_less);
    std::sort(b.begin(), b.end(), row_less);
  }
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (a[i].size() != b[i].size()) return false;
    for (size_t k = 0; k < a[i].size(); k++)
      if (text(a[i][k]) != text(b[i][k])) return false;
  }
  return true;
}

// Heap in use outside SQLite (the conductor, the cluster's messages). The build turns SQLite's
// memory count off, so this also counts the nodes' in-memory databases (their cursor tables
// included): an upper bound of what the conductor holds.
int64_t heap_outside_sqlite() { return static_cast<int64_t>(mallinfo2().uordblks) - sqlite3_memory_used(); }

struct Streamed {
  std::vector<std::string> columns;
  std::vector<Row> rows;
  size_t windows = 0;
  size_t largest_window = 0;
  int64_t peak_heap = 0;  // above the heap before the statement, sampled at every window
  std::string meta;
};

struct Fixture {
  std::unique_ptr<bd::native::Cluster> cluster = bd::testing::cluster(4, "stream");
  sqlite3* ref = nullptr;
  Fixture() {
    sqlite3_open(":memory:", &ref);
    both("CREATE TABLE t (id INTEGER PRIMARY KEY, grp INTEGER, name TEXT, v REAL)");
    for (int lo = 1; lo <= kRows; lo += 1000) {
      std::string sql = "INSERT INTO t VALUES ";
      for (int i = lo; i < lo + 1000 && i <= kRows; i++)
        sql += (i > lo ? ", (" : "(") + std::to_string(i) + ", " + std::to_string(i % 97) + ", 'name" + std::to_string(i * 7 % 50000) +
               "', " + std::to_string(i % 13) + ".5)";
      both(sql);
    }
  }
  ~Fixture() { sqlite3_close(ref); }
  void both(const std::string& sql) {
    bd::testing::run(*cluster, sql);
    REQUIRE(bd::sqlite_run(ref, sql, {}).ok());
  }
  Streamed stream(const std::string& sql) {
    Streamed out;
    int64_t base = heap_outside_sqlite();
    auto r = cluster->execute_streamed(sql, {}, [&](const ResultSet& w) {
      out.peak_heap = std::max(out.peak_heap, heap_outside_sqlite() - base);
      if (out.columns.empty()) out.columns = w.columns;
      out.windows++;
      out.largest_window = std::max(out.largest_window, w.rows.size());
      out.rows.insert(out.rows.end(), w.rows.begin(), w.rows.end());
    });
    INFO(sql);
    if (!r.ok()) FAIL(r.error().message);
    if (out.columns.empty()) out.columns = r->rs.columns;
    out.largest_window = std::max(out.largest_window, r->rs.rows.size());
    out.rows.insert(out.rows.end(), r->rs.rows.begin(), r->rs.rows.end());
    out.meta = r->meta_json;
    return out;
  }
  // The query streamed, unstreamed and in plain SQLite: the same rows (in the same order when
  // `ordered`), the same column names.
  Streamed check(const std::string& sql, bool ordered) {
    INFO(sql);
    auto want = bd::sqlite_run(ref, sql, {});
    REQUIRE(want.ok());
    auto whole = bd::testing::run(*cluster, sql);
    Streamed s = stream(sql);
    CHECK(s.columns == want->columns);
    CHECK(whole.rs.columns == want->columns);
    CHECK(same_rows(want->rows, s.rows, ordered));
    CHECK(same_rows(want->rows, whole.rs.rows, ordered));
    return s;
  }
  int cursors_left() {
    int n = 0;
    for (int i = 0; i < 4; i++) {
      auto r = cluster->node_exec(i, "SELECT count(*) FROM sqlite_master WHERE name LIKE '_bd_stage_c%'");
      REQUIRE(r.ok());
      n += static_cast<int>(r->rows[0][0].i);
    }
    return n;
  }
};

Fixture& fixture() {
  static Fixture fx;
  return fx;
}

}  // namespace

TEST_CASE("stream: results larger than a page stream a window at a time, equal to SQLite's", "[stream]") {
  Fixture& fx = fixture();
  SECTION("a scatter of the whole table, through pages of every node") {
    auto s = fx.check("SELECT * FROM t", false);
    CHECK(s.windows >= static_cast<size_t>(kRows) / bd::kOutRows - 1);
    CHECK(s.largest_window <= bd::kOutRows);
    CHECK(fx.cursors_left() == 0);
  }
  SECTION("a large sort merges the shards' sorted runs as their pages come") {
    fx.check("SELECT id, name, v FROM t ORDER BY name, id", true);
    fx.check("SELECT name, id FROM t ORDER BY v DESC, id LIMIT 90000 OFFSET 1000", true);
    fx.check("SELECT DISTINCT name, grp FROM t ORDER BY name, grp", true);
    CHECK(fx.cursors_left() == 0);
  }
  SECTION("a LIMIT that ends the read early drops the snapshots it did not finish") {
    fx.check("SELECT id, grp FROM t ORDER BY grp, id LIMIT 30000", true);
    // Any 7 rows are SQLite's answer without an ORDER BY.
    CHECK(fx.stream("SELECT * FROM t LIMIT 7").rows.size() == 7);
    CHECK(fx.cursors_left() == 0);
  }
  SECTION("count(DISTINCT x) merges the shards' distinct values page by page") {
    fx.check("SELECT count(DISTINCT name) FROM t", false);
    fx.check("SELECT count(DISTINCT v) AS n FROM t WHERE id > 7", false);
    CHECK(fx.cursors_left() == 0);
  }
}

TEST_CASE("stream: the conductor holds a bounded window, not the result", "[stream]") {
  Fixture& fx = fixture();
  // The whole result as the conductor would hold it unstreamed.
  int64_t base = heap_outside_sqlite();
  int64_t whole_heap = 0;
  {
    auto whole = bd::testing::run(*fx.cluster, "SELECT * FROM t");
    whole_heap = heap_outside_sqlite() - base;
    REQUIRE(whole.rs.rows.size() == static_cast<size_t>(kRows));
  }
  auto s = fx.stream("SELECT * FROM t");
  REQUIRE(s.rows.size() == static_cast<size_t>(kRows));
  // The rows collected by the test itself are not the conductor's: measure without keeping them.
  size_t seen = 0;
  int64_t peak = 0;
  int64_t base2 = heap_outside_sqlite();
  auto r = fx.cluster->execute_streamed("SELECT * FROM t", {}, [&](const ResultSet& w) {
    seen += w.rows.size();
    peak = std::max(peak, heap_outside_sqlite() - base2);
  });
  REQUIRE(r.ok());
  seen += r->rs.rows.size();
  CHECK(seen == static_cast<size_t>(kRows));
  INFO("whole result held: " << whole_heap << " bytes; streamed peak: " << peak << " bytes");
  CHECK(whole_heap > 10 * 1000 * 1000);
  CHECK(peak < whole_heap / 3);
}

TEST_CASE("stream: a streamed result is one snapshot per node, whatever is written meanwhile", "[stream]") {
  Fixture& fx = fixture();
  auto want = bd::sqlite_run(fx.ref, "SELECT id, grp FROM t ORDER BY id", {});
  REQUIRE(want.ok());
  std::vector<Row> got;
  bool wrote = false;
  int t = fx.cluster->begin_streamed(0, "SELECT id, grp FROM t ORDER BY id", {},
                                     [&](const ResultSet& w) { got.insert(got.end(), w.rows.begin(), w.rows.end()); });
  while (!fx.cluster->advance(t)) {
    if (!got.empty() && !wrote) {
      // Another isolate rewrites the table while the first windows are out.
      bd::testing::run(*fx.cluster, "UPDATE t SET grp = -1 WHERE id % 2 = 0");
      bd::testing::run(*fx.cluster, "DELETE FROM t WHERE id % 3 = 0");
      bd::testing::run(*fx.cluster, "INSERT INTO t VALUES (1000001, 1, 'late', 0.5)");
      wrote = true;
    }
  }
  auto r = fx.cluster->finish(t);
  REQUIRE(r.ok());
  got.insert(got.end(), r->rs.rows.begin(), r->rs.rows.end());
  CHECK(wrote);
  CHECK(same_rows(want->rows, got, true));
  // Undo, so the other cases see the original rows.
  bd::testing::run(*fx.cluster, "DELETE FROM t");
  REQUIRE(bd::sqlite_run(fx.ref, "DELETE FROM t", {}).ok());
  for (int lo = 1; lo <= kRows; lo += 1000) {
    std::string sql = "INSERT INTO t VALUES ";
    for (int i = lo; i < lo + 1000 && i <= kRows; i++)
      sql += (i > lo ? ", (" : "(") + std::to_string(i) + ", " + std::to_string(i % 97) + ", 'name" + std::to_string(i * 7 % 50000) +
             "', " + std::to_string(i % 13) + ".5)";
    fx.both(sql);
  }
}

TEST_CASE("stream: cursors nobody reads expire; a cursor lost mid-stream fails the statement, not silently", "[stream]") {
  Fixture& fx = fixture();
  SECTION("a statement abandoned after its first window leaves cursors that the nodes drop once expired") {
    bool got = false;
    int t = fx.cluster->begin_streamed(0, "SELECT * FROM t", {}, [&](const ResultSet&) { got = true; });
    while (!got && !fx.cluster->advance(t)) {
    }
    REQUIRE(got);
    CHECK(fx.cursors_left() > 0);
    auto r = fx.cluster->finish(t);  // the host gives up on it
    CHECK_FALSE(r.ok());
    for (int i = 0; i < 4; i++) REQUIRE(fx.cluster->node_exec(i, "UPDATE _bd_staging SET expires = 0").ok());
    fx.stream("SELECT * FROM t");  // any staging operation sweeps expired tables first
    CHECK(fx.cursors_left() == 0);
  }
  SECTION("a cursor gone before its last page: an error naming the streamed rows, no repeated rows") {
    bool dropped = false;
    size_t rows = 0;
    int t = fx.cluster->begin_streamed(0, "SELECT * FROM t", {}, [&](const ResultSet& w) {
      rows += w.rows.size();
      if (dropped) return;
      for (int i = 0; i < 4; i++) REQUIRE(fx.cluster->node_exec(i, "DELETE FROM _bd_staging").ok());
      dropped = true;
    });
    while (!fx.cluster->advance(t)) {
    }
    auto r = fx.cluster->finish(t);
    REQUIRE_FALSE(r.ok());
    INFO(r.error().message);
    CHECK(r.error().message.find("expired") != std::string::npos);
    CHECK(r.error().message.find("rows of the result were streamed") != std::string::npos);
    CHECK(rows < static_cast<size_t>(kRows));
    for (int i = 0; i < 4; i++) {
      auto names = fx.cluster->node_exec(i, "SELECT name FROM sqlite_master WHERE name LIKE '_bd_stage_c%'");
      REQUIRE(names.ok());
      for (auto& row : names->rows) REQUIRE(fx.cluster->node_exec(i, "DROP TABLE \"" + row[0].s + "\"").ok());
    }
  }
}

TEST_CASE("stream: beside an open transaction a streamed read sees the committed rows; inside one it is read whole", "[stream]") {
  Fixture& fx = fixture();
  auto want = bd::sqlite_run(fx.ref, "SELECT id, grp FROM t ORDER BY id", {});
  REQUIRE(want.ok());
  auto begun = fx.cluster->execute_in_isolate(1, "BEGIN");
  REQUIRE(begun.ok());
  const std::string txn = begun->transaction;
  REQUIRE_FALSE(txn.empty());
  // Uncommitted writes on every node (ids hash over all of them).
  REQUIRE(fx.cluster->execute_in_txn(txn, "UPDATE t SET grp = -5 WHERE id <= 3000", {}, 1).ok());
  REQUIRE(fx.cluster->execute_in_txn(txn, "DELETE FROM t WHERE id > 3000 AND id <= 4000", {}, 1).ok());
  // Outside the transaction: its writes are not seen, streamed or not; nodes holding uncommitted
  // rows answer whole (no cursor outlives the rolled-back request that undid them).
  Streamed s = fx.stream("SELECT id, grp FROM t ORDER BY id");
  CHECK(same_rows(want->rows, s.rows, true));
  CHECK(fx.cursors_left() == 0);
  // Inside it: the transaction's own writes, read whole.
  auto mine = fx.cluster->execute_in_txn(txn, "SELECT count(*), sum(grp = -5) FROM t", {}, 1);
  REQUIRE(mine.ok());
  CHECK(mine->rs.rows[0][0].i == kRows - 1000);
  CHECK(mine->rs.rows[0][1].i == 3000);
  auto all = fx.cluster->execute_in_txn(txn, "SELECT id, grp FROM t ORDER BY id", {}, 1);
  REQUIRE(all.ok());
  CHECK(all->rs.rows.size() == static_cast<size_t>(kRows - 1000));
  REQUIRE(fx.cluster->execute_in_txn(txn, "ROLLBACK", {}, 1).ok());
  // Rolled back: the streamed read is SQLite's answer again, paged as before.
  s = fx.stream("SELECT id, grp FROM t ORDER BY id");
  CHECK(same_rows(want->rows, s.rows, true));
  CHECK(s.windows > 1);
  CHECK(fx.cursors_left() == 0);
}
