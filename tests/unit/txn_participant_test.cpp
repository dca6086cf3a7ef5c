// A storage node's part in transactions, driven request by request (no conductor): undo, locks,
// prepare/commit/abort, the committed view outside transactions, and recovery's questions.
#include <catch2/catch.hpp>

#include "native/sqlite_host.h"
#include "storage/node.h"
#include "storage/protocol.h"
#include "wire/codec.h"

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
  }
  // One request in one transaction, rolled back on an error status or kRolledBack (as the host does).
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
};

st::Statement w(std::string sql) { return {std::move(sql), {}, true}; }
st::Statement rd(std::string sql) { return {std::move(sql), {}, false}; }

st::Request req(std::vector<st::Statement> stmts, const std::string& txn = "", double start = 0, uint32_t stmt = 1) {
  st::Request r;
  r.statements = std::move(stmts);
  r.txn.id = txn;
  r.txn.start_ms = start;
  r.txn.stmt = stmt;
  r.txn.database = "db";
  return r;
}

st::Request control(const std::string& txn, st::TxnAction a) {
  st::Request r;
  r.txn.id = txn;
  r.txn.action = a;
  r.txn.database = "db";
  return r;
}

st::LockSpec key(const std::string& table, int64_t ksid, bool write) { return {table, write, {static_cast<uint64_t>(ksid)}}; }

std::string dump(Node& n, const std::string& table) {
  std::string out;
  for (auto& row : n.sql("SELECT * FROM " + table + " ORDER BY 1").rows) {
    for (auto& v : row) out += (v.is_null() ? "NULL" : v.type == bd::ValueType::Integer ? std::to_string(v.i) : v.s) + ",";
    out += ";";
  }
  return out;
}

void schema(Node& n) {
  n.sql("CREATE TABLE _bd_node(k TEXT PRIMARY KEY, v ANY) STRICT");
  n.sql("CREATE TABLE acc (id INTEGER PRIMARY KEY, name TEXT UNIQUE, bal INTEGER CHECK (bal >= 0), _bd_ksid INTEGER)");
  n.sql("CREATE TABLE log (id INTEGER PRIMARY KEY, note TEXT, _bd_ksid INTEGER)");
  n.sql(
      "CREATE TRIGGER acc_log AFTER UPDATE ON acc BEGIN INSERT INTO log(note, _bd_ksid) VALUES ('moved ' || NEW.name, NEW._bd_ksid); END");
  n.sql("INSERT INTO acc VALUES (1, 'a', 100, 11), (2, 'b', 50, 22), (3, 'c', 0, 33)");
}

}  // namespace

TEST_CASE("txn participant: abort restores every row a transaction changed, including REPLACE victims and trigger writes") {
  Node n;
  schema(n);
  std::string before = dump(n, "acc"), log_before = dump(n, "log");
  auto r = n.call(
      req({w("UPDATE acc SET bal = bal - 10 WHERE id = 1"), w("DELETE FROM acc WHERE id = 2"), w("INSERT INTO acc VALUES (4, 'd', 7, 44)"),
           w("INSERT OR REPLACE INTO acc VALUES (5, 'c', 9, 33)"), w("UPDATE acc SET id = 10 WHERE id = 4")},
          "T1", 1));
  REQUIRE(r.ok());
  CHECK(dump(n, "acc") != before);
  CHECK(n.sql("SELECT count(*) FROM acc WHERE name = 'c'").rows[0][0].i == 1);  // row 3 was replaced by row 5
  CHECK(n.sql("SELECT count(*) FROM log").rows[0][0].i == 2);                   // the user's trigger ran twice
  REQUIRE(n.call(control("T1", st::TxnAction::Abort)).ok());
  CHECK(dump(n, "acc") == before);
  CHECK(dump(n, "log") == log_before);
  CHECK(n.sql("SELECT count(*) FROM _bd_undo").rows[0][0].i == 0);
  CHECK(n.sql("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name = 'acc_log'").rows[0][0].i == 1);
  CHECK(n.sql("SELECT state FROM _bd_txn WHERE id = 'T1'").rows[0][0].s == "aborted");
  // A late request of the rolled-back transaction is refused, not started again.
  auto late = n.call(req({w("UPDATE acc SET bal = 1 WHERE id = 1")}, "T1", 1));
  REQUIRE_FALSE(late.ok());
  CHECK(late.error().code == ErrorCode::Conflict);
}

