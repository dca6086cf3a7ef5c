// The storage node's typed operations on its own tables (storage/ops.h), request by request with
// no conductor: what each op makes the node do (refuse, log, answer), through the encoded protocol.
#include <catch2/catch.hpp>

#include <map>

#include "native/sqlite_host.h"
#include "storage/node.h"
#include "storage/ops.h"
#include "storage/protocol.h"

using bd::ErrorCode;
using bd::Value;
namespace st = bd::storage;

namespace {

struct Node {
  std::unique_ptr<bd::native::SqliteHost> db;
  st::NodeEnv env;
  Node() {
    auto h = bd::native::SqliteHost::open(":memory:");
    REQUIRE(h.ok());
    db = std::move(*h);
    env.now_ms = 1'000'000;
    sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, _bd_ksid INTEGER)");
  }
  bd::Result<st::Response> call(const st::Request& r) {
    REQUIRE(db->begin().ok());
    std::string out = st::handle(*db, st::encode_request(r), env);
    if (out.empty() || out[0] != 0)
      db->rollback();
    else
      REQUIRE(db->commit().ok());
    return st::decode_response(out);
  }
  bd::ResultSet sql(const std::string& q) {
    auto r = db->exec(q, {});
    INFO(q);
    if (!r.ok()) FAIL(r.error().message);
    return *r;
  }
  // Resharding's and export's requests: no epoch, catalog or ownership checks.
  bd::Result<st::Response> admin(std::vector<st::Statement> stmts) {
    st::Request r;
    r.admin = true;
    r.epoch = ~uint64_t{0};
    r.catalog_version = ~uint64_t{0};
    r.statements = std::move(stmts);
    return call(r);
  }
  // A conductor's request planned on `epoch` / `catalog` for `vshards`.
  bd::Result<st::Response> work(std::string q, bool write, std::vector<uint32_t> vshards, uint64_t epoch = 100, uint64_t catalog = 100) {
    st::Request r;
    r.epoch = epoch;
    r.catalog_version = catalog;
    r.vshards = std::move(vshards);
    r.statements.push_back({std::move(q), {}, write});
    return call(r);
  }
};

st::Statement op(st::OpKind kind, std::vector<uint32_t> vshards = {}, int64_t number = 0) {
  st::NodeOp o;
  o.kind = kind;
  o.vshards = std::move(vshards);
  o.number = number;
  return st::op_statement(std::move(o));
}

st::Statement ranged(st::OpKind kind, std::vector<st::KsidRange> ranges, std::vector<std::string> tables = {}) {
  st::NodeOp o;
  o.kind = kind;
  o.ranges = std::move(ranges);
  o.tables = std::move(tables);
  return st::op_statement(std::move(o), kind != st::OpKind::TxnsInRanges);
}

// A request of transaction T1 (work with `stmts`, or a control action).
st::Request t1(std::vector<st::Statement> stmts, st::TxnAction action = st::TxnAction::Work) {
  st::Request r;
  r.txn.id = "T1";
  r.txn.start_ms = 1;
  r.txn.stmt = 1;
  r.txn.action = action;
  r.txn.database = std::string("db");
  r.statements = std::move(stmts);
  return r;
}

bool refused_retryable(const bd::Result<st::Response>& r) { return !r.ok() && r.error().code == ErrorCode::Retryable; }

}  // namespace

