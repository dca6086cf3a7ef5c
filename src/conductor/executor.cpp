// Statement execution: parse, plan against the cached topology, run, merge. Each statement kind's
// protocol is straight-line coroutine code; I/O happens only at co_await points.
#include "conductor/executor.h"

#include <algorithm>
#include <functional>
#include "host/host.h"
#include <map>
#include "base/json.h"
#include "conductor/browse.h"
#include "conductor/databases.h"
#include "conductor/dump.h"
#include "conductor/exec_context.h"
#include "conductor/fts.h"
#include "conductor/introspection.h"
#include "conductor/lookup_index.h"
#include "conductor/plan_exec.h"
#include "conductor/report.h"
#include "conductor/reshard.h"
#include "conductor/txn.h"
#include "conductor/merge/concat.h"
#include "conductor/merge/distinct.h"
#include "conductor/merge/limit.h"
#include "conductor/merge/ordered_merge.h"
#include "planner/analysis.h"
#include "conductor/merge/group_combine.h"
#include "planner/aggregate_plan.h"
#include "planner/colocate.h"
#include "planner/params.h"
#include "planner/pushdown.h"
#include "planner/scatter_plan.h"
#include "planner/shard_sql.h"
#include "sql/parser.h"
#include "sql/printer.h"
#include "topology/store.h"

