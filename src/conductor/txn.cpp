#include "conductor/txn.h"

#include <algorithm>
#include <functional>
#include <optional>
#include "host/host.h"
#include "base/json.h"
#include "conductor/executor.h"
#include "conductor/fk.h"
#include "conductor/introspection.h"
#include "conductor/io.h"
#include "planner/shard_sql.h"
#include "storage/ops.h"
#include "sql/printer.h"
#include "value/text.h"
#include "planner/analysis.h"
#include "sql/parser.h"
#include "topology/fts_table.h"

namespace bd {
namespace {

using storage::TxnAction;

const char* kRolledBack = "the transaction was rolled back";
// Sends of a rollback to a participant that does not answer (about 150 ms of backoff in all).
constexpr int kAbortAttempts = 3;

// A control request (no statements) for one participant.
OutRequest control(const TxnState& t, uint32_t node, TxnAction action) {
  storage::Request r;
  r.txn.id = t.id;
  r.txn.start_ms = t.start_ms;
  r.txn.timeout_ms = t.timeout_ms;
  r.txn.database = t.database;
  r.txn.action = action;
  r.txn.self = node;
  r.txn.participants.assign(t.writers.begin(), t.writers.end());
  OutRequest o;
  o.target = OutRequest::Target::Storage;
  o.node = node;
  o.payload = storage::encode_request(r);
  return o;
}

OutRequest with(OutRequest o, const std::function<void(storage::Request&)>& edit) {
  auto r = storage::decode_request(o.payload);
  edit(*r);
  o.payload = storage::encode_request(*r);
  return o;
}

// The first failure among the answers (undelivered counts), or ok.
Status first_failure(const std::vector<OutRequest>& sent, const std::vector<InResponse>& got) {
  for (size_t i = 0; i < sent.size(); i++) {
    if (i >= got.size() || !got[i].delivered)
      return Error::retryable("node " + std::to_string(sent[i].node) + " unreachable" + (i < got.size() ? ": " + got[i].payload : ""));
    auto r = storage::decode_response(got[i].payload);
    if (!r.ok()) return r.error();
  }
  return ok_status();
}

void collect_tables(const Topology& topo, const std::vector<std::string>& names, std::vector<const TableInfo*>& out, int depth = 0) {
  for (auto& n : names) {
    const TableInfo* t = topo.find_table(n);
    if (!t || std::find(out.begin(), out.end(), t) != out.end()) continue;
    out.push_back(t);
    if (t->kind == TableKind::View && depth < 16) {
      auto parsed = sql::parse_statement(t->create_sql);
      if (!parsed.ok()) continue;
      if (auto* cv = (*parsed)->as<sql::CreateView>(); cv && cv->select)
        collect_tables(topo, planner::analyze_select(*cv->select).tables, out, depth + 1);
    }
  }
}

std::vector<uint64_t> pins_of(const TableInfo& t, const sql::Expr* where, const std::string& alias, const std::vector<Value>& params) {
  std::vector<uint64_t> out;
  if (t.kind != TableKind::Sharded || !where) return out;
  auto pins = planner::shard_key_pins(where, t, alias, params);
  if (!pins) return out;
  for (auto& v : *pins) out.push_back(t.key_ksid(v));
  if (out.empty()) out.push_back(t.key_ksid(Value::null()));  // a pin that matches nothing: lock its key
  return out;
}

}  // namespace

std::string new_txn_id(Conductor&) {
  unsigned char b[8];
  bd::random().fill(b, sizeof b);
  static const char* hex = "0123456789abcdef";
  std::string id;
  for (unsigned char c : b) {
    id += hex[c >> 4];
    id += hex[c & 15];
  }
  return id;
}

void need_atomic(Exec& x) {
  if (x.s.txn || x.s.dry_run) return;
  auto t = std::make_unique<TxnState>();
  t->id = new_txn_id(x.c);
  t->database = x.s.database();
  t->start_ms = x.s.implicit_start_ms > 0 ? x.s.implicit_start_ms : bd::clock().now_ms();
  t->last_used_ms = t->start_ms;
  t->implicit = true;
  t->stmt = 1;
  x.s.implicit = std::move(t);
  x.s.txn = x.s.implicit.get();
}

std::vector<storage::LockSpec> statement_footprint(const Topology& topo, const sql::Stmt& st, const std::vector<Value>& params) {
  planner::Features f;
  const TableInfo* target = nullptr;
  const TableInfo* pinned = nullptr;  // the table whose shard-key pins narrow its locks
  std::vector<uint64_t> keys;
  switch (st.kind()) {
    case sql::StmtKind::Select: {
      auto& sel = *st.as<sql::Select>();
      f = planner::analyze_select(sel);
      if (f.tables.size() == 1 && f.table_refs == 1 && !f.subquery && sel.cores.size() == 1) {
        pinned = topo.find_table(f.tables[0]);
        auto& core = sel.cores[0];
        std::string alias = core.from && !core.from->alias.empty() ? core.from->alias : f.tables[0];
        if (pinned) keys = pins_of(*pinned, core.where.get(), alias, params);
      }
      break;
    }
    case sql::StmtKind::Insert: {
      auto& ins = *st.as<sql::Insert>();
      if (ins.select) f = planner::analyze_select(*ins.select);
      for (auto& u : ins.upserts) {
        for (auto& sc : u.set) planner::analyze_expr(*sc.value, f);
        if (u.where) planner::analyze_expr(*u.where, f);
      }
      target = topo.find_table(ins.table.name);
      break;
    }
    case sql::StmtKind::Update:
    case sql::StmtKind::Delete: {
      auto* up = st.as<sql::Update>();
      auto* del = st.as<sql::Delete>();
      const sql::Expr* where = up ? up->where.get() : del->where.get();
      if (where) planner::analyze_expr(*where, f);
      if (up)
        for (auto& sc : up->set) planner::analyze_expr(*sc.value, f);
      target = topo.find_table(up ? up->table.name : del->table.name);
      if (target) {
        std::string alias = up ? (up->alias.empty() ? target->name : up->alias) : (del->alias.empty() ? target->name : del->alias);
        pinned = target;
        keys = pins_of(*target, where, alias, params);
        f.tables.push_back(target->name);  // UPDATE/DELETE read the rows their WHERE selects
      }
      break;
    }
    default: return {};
  }
  std::vector<const TableInfo*> tables;
  collect_tables(topo, f.tables, tables);
  std::vector<storage::LockSpec> out;
  for (auto* t : tables) {
    if (t->kind == TableKind::View) continue;
    storage::LockSpec spec{t->name, false, {}};
    if (t == pinned) spec.ksids = keys;
    out.push_back(std::move(spec));
  }
  if (target && target->kind != TableKind::View) {
    storage::LockSpec spec{target->name, true, {}};
    if (target == pinned) spec.ksids = keys;
    out.push_back(std::move(spec));
  }
  return out;
}

Task<Status> rollback_txn_to(Session& s, TxnState& t, uint32_t first_stmt) {
  if (t.writers.empty()) co_return ok_status();
  std::vector<OutRequest> out;
  for (auto n : t.writers)
    out.push_back(with(control(t, n, TxnAction::RollbackTo), [&](storage::Request& r) { r.txn.rollback_to = first_stmt; }));
  s.round_trips++;
  auto got = co_await s.io(out);
  co_return first_failure(out, got);
}

Task<Status> abort_txn(Session& s, TxnState& t) {
  if (t.settled) co_return ok_status();
  std::set<uint32_t> all = t.writers;
  all.insert(t.readers.begin(), t.readers.end());
  // A participant the rollback did not reach is asked again: an object that restarted is back
  // within moments, and one never told keeps its locks until its own alarm (twice the idle
  // timeout). One still unreachable rolls back on its own (idle timeout, or presumed abort).
  for (int attempt = 0; attempt < kAbortAttempts && !all.empty(); attempt++) {
    if (attempt > 0) co_await sleep_ms(s, 25u << attempt);
    std::vector<OutRequest> out;
    for (auto n : all) out.push_back(control(t, n, TxnAction::Abort));
    s.round_trips++;
    auto got = co_await s.io(out);
    all.clear();
    for (size_t i = 0; i < out.size(); i++)
      if (i >= got.size() || !got[i].delivered) all.insert(out[i].node);
  }
  co_return ok_status();
}

Task<Status> commit_txn(Session& s, TxnState& t) {
  if (t.settled) co_return ok_status();
  std::vector<uint32_t> writers(t.writers.begin(), t.writers.end());
  // Participants that only read drop their shared locks; nothing waits for them.
  for (auto n : t.readers)
    if (!t.writers.count(n)) s.background.push_back(control(t, n, TxnAction::Release));
  if (writers.empty()) co_return ok_status();
  if (writers.size() == 1) {
    // One node: its own transaction is the whole commit.
    std::vector<OutRequest> out{control(t, writers[0], TxnAction::Commit)};
    s.round_trips++;
    auto got = co_await s.io(out);
    auto st = first_failure(out, got);
    if (!st.ok() && st.error().code == ErrorCode::Retryable)
      co_return Error::internal("the commit's outcome is unknown: " + st.error().message + "; the node finishes it when it is back");
    co_return st;
  }
  const uint32_t record = writers.back();
  std::vector<OutRequest> prepares;
  for (auto n : writers)
    if (n != record)
      prepares.push_back(
          with(control(t, n, TxnAction::Prepare), [&](storage::Request& r) { r.txn.record_node = static_cast<int32_t>(record); }));
  s.round_trips++;
  auto prepared = co_await s.io(prepares);
  if (auto st = first_failure(prepares, prepared); !st.ok()) {
    co_await abort_txn(s, t);
    co_return Error::conflict(std::string(kRolledBack) + ": " + st.error().message);
  }
  // The commit point: the record holder commits its part and records the decision at once.
  OutRequest decide = with(control(t, record, TxnAction::Commit), [](storage::Request& r) { r.txn.decide = true; });
  for (int attempt = 0;; attempt++) {
    std::vector<OutRequest> out{decide};
    s.round_trips++;
    auto got = co_await s.io(out);
    auto st = first_failure(out, got);
    if (st.ok()) break;
    if (st.error().code != ErrorCode::Retryable) {
      co_await abort_txn(s, t);
      co_return Error::conflict(std::string(kRolledBack) + ": " + st.error().message);
    }
    if (attempt == 2)
      co_return Error::internal("the commit's outcome is unknown: " + st.error().message +
                                "; the prepared nodes learn it from that node (or roll back) by themselves");
  }
  // Phase two after the answer: the participants learn the decision (the record holder repeats it
  // later for any that miss it).
  for (auto n : writers)
    if (n != record) s.background.push_back(control(t, n, TxnAction::Commit));
  co_return ok_status();
}

Task<Result<std::vector<storage::Response>>> fan_out_committing(Exec& x, std::vector<NodeRequest> requests, std::string topology_payload) {
  Session& s = x.s;
  TxnState* t = s.txn;
  std::set<uint32_t> nodes;
  bool all_write = true;
  for (auto& r : requests) {
    nodes.insert(r.node);
    all_write = all_write && std::any_of(r.request.statements.begin(), r.request.statements.end(), [](auto& st) { return st.write; });
  }
  if (!t || !t->implicit || t->settled || !t->writers.empty() || !t->readers.empty() || !t->deferred_fks.empty() || s.dry_run ||
      s.preflight_writes || requests.size() < 2 || nodes.size() != requests.size() || !all_write)
    co_return co_await fan_out(s, std::move(requests), std::move(topology_payload));
  const uint32_t record = requests.back().node;
  std::vector<uint32_t> participants(nodes.begin(), nodes.end());
  NodeRequest last = std::move(requests.back());
  requests.pop_back();
  for (auto& r : requests) {
    r.request.txn.action = TxnAction::Prepare;
    r.request.txn.record_node = static_cast<int32_t>(record);
    r.request.txn.participants = participants;
  }
  // A failure here leaves some nodes prepared: the caller's abort_txn rolls them back.
  auto first = co_await fan_out(s, std::move(requests), std::move(topology_payload));
  if (!first.ok()) co_return first.error();
  last.request.txn.action = TxnAction::Commit;
  last.request.txn.decide = true;
  last.request.txn.participants = participants;
  auto second = co_await fan_out(s, one_request(record, std::move(last.request)));
  if (!second.ok()) {
    // Refused or failed there: that node's request rolled back, nothing committed; the caller's
    // abort_txn rolls the prepared ones back. Unanswered (fan_out counts it as a writer): the
    // decision may exist, so ask for it — asking records "aborted" when there is none.
    if (!t->writers.count(record)) co_return second.error();
    std::vector<OutRequest> ask{control(*t, record, TxnAction::Decision)};
    s.round_trips++;
    auto got = co_await s.io(ask);
    std::optional<storage::Response> answer;
    if (!got.empty() && got[0].delivered)
      if (auto r = storage::decode_response(got[0].payload); r.ok()) answer = std::move(*r);
    if (answer && answer->txn_outcome == 2) {
      t->writers.erase(record);
      co_return second.error();
    }
    t->settled = true;
    if (!answer)
      co_return Error::internal("the write's outcome is unknown: " + second.error().message +
                                "; the prepared nodes learn it from that node (or roll back) by themselves");
    for (auto n : participants)
      if (n != record) s.background.push_back(control(*t, n, TxnAction::Commit));
    co_return Error::internal("the write was committed, but node " + std::to_string(record) + "'s answer was lost (" +
                              second.error().message + ")");
  }
  t->settled = true;
  for (auto n : participants)
    if (n != record) s.background.push_back(control(*t, n, TxnAction::Commit));
  first->push_back(std::move((*second)[0]));
  co_return std::move(*first);
}

// The SQL a node keeps for an object (indexes and triggers are re-created from it); empty: none.
Task<Result<std::string>> node_sql(Exec& x, std::string type, std::string name) {
  std::vector<Value> params;
  params.push_back(Value::text(type));
  params.push_back(Value::text(name));
  auto req = one_request(
      0, x.request(one_statement("SELECT sql FROM sqlite_schema WHERE type = ?1 AND name = ?2 COLLATE NOCASE", std::move(params), false)));
  auto resp = co_await fan_out(x.s, std::move(req));
  if (!resp.ok()) co_return resp.error();
  auto& rows = (*resp)[0].results[0].rows;
  co_return rows.empty() || rows[0][0].type != ValueType::Text ? std::string() : rows[0][0].s;
}

Task<Result<std::vector<std::string>>> drop_dependents(Exec& x, const std::string& table) {
  storage::NodeOp op;
  op.kind = storage::OpKind::UserObjects;
  op.table = table;
  std::vector<storage::Statement> stmts;
  stmts.push_back(storage::op_statement(std::move(op), false));
  auto req = one_request(0, x.request(std::move(stmts)));
  auto resp = co_await fan_out(x.s, std::move(req));
  if (!resp.ok()) co_return resp.error();
  std::vector<std::string> out;
  for (auto& row : (*resp)[0].results[0].rows)
    out.push_back(std::string(row[0].s == "index" ? "DROP INDEX " : "DROP TRIGGER ") + quoted_identifier(row[1].s));
  co_return out;
}

Task<Result<std::string>> plan_ddl(Exec& x, const sql::Stmt& st, TxnState& t, TxnState::DdlStep& step) {
  auto q = [](const std::string& n) { return quoted_identifier(n); };
  auto written = [&](const std::string& table) {
    for (auto& w : t.written)
      if (iequals(w, table)) return true;
    return false;
  };
  // The statement as the user wrote it (the schema keeps its text, as SQLite's does).
  std::string text = x.source.empty() ? sql::print(st) : std::string(x.source);
  if (st.kind() == sql::StmtKind::CreateVirtualTable)
    co_return Error::unsupported("CREATE VIRTUAL TABLE inside a transaction is not supported yet");
  if (auto* d = st.as<sql::Drop>(); d && d->object == sql::ObjectKind::Table)
    if (const TableInfo* table = x.topo->find_table(d->name.name); table && is_fts5(*table))
      co_return Error::unsupported("DROP TABLE of an FTS5 table inside a transaction is not supported yet");
  switch (st.kind()) {
    case sql::StmtKind::CreateTable: {
      auto& ct = *st.as<sql::CreateTable>();
      if (!x.topo->find_table(ct.name.name)) step.undo = "DROP TABLE IF EXISTS " + q(ct.name.name);
      break;
    }
    case sql::StmtKind::CreateView: {
      auto& cv = *st.as<sql::CreateView>();
      if (!x.topo->find_table(cv.name.name)) step.undo = "DROP VIEW IF EXISTS " + q(cv.name.name);
      break;
    }
    case sql::StmtKind::CreateIndex: {
      auto& ci = *st.as<sql::CreateIndex>();
      if (written(ci.table))
        co_return Error::unsupported(
            "CREATE INDEX inside a transaction on a table it already wrote is not supported yet; create the index before writing");
      auto existing = co_await node_sql(x, "index", ci.name.name);
      if (!existing.ok()) co_return existing.error();
      if (existing->empty()) step.undo = "DROP INDEX IF EXISTS " + q(ci.name.name);
      break;
    }
    case sql::StmtKind::CreateTrigger: {
      auto& tr = *st.as<sql::CreateTrigger>();
      auto existing = co_await node_sql(x, "trigger", tr.name.name);
      if (!existing.ok()) co_return existing.error();
      if (existing->empty()) step.undo = "DROP TRIGGER IF EXISTS " + q(tr.name.name);
      break;
    }
    case sql::StmtKind::AlterTable: {
      auto& at = *st.as<sql::AlterTable>();
      switch (at.kind) {
        case sql::AlterKind::AddColumn: step.undo = "ALTER TABLE " + q(at.table.name) + " DROP COLUMN " + q(at.column_def.name); break;
        case sql::AlterKind::RenameTable: step.undo = "ALTER TABLE " + q(at.new_name) + " RENAME TO " + q(at.table.name); break;
        case sql::AlterKind::RenameColumn:
          step.undo = "ALTER TABLE " + q(at.table.name) + " RENAME COLUMN " + q(at.new_name) + " TO " + q(at.column);
          break;
        default: co_return Error::unsupported("this ALTER TABLE form is not supported inside a transaction yet");
      }
      break;
    }
    case sql::StmtKind::Drop: {
      auto& d = *st.as<sql::Drop>();
      const TableInfo* table = x.topo->find_table(d.name.name);
      switch (d.object) {
        case sql::ObjectKind::Table:
          if (!table || table->kind == TableKind::View) break;  // the statement reports it
          {
            // Renaming it aside on the nodes would rewrite the REFERENCES of tables whose nodes
            // check their foreign key to it, for good: refused before anything applies.
            auto child = child_checked_on_nodes(x, table->name);
            if (!child.ok()) co_return child.error();
            if (!child->empty())
              co_return Error::unsupported("DROP TABLE " + table->name + " inside a transaction is not supported yet: table " + *child +
                                           " references it with a foreign key its nodes check (drop it outside a transaction)");
            // Renamed aside until the commit: the rollback renames it back, rows and all.
            std::string aside = table->name + "_dropped_" + t.id;
            text = "ALTER TABLE " + q(table->name) + " RENAME TO " + q(aside);
            step.undo = "ALTER TABLE " + q(aside) + " RENAME TO " + q(table->name);
            step.on_commit = "DROP TABLE IF EXISTS " + q(aside);
          }
          break;
        case sql::ObjectKind::View:
          if (table && table->kind == TableKind::View) step.undo = table->create_sql;
          break;
        case sql::ObjectKind::Index:
        case sql::ObjectKind::Trigger: {
          auto existing = co_await node_sql(x, d.object == sql::ObjectKind::Index ? "index" : "trigger", d.name.name);
          if (!existing.ok()) co_return existing.error();
          step.undo = *existing;
          // A trigger the conductor runs is on no node: the catalog has its SQL.
          if (step.undo.empty() && d.object == sql::ObjectKind::Trigger)
            for (auto& row : logical_schema(*x.topo))
              if (row.type == "trigger" && iequals(row.name, d.name.name) && row.sql) step.undo = *row.sql;
          break;
        }
      }
      break;
    }
    default: break;
  }
  co_return text;
}

Task<Status> undo_from(Conductor& c, Session& s, TxnState& t, uint32_t from, const QueryInput& input) {
  QueryInput plain = input;
  plain.txn.clear();
  plain.params.clear();
  // A step that cannot be undone is reported; the steps before it are still undone.
  Status first_failure = ok_status();
  while (!t.ddl.empty() && t.ddl.back().stmt >= from) {
    TxnState::DdlStep step = t.ddl.back();
    t.ddl.pop_back();
    if (auto r = co_await rollback_txn_to(s, t, step.stmt + 1); !r.ok()) co_return r;
    if (!step.undo.empty()) {
      // The undo runs against the catalog the planned statement left (a table renamed aside).
      if (auto set = co_await restore_logical_schema(c, s, plain, step.schema_planned); !set.ok() && first_failure.ok())
        first_failure = set;
      auto r = co_await run_sql_autocommit(c, s, plain, step.undo);
      if (!r.ok() && first_failure.ok())
        first_failure = Error::internal("could not undo a schema change (" + step.undo + "): " + r.error().message);
    }
    // sqlite_master as it was before the step, text and order.
    if (auto set = co_await restore_logical_schema(c, s, plain, step.schema_before); !set.ok() && first_failure.ok()) first_failure = set;
  }
  auto rows = co_await rollback_txn_to(s, t, from);
  co_return first_failure.ok() ? rows : first_failure;
}

// After a commit: tables the transaction dropped (renamed aside) go for good.
Task<int> after_commit(Conductor& c, Session& s, TxnState& t, const QueryInput& input) {
  QueryInput plain = input;
  plain.txn.clear();
  plain.params.clear();
  for (auto& step : t.ddl)
    if (!step.on_commit.empty()) co_await run_sql_autocommit(c, s, plain, step.on_commit);
  co_return 0;
}

Task<Result<QueryOutput>> run_txn_control(Conductor& c, Session& s, const sql::Stmt& st, QueryInput& input) {
  TxnState* t = input.txn.empty() ? nullptr : c.txn(input.txn);
  auto meta = [&](const char* plan, const std::string& id) {
    JsonWriter j;
    j.begin_object();
    j.key("plan").str(plan);
    j.key("nodes").begin_array().end_array();
    j.key("nodesTouched").unum(0);
    j.key("roundTrips").num(s.round_trips);
    j.key("rowsFetched").unum(0);
    if (!id.empty()) j.key("transaction").str(id);
    j.end_object();
    QueryOutput out;
    out.meta_json = j.take();
    return out;
  };
  auto begin = [&](bool by_savepoint) -> TxnState& {
    auto n = std::make_unique<TxnState>();
    n->id = new_txn_id(c);
    n->database = s.database();
    n->start_ms = bd::clock().now_ms();
    n->last_used_ms = n->start_ms;
    n->timeout_ms = input.txn_timeout_ms;
    n->savepoint_began = by_savepoint;
    TxnState& ref = c.add_txn(std::move(n));
    input.txn = ref.id;
    return ref;
  };
  auto finish = [&](TxnState& tx, Status st, const char* plan) -> Result<QueryOutput> {
    std::string id = tx.id;
    c.drop_txn(id);
    input.txn.clear();
    if (!st.ok()) return st.error();
    return meta(plan, "");
  };
  switch (st.kind()) {
    case sql::StmtKind::Begin: {
      if (t) co_return Error::sql("cannot start a transaction within a transaction");
      TxnState& n = begin(false);
      co_return meta("begin", n.id);
    }
    case sql::StmtKind::Commit: {
      if (!t) co_return Error::sql("cannot commit - no transaction is active");
      auto r = co_await commit_txn(s, *t);
      if (!r.ok() && !t->ddl.empty()) co_await undo_from(c, s, *t, 1, input);  // the rows are rolled back already
      if (r.ok()) co_await after_commit(c, s, *t, input);
      co_return finish(*t, r, "commit");
    }
    case sql::StmtKind::Rollback: {
      const std::string& name = st.as<sql::Rollback>()->savepoint;
      if (!t) co_return Error::sql("cannot rollback - no transaction is active");
      if (name.empty()) {
        // A schema change that could not be undone is the ROLLBACK's error, never silent.
        Status undone = ok_status();
        if (!t->ddl.empty()) undone = co_await undo_from(c, s, *t, 1, input);
        auto r = co_await abort_txn(s, *t);
        co_return finish(*t, undone.ok() ? r : undone, "rollback");
      }
      auto it =
          std::find_if(t->savepoints.rbegin(), t->savepoints.rend(), [&](const TxnState::Savepoint& sp) { return iequals(sp.name, name); });
      if (it == t->savepoints.rend()) co_return Error::sql("no such savepoint: " + name);
      uint32_t first = it->first_stmt;
      t->savepoints.erase(it.base(), t->savepoints.end());  // ROLLBACK TO keeps the savepoint itself
      auto r = co_await undo_from(c, s, *t, first, input);
      if (!r.ok()) {
        co_await abort_txn(s, *t);
        co_return finish(*t, Error::conflict(std::string(kRolledBack) + ": " + r.error().message), "rollback");
      }
      co_return meta("rollback-to", t->id);
    }
    case sql::StmtKind::Savepoint: {
      TxnState& tx = t ? *t : begin(true);
      tx.savepoints.push_back({st.as<sql::Savepoint>()->name, tx.stmt + 1});
      co_return meta("savepoint", tx.id);
    }
    case sql::StmtKind::Release: {
      const std::string& name = st.as<sql::Release>()->name;
      if (!t) co_return Error::sql("no such savepoint: " + name);
      auto it =
          std::find_if(t->savepoints.rbegin(), t->savepoints.rend(), [&](const TxnState::Savepoint& sp) { return iequals(sp.name, name); });
      if (it == t->savepoints.rend()) co_return Error::sql("no such savepoint: " + name);
      t->savepoints.erase(std::prev(it.base()), t->savepoints.end());
      if (t->savepoints.empty() && t->savepoint_began) {
        auto r = co_await commit_txn(s, *t);
        if (!r.ok() && !t->ddl.empty()) co_await undo_from(c, s, *t, 1, input);
        if (r.ok()) co_await after_commit(c, s, *t, input);
        co_return finish(*t, r, "commit");
      }
      co_return meta("release", t->id);
    }
    default: co_return Error::internal("not a transaction statement");
  }
}

}  // namespace bd
