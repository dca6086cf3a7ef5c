// A storage node's part in cross-node transactions: it applies a transaction's writes eagerly,
// with undo and locks kept durably in its own tables, so that the transaction can be prepared,
// committed or rolled back by later requests (the platform holds no transaction open across
// requests), and it keeps every other request from seeing or overwriting uncommitted rows.
//
// Tables (node-internal, never copied by resharding, never visible to users):
//   _bd_txn     one row per transaction this node took part in: state (active, prepared,
//               committed, aborted), age, idle timeout, the node holding its decision record;
//               on the record holder also the decision and the participants still to be told.
//   _bd_undo    undo log: (txn, statement number, table, op, row id, keyspace id, row image).
//               op 1: the row was inserted (undo deletes it); op 0: the row's image before it
//               changed or left (undo puts it back). Applied in reverse order. A transaction's undo
//               rows are also its exclusive locks: on (table, keyspace id).
//   _bd_lock    shared locks of active transactions' reads: (txn, table, keyspace id or NULL for
//               the whole table).
//   _bd_cur     one row: the transaction whose statement is running now (NULL: none). Capture
//               triggers on every table fire only while it is set.
//   _bd_layout  the columns of each captured table at the time of capture (undo images outlive
//               schema changes: they are restored by column name).
//
// Capture triggers: BEFORE INSERT/UPDATE/DELETE refuse ('bd:locked') a change to a key another
// transaction holds; when the statement may resolve conflicts by REPLACE (which fires no delete
// trigger) the rows it could replace are logged first; AFTER triggers log the change. Every
// write fires them, including writes by triggers, cascades and upserts.
//
// A node with no transaction state takes the fast path (node.cpp): no capture, no checks. With
// state, requests outside transactions are checked against the locks: writes refuse a locked
// key, reads see the committed rows (the active transactions' undo is applied inside the request,
// which the host then rolls back) and wait for prepared ones.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>
#include "host/host.h"
#include "storage/protocol.h"

namespace bd::storage {

// What the host gives a storage call and learns from it.
struct NodeEnv {
  double now_ms = 0;
  double alarm_at = -1;      // out: run recovery (storage alarm) at this time; -1: nothing pending
  bool alarm_known = false;  // out: alarm_at was computed (requests on the fast path leave it alone)
};

// The node's _bd_node entries about transactions (read with the epoch/ownership checks).
struct NodeTxnMeta {
  int64_t live = 0;        // transactions active or prepared here
  double visible_ms = -1;  // when a multi-node transaction last became visible here
  bool tables = false;     // the transaction tables exist
  bool capture = false;    // capture triggers are installed for the current schema
  double capture_ms = 0;   // when they were installed or a transaction last ran here
};

// Capture triggers cost every write on the node (SQLite compiles them into each write statement):
// once no transaction has run here for this long, the next write outside transactions drops them
// (the next transaction installs them again).
inline constexpr double kCaptureIdleMs = 2'000;

// Drops the capture triggers when no transaction is live here and none ran for kCaptureIdleMs.
Status drop_idle_capture(SqlHost& sql, NodeEnv& env, const NodeTxnMeta& meta);

// A request of a transaction (req.txn.id set).
std::string run_in_transaction(SqlHost& sql, NodeEnv& env, const Request& req, const NodeTxnMeta& meta);

// A request outside transactions on a node with transaction state (meta.live > 0), or a read
// that asked for visibility reports while one may be due.
std::string run_beside_transactions(SqlHost& sql, NodeEnv& env, const Request& req, const NodeTxnMeta& meta);

// Before a schema change from a conductor: capture triggers are dropped (the next transaction's
// write installs them for the new schema), so they never stand in a DDL statement's way.
Status before_schema_change(SqlHost& sql, const NodeTxnMeta& meta);

// Recovery, driven by the storage object's alarm. plan: rolls back idle transactions here and
// returns the questions for other nodes (prepared transactions ask their record holder; a record
// holder tells participants that missed the commit). Encoded: u32 n, n x (str txn, u8 kind,
// u32 node, str database, str request). apply: feeds one answer back (u8 delivered, str txn,
// u8 kind, u32 node, str response). Both run in one host transaction each.
std::string recovery_plan(SqlHost& sql, NodeEnv& env);
std::string recovery_apply(SqlHost& sql, NodeEnv& env, std::string_view answer);

// Keys of live (active or prepared) transactions here in the keyspace ranges: their undo entries
// plus their shared locks on those keys or on whole tables. 0 when no transaction ever ran here.
struct KsidRange;
Result<int64_t> txn_keys_in(SqlHost& sql, const std::vector<KsidRange>& ranges);

// For tests and diagnostics: transactions with state here, locks and undo rows left.
struct TxnCounts {
  int64_t live = 0, undo = 0, locks = 0, decisions = 0;
};
Result<TxnCounts> txn_counts(SqlHost& sql);

}  // namespace bd::storage
