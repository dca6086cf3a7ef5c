// Statement execution: parse, plan against the cached topology, run, merge. Each statement kind's
// protocol is straight-line coroutine code; I/O happens only at co_await points.
#include "conductor/executor.h"

#include <algorithm>
#include <map>
#include "base/json.h"
#include "conductor/exec_context.h"
#include "conductor/lookup_index.h"
#include "conductor/plan_exec.h"
#include "conductor/report.h"
#include "conductor/reshard.h"
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
  for (auto& name : f.tables) {
    if (!x.topo->find_table(name)) {
      auto r = co_await x.refresh();
      if (!r.ok()) co_return r.error();
      break;
    }
  }
  auto plan = planner::plan_select(sel, plan_env(x));
  if (!plan.ok()) co_return plan.error();
  co_return co_await run_plan(x, *plan);
}

// ---------------------------------------------------------------------------------------------
// Statement dispatch

namespace {

Task<Result<QueryOutput>> run_statement(Exec& x, const sql::Stmt& st);

// EXPLAIN (or mode explain): a SELECT's plan tree, printed without running anything; UPDATE and
// DELETE are planned by running them with every storage request recorded instead of sent.
Task<Result<QueryOutput>> run_explain(Exec& x, const sql::Stmt& st) {
  auto kind = st.kind();
  if (kind != sql::StmtKind::Select && kind != sql::StmtKind::Update && kind != sql::StmtKind::Delete)
    co_return Error::unsupported("EXPLAIN is supported for SELECT, UPDATE and DELETE");
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
}  // namespace

Task<Result<QueryOutput>> run_request(Conductor& c, Session& s, QueryInput input) {
  // The engine's reserved namespace covers database names too (the host keeps objects of its own
  // under such names).
  if (reserved_name(input.database)) co_return Error::sql("database name reserved for internal use: " + input.database);
  if (input.mode == static_cast<uint8_t>(RequestMode::Topology)) co_return co_await topology_report(c, s, input.nodes);
  if (input.mode == static_cast<uint8_t>(RequestMode::ReshardStep)) co_return co_await reshard_step(c, s);
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
  if (script && !input.params.empty())
    co_return Error::sql("parameters can be bound to a single statement only, got a script of " + std::to_string(parsed->size()) +
                         " statements");
  QueryOutput last;
  std::vector<QueryOutput> outputs;
  for (size_t index = 0; index < parsed->size(); index++) {
    auto& st = (*parsed)[index];
    Result<QueryOutput> r = Error::internal("statement did not run");
    if (script) {  // each statement's meta counts its own work
      s.nodes_touched.clear();
      s.round_trips = 0;
      s.rows_fetched = 0;
    }
    // Stale routing (a shard moved, the catalog changed elsewhere) is retried on a fresh topology;
    // while a move switches over, nodes refuse for a moment, so retries back off (about 6 s in all).
    s.partial_write = false;
    for (int attempt = 0; attempt < kMaxAttempts; attempt++) {
      if (attempt >= 2) co_await sleep_ms(s, std::min<uint32_t>(10u << std::min(attempt - 2, 5), 300));
      auto topo = co_await load_topology(c, s, input.nodes, attempt > 0);
      if (!topo.ok()) {
        r = topo.error();
        if (topo.error().code == ErrorCode::Retryable) continue;
        co_return topo.error();
      }
      s.preflight_writes = (*topo)->resizing;
      Exec x{c, s, *topo, input.params, input.nodes};
      if (input.mode == static_cast<uint8_t>(RequestMode::Explain))
        r = co_await run_explain(x, *st);
      else
        r = co_await run_statement(x, *st);
      if (r.ok()) {
        r->meta_json = meta_json(x);
        break;
      }
      if (r.error().code != ErrorCode::Retryable) break;
      if (s.partial_write) {
        r = Error::sql("write not completed: " + s.partial_detail + " (" + r.error().message +
                       "); it was not retried, because that would apply it twice where it already ran");
        break;
      }
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
