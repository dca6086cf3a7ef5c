// Statement execution: parse, plan against the cached topology, run, merge. Each statement kind's
// protocol is straight-line coroutine code; I/O happens only at co_await points.
#include "conductor/executor.h"

#include <algorithm>
#include <map>
#include "base/json.h"
#include "conductor/exec_context.h"
#include "conductor/lookup_index.h"
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

namespace {

// ---------------------------------------------------------------------------------------------
// SELECT

// Gathers every table the statement reads into a fresh combine database, then runs the statement
// there: the answer is SQLite's by construction.
Task<Result<QueryOutput>> run_combine(Exec& x, const std::string& text, int nparams, const Features& f, const sql::Select* sel) {
  auto db_r = CombineDb::open();
  if (!db_r.ok()) co_return db_r.error();
  auto db = std::move(*db_r);
  // Views expand into their base tables; collect the closure.
  std::vector<const TableInfo*> tables, views;
  std::vector<std::string> pending = f.tables;
  std::vector<std::string> read_by_views;  // their rows must all be there for the views
  while (!pending.empty()) {
    std::string name = pending.back();
    pending.pop_back();
    const TableInfo* t = x.topo->find_table(name);
    if (!t) continue;  // unknown names are reported by SQLite itself ("no such table")
    auto& list = t->kind == TableKind::View ? views : tables;
    if (std::find(list.begin(), list.end(), t) != list.end()) continue;
    list.push_back(t);
    if (t->kind == TableKind::View) {
      auto parsed = sql::parse_statement(t->create_sql);
      if (!parsed.ok()) co_return parsed.error();
      auto* cv = (*parsed)->as<sql::CreateView>();
      if (cv) {
        auto vf = planner::analyze_select(*cv->select);
        pending.insert(pending.end(), vf.tables.begin(), vf.tables.end());
        read_by_views.insert(read_by_views.end(), vf.tables.begin(), vf.tables.end());
      }
    }
  }
  // Which rows of each table to gather: pushed-down filters, and only the owning nodes when the
  // filters pin the shard key.
  std::vector<planner::TableFilter> filters;
  if (sel) filters = planner::pushdown_filters(*sel, *x.topo, x.params);
  filters.erase(std::remove_if(filters.begin(), filters.end(),
                               [&](const planner::TableFilter& tf) {
                                 return std::any_of(read_by_views.begin(), read_by_views.end(),
                                                    [&](const std::string& n) { return iequals(n, tf.table); });
                               }),
                filters.end());
  struct Gather {
    const TableInfo* table;
    storage::Statement stmt;
    std::vector<uint32_t> nodes;
  };
  std::vector<Gather> gathers;
  for (auto* t : tables) {
    Gather g{t, {planner::gather_sql(*t), {}, false}, {}};
    const planner::TableFilter* tf = nullptr;
    for (auto& f2 : filters)
      if (iequals(f2.table, t->name)) tf = &f2;
    if (tf) {
      g.stmt.sql = planner::gather_sql(*t, tf->alias) + " WHERE " + tf->where_sql;
      g.stmt.params = tf->params;
    }
    if (t->kind == TableKind::Reference) {
      g.nodes.push_back(0);
    } else if (tf && tf->key_pins) {
      for (auto& v : *tf->key_pins) {
        uint32_t n = x.node_of(*t, v);
        if (std::find(g.nodes.begin(), g.nodes.end(), n) == g.nodes.end()) g.nodes.push_back(n);
      }
    } else {
      g.nodes = x.all_nodes();
    }
    gathers.push_back(std::move(g));
  }
  std::vector<NodeRequest> reqs;
  std::vector<std::vector<size_t>> req_tables;
  for (uint32_t n = 0; n < x.topo->nodes; n++) {
    std::vector<storage::Statement> stmts;
    std::vector<size_t> which;
    for (size_t gi = 0; gi < gathers.size(); gi++) {
      if (std::find(gathers[gi].nodes.begin(), gathers[gi].nodes.end(), n) == gathers[gi].nodes.end()) continue;
      stmts.push_back(gathers[gi].stmt);
      which.push_back(gi);
    }
    if (stmts.empty()) continue;
    reqs.push_back({n, x.request(std::move(stmts))});
    req_tables.push_back(std::move(which));
  }
  for (auto* t : tables)
    if (auto s = db->exec(t->create_sql); !s.ok()) co_return s.error();
  if (!reqs.empty()) {
    size_t nreqs = reqs.size();
    auto resp = co_await fan_out(x.s, std::move(reqs));
    if (!resp.ok()) co_return resp.error();
    uint64_t rows = 0, bytes = 0;
    for (auto& r : *resp)
      for (auto& rs : r.results) {
        rows += rs.rows.size();
        for (auto& row : rs.rows)
          for (auto& v : row) bytes += 9 + v.s.size();
      }
    if (rows > x.c.options().max_gather_rows || bytes > x.c.options().max_gather_bytes)
      co_return Error::limit("query would gather more than " + std::to_string(x.c.options().max_gather_rows) + " rows or " +
                             std::to_string(x.c.options().max_gather_bytes >> 20) + " MB from " + std::to_string(nreqs) +
                             " nodes; add a shard-key predicate");
    for (size_t i = 0; i < resp->size(); i++) {
      for (size_t k = 0; k < req_tables[i].size(); k++) {
        const TableInfo* t = gathers[req_tables[i][k]].table;
        auto& rs = (*resp)[i].results[k];
        auto mask_cols = planner::gather_real_mask_columns(*t);
        if (!mask_cols.empty()) {
          for (auto& row : rs.rows) {
            if (row.empty()) continue;
            int64_t mask = row.back().type == ValueType::Integer ? row.back().i : 0;
            row.pop_back();
            for (size_t b = 0; b < mask_cols.size(); b++)
              if ((mask >> b & 1) && row[mask_cols[b]].type == ValueType::Integer)
                row[mask_cols[b]] = Value::real(static_cast<double>(row[mask_cols[b]].i));
          }
        }
        if (auto s = db->load(t->name, planner::gathered_columns(*t), rs.rows, planner::gathers_rowid(*t)); !s.ok()) co_return s.error();
      }
    }
  }
  // Views are created after their tables (creation order from the catalog).
  for (auto it = views.rbegin(); it != views.rend(); ++it)
    if (auto s = db->exec((*it)->create_sql); !s.ok()) co_return s.error();
  auto rs = db->query(text, planner::params_for(x.params, nparams));
  if (!rs.ok()) co_return rs.error();
  x.plan = "combine";
  QueryOutput out;
  out.rs = std::move(*rs);
  out.rs.changes = 0;
  out.rs.last_insert_rowid = 0;
  co_return out;
}

}  // namespace