TEST_CASE("txn participant: others see committed rows, wait for locked keys, and see the commit") {
  Node n;
  schema(n);
  REQUIRE(n.call(req({w("UPDATE acc SET bal = 1 WHERE id = 1")}, "T1", 1)).ok());
  // A read outside transactions sees the committed balance (and the node rolls its undo back).
  auto seen = n.call(req({rd("SELECT bal FROM acc WHERE id = 1")}));
  REQUIRE(seen.ok());
  CHECK(seen->results[0].rows[0][0].i == 100);
  CHECK(n.sql("SELECT bal FROM acc WHERE id = 1").rows[0][0].i == 1);  // still T1's, uncommitted
  // A write to the locked key waits; one to another key goes through.
  auto blocked = n.call(req({w("UPDATE acc SET bal = 5 WHERE id = 1")}));
  REQUIRE_FALSE(blocked.ok());
  CHECK(blocked.error().code == ErrorCode::Busy);
  REQUIRE(n.call(req({w("UPDATE acc SET bal = 51 WHERE id = 2")})).ok());
  // Prepared: the rows are in doubt, a read of the table waits.
  auto p = control("T1", st::TxnAction::Prepare);
  p.txn.record_node = 3;
  p.txn.participants = {0, 3};
  REQUIRE(n.call(p).ok());
  auto doubt = n.call(req({rd("SELECT sum(bal) FROM acc")}));
  REQUIRE_FALSE(doubt.ok());
  CHECK(doubt.error().code == ErrorCode::Busy);
  auto c = control("T1", st::TxnAction::Commit);
  c.txn.participants = {0, 3};
  REQUIRE(n.call(c).ok());
  auto after = n.call(req({rd("SELECT bal FROM acc WHERE id = 1")}));
  REQUIRE(after.ok());
  CHECK(after->results[0].rows[0][0].i == 1);
  CHECK(n.sql("SELECT count(*) FROM _bd_undo").rows[0][0].i == 0);
  CHECK(n.sql("SELECT v FROM _bd_node WHERE k = 'txns'").rows[0][0].i == 0);
}

TEST_CASE("txn participant: wait-die between transactions, shared locks against writers") {
  Node n;
  schema(n);
  auto old_read = req({rd("SELECT bal FROM acc WHERE id = 1")}, "OLD", 10);
  old_read.footprint = {key("acc", 11, false)};
  REQUIRE(n.call(old_read).ok());
  // A younger transaction writing the key the older one read dies.
  auto young = req({w("UPDATE acc SET bal = 0 WHERE id = 1")}, "YOUNG", 20);
  young.footprint = {key("acc", 11, true)};
  auto r = n.call(young);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::Conflict);
  // The younger one holds a key; the older one asking for it waits.
  auto young2 = req({w("UPDATE acc SET bal = 0 WHERE id = 2")}, "YOUNG", 20);
  young2.footprint = {key("acc", 22, true)};
  REQUIRE(n.call(young2).ok());
  auto old_write = req({w("UPDATE acc SET bal = 1 WHERE id = 2")}, "OLD", 10, 2);
  old_write.footprint = {key("acc", 22, true)};
  auto wr = n.call(old_write);
  REQUIRE_FALSE(wr.ok());
  CHECK(wr.error().code == ErrorCode::Busy);
  // Without a footprint, the capture trigger catches the locked row all the same.
  auto sneaky = req({w("UPDATE acc SET bal = 1 WHERE bal = 0")}, "OLD", 10, 3);
  auto sr = n.call(sneaky);
  REQUIRE_FALSE(sr.ok());
  CHECK((sr.error().code == ErrorCode::Busy || sr.error().code == ErrorCode::Conflict));
  // An outside write of a key a transaction only read waits too.
  auto outside = req({w("UPDATE acc SET bal = 3 WHERE id = 1")});
  outside.footprint = {key("acc", 11, true)};
  auto o = n.call(outside);
  REQUIRE_FALSE(o.ok());
  CHECK(o.error().code == ErrorCode::Busy);
}