TEST_CASE("storage ops: SetOwned, RetrackOwned, RaiseEpoch and RaiseCatalog decide what the node refuses") {
  Node n;
  // A node that never tracked ownership takes any virtual shard; RetrackOwned leaves it so.
  REQUIRE(n.admin({op(st::OpKind::RetrackOwned, {1})}).ok());
  CHECK(n.work("SELECT 1", false, {7}).ok());
  REQUIRE(n.admin({op(st::OpKind::SetOwned, {1, 2, 200})}).ok());
  CHECK(n.work("SELECT 1", false, {2}).ok());
  CHECK(n.work("SELECT 1", false, {200}).ok());
  CHECK(refused_retryable(n.work("SELECT 1", false, {3})));
  // Now it tracks: RetrackOwned replaces the set.
  REQUIRE(n.admin({op(st::OpKind::RetrackOwned, {1, 3})}).ok());
  CHECK(n.work("SELECT 1", false, {3}).ok());
  CHECK(refused_retryable(n.work("SELECT 1", false, {2})));

  REQUIRE(n.admin({op(st::OpKind::RaiseEpoch, {}, 50)}).ok());
  CHECK(refused_retryable(n.work("SELECT 1", false, {1}, 49)));
  CHECK(n.work("SELECT 1", false, {1}, 50).ok());
  REQUIRE(n.admin({op(st::OpKind::RaiseEpoch, {}, 10)}).ok());  // never lowered
  CHECK(refused_retryable(n.work("SELECT 1", false, {1}, 49)));

  REQUIRE(n.admin({op(st::OpKind::RaiseCatalog, {}, 7)}).ok());
  CHECK(refused_retryable(n.work("SELECT 1", false, {1}, 100, 6)));
  CHECK(n.work("SELECT 1", false, {1}, 100, 7).ok());
  // A conductor's own catalog bump goes through the node's checks like any write of its version.
  st::Request bump;
  bump.epoch = 100;
  bump.catalog_version = 9;
  bump.statements.push_back(op(st::OpKind::RaiseCatalog, {}, 9));
  REQUIRE(n.call(bump).ok());
  CHECK(refused_retryable(n.work("SELECT 1", false, {1}, 100, 8)));
  REQUIRE(n.admin({op(st::OpKind::RaiseCatalog, {}, 3)}).ok());
  CHECK(refused_retryable(n.work("SELECT 1", false, {1}, 100, 8)));
}

TEST_CASE("storage ops: a fence refuses writes to its shards only, and only shards the node owns can be fenced") {
  Node n;
  REQUIRE(n.admin({op(st::OpKind::SetOwned, {1, 2})}).ok());
  auto bad = n.admin({op(st::OpKind::SetFence, {3})});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("virtual shard 3") != std::string::npos);
  CHECK(n.work("INSERT INTO t VALUES (1, 'a', 1)", true, {2}).ok());  // the refused fence left nothing

  REQUIRE(n.admin({op(st::OpKind::SetFence, {2})}).ok());
  CHECK(refused_retryable(n.work("INSERT INTO t VALUES (2, 'b', 2)", true, {2})));
  CHECK(refused_retryable(n.work("UPDATE t SET v = 'x'", true, {})));  // a scatter write
  CHECK(n.work("INSERT INTO t VALUES (3, 'c', 3)", true, {1}).ok());
  auto read = n.work("SELECT count(*) FROM t", false, {2});
  REQUIRE(read.ok());
  CHECK(read->results[0].rows[0][0].i == 2);

  REQUIRE(n.admin({op(st::OpKind::ClearFence)}).ok());
  CHECK(n.work("INSERT INTO t VALUES (2, 'b', 2)", true, {2}).ok());
  CHECK(n.work("UPDATE t SET v = 'x'", true, {}).ok());
}