// Runs one read on each target node (parameters bound as the statement numbers them) and returns
// each node's result set, in target order.
Task<Result<std::vector<ResultSet>>> read_on(Exec& x, const std::vector<uint32_t>& targets, const std::string& sql, int nparams) {
  std::vector<NodeRequest> reqs;
  for (auto n : targets) reqs.push_back({n, x.request(one_statement(sql, planner::params_for(x.params, nparams), false))});
  auto resp = co_await fan_out(x.s, std::move(reqs));
  if (!resp.ok()) co_return resp.error();
  std::vector<ResultSet> out;
  for (auto& r : *resp) out.push_back(std::move(r.results[0]));
  co_return out;
}

// Concatenates shard results (plans where each row comes from exactly one shard).
QueryOutput concat(std::vector<ResultSet>& parts) {
  QueryOutput out;
  for (auto& rs : parts) {
    if (out.rs.columns.empty()) out.rs.columns = rs.columns;
    for (auto& row : rs.rows) out.rs.rows.push_back(std::move(row));
  }
  return out;
}

// A single-table SELECT with no subqueries: route by the shard key, or scatter and concatenate
// when nothing needs merging. Returns nullopt when the plan needs merging or combining.
Task<Result<QueryOutput>> run_select(Exec& x, const sql::Select& sel) {
  Features f = planner::analyze_select(sel);
  // The statement as the combine engine runs it: parameters by number, bound exactly.
  sql::Select numbered = sel;
  int original_params = planner::number_params(numbered);
  std::string original = sql::print(numbered);
  // Every table must exist (views count): a stale cache may not know a table another isolate made.
  for (auto& name : f.tables) {
    if (!x.topo->find_table(name)) {
      auto r = co_await x.refresh();
      if (!r.ok()) co_return r.error();
      break;
    }
  }
  const TableInfo* only = nullptr;
  if (f.table_refs == 1 && f.tables.size() == 1 && !f.subquery && !f.table_function && sel.cores.size() == 1 && !sel.with)
    only = x.topo->find_table(f.tables[0]);
  if (f.tables.empty() && !f.table_function) {
    // No tables at all (SELECT 1+1): SQLite in the conductor answers.
    co_return co_await run_combine(x, original, original_params, f, &sel);
  }
  if (only && only->kind != TableKind::View) {
    const auto& core = sel.cores[0];
    std::string alias = core.from && !core.from->alias.empty() ? core.from->alias : only->name;
    auto shard_sql = planner::shard_select_sql(sel, *only);
    if (!shard_sql.ok()) co_return shard_sql.error();
    std::vector<uint32_t> targets;
    std::vector<uint32_t> point_vshards;  // a single-key read names its virtual shard
    if (only->kind == TableKind::Reference) {
      targets.push_back(0);
      x.plan = "reference";
    } else if (auto pins = planner::shard_key_pins(core.where.get(), *only, alias, x.params)) {
      for (auto& v : *pins) {
        uint32_t n = x.node_of(*only, v);
        if (std::find(targets.begin(), targets.end(), n) == targets.end()) targets.push_back(n);
      }
      if (pins->size() == 1) point_vshards.push_back(x.vshard_of(*only, (*pins)[0]));
      if (targets.empty()) targets.push_back(x.node_of(Value::null()));
      x.plan = targets.size() == 1 ? "route" : "route-subset";
    } else {
      // An equality on a globally indexed column: ask the index's shard which rows match.
      auto via = co_await route_by_index(x, *only, core.where.get(), alias);
      if (!via.ok()) co_return via.error();
      if (*via) {
        targets = std::move(**via);
        // No entry: no row matches; one node still answers, so the result has its columns.
        if (targets.empty()) targets.push_back(0);
        x.plan = "lookup";
      }
    }
    bool simple = !f.aggregate && !f.window && core.distinct != sql::Distinctness::Distinct && core.group_by.empty() && !core.having &&
                  sel.order_by.empty() && !sel.limit;
    if (targets.size() == 1) {
      auto resp = co_await fan_out(
          x.s, one_request(targets[0], x.request(one_statement(shard_sql->sql, planner::params_for(x.params, shard_sql->params), false),
                                                 point_vshards)));
      if (!resp.ok()) co_return resp.error();
      QueryOutput out;
      out.rs = std::move((*resp)[0].results[0]);
      co_return out;
    }
    if (targets.empty()) targets = x.all_nodes();
    // SELECT count(*) FROM t [WHERE ...]: each shard counts, the conductor sums.
    bool count_only = core.columns.size() == 1 && core.columns[0].kind == sql::ResultKind::Expr &&
                      core.columns[0].expr->kind == sql::ExprKind::Function && iequals(core.columns[0].expr->name, "count") &&
                      core.columns[0].expr->star && !core.columns[0].expr->filter && !core.columns[0].expr->over && core.group_by.empty() &&
                      !core.having && sel.order_by.empty() && !sel.limit && core.distinct != sql::Distinctness::Distinct && !f.window;
    if (count_only) {
      auto parts = co_await read_on(x, targets, shard_sql->sql, shard_sql->params);
      if (!parts.ok()) co_return parts.error();
      QueryOutput out;
      int64_t total = 0;
      for (auto& rs : *parts) {
        if (out.rs.columns.empty()) out.rs.columns = rs.columns;
        if (!rs.rows.empty()) total += rs.rows[0][0].i;
      }
      out.rs.rows.push_back({Value::integer(total)});
      if (x.plan == "none") x.plan = "scatter-count";
      co_return out;
    }
    if (simple) {
      auto parts = co_await read_on(x, targets, shard_sql->sql, shard_sql->params);
      if (!parts.ok()) co_return parts.error();
      if (x.plan == "none") x.plan = "scatter";
      co_return concat(*parts);
    }
    if ((f.aggregate || !core.group_by.empty()) && !f.window && only->kind == TableKind::Sharded) {
      if (auto ap = planner::plan_aggregate(sel, *only)) {
        std::vector<NodeRequest> reqs;
        for (auto n : targets)
          reqs.push_back({n, x.request(one_statement(ap->shard_sql, planner::params_for(x.params, ap->shard_params), false))});
        auto resp = co_await fan_out(x.s, std::move(reqs));
        // Whether an integer sum overflows depends on the order rows are added; when a shard or the
        // combination overflows, the combine engine decides over all rows, as SQLite would.
        bool overflow = !resp.ok() && resp.error().message == "integer overflow";
        if (!resp.ok() && !overflow) co_return resp.error();
        Result<std::vector<Row>> groups = std::vector<Row>{};
        if (!overflow) {
          std::vector<merge::RowSourcePtr> inputs;
          for (auto& r : *resp) {
            auto& rows = r.results[0].rows;
            if (ap->real_mask)
              for (auto& row : rows) {
                int64_t mask = row.back().type == ValueType::Integer ? row.back().i : 0;
                row.pop_back();
                for (size_t k = 0; k < row.size(); k++)
                  if ((mask >> k & 1) && row[k].type == ValueType::Integer) row[k] = Value::real(static_cast<double>(row[k].i));
              }
            inputs.push_back(std::make_unique<merge::VectorSource>(std::move(rows)));
          }
          merge::GroupCombineSpec spec;
          spec.keys = ap->keys;
          spec.aggregates = ap->aggs;
          merge::GroupCombine combined(std::make_unique<merge::Concat>(std::move(inputs)), std::move(spec));
          groups = merge::drain(combined);
          overflow = !groups.ok() && groups.error().message == "integer overflow";
          if (!groups.ok() && !overflow) co_return groups.error();
        }
        if (!overflow) {
          // The final expressions run in SQLite over one row per group; the user's table, empty,
          // gives the result columns SQLite's own names.
          auto db = CombineDb::open();
          if (!db.ok()) co_return db.error();
          if (auto st = (*db)->exec(only->create_sql); !st.ok()) co_return st.error();
          auto names = (*db)->query(original, planner::params_for(x.params, original_params));
          if (!names.ok()) co_return names.error();
          if (auto st = (*db)->exec(ap->agg_table_ddl); !st.ok()) co_return st.error();
          std::vector<std::string> cols;
          for (size_t j = 0; j < ap->keys.size(); j++) cols.push_back("k" + std::to_string(j));
          for (size_t i = 0; i < ap->aggs.size(); i++) cols.push_back("a" + std::to_string(i));
          if (auto st = (*db)->load("_bd_agg", cols, *groups, false); !st.ok()) co_return st.error();
          auto rs = (*db)->query(ap->final_sql, planner::params_for(x.params, ap->final_params));
          if (!rs.ok()) co_return rs.error();
          QueryOutput out;
          out.rs = std::move(*rs);
          out.rs.columns = names->columns;
          out.rs.changes = 0;
          out.rs.last_insert_rowid = 0;
          x.plan = "scatter-aggregate";
          co_return out;
        }
      }
    }
    if (!f.aggregate && !f.window) {
      // ORDER BY / LIMIT / DISTINCT: push down, then merge the sorted shard streams.
      merge::LimitSpec lim;
      bool limit_ok = true;
      if (sel.limit) {
        auto lv = evaluate_constant(x, *sel.limit->count);
        Result<Value> ov = sel.limit->offset ? evaluate_constant(x, *sel.limit->offset) : Result<Value>(Value::integer(0));
        if (!lv.ok() || !ov.ok())
          limit_ok = false;
        else {
          auto spec = merge::limit_from_values(*lv, sel.limit->offset ? &*ov : nullptr);
          if (!spec.ok()) co_return spec.error();
          lim = *spec;
        }
      }
      std::optional<planner::ScatterMerge> plan;
      if (limit_ok) plan = planner::plan_scatter_merge(sel, *only, lim.limit, lim.offset);
      if (plan) {
        std::vector<NodeRequest> reqs;
        for (auto n : targets)
          reqs.push_back({n, x.request(one_statement(plan->shard_sql, planner::params_for(x.params, plan->param_count), false))});
        auto resp = co_await fan_out(x.s, std::move(reqs));
        if (!resp.ok()) co_return resp.error();
        QueryOutput out;
        std::vector<merge::RowSourcePtr> inputs;
        for (auto& r : *resp) {
          auto& rs = r.results[0];
          if (out.rs.columns.empty())
            out.rs.columns.assign(rs.columns.begin(), rs.columns.begin() + std::min(rs.columns.size(), plan->visible_columns));
          inputs.push_back(std::make_unique<merge::VectorSource>(std::move(rs.rows)));
        }
        merge::RowSourcePtr src;
        if (plan->keys.empty())
          src = std::make_unique<merge::Concat>(std::move(inputs));
        else
          src = std::make_unique<merge::OrderedMerge>(std::move(inputs), plan->keys);
        if (plan->distinct) src = std::make_unique<merge::Distinct>(std::move(src), plan->distinct_collations);
        src = std::make_unique<merge::Limit>(std::move(src), merge::LimitSpec{plan->limit, plan->offset});
        auto rows = merge::drain(*src);
        if (!rows.ok()) co_return rows.error();
        for (auto& row : *rows) row.resize(plan->visible_columns);
        out.rs.rows = std::move(*rows);
        x.plan = targets.size() < x.topo->nodes ? "route-subset-merge" : "scatter-merge";
        co_return out;
      }
    }
  }
  if (auto co = planner::plan_colocated(sel, *x.topo, x.params)) {
    std::vector<uint32_t> targets;
    if (co->reference_only) {
      targets.push_back(0);
      x.plan = "reference";
    } else if (co->key_pins) {
      const TableInfo* pinned = x.topo->find_table(co->pinned_table);
      for (auto& v : *co->key_pins) {
        uint32_t n = pinned ? x.node_of(*pinned, v) : x.node_of(v);
        if (std::find(targets.begin(), targets.end(), n) == targets.end()) targets.push_back(n);
      }
      x.plan = targets.size() == 1 ? "route" : "route-subset";
    } else {
      targets = x.all_nodes();
      x.plan = "colocated-scatter";
    }
    auto parts = co_await read_on(x, targets, co->shard_sql, co->param_count);
    if (!parts.ok()) co_return parts.error();
    co_return concat(*parts);
  }
  co_return co_await run_combine(x, original, original_params, f, &sel);
}