TEST_CASE("txn participant: a failed statement leaves nothing; ROLLBACK TO undoes from a statement on") {
  Node n;
  schema(n);
  REQUIRE(n.call(req({w("UPDATE acc SET bal = 90 WHERE id = 1")}, "T", 1, 1)).ok());
  REQUIRE(n.call(req({w("UPDATE acc SET bal = 40 WHERE id = 2")}, "T", 1, 2)).ok());
  auto bad = n.call(req({w("UPDATE acc SET bal = bal - 1000 WHERE id = 3")}, "T", 1, 3));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("CHECK constraint failed") != std::string::npos);
  auto rb = control("T", st::TxnAction::RollbackTo);
  rb.txn.rollback_to = 2;
  REQUIRE(n.call(rb).ok());
  CHECK(n.sql("SELECT bal FROM acc ORDER BY id").rows[0][0].i == 90);
  CHECK(n.sql("SELECT bal FROM acc ORDER BY id").rows[1][0].i == 50);
  auto c = control("T", st::TxnAction::Commit);
  c.txn.participants = {0};
  REQUIRE(n.call(c).ok());
  CHECK(n.sql("SELECT group_concat(bal) FROM (SELECT bal FROM acc ORDER BY id)").rows[0][0].s == "90,50,0");
}

TEST_CASE("txn participant: the record holder decides; presumed abort refuses a late commit") {
  Node n;
  schema(n);
  // Asked about a transaction it never saw: aborted, durably.
  auto q = n.call(control("GHOST", st::TxnAction::Decision));
  REQUIRE(q.ok());
  CHECK(q->txn_outcome == 2);
  auto late = control("GHOST", st::TxnAction::Commit);
  late.txn.decide = true;
  late.txn.participants = {0, 1};
  auto lr = n.call(late);
  REQUIRE_FALSE(lr.ok());
  CHECK(lr.error().code == ErrorCode::Conflict);
  // A decision made is remembered until every participant has it.
  REQUIRE(n.call(req({w("UPDATE acc SET bal = 7 WHERE id = 3")}, "T", 1)).ok());
  auto c = control("T", st::TxnAction::Commit);
  c.txn.decide = true;
  c.txn.participants = {0, 1, 2};
  c.txn.self = 0;
  REQUIRE(n.call(c).ok());
  auto d = n.call(control("T", st::TxnAction::Decision));
  REQUIRE(d.ok());
  CHECK(d->txn_outcome == 1);
  CHECK(n.sql("SELECT pending FROM _bd_txn WHERE id = 'T'").rows[0][0].s == "1,2");
  // Its alarm tells the participants that missed the commit, then forgets.
  n.env.now_ms += 5000;
  REQUIRE(n.db->begin().ok());
  std::string plan = st::recovery_plan(*n.db, n.env);
  REQUIRE(n.db->commit().ok());
  bd::wire::Reader pr(plan);
  REQUIRE(pr.u8() == 0);
  REQUIRE(pr.u32() == 2);
  for (uint32_t node : {1u, 2u}) {
    bd::wire::Writer a;
    a.u8(1);
    a.str("T");
    a.u8(2);
    a.u32(node);
    a.str(st::encode_response({}));
    REQUIRE(n.db->begin().ok());
    st::recovery_apply(*n.db, n.env, a.take());
    REQUIRE(n.db->commit().ok());
  }
  CHECK(n.sql("SELECT decision FROM _bd_txn WHERE id = 'T'").rows[0][0].i == 0);
}

TEST_CASE("txn participant: an idle transaction rolls back by itself") {
  Node n;
  schema(n);
  auto r = req({w("UPDATE acc SET bal = 0 WHERE id = 1")}, "T", 1);
  r.txn.timeout_ms = 1000;
  REQUIRE(n.call(r).ok());
  CHECK(n.env.alarm_at > n.env.now_ms);
  n.env.now_ms = n.env.alarm_at + 1;
  REQUIRE(n.db->begin().ok());
  st::recovery_plan(*n.db, n.env);
  REQUIRE(n.db->commit().ok());
  CHECK(n.sql("SELECT bal FROM acc WHERE id = 1").rows[0][0].i == 100);
  CHECK(n.sql("SELECT state FROM _bd_txn WHERE id = 'T'").rows[0][0].s == "aborted");
  CHECK(n.env.alarm_at < 0);
}