namespace bd {

// The statement as the user wrote it (the schema mirror keeps DDL in the user's own text).
static std::string_view statement_source(std::string_view sql, const sql::Stmt& st) {
  if (st.pos.offset < sql.size() && st.end.offset <= sql.size() && st.pos.offset < st.end.offset)
    return sql.substr(st.pos.offset, st.end.offset - st.pos.offset);
  return {};
}
namespace {

using planner::Features;

std::string meta_json(const Exec& x) {
  JsonWriter j;
  j.begin_object();
  j.key("plan").str(x.plan);
  auto nodes = x.s.nodes_touched;
  std::sort(nodes.begin(), nodes.end());
  j.key("nodes").begin_array();
  for (auto n : nodes) j.unum(n);
  j.end_array();
  j.key("nodesTouched").unum(nodes.size());
  j.key("roundTrips").num(x.s.round_trips);
  j.key("rowsFetched").unum(x.s.rows_fetched);
  if (x.s.created_database) j.key("createdDatabase").boolean(true);
  j.end_object();
  return j.take();
}

}  // namespace

Task<Status> Exec::refresh() {
  auto t = co_await load_topology(c, s, 0, /*refresh=*/true);
  if (!t.ok()) co_return t.error();
  topo = *t;
  co_return ok_status();
}

// Evaluates a constant expression (VALUES rows, LIMIT values) with SQLite itself, so every function
// and operator means exactly what it means in SQLite.
Result<Value> evaluate_constant(Exec& x, const sql::Expr& e) {
  if (auto v = planner::simple_constant(e, x.params)) return *v;
  if (!x.scratch) {
    auto db = CombineDb::open();
    if (!db.ok()) return db.error();
    x.scratch = std::move(*db);
  }
  sql::Expr numbered = e;
  int n = planner::number_params(numbered);
  auto rs = x.scratch->query("SELECT " + sql::print(numbered), planner::params_for(x.params, n));
  if (!rs.ok()) return rs.error();
  if (rs->rows.size() != 1 || rs->rows[0].size() != 1) return Error::internal("constant evaluation returned no value");
  return rs->rows[0][0];
}

// A SELECT: planned into a tree of distributed operators (planner/select_plan.h), then run.
Task<Result<QueryOutput>> run_select(Exec& x, const sql::Select& sel) {
  Features f = planner::analyze_select(sel);
  // Every table must exist (views count): a stale cache may not know a table another isolate made.
  // The catalog (sqlite_master, pragma_* functions) must show every schema change, whoever made it.
  bool refresh = planner::reads_catalog(f);
  for (auto& name : f.tables) refresh |= !x.topo->find_table(name);
  if (refresh) {
    auto r = co_await x.refresh();
    if (!r.ok()) co_return r.error();
  }
  // Ranked full-text queries are scored with the whole table's statistics (conductor/fts.h).
  if (fts_ranked(*x.topo, sel)) co_return co_await run_fts_ranked(x, sel);
  if (auto e = fts_rank_elsewhere(*x.topo, sel)) co_return *e;
  auto plan = planner::plan_select(sel, plan_env(x));
  if (!plan.ok()) co_return plan.error();
  // A plan that moves tables between nodes asks first how large they are: small ones are gathered.
  if (plan->name == "repartition" && co_await learn_table_rows(x, sel)) {
    plan = planner::plan_select(sel, plan_env(x));
    if (!plan.ok()) co_return plan.error();
  }
  auto out = co_await run_plan(x, *plan);
  // Counts that called the tables small were stale (another isolate's writes): a gather over the
  // cap reads them again and plans once more.
  if (plan->gathered_by_counts && !out.ok() && gather_over_cap(out.error())) {
    forget_table_rows(x, sel);
    co_await learn_table_rows(x, sel);
    auto again = planner::plan_select(sel, plan_env(x));
    if (!again.ok()) co_return again.error();
    if (again->name != "combine") co_return co_await run_plan(x, *again);
  }
  // A join gathered (with its tables' filters applied) that left too many rows: the filtered rows
  // are staged on the nodes instead, where the join allows it, or the small side copied to every
  // node (the row counts decide; asked for now if not known).
  if (plan->name == "combine" && !out.ok() && gather_over_cap(out.error())) {
    co_await learn_table_rows(x, sel);
    auto env = plan_env(x);
    env.stage_filtered = true;
    auto staged = planner::plan_select(sel, env);
    if (!staged.ok()) co_return staged.error();
    if (staged->name == "repartition") co_return co_await run_plan(x, *staged);
  }
  co_return out;
}

// ---------------------------------------------------------------------------------------------
// Statement dispatch

namespace {

Task<Result<QueryOutput>> run_statement(Exec& x, const sql::Stmt& st);

// EXPLAIN (or mode explain): a SELECT's plan tree, printed without running anything; INSERT,
// UPDATE and DELETE are planned by running them with every storage request recorded instead of
// sent (reads answer nothing; an INSERT's generated ids are stand-ins, none is allocated).
Task<Result<QueryOutput>> run_explain(Exec& x, const sql::Stmt& st) {
  auto kind = st.kind();
  if (kind != sql::StmtKind::Select && kind != sql::StmtKind::Insert && kind != sql::StmtKind::Update && kind != sql::StmtKind::Delete)
    co_return Error::unsupported("EXPLAIN is supported for SELECT, INSERT, UPDATE and DELETE");
  QueryOutput out;
  out.rs.columns = {"step", "node", "detail"};
  if (kind == sql::StmtKind::Select) {
    const auto& sel = *st.as<sql::Select>();
    Features f = planner::analyze_select(sel);
    for (auto& name : f.tables) {
      if (!x.topo->find_table(name)) {
        auto r = co_await x.refresh();
        if (!r.ok()) co_return r.error();
        break;
      }
    }
    auto plan = planner::plan_select(sel, plan_env(x));
    if (!plan.ok()) co_return plan.error();
    x.plan = plan->name;
    out.rs.rows = planner::explain_rows(*plan);
    co_return out;
  }
  sql::Stmt inner = st;
  inner.explain = sql::Explain::None;
  x.s.dry_run = true;
  auto r = co_await run_statement(x, inner);
  x.s.dry_run = false;
  if (!r.ok()) co_return r.error();
  for (auto& p : x.s.planned) out.rs.rows.push_back({Value::text("shard"), Value::integer(p.node), Value::text(p.sql)});
  std::string conductor = x.plan == "combine" ? "combine engine runs the query over the gathered rows"
                          : x.plan == "scatter" || x.plan == "colocated-scatter" || x.plan == "route-subset" ? "concatenate shard results"
                                                                                                             : "return the shard's result";
  out.rs.rows.push_back({Value::text(x.plan), Value::null(), Value::text(conductor)});
  co_return out;
}

Task<Result<QueryOutput>> run_statement(Exec& x, const sql::Stmt& st) {
  if (st.explain != sql::Explain::None) co_return co_await run_explain(x, st);
  switch (st.kind()) {
    case sql::StmtKind::Select: co_return co_await run_select(x, *st.as<sql::Select>());
    default: break;
  }
  co_return co_await run_write_or_ddl(x, st);
}

}  // namespace

namespace {
constexpr int kMaxAttempts = 28;
// What one request may carry: the text the parser's token array is sized from, and SQLite's
// SQLITE_MAX_VARIABLE_NUMBER parameters.
constexpr size_t kMaxStatementBytes = 1000000;
constexpr size_t kMaxParameters = 32766;

Status check_result_size(const ConductorOptions& o, const ResultSet& rs) {
  if (rs.rows.size() > o.max_result_rows)
    return Error::limit("result too large: more than " + std::to_string(o.max_result_rows) + " rows (the limit for one result)");
  uint64_t bytes = 0;
  for (auto& row : rs.rows)
    for (auto& v : row) bytes += 9 + v.s.size();
  if (bytes > o.max_result_bytes)
    return Error::limit("result too large: more than " + std::to_string(o.max_result_bytes >> 20) + " MB (the limit for one result)");
  return ok_status();
}

// Backoff before attempt `attempt` of a statement: stale routing waits for a move's switch (about
// 6 s in all); a lock waits with jitter, so that waiting statements do not move in lockstep.
Task<int> back_off(Session& s, int attempt, const Error& last) {
  if (last.code == ErrorCode::Busy || last.code == ErrorCode::Conflict) {
    unsigned char r = 0;
    bd::random().fill(&r, 1);
    uint32_t ms = std::min<uint32_t>(2u << std::min(attempt, 7), 200);
    co_await sleep_ms(s, ms / 2 + r % (ms / 2 + 1));
    co_return 0;
  }
  if (attempt >= 2) co_await sleep_ms(s, std::min<uint32_t>(10u << std::min(attempt - 2, 5), 300));
  co_return 0;
}

std::string with_transaction(std::string meta, const std::string& id) {
  if (id.empty() || meta.empty() || meta.back() != '}') return meta;
  meta.pop_back();
  JsonWriter j;
  j.str(id);
  return meta + ",\"transaction\":" + j.take() + "}";
}

bool is_txn_control(sql::StmtKind k) {
  return k == sql::StmtKind::Begin || k == sql::StmtKind::Commit || k == sql::StmtKind::Rollback || k == sql::StmtKind::Savepoint ||
         k == sql::StmtKind::Release;
}

}  // namespace

// A transaction that became visible on one node a read reached, while the read ran, must be
// visible on every other participant it reached: otherwise the read raced its commit and runs
// again. (The other participants report it if their part committed up to a margin earlier.)
bool atomic_visibility_holds(const Session& s) {
  if (s.visibility_broken) return false;
  if (s.nodes_read.size() < 2) return true;
  for (auto& [node, v] : s.visible) {
    if (!v.recent && !s.visibility_all) continue;
    for (auto p : v.participants) {
      if (p == node || !s.nodes_read.count(p)) continue;
      bool seen = std::any_of(s.visible.begin(), s.visible.end(), [&](const auto& e) { return e.first == p && e.second.id == v.id; });
      if (!seen) return false;
    }
  }
  return true;
}

namespace {

// After an attempt: a read fan-out slower than the budget raises it (for the attempt after this
// one and for the isolate's next statements); a statement whose fan-outs all stayed well within
// the isolate's budget lowers that by a quarter, down to kFanoutBudgetMs.
void adapt_fanout_budget(Conductor& c, Session& s) {
  uint32_t& learned = c.fanout_budget_ms();
  if (s.slowest_fanout_ms > s.fanout_budget_ms) {
    double wanted = std::min(2 * s.slowest_fanout_ms, double(kMaxFanoutBudgetMs));
    s.fanout_budget_ms = std::max(s.fanout_budget_ms, static_cast<uint32_t>(wanted));
    learned = std::max(learned, s.fanout_budget_ms);
  } else if (learned > kFanoutBudgetMs && s.slowest_fanout_ms < learned / 4.0) {
    learned = std::max(kFanoutBudgetMs, learned - learned / 4);
  }
}

void reset_statement(Session& s) {
  s.partial_write = false;
  s.statement_start_ms = bd::clock().now_ms();
  s.slowest_fanout_ms = 0;
  s.visibility_broken = false;
  s.visibility_all = false;
  s.nodes_read.clear();
  s.visible.clear();
}

// One statement outside transactions. A write that touches several nodes runs as an implicit
// transaction (its write path starts it), committed here; a failed attempt rolls it back.
Task<Result<QueryOutput>> run_autocommit(Conductor& c, Session& s, const sql::Stmt& st, const QueryInput& input) {
  Result<QueryOutput> r = Error::internal("statement did not run");
  s.implicit_start_ms = 0;
  bool raced = false;  // the last attempt raced a commit: the routing it used was not the problem
  for (int attempt = 0; attempt < kMaxAttempts; attempt++) {
    if (attempt > 0) co_await back_off(s, attempt, r.error());
    auto topo = co_await load_topology(c, s, input.nodes, attempt > 0 && r.error().code == ErrorCode::Retryable && !raced);
    raced = false;
    if (!topo.ok()) {
      r = topo.error();
      if (topo.error().code == ErrorCode::Retryable) continue;
      co_return topo.error();
    }
    if (attempt == 0) s.fanout_budget_ms = c.fanout_budget_ms();
    reset_statement(s);
    s.preflight_writes = (*topo)->resizing;
    s.footprint = statement_footprint(**topo, st, input.params);
    Exec x{c, s, *topo, input.params, input.nodes};
    x.source = statement_source(input.sql, st);
    if (input.mode == static_cast<uint8_t>(RequestMode::Explain))
      r = co_await run_explain(x, st);
    else
      r = co_await run_statement(x, st);
    adapt_fanout_budget(c, s);
    if (s.txn) {
      TxnState& t = *s.txn;
      s.implicit_start_ms = t.start_ms;
      if (r.ok() && !t.deferred_fks.empty()) {
        // A statement is its own transaction: its deferred foreign keys are checked as it ends.
        auto checks = std::move(t.deferred_fks);
        t.deferred_fks.clear();
        if (auto checked = co_await check_deferred(x, checks); !checked.ok()) r = checked.error();
      }
      if (r.ok()) {
        auto committed = co_await commit_txn(s, t);
        if (!committed.ok()) r = committed.error();
      } else {
        co_await abort_txn(s, t);
      }
      s.txn = nullptr;
      s.implicit.reset();
    } else if (r.ok() && !atomic_visibility_holds(s)) {
      r = Error::retryable("a read raced a transaction's commit");
      raced = true;
      if (s.rows_streamed == 0) continue;
    }
    if (r.ok()) {
      r->meta_json = meta_json(x);
      break;
    }
    if (s.rows_streamed > 0) {
      // The host already has part of the result: running the statement again would repeat it.
      r = Error::retryable(r.error().message + " (after " + std::to_string(s.rows_streamed) +
                           " rows of the result were streamed; run the statement again)");
      break;
    }
    auto code = r.error().code;
    if (code == ErrorCode::Busy || code == ErrorCode::Conflict) continue;
    if (code != ErrorCode::Retryable) break;
    if (s.partial_write) {
      r = Error::sql("write not completed: " + s.partial_detail + " (" + r.error().message +
                     "); it was not retried, because that would apply it twice where it already ran");
      break;
    }
  }
  // SQLite switches PRAGMA defer_foreign_keys off when a transaction ends: outside one every
  // statement that reads or writes the database is one (the foreign-key settings themselves are not).
  auto* pragma = st.as<sql::Pragma>();
  if (!pragma || (!iequals(pragma->name.name, "defer_foreign_keys") && !iequals(pragma->name.name, "foreign_keys")))
    s.defer_foreign_keys = false;
  if (!r.ok() && (r.error().code == ErrorCode::Busy || r.error().code == ErrorCode::Conflict))
    co_return Error::conflict("database is locked");
  co_return r;
}

// Runs `body` as statement `k` of transaction `t`, as SQLite runs a statement inside one: busy
// nodes and stale routing are retried (topology reloaded, with backoff); a failure undoes what the
// statement did on every node it reached and the transaction goes on; a lock conflict that
// deadlock prevention decides against it (or an undo that fails) rolls the whole transaction back.
template <typename T, typename Body>
Task<Result<T>> run_txn_step(Conductor& c, Session& s, const QueryInput& input, TxnState& t, uint32_t k, Body& body) {
  Result<T> r = Error::internal("statement did not run");
  for (int attempt = 0; attempt < kMaxAttempts; attempt++) {
    if (attempt > 0) co_await back_off(s, attempt, r.error());
    auto topo = co_await load_topology(c, s, input.nodes, attempt > 0 && r.error().code == ErrorCode::Retryable);
    if (!topo.ok()) {
      r = topo.error();
      if (topo.error().code == ErrorCode::Retryable) continue;
      co_return r;
    }
    reset_statement(s);
    s.txn = &t;
    s.footprint.clear();
    Exec x{c, s, *topo, input.params, input.nodes};
    r = co_await body(x);
    s.txn = nullptr;
    if (r.ok()) co_return r;
    auto undone = co_await rollback_txn_to(s, t, k);
    auto code = r.error().code;
    if (code == ErrorCode::Conflict || !undone.ok()) break;
    if (code != ErrorCode::Busy && code != ErrorCode::Retryable) co_return r;
  }
  if (!t.ddl.empty()) co_await undo_from(c, s, t, 1, input);
  co_await abort_txn(s, t);
  std::string id = t.id;
  c.drop_txn(id);
  co_return Error::conflict("database is locked");
}

// One statement of an interactive transaction. A failed statement is undone on every node it
// reached (SQLite's statement-level atomicity) and the transaction goes on; a lock conflict that
// deadlock prevention decides against it rolls the whole transaction back.
Task<Result<QueryOutput>> run_in_transaction(Conductor& c, Session& s, const sql::Stmt& st, const QueryInput& input, TxnState& t) {
  auto kind = st.kind();
  bool dml = kind == sql::StmtKind::Select || kind == sql::StmtKind::Insert || kind == sql::StmtKind::Update ||
             kind == sql::StmtKind::Delete || st.explain != sql::Explain::None;
  bool ddl = kind == sql::StmtKind::CreateTable || kind == sql::StmtKind::CreateIndex || kind == sql::StmtKind::CreateView ||
             kind == sql::StmtKind::CreateTrigger || kind == sql::StmtKind::AlterTable || kind == sql::StmtKind::Drop;
  t.stmt++;
  const uint32_t k = t.stmt;
  QueryInput plain = input;
  plain.txn.clear();
  if (kind == sql::StmtKind::Pragma) {
    // PRAGMA foreign_keys = ... is a no-op inside a transaction, as in SQLite (D1's and drizzle-kit's
    // migrations carry it in a batch); reading it answers.
    auto* p = st.as<sql::Pragma>();
    if (p && iequals(p->name.name, "foreign_keys") && p->value_kind != sql::PragmaValueKind::None) {
      QueryOutput out;
      out.meta_json = with_transaction("{\"plan\":\"pragma\"}", t.id);
      co_return out;
    }
    bool defer = p && iequals(p->name.name, "defer_foreign_keys");
    // PRAGMA foreign_key_check reads the rows as the transaction sees them (a statement of it).
    if (!(p && iequals(p->name.name, "foreign_key_check"))) {
      // Settings and introspection apply at once, as outside the transaction; defer_foreign_keys
      // is the transaction's own.
      if (defer) s.defer_foreign_keys = t.defer_foreign_keys;
      auto r = co_await run_autocommit(c, s, st, plain);
      if (defer) {
        bool was = t.defer_foreign_keys;
        t.defer_foreign_keys = s.defer_foreign_keys;
        s.defer_foreign_keys = false;
        // Turned off: SQLite forgets every violation deferred so far (declared-deferred keys' too).
        if (was && !t.defer_foreign_keys) t.deferred_fks.clear();
      }
      if (r.ok()) r->meta_json = with_transaction(r->meta_json, t.id);
      co_return r;
    }
    dml = true;
  }
  if (ddl) {
    // Applied at once on every node and in the catalog; undone by compensation (conductor/txn.h).
    auto topo = co_await load_topology(c, s, input.nodes, true);
    if (!topo.ok()) co_return topo.error();
    Exec x{c, s, *topo, input.params, input.nodes};
    if (kind == sql::StmtKind::Drop && st.as<sql::Drop>()->object == sql::ObjectKind::Table &&
        (*topo)->find_table(st.as<sql::Drop>()->name.name)) {
      // Its indexes and triggers go first, as steps of this statement: a failure undoes them too.
      auto dependents = co_await drop_dependents(x, st.as<sql::Drop>()->name.name);
      if (!dependents.ok()) co_return dependents.error();
      for (auto& text : *dependents) {
        auto parsed = sql::parse_statement(text);
        if (!parsed.ok()) co_return parsed.error();
        QueryInput dependent = input;
        dependent.sql = text;  // the statement's positions (and its source text) are in this text
        dependent.params.clear();
        dependent.param_names.clear();
        auto r = co_await run_in_transaction(c, s, **parsed, dependent, t);
        if (!r.ok()) {
          co_await undo_from(c, s, t, k, input);
          co_return r.error();
        }
      }
      if (!dependents->empty()) {
        topo = co_await load_topology(c, s, input.nodes, true);
        if (!topo.ok()) co_return topo.error();
        x.topo = *topo;
      }
    }
    x.source = statement_source(input.sql, st);
    TxnState::DdlStep step{k, {}, {}};
    step.schema_before = logical_schema(*x.topo);
    auto text = co_await plan_ddl(x, st, t, step);
    if (!text.ok()) co_return text.error();
    auto parsed = sql::parse_statement(*text);
    if (!parsed.ok()) co_return parsed.error();
    QueryInput planned = plain;
    planned.sql = *text;  // the statement's positions (and its source text) are in the planned text
    auto r = co_await run_autocommit(c, s, **parsed, planned);
    if (!r.ok()) co_return r;
    auto after = co_await load_topology(c, s, input.nodes, true);
    if (!after.ok()) co_return after.error();
    step.schema_planned = logical_schema(**after);
    if (*text != x.source) {
      // Planned as another statement (DROP TABLE as a rename aside): sqlite_master shows what the
      // user's statement makes of the schema before it, as SQLite's would.
      auto mirror = open_schema_mirror(*x.topo);
      if (!mirror.ok()) co_return mirror.error();
      if (auto ran = (*mirror)->exec(mirror_ddl(x.source, st)); !ran.ok()) co_return ran.error();
      auto rows = read_schema(**mirror);
      if (!rows.ok()) co_return rows.error();
      Exec y{c, s, *after, input.params, input.nodes};
      if (auto set = co_await set_logical_schema(y, std::move(*rows)); !set.ok()) co_return set.error();
    }
    t.ddl.push_back(std::move(step));
    r->meta_json = with_transaction(r->meta_json, t.id);
    co_return r;
  }
  if (!dml) co_return Error::unsupported("this statement is not supported inside a transaction yet");
  auto body = [&](Exec& x) -> Task<Result<QueryOutput>> {
    s.footprint = statement_footprint(*x.topo, st, input.params);
    x.source = statement_source(input.sql, st);
    Result<QueryOutput> r = Error::internal("statement did not run");
    if (input.mode == static_cast<uint8_t>(RequestMode::Explain))
      r = co_await run_explain(x, st);
    else
      r = co_await run_statement(x, st);
    if (r.ok()) r->meta_json = with_transaction(meta_json(x), t.id);
    co_return r;
  };
  co_return co_await run_txn_step<QueryOutput>(c, s, input, t, k, body);
}

// COMMIT (or the RELEASE that commits) of a transaction with deferred foreign key checks: they run
// first, as a statement of the transaction (its reads locked, retried like one). A violation fails
// the COMMIT with SQLite's error and leaves the transaction open; a lock conflict rolls it back.
Task<Status> check_deferred_before_commit(Conductor& c, Session& s, const QueryInput& input, TxnState& t) {
  t.stmt++;
  auto body = [&](Exec& x) -> Task<Status> { co_return co_await check_deferred(x, t.deferred_fks); };
  co_return co_await run_txn_step<Ok>(c, s, input, t, t.stmt, body);
}

// Whether `st` ends transaction `t` by committing it.
bool commits(const sql::Stmt& st, const TxnState& t) {
  if (st.kind() == sql::StmtKind::Commit) return true;
  if (st.kind() != sql::StmtKind::Release || !t.savepoint_began) return false;
  const std::string& name = st.as<sql::Release>()->name;
  for (size_t i = t.savepoints.size(); i-- > 0;)
    if (iequals(t.savepoints[i].name, name)) return i == 0;
  return false;
}

// CREATE TABLE ... AS SELECT, as two statements of one: the table SQLite itself makes (columns
// named and typed by the SELECT's result: the statement runs first on the schema mirror, the empty
// logical schema, and its sqlite_master text is what SQLite would store), then INSERT INTO it the
// SELECT's rows through the distributed engine. A failed INSERT takes the table away again: outside
// a transaction by dropping it, inside one by undoing both steps (the transaction goes on).
Task<Result<QueryOutput>> run_create_as_select(Conductor& c, Session& s, const sql::Stmt& st, const QueryInput& input, TxnState* t) {
  const auto& ct = *st.as<sql::CreateTable>();
  if (ct.temp) co_return Error::unsupported("TEMP tables are not supported: every table is shared by all connections");
  if (!ct.name.schema.empty() && !iequals(ct.name.schema, "main")) co_return Error::sql("unknown database " + ct.name.schema);
  auto topo = co_await load_topology(c, s, input.nodes, true);
  if (!topo.ok()) co_return topo.error();
  auto mirror = open_schema_mirror(**topo);
  if (!mirror.ok()) co_return mirror.error();
  auto existing = (*mirror)->query("SELECT 1 FROM sqlite_master WHERE name = ?1 COLLATE NOCASE", {Value::text(ct.name.name)});
  if (!existing.ok()) co_return existing.error();
  if (!existing->rows.empty() && ct.if_not_exists) {
    QueryOutput out;
    out.meta_json = t ? with_transaction("{\"plan\":\"ddl\"}", t->id) : "{\"plan\":\"ddl\"}";
    co_return out;
  }
  if (auto made = (*mirror)->exec(mirror_ddl(statement_source(input.sql, st), st)); !made.ok()) co_return made.error();
  auto text =
      (*mirror)->query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE", {Value::text(ct.name.name)});
  if (!text.ok()) co_return text.error();
  if (text->rows.size() != 1 || text->rows[0][0].type != ValueType::Text)
    co_return Error::internal("CREATE TABLE ... AS SELECT: the schema mirror made no table " + ct.name.name);
  auto run = [&](const std::string& sql, bool params) -> Task<Result<QueryOutput>> {
    auto parsed = sql::parse_statement(sql);
    if (!parsed.ok()) co_return parsed.error();
    QueryInput in = input;
    in.sql = sql;  // the statement's positions (and its source text) are in this text
    if (!params) {
      in.params.clear();
      in.param_names.clear();
    }
    if (t) co_return co_await run_in_transaction(c, s, **parsed, in, *t);
    co_return co_await run_autocommit(c, s, **parsed, in);
  };
  const uint32_t first = t ? t->stmt + 1 : 0;
  auto created = co_await run(text->rows[0][0].s, false);
  if (!created.ok()) co_return created;
  sql::Insert ins;
  ins.table = ct.name;
  ins.select = ct.as_select;
  sql::Stmt insert;
  insert.node = std::move(ins);
  auto filled = co_await run(sql::print(insert), true);
  if (filled.ok()) {
    // As in SQLite, CREATE TABLE ... AS SELECT counts no changes and leaves no last rowid.
    filled->rs.changes = 0;
    filled->rs.last_insert_rowid = 0;
    co_return filled;
  }
  if (t) {
    co_await undo_from(c, s, *t, first, input);
  } else {
    QueryInput plain = input;
    plain.params.clear();
    plain.param_names.clear();
    co_await run_sql_autocommit(c, s, plain, "DROP TABLE IF EXISTS " + quoted_identifier(ct.name.name));
  }
  co_return filled;
}

}  // namespace

Task<Status> restore_logical_schema(Conductor& c, Session& s, const QueryInput& input, std::vector<SchemaRow> rows) {
  auto topo = co_await load_topology(c, s, input.nodes, true);
  if (!topo.ok()) co_return topo.error();
  std::vector<Value> none;
  Exec x{c, s, *topo, none, input.nodes};
  co_return co_await set_logical_schema(x, std::move(rows));
}

Task<Status> run_sql_autocommit(Conductor& c, Session& s, const QueryInput& input, std::string sql) {
  auto parsed = sql::parse_statement(sql);
  if (!parsed.ok()) co_return parsed.error();
  QueryInput in = input;
  in.sql = std::move(sql);  // the statement's source text (the schema mirror runs DDL as written) is this one
  auto r = co_await run_autocommit(c, s, **parsed, in);
  if (!r.ok()) co_return r.error();
  co_return ok_status();
}

Task<Result<QueryOutput>> run_request(Conductor& c, Session& s, QueryInput input) {
  // The engine's reserved namespace covers database names too (the host keeps objects of its own
  // under such names).
  if (reserved_name(input.database)) co_return Error::sql("database name reserved for internal use: " + input.database);
  if (input.mode == static_cast<uint8_t>(RequestMode::Topology)) co_return co_await topology_report(c, s, input.nodes);
  if (input.mode == static_cast<uint8_t>(RequestMode::ReshardStep)) co_return co_await reshard_step(c, s);
  if (input.mode == static_cast<uint8_t>(RequestMode::Create)) co_return co_await create_database(c, s, input.nodes);
  if (input.mode == static_cast<uint8_t>(RequestMode::Drop)) co_return co_await drop_database(c, s);
  if (input.mode == static_cast<uint8_t>(RequestMode::Databases)) co_return co_await list_databases(s);
  if (input.mode == static_cast<uint8_t>(RequestMode::Browse)) co_return co_await browse_table(c, s, std::move(input));
  if (input.mode == static_cast<uint8_t>(RequestMode::Export)) co_return co_await export_step(c, s, std::move(input));
  if (input.mode == static_cast<uint8_t>(RequestMode::ExportAbandon)) co_return co_await export_abandon(c, s, std::move(input));
  if (input.mode == static_cast<uint8_t>(RequestMode::Import)) co_return co_await import_chunk(c, s, std::move(input));
  if (input.sql.size() > kMaxStatementBytes)
    co_return Error::sql("statement too long (at most " + std::to_string(kMaxStatementBytes) + " bytes)");
  if (input.params.size() > kMaxParameters) co_return Error::sql("too many SQL variables");
  auto parsed = sql::parse_script(input.sql);
  if (!parsed.ok()) co_return parsed.error();
  if (parsed->empty()) co_return QueryOutput{};
  const bool script = input.mode == static_cast<uint8_t>(RequestMode::Script);
  // One statement per query (as SQLite's prepare and D1's prepare): anything after the first
  // statement would otherwise run unseen. Scripts are explicit.
  if (!script && parsed->size() > 1) {
    auto lc = sql::line_col(input.sql, (*parsed)[1]->pos.offset);
    co_return Error::sql("a query takes one statement; another one starts at line " + std::to_string(lc.line) + ", column " +
                         std::to_string(lc.column) + " (run scripts with exec)");
  }
  if (script && (!input.params.empty() || !input.param_names.empty()))
    co_return Error::sql("parameters can be bound to a single statement only, got a script of " + std::to_string(parsed->size()) +
                         " statements");
  // A script run inside a transaction (an atomic script, a migration) must stay in it: one that
  // ends or opens transactions itself is refused before anything runs.
  if (script && !input.txn.empty())
    for (auto& st : *parsed)
      if (is_txn_control(st->kind())) {
        auto lc = sql::line_col(input.sql, st->pos.offset);
        co_return Error::sql("a script run as one transaction cannot contain BEGIN, COMMIT, ROLLBACK, SAVEPOINT or RELEASE (line " +
                             std::to_string(lc.line) + ", column " + std::to_string(lc.column) + ")");
      }
  if (input.txn.empty() && !input.txn_host)
    for (auto& st : *parsed)
      if (st->kind() == sql::StmtKind::Begin || st->kind() == sql::StmtKind::Savepoint)
        co_return Error{ErrorCode::Transaction, "these statements begin a transaction"};
  // A streamed result cannot be retried once rows went out, and a statement of a transaction is
  // retried and undone as a unit: such results are read whole.
  if (input.stream && !input.txn.empty())
    co_return Error::sql("a result cannot be streamed inside a transaction (read it with a plain query in the transaction)");
  if (!input.txn.empty()) {
    TxnState* t = c.txn(input.txn);
    if (!t) co_return Error::sql("no such transaction: " + input.txn + " (it was committed, rolled back or timed out)");
    if (t->running) co_return Error::sql("transaction " + input.txn + " is running another statement");
    double now = bd::clock().now_ms();
    uint32_t timeout = t->timeout_ms ? t->timeout_ms : kDefaultTxnTimeoutMs;
    if (now - t->last_used_ms > timeout) {
      co_await abort_txn(s, *t);
      c.drop_txn(input.txn);
      co_return Error::sql("transaction " + input.txn + " was idle for more than " + std::to_string(timeout / 1000.0).substr(0, 4) +
                           " s and was rolled back");
    }
  }
  if (parsed->size() == 1) {
    auto bound = planner::bind_parameters(*(*parsed)[0], std::move(input.params), input.param_names);
    if (!bound.ok()) co_return bound.error();
    input.params = std::move(*bound);
  }
  QueryOutput last;
  std::vector<QueryOutput> outputs;
  for (size_t index = 0; index < parsed->size(); index++) {
    auto& st = (*parsed)[index];
    // Only a script's last statement answers, so only its rows stream; and only a SELECT's (a
    // write's source rows are not its result).
    s.streaming = input.stream && index + 1 == parsed->size() && st->kind() == sql::StmtKind::Select && st->explain == sql::Explain::None;
    Result<QueryOutput> r = Error::internal("statement did not run");
    if (script) {  // each statement's meta counts its own work
      s.nodes_touched.clear();
      s.round_trips = 0;
      s.rows_fetched = 0;
    }
    if (!s.background.empty()) {
      // The previous statement committed over several nodes and left phase two for after the
      // answer: finish it first, so that this statement never finds those participants still
      // prepared (it would wait for them, or be refused as younger, until the session ended).
      std::vector<OutRequest> phase_two = std::move(s.background);
      s.background.clear();
      s.round_trips++;
      (void)co_await s.io(phase_two);  // a lost one is repeated by the decision holder
    }
    TxnState* t = input.txn.empty() ? nullptr : c.txn(input.txn);
    const bool create_as_select =
        st->kind() == sql::StmtKind::CreateTable && st->as<sql::CreateTable>()->as_select && st->explain == sql::Explain::None;
    if (create_as_select) {
      if (t) t->running = true;
      r = co_await run_create_as_select(c, s, *st, input, t);
      if (t && c.txn(input.txn) == t) {
        t->running = false;
        t->last_used_ms = bd::clock().now_ms();
      }
    } else if (is_txn_control(st->kind())) {
      if (t) t->running = true;
      Status checked = ok_status();
      if (t && !t->deferred_fks.empty() && commits(*st, *t)) checked = co_await check_deferred_before_commit(c, s, input, *t);
      if (!checked.ok()) {
        r = checked.error();
        if (!c.txn(input.txn)) input.txn.clear();
      } else {
        r = co_await run_txn_control(c, s, *st, input);
      }
      if (TxnState* still = input.txn.empty() ? nullptr : c.txn(input.txn)) {
        still->running = false;
        still->last_used_ms = bd::clock().now_ms();
      }
    } else if (t) {
      t->running = true;
      r = co_await run_in_transaction(c, s, *st, input, *t);
      if (c.txn(input.txn) == t) {
        t->running = false;
        t->last_used_ms = bd::clock().now_ms();
      } else {
        input.txn.clear();
      }
    } else {
      r = co_await run_autocommit(c, s, *st, input);
    }
    if (r.ok()) {
      if (auto too_big = check_result_size(c.options(), r->rs); !too_big.ok()) r = too_big.error();
    }
    if (!r.ok()) {
      if (!script) co_return r.error();
      last.script = std::move(outputs);
      last.script_error.push_back({static_cast<uint32_t>(index), r.error()});
      co_return last;
    }
    if (script) outputs.push_back(*r);
    last = std::move(*r);
  }
  last.script = std::move(outputs);
  co_return last;
}

}  // namespace bd