// ---------------------------------------------------------------------------------------------
// Statement dispatch

namespace {

Task<Result<QueryOutput>> run_statement(Exec& x, const sql::Stmt& st);

// EXPLAIN (or mode explain): plan without sending anything; one row per storage request the plan
// would send, then the conductor's own step.
Task<Result<QueryOutput>> run_explain(Exec& x, const sql::Stmt& st) {
  auto kind = st.kind();
  if (kind != sql::StmtKind::Select && kind != sql::StmtKind::Update && kind != sql::StmtKind::Delete)
    co_return Error::unsupported("EXPLAIN is supported for SELECT, UPDATE and DELETE");
  sql::Stmt inner = st;
  inner.explain = sql::Explain::None;
  x.s.dry_run = true;
  auto r = co_await run_statement(x, inner);
  x.s.dry_run = false;
  if (!r.ok()) co_return r.error();
  QueryOutput out;
  out.rs.columns = {"step", "node", "detail"};
  for (auto& p : x.s.planned) out.rs.rows.push_back({Value::text("shard"), Value::integer(p.node), Value::text(p.sql)});
  std::string conductor = x.plan == "combine" ? "combine engine runs the query over the gathered rows"
                          : x.plan == "scatter-merge" || x.plan == "route-subset-merge" ? "k-way ordered merge, DISTINCT, OFFSET/LIMIT"
                          : x.plan == "scatter-count"                                   ? "sum of the shards' counts"
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
}

Task<Result<QueryOutput>> run_request(Conductor& c, Session& s, QueryInput input) {
  if (input.mode == static_cast<uint8_t>(RequestMode::Topology)) co_return co_await topology_report(c, s, input.nodes);
  if (input.mode == static_cast<uint8_t>(RequestMode::ReshardStep)) co_return co_await reshard_step(c, s);
  auto parsed = sql::parse_script(input.sql);
  if (!parsed.ok()) co_return parsed.error();
  if (parsed->empty()) co_return QueryOutput{};
  if (parsed->size() > 1 && !input.params.empty())
    co_return Error::sql("parameters can be bound to a single statement only, got " + std::to_string(parsed->size()) + " statements");
  QueryOutput last;
  for (auto& st : *parsed) {
    Result<QueryOutput> r = Error::internal("statement did not run");
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
    if (!r.ok()) co_return r.error();
    last = std::move(*r);
  }
  co_return last;
}

}  // namespace bd