TEST_CASE("storage ops: Freeze pauses writes (not reads) until Unfreeze; LiveTxns counts open transactions") {
  Node n;
  auto live = n.admin({op(st::OpKind::LiveTxns)});
  REQUIRE(live.ok());
  CHECK(live->results[0].rows[0][0].i == 0);
  REQUIRE(n.admin({op(st::OpKind::Freeze, {}, 30'000)}).ok());
  auto w = n.work("INSERT INTO t VALUES (1, 'a', 1)", true, {});
  REQUIRE(refused_retryable(w));
  CHECK(w.error().message.find("export") != std::string::npos);
  CHECK(n.work("SELECT * FROM t", false, {}).ok());
  REQUIRE(n.admin({op(st::OpKind::Unfreeze)}).ok());
  CHECK(n.work("INSERT INTO t VALUES (1, 'a', 1)", true, {}).ok());
  // A pause that already ended holds nothing (it carries its own end).
  REQUIRE(n.admin({op(st::OpKind::Freeze, {}, 1)}).ok());
  n.sql("UPDATE _bd_node SET v = v - 60000 WHERE k = 'freeze'");
  CHECK(n.work("INSERT INTO t VALUES (2, 'b', 2)", true, {}).ok());
  CHECK_FALSE(n.admin({op(st::OpKind::Freeze, {}, 0)}).ok());

  // A transaction's write leaves it active here until it commits.
  REQUIRE(n.call(t1({{"INSERT INTO t VALUES (3, 'c', 3)", {}, true}})).ok());
  live = n.admin({op(st::OpKind::LiveTxns)});
  REQUIRE(live.ok());
  CHECK(live->results[0].rows[0][0].i == 1);
}

TEST_CASE("storage ops: change capture logs the rows of the moving ranges, and its slices list them with their size") {
  Node n;
  n.sql("CREATE TABLE u (a TEXT, _bd_ksid INTEGER)");  // a rowid table
  n.sql("INSERT INTO t VALUES (1, 'before', 5)");
  // Refused: internal or missing tables, an empty range.
  CHECK_FALSE(n.admin({ranged(st::OpKind::CaptureStart, {{0, 99}}, {"_bd_node"})}).ok());
  CHECK_FALSE(n.admin({ranged(st::OpKind::CaptureStart, {{0, 99}}, {"nope"})}).ok());
  CHECK_FALSE(n.admin({ranged(st::OpKind::CaptureStart, {{99, 0}}, {"t"})}).ok());
  REQUIRE(n.admin({ranged(st::OpKind::CaptureStart, {{0, 99}}, {"t", "u"})}).ok());
  n.sql("INSERT INTO t VALUES (2, 'in', 7)");
  n.sql("INSERT INTO t VALUES (3, 'out', 500)");      // not in the ranges: not logged
  n.sql("UPDATE t SET v = 'changed' WHERE id = 1");   // logged
  n.sql("UPDATE t SET _bd_ksid = 600 WHERE id = 2");  // leaves the ranges: logged, and gone from them
  n.sql("INSERT INTO u VALUES ('x', 9)");
  n.sql("DELETE FROM u");

  st::NodeOp slice;
  slice.kind = st::OpKind::ChangeSlice;
  slice.number = 0;
  slice.limit = 3;
  st::NodeOp rows;
  rows.kind = st::OpKind::ChangedRows;
  rows.number = 0;
  rows.limit = 3;
  rows.table = "t";
  rows.columns = {"id", "v", "_bd_ksid"};
  rows.ranges = {{0, 99}};
  auto r = n.admin({st::op_statement(slice, false), st::op_statement(rows, false)});
  REQUIRE(r.ok());
  // Five entries: the slice is the first three, two remain after it.
  CHECK(r->results[0].rows[0][0].i == 3);
  CHECK(r->results[0].rows[0][1].i == 2);
  // Rows 2 and 1 (with their first entry); row 2 is no longer in the ranges: size 0.
  std::map<std::string, std::pair<int64_t, int64_t>> got;
  for (auto& row : r->results[1].rows) got[row[0].s] = {row[1].i, row[2].i};
  REQUIRE(got.size() == 2);
  CHECK(got["2"].first == 1);
  CHECK(got["1"].first == 2);
  CHECK(got["1"].second == static_cast<int64_t>(std::string("1").size() + std::string("changed").size() + 1));
  CHECK(got["2"].second == 0);
  // The rest of the log: the rowid table's insert and delete.
  slice.number = 3;
  rows.number = 3;
  rows.table = "u";
  rows.columns = {"a", "_bd_ksid"};
  r = n.admin({st::op_statement(slice, false), st::op_statement(rows, false)});
  REQUIRE(r.ok());
  CHECK(r->results[0].rows[0][0].i == 5);
  CHECK(r->results[0].rows[0][1].i == 0);
  REQUIRE(r->results[1].rows.size() == 1);
  CHECK(r->results[1].rows[0][2].i == 0);  // deleted

  // Starting again empties the log; stopping drops triggers and log.
  REQUIRE(n.admin({ranged(st::OpKind::CaptureStart, {{0, 99}}, {"t", "u"})}).ok());
  CHECK(n.sql("SELECT count(*) FROM _bd_changes").rows[0][0].i == 0);
  REQUIRE(n.admin({ranged(st::OpKind::CaptureStop, {}, {"t", "u"})}).ok());
  CHECK(n.sql("SELECT count(*) FROM sqlite_schema WHERE name LIKE '\\_bd\\_c%' ESCAPE '\\'").rows[0][0].i == 0);
  n.sql("INSERT INTO t VALUES (4, 'after', 8)");                             // no trigger stands in the way
  REQUIRE(n.admin({ranged(st::OpKind::CaptureStop, {}, {"t", "u"})}).ok());  // idempotent
}

TEST_CASE("storage ops: TxnsInRanges sees a live transaction's keys in the ranges, and nothing once it is rolled back") {
  Node n;
  auto probe = [&](st::KsidRange range) {
    auto r = n.admin({ranged(st::OpKind::TxnsInRanges, {range})});
    REQUIRE(r.ok());
    return r->results[0].rows[0][0].i;
  };
  CHECK(probe({0, 99}) == 0);  // no transaction ever ran here
  REQUIRE(n.call(t1({{"INSERT INTO t VALUES (1, 'a', 5)", {}, true}})).ok());
  CHECK(probe({0, 99}) > 0);
  CHECK(probe({1000, 2000}) == 0);
  REQUIRE(n.call(t1({}, st::TxnAction::Abort)).ok());
  CHECK(probe({0, 99}) == 0);
}

TEST_CASE("storage ops: move staging keeps the rows coming in by source and rowid, exactly, until activated into the table") {
  Node n;
  n.sql("CREATE TABLE r (a, _bd_ksid INTEGER)");  // untyped; the rowid is the row's identity here
  auto stage = [](st::OpKind kind, const std::string& table, std::vector<std::string> cols, bool keep_rowid = false) {
    st::NodeOp o;
    o.kind = kind;
    o.table = table;
    o.columns = std::move(cols);
    o.keep_rowid = keep_rowid;
    return o;
  };
  CHECK_FALSE(n.admin({st::op_statement(stage(st::OpKind::StageCreate, "_bd_node", {"k"}))}).ok());
  CHECK_FALSE(n.admin({st::op_statement(stage(st::OpKind::StageCreate, "missing", {"a"}))}).ok());
  REQUIRE(n.admin({st::op_statement(stage(st::OpKind::StageCreate, "t", {"id", "v", "_bd_ksid"})),
                   st::op_statement(stage(st::OpKind::StageCreate, "r", {"a", "_bd_ksid"}, true))})
              .ok());
  // More rows than one statement's parameters hold; the same rowid from two sources is two rows.
  auto up = stage(st::OpKind::StageUpsert, "t", {"id", "v", "_bd_ksid"});
  up.source = 1;
  for (int64_t i = 1; i <= 120; i++) up.rows.push_back({Value::integer(i), Value::integer(i), Value::text("s1"), Value::integer(i)});
  REQUIRE(n.admin({st::op_statement(up)}).ok());
  up.source = 2;
  up.rows.clear();
  up.rows.push_back({Value::integer(1), Value::integer(1000), Value::text("s2"), Value::integer(7)});
  REQUIRE(n.admin({st::op_statement(up)}).ok());
  // Replaced, not added: a second copy of source 1's row 5.
  up.source = 1;
  up.rows[0] = {Value::integer(5), Value::integer(5), Value::text("again"), Value::integer(5)};
  REQUIRE(n.admin({st::op_statement(up)}).ok());
  auto bad = up;
  bad.rows[0].pop_back();
  CHECK_FALSE(n.admin({st::op_statement(bad)}).ok());
  auto del = stage(st::OpKind::StageDelete, "t", {});
  del.source = 1;
  for (int64_t i = 101; i <= 120; i++) del.rowids.push_back(i);
  REQUIRE(n.admin({st::op_statement(del)}).ok());
  auto ids = n.admin({st::op_statement(stage(st::OpKind::StageRowids, "t", {}), false)});
  REQUIRE(ids.ok());
  CHECK(ids->results[0].rows.size() == 101);
  // Nothing shows in the table yet.
  CHECK(n.sql("SELECT count(*) FROM t").rows[0][0].i == 0);

  // Exact values: an integral REAL stays a REAL, a large integer stays exact; the rowid is kept.
  auto ur = stage(st::OpKind::StageUpsert, "r", {"a", "_bd_ksid"});
  ur.source = 3;
  ur.rows.push_back({Value::integer(42), Value::real(2.0), Value::integer(1)});
  ur.rows.push_back({Value::integer(-9), Value::integer(9007199254740993), Value::integer(2)});
  ur.rows.push_back({Value::integer(7), Value::blob(std::string("\0x", 2)), Value::integer(3)});
  REQUIRE(n.admin({st::op_statement(ur)}).ok());
  REQUIRE(n.admin({st::op_statement(stage(st::OpKind::StageActivate, "t", {"id", "v", "_bd_ksid"})),
                   st::op_statement(stage(st::OpKind::StageActivate, "r", {"a", "_bd_ksid"}, true))})
              .ok());
  CHECK(n.sql("SELECT count(*), sum(id) FROM t").rows[0][0].i == 101);
  CHECK(n.sql("SELECT v FROM t WHERE id = 5").rows[0][0].s == "again");
  CHECK(n.sql("SELECT v FROM t WHERE id = 1000").rows[0][0].s == "s2");
  auto rr = n.sql("SELECT rowid, typeof(a), quote(a) FROM r ORDER BY rowid");
  REQUIRE(rr.rows.size() == 3);
  CHECK(rr.rows[0][0].i == -9);
  CHECK(rr.rows[0][2].s == "9007199254740993");
  CHECK(rr.rows[1][0].i == 7);
  CHECK(rr.rows[1][1].s == "blob");
  CHECK(rr.rows[2][0].i == 42);
  CHECK(rr.rows[2][1].s == "real");
  CHECK(n.sql("SELECT count(*) FROM _bd_stage_t").rows[0][0].i == 0);  // left empty
  REQUIRE(n.admin({st::op_statement(stage(st::OpKind::StageDrop, "t", {})), st::op_statement(stage(st::OpKind::StageDrop, "r", {}))}).ok());
  CHECK(n.sql("SELECT count(*) FROM sqlite_schema WHERE name LIKE '\\_bd\\_stage\\_%' ESCAPE '\\'").rows[0][0].i == 0);
}

TEST_CASE("storage ops: SchemaRead and SchemaApply copy the users' schema and lookup tables to a new node, and only those") {
  Node a, b;
  a.sql("CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT, _bd_ksid INTEGER)");
  a.sql("CREATE INDEX p_name ON p(name)");
  a.sql("CREATE TRIGGER p_ins AFTER INSERT ON p BEGIN UPDATE p SET name = upper(NEW.name) WHERE id = NEW.id; END");
  a.sql("CREATE VIEW pv AS SELECT name FROM p");
  a.sql("CREATE TABLE _bd_idx_p_name (v1, ksid INTEGER)");
  a.sql("CREATE TABLE s (x INTEGER PRIMARY KEY AUTOINCREMENT)");  // sqlite_sequence comes with it
  REQUIRE(a.admin({op(st::OpKind::RaiseEpoch, {}, 3)}).ok());     // _bd_node exists on a
  auto read = a.admin({op(st::OpKind::SchemaRead)});
  REQUIRE(read.ok());
  std::vector<std::string> names;
  for (auto& row : read->results[0].rows) names.push_back(row[1].s);
  CHECK(names == std::vector<std::string>{"t", "p", "p_name", "p_ins", "pv", "_bd_idx_p_name", "s"});
  st::NodeOp apply;
  apply.kind = st::OpKind::SchemaApply;
  apply.rows = read->results[0].rows;
  // b has t already (Node makes it): skipped, not an error; applying twice changes nothing.
  REQUIRE(b.admin({st::op_statement(apply)}).ok());
  REQUIRE(b.admin({st::op_statement(apply)}).ok());
  auto schema_of = [](Node& n) {
    return n.sql("SELECT type, name, sql FROM sqlite_schema WHERE name NOT IN ('_bd_node', 'sqlite_autoindex__bd_node_1') ORDER BY name")
        .rows;
  };
  CHECK(schema_of(a) == schema_of(b));
  b.sql("INSERT INTO p VALUES (1, 'x', 0)");
  CHECK(b.sql("SELECT name FROM pv").rows[0][0].s == "X");  // the trigger came along
  // Refused: the engine's own tables, statements other than CREATE.
  auto bad = apply;
  bad.rows = {{Value::text("table"), Value::text("_bd_node"), Value::text("CREATE TABLE _bd_node(k)")}};
  CHECK_FALSE(b.admin({st::op_statement(bad)}).ok());
  bad.rows = {{Value::text("table"), Value::text("q"), Value::text("DROP TABLE p")}};
  CHECK_FALSE(b.admin({st::op_statement(bad)}).ok());
  CHECK(b.sql("SELECT count(*) FROM sqlite_schema WHERE name = 'p'").rows[0][0].i == 1);
}

TEST_CASE("storage ops: an export's snapshot keeps the rows of its moment, reads them back in bounded batches, and drops by name") {
  Node n;
  n.sql("CREATE TABLE d (k INTEGER PRIMARY KEY, v, w TEXT, _bd_ksid INTEGER)");
  n.sql("CREATE INDEX d_w ON d(w)");
  for (int i = 1; i <= 50; i++)
    n.sql("INSERT INTO d VALUES (" + std::to_string(i) + ", " + (i % 2 ? "2.0" : "'t'") + ", printf('%0100d', " + std::to_string(i) +
          "), 0)");
  const std::string id = "1700000000000xab12", old = "1600000000000xzz";
  auto snap = [](st::OpKind kind, const std::string& name, int64_t number = -1) {
    st::NodeOp o;
    o.kind = kind;
    o.name = name;
    o.number = number;
    return o;
  };
  auto copy = snap(st::OpKind::SnapCopy, id, 0);
  copy.table = "d";
  copy.columns = {"k", "v", "w"};
  auto cat = snap(st::OpKind::SnapCatalog, id);
  cat.rows.push_back({Value::integer(0), Value::blob("desc of d")});
  CHECK_FALSE(n.admin({st::op_statement(snap(st::OpKind::SnapDrop, "1x'; DROP TABLE d; --"))}).ok());
  auto copy_internal = copy;
  copy_internal.table = "_bd_node";
  CHECK_FALSE(n.admin({op(st::OpKind::RaiseEpoch, {}, 1), st::op_statement(copy_internal)}).ok());
  auto copy_old = copy;
  copy_old.name = old;
  REQUIRE(n.admin({st::op_statement(copy), st::op_statement(cat), st::op_statement(copy_old)}).ok());
  n.sql("UPDATE d SET w = 'later'");  // after the snapshot's moment
  auto list = n.admin({st::op_statement(snap(st::OpKind::SnapList, ""), false)});
  REQUIRE(list.ok());
  std::vector<std::string> ids;
  for (auto& row : list->results[0].rows) ids.push_back(row[0].s);
  std::sort(ids.begin(), ids.end());
  CHECK(ids == std::vector<std::string>{old, id});
  auto meta =
      n.admin({st::op_statement(snap(st::OpKind::SnapTables, id, 0), false), st::op_statement(snap(st::OpKind::SnapSchema, id), false)});
  REQUIRE(meta.ok());
  CHECK(meta->results[0].rows[0][0].s == "desc of d");
  REQUIRE(meta->results[1].rows.size() == 1);
  CHECK(meta->results[1].rows[0][1].s == "d_w");
  // Batches: at most 20 rows, cut after 1000 bytes (one row is about 103): 9-10 rows each.
  int64_t after = 0, seen = 0, reals = 0;
  for (int round = 0; round < 20; round++) {
    auto rows = snap(st::OpKind::SnapRows, id, 0);
    rows.columns = {"k", "v", "w"};
    rows.marked = {1};
    rows.after = after;
    rows.limit = 20;
    rows.bytes = 1000;
    auto r = n.admin({st::op_statement(rows, false)});
    REQUIRE(r.ok());
    auto& got = r->results[0].rows;
    if (got.empty()) break;
    CHECK(got.size() <= 10);
    for (auto& row : got) {
      CHECK(row[0].i == after + 1);  // rowid order, none skipped
      after = row[0].i;
      // (rowid, k, v, typeof(v) = 'real', w, ...)
      CHECK(row[4].s != "later");
      reals += row[3].i;
      seen++;
    }
  }
  CHECK(seen == 50);
  CHECK(reals == 25);  // the odd rows' 2.0
  REQUIRE(n.admin({st::op_statement(snap(st::OpKind::SnapDrop, old))}).ok());
  CHECK(n.sql("SELECT count(*) FROM sqlite_schema WHERE name LIKE '\\_bd\\_snap\\_1600%' ESCAPE '\\'").rows[0][0].i == 0);
  CHECK(n.sql("SELECT count(*) FROM sqlite_schema WHERE name LIKE '\\_bd\\_snap\\_1700%' ESCAPE '\\'").rows[0][0].i == 3);
  REQUIRE(n.admin({st::op_statement(snap(st::OpKind::SnapDrop, id))}).ok());
  CHECK(n.sql("SELECT count(*) FROM sqlite_schema WHERE name LIKE '\\_bd\\_snap\\_%' ESCAPE '\\'").rows[0][0].i == 0);
}

TEST_CASE("storage ops: UserObjects lists the users' indexes and triggers, of one table or all, never the engine's") {
  Node n;
  n.sql("CREATE TABLE Other (a, _bd_ksid INTEGER)");
  n.sql("CREATE INDEX t_v ON t(v)");
  n.sql("CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN SELECT 1; END");
  n.sql("CREATE INDEX other_a ON Other(a)");
  // The engine's own: a transaction's capture triggers, a lookup table's index.
  REQUIRE(n.call(t1({{"INSERT INTO t VALUES (1, 'a', 5)", {}, true}})).ok());
  n.sql("CREATE TABLE _bd_idx_x (v1, ksid INTEGER)");
  n.sql("CREATE INDEX _bd_idx_x_v ON _bd_idx_x(v1)");
  REQUIRE(n.sql("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '\\_bd\\_%' ESCAPE '\\'").rows[0][0].i > 0);
  auto list = [&](const std::string& table) {
    st::NodeOp o;
    o.kind = st::OpKind::UserObjects;
    o.table = table;
    auto r = n.admin({st::op_statement(o, false)});
    REQUIRE(r.ok());
    std::vector<std::string> out;
    for (auto& row : r->results[0].rows) out.push_back(row[0].s + " " + row[1].s + " " + row[2].s);
    return out;
  };
  CHECK(list("") == std::vector<std::string>{"index t_v t", "trigger t_ins t", "index other_a Other"});
  CHECK(list("other") == std::vector<std::string>{"index other_a Other"});
  CHECK(list("none").empty());
}

TEST_CASE("storage ops: a move's range reads return exact values in bounded batches, and its range delete takes only the ranges") {
  Node n;
  n.sql("CREATE TABLE m (a, b TEXT, _bd_ksid INTEGER)");
  // ksid 0..99: in the ranges [10, 49]; values of every storage class, a large integer, an integral REAL.
  for (int i = 0; i < 100; i++)
    n.sql("INSERT INTO m VALUES (" +
          std::string(i % 4 == 0   ? "9007199254740993"
                      : i % 4 == 1 ? "3.0"
                      : i % 4 == 2 ? "x'00ff'"
                                   : "NULL") +
          ", printf('%050d', " + std::to_string(i) + "), " + std::to_string(i) + ")");
  const std::vector<st::KsidRange> in = {{10, 49}};
  auto make = [&](st::OpKind kind) {
    st::NodeOp o;
    o.kind = kind;
    o.table = "m";
    o.columns = {"a", "b", "_bd_ksid"};
    o.ranges = in;
    return o;
  };
  auto count = n.admin({st::op_statement(make(st::OpKind::RangeCount), false)});
  REQUIRE(count.ok());
  CHECK(count->results[0].rows[0][0].i == 40);
  // Batches of at most 15 rows, cut after 500 bytes (a row is about 60): 9 rows each.
  auto batch = make(st::OpKind::RangeBatch);
  batch.after = INT64_MIN;
  batch.limit = 15;
  batch.bytes = 500;
  int64_t seen = 0;
  for (int round = 0; round < 10 && seen < 40; round++) {
    auto r = n.admin({st::op_statement(batch, false)});
    REQUIRE(r.ok());
    auto& rows = r->results[0].rows;
    REQUIRE(!rows.empty());
    CHECK(rows.size() <= 9);
    for (auto& row : rows) {
      auto vals = st::decode_exact_values(row, 1, 3);
      REQUIRE(vals.ok());
      int64_t k = (*vals)[2].i;
      CHECK((k >= 10 && k <= 49));
      switch (k % 4) {
        case 0: CHECK(((*vals)[0].type == bd::ValueType::Integer && (*vals)[0].i == 9007199254740993)); break;
        case 1: CHECK(((*vals)[0].type == bd::ValueType::Real && (*vals)[0].r == 3.0)); break;
        case 2: CHECK(((*vals)[0].type == bd::ValueType::Blob && (*vals)[0].s == std::string("\0\xff", 2))); break;
        default: CHECK((*vals)[0].is_null()); break;
      }
      batch.after = std::stoll(row[0].s) + 1;
      seen++;
    }
  }
  CHECK(seen == 40);
  // By rowid: the logged form says which are still in the ranges; the plain form reads those that exist.
  auto logged = make(st::OpKind::FetchLogged);
  logged.rowids = {5, 11, 1000};
  auto plain = make(st::OpKind::FetchRows);
  plain.ranges.clear();
  plain.rowids = {5, 1000};
  auto r = n.admin({st::op_statement(logged, false), st::op_statement(plain, false)});
  REQUIRE(r.ok());
  REQUIRE(r->results[0].rows.size() == 3);
  std::map<std::string, int64_t> present;
  for (auto& row : r->results[0].rows) present[row[0].s] = row[1].i;
  CHECK(present["5"] == 0);  // ksid 4: not in the ranges
  CHECK(present["11"] == 1);
  CHECK(present["1000"] == 0);
  REQUIRE(r->results[1].rows.size() == 1);
  CHECK(r->results[1].rows[0][0].s == "5");
  auto ids = n.admin({st::op_statement(make(st::OpKind::RangeRowids), false)});
  REQUIRE(ids.ok());
  CHECK(ids->results[0].rows.size() == 40);
  REQUIRE(n.admin({st::op_statement(make(st::OpKind::RangeDelete))}).ok());
  CHECK(n.sql("SELECT count(*), min(_bd_ksid), max(_bd_ksid) FROM m WHERE _bd_ksid BETWEEN 10 AND 49").rows[0][0].i == 0);
  CHECK(n.sql("SELECT count(*) FROM m").rows[0][0].i == 60);
  auto internal = make(st::OpKind::RangeDelete);
  internal.table = "_bd_node";
  CHECK_FALSE(n.admin({op(st::OpKind::RaiseEpoch, {}, 1), st::op_statement(internal)}).ok());
}
