#include "planner/select_plan.h"

#include <algorithm>
#include <map>
#include <memory>
#include "planner/colocate.h"
#include "planner/lookup_join.h"
#include "planner/params.h"
#include "planner/partition.h"
#include "planner/pushdown.h"
#include "planner/repartition.h"
#include "planner/shard_sql.h"
#include "planner/window_plan.h"
#include "sql/parser.h"
#include "sql/printer.h"

namespace bd::planner {
namespace {

PlanNode shard(std::string sql, int params, std::vector<uint32_t> nodes, std::vector<uint32_t> vshards = {}) {
  PlanNode n;
  n.kind = OpKind::Shard;
  n.sql = std::move(sql);
  n.params = params;
  n.nodes = std::move(nodes);
  n.vshards = std::move(vshards);
  return n;
}

PlanNode op(OpKind k, PlanNode child, std::string detail = {}) {
  PlanNode n;
  n.kind = k;
  n.detail = std::move(detail);
  n.children.push_back(std::move(child));
  return n;
}

void add_unique(std::vector<uint32_t>& v, uint32_t n) {
  if (std::find(v.begin(), v.end(), n) == v.end()) v.push_back(n);
}

bool is_count_star_only(const sql::Select& sel, const Features& f) {
  const auto& core = sel.cores[0];
  return core.columns.size() == 1 && core.columns[0].kind == sql::ResultKind::Expr &&
         core.columns[0].expr->kind == sql::ExprKind::Function && iequals(core.columns[0].expr->name, "count") &&
         core.columns[0].expr->star && !core.columns[0].expr->filter && !core.columns[0].expr->over && core.group_by.empty() &&
         !core.having && sel.order_by.empty() && !sel.limit && core.distinct != sql::Distinctness::Distinct && !f.window;
}

// The plan for a single sharded table's query sent to several nodes (`nodes`, or decided at run
// time by an index): concatenation, counts summed, partial aggregates merged, or sorted streams
// merged. nullopt: none applies (the combine engine answers).
Result<std::optional<PlanNode>> multi_node_plan(const sql::Select& sel, const Features& f, const TableInfo& t, const ShardSql& shard_sql,
                                                const std::vector<uint32_t>& nodes, bool at_run_time, const std::string& original,
                                                int original_params, const PlanEnv& env, std::string& name,
                                                const std::vector<std::string>& ddl, bool partitioned_from) {
  const auto& core = sel.cores[0];
  auto leaf = [&](std::string sql, int params) {
    PlanNode s = shard(std::move(sql), params, nodes);
    s.nodes_at_run_time = at_run_time;
    return s;
  };
  bool simple = !f.aggregate && !f.window && core.distinct != sql::Distinctness::Distinct && core.group_by.empty() && !core.having &&
                sel.order_by.empty() && !sel.limit;
  if (is_count_star_only(sel, f)) {
    if (name == "none") name = "scatter-count";
    return std::optional<PlanNode>(op(OpKind::CountSum, leaf(shard_sql.sql, shard_sql.params), "sum of the shards' counts"));
  }
  if (simple) {
    if (name == "none") name = "scatter";
    return std::optional<PlanNode>(op(OpKind::Concat, leaf(shard_sql.sql, shard_sql.params), "concatenate shard results"));
  }
  // SELECT count(DISTINCT x) FROM t [WHERE ...] over a column that is not the shard key: each
  // shard sends its distinct values once, sorted; the conductor merges and counts them as they
  // pass (never gathering the rows).
  if (f.aggregate && !f.window && t.kind == TableKind::Sharded && !partitioned_from && core.group_by.empty() && !core.having &&
      sel.order_by.empty() && !sel.limit && core.distinct != sql::Distinctness::Distinct && core.columns.size() == 1 &&
      core.columns[0].kind == sql::ResultKind::Expr) {
    const sql::Expr& c = *core.columns[0].expr;
    if (c.kind == sql::ExprKind::Function && iequals(c.name, "count") && c.distinct && c.args.size() == 1 && !c.filter && !c.over &&
        c.args[0]->kind == sql::ExprKind::Column && c.args[0]->schema.empty() && t.column_index(c.args[0]->name) >= 0 &&
        !(t.shard_key >= 0 && iequals(t.columns[t.shard_key].name, c.args[0]->name) &&
          (t.columns[t.shard_key].collation.empty() || iequals(t.columns[t.shard_key].collation, "BINARY")))) {
      sql::Select values = sel;
      auto& vc = values.cores[0];
      sql::ResultColumn rc;
      rc.expr = c.args[0]->clone();
      vc.columns.clear();
      vc.columns.push_back(std::move(rc));
      vc.distinct = sql::Distinctness::Distinct;
      auto not_null = sql::make<sql::Expr>();
      not_null->kind = sql::ExprKind::NullTest;
      not_null->negated = true;
      not_null->left = c.args[0]->clone();
      if (vc.where) {
        auto both = sql::make<sql::Expr>();
        both->kind = sql::ExprKind::Binary;
        both->binary_op = sql::BinaryOp::And;
        both->left = std::move(vc.where);
        both->right = std::move(not_null);
        vc.where = std::move(both);
      } else {
        vc.where = std::move(not_null);
      }
      sql::OrderTerm term;
      term.expr = c.args[0]->clone();
      values.order_by.push_back(std::move(term));
      if (auto m = plan_scatter_merge(values, t, -1, 0)) {
        auto mp = std::make_shared<ScatterMerge>(std::move(*m));
        PlanNode n = op(OpKind::OrderedMerge, leaf(mp->shard_sql, mp->param_count), "k-way merge of the shards' sorted distinct values");
        n.merge = mp;
        n = op(OpKind::Distinct, std::move(n), "drop values several shards sent");
        n.merge = mp;
        n = op(OpKind::CountDistinct, std::move(n), "count the values as they pass");
        n.merge = mp;
        n.names_ddl = ddl;
        n.names_sql = original;
        n.params = original_params;
        name = "scatter-count-distinct";
        return std::optional<PlanNode>(std::move(n));
      }
    }
  }
  if ((f.aggregate || !core.group_by.empty()) && !f.window && t.kind == TableKind::Sharded) {
    if (auto ap = plan_aggregate(sel, t, partitioned_from)) {
      PlanNode g = op(OpKind::GroupMerge, leaf(ap->shard_sql, ap->shard_params),
                      "partial aggregates merged per group; final expressions: " + ap->final_sql);
      g.names_ddl = ddl;
      g.names_sql = original;
      g.params = original_params;
      Features ff = f;
      auto fb = plan_combine(&sel, original, original_params, ff, env);
      if (!fb.ok()) return fb.error();
      g.fallback = std::make_shared<PlanNode>(std::move(*fb));
      g.aggregate = std::make_shared<AggregatePlan>(std::move(*ap));
      name = "scatter-aggregate";
      return std::optional<PlanNode>(std::move(g));
    }
  }
  if (!f.aggregate && !f.window) {
    int64_t limit = -1, offset = 0;
    bool limit_ok = true;
    if (sel.limit) {
      auto lim = env.limit(*sel.limit);
      if (!lim.ok()) return lim.error();
      if (!*lim) {
        limit_ok = false;
      } else {
        limit = (*lim)->first;
        offset = (*lim)->second;
      }
    }
    std::optional<ScatterMerge> plan;
    if (limit_ok) plan = plan_scatter_merge(sel, t, limit, offset);
    if (plan) {
      auto m = std::make_shared<ScatterMerge>(std::move(*plan));
      PlanNode n = leaf(m->shard_sql, m->param_count);
      if (m->keys.empty())
        n = op(OpKind::Concat, std::move(n), "concatenate shard results");
      else
        n = op(OpKind::OrderedMerge, std::move(n), "k-way merge of the sorted shard streams");
      n.merge = m;
      if (m->distinct) {
        n = op(OpKind::Distinct, std::move(n), "drop duplicates of the merged stream");
        n.merge = m;
      }
      n = op(OpKind::Limit, std::move(n), "OFFSET " + std::to_string(m->offset) + " LIMIT " + std::to_string(m->limit));
      n.merge = m;
      name = !at_run_time && nodes.size() < env.topo.nodes ? "route-subset-merge" : "scatter-merge";
      return std::optional<PlanNode>(std::move(n));
    }
  }
  return std::optional<PlanNode>{};
}

}  // namespace

std::vector<PlanNode> index_probes(const TableInfo& t, const sql::Expr* where, const std::string& alias, const PlanEnv& env) {
  std::vector<PlanNode> out;
  if (!where) return out;
  for (auto* index : env.topo.indexes_of(t.name)) {
    // Pins on the index's first column, found as if it were the shard key.
    TableInfo probe = t;
    probe.kind = TableKind::Sharded;
    probe.shard_key = t.column_index(index->columns[0].name);
    if (probe.shard_key < 0) continue;
    auto pins = shard_key_pins(where, probe, alias, env.params);
    if (!pins) continue;
    std::map<uint32_t, std::vector<Value>> per_node;
    std::map<uint32_t, std::vector<uint32_t>> node_vshards;  // the index's shards each probe reads
    for (auto& v : *pins) {
      const VShard& vs = env.topo.vshard_for(index->entry_ksid(v));
      per_node[vs.node].push_back(v);
      add_unique(node_vshards[vs.node], vs.id);
    }
    for (auto& [node, values] : per_node) {
      IndexProbe probe = index_probe(*index, values);
      PlanNode s = shard(probe.sql, 0, {node}, node_vshards[node]);
      s.has_bound = true;
      s.bound = std::move(probe.params);
      s.detail = "probe of index " + index->name;
      // A unique index holds each value at most once.
      if (index->unique) s.est_rows = static_cast<double>(values.size());
      out.push_back(std::move(s));
    }
    return out;
  }
  return out;
}

Result<PlanNode> plan_combine(const sql::Select* sel, const std::string& text, int nparams, const Features& f, const PlanEnv& env) {
  PlanNode comb;
  comb.kind = OpKind::Combine;
  comb.sql = text;
  comb.params = nparams;
  comb.detail = "SQLite in the conductor runs the statement over the gathered rows";
  // Views expand into their base tables; collect the closure.
  std::vector<const TableInfo*> tables, views;
  std::vector<std::string> pending = f.tables;
  std::vector<std::string> read_by_views;  // their rows must all be there for the views
  while (!pending.empty()) {
    std::string name = pending.back();
    pending.pop_back();
    const TableInfo* t = env.topo.find_table(name);
    if (!t) continue;  // unknown names are reported by SQLite itself ("no such table")
    auto& list = t->kind == TableKind::View ? views : tables;
    if (std::find(list.begin(), list.end(), t) != list.end()) continue;
    list.push_back(t);
    if (t->kind == TableKind::View) {
      auto parsed = sql::parse_statement(t->create_sql);
      if (!parsed.ok()) return parsed.error();
      auto* cv = (*parsed)->as<sql::CreateView>();
      if (cv) {
        auto vf = analyze_select(*cv->select);
        pending.insert(pending.end(), vf.tables.begin(), vf.tables.end());
        read_by_views.insert(read_by_views.end(), vf.tables.begin(), vf.tables.end());
      }
    }
  }
  // Which rows of each table to gather: pushed-down filters, and only the owning nodes when the
  // filters pin the shard key.
  std::vector<TableFilter> filters;
  if (sel) filters = pushdown_filters(*sel, env.topo, env.params);
  filters.erase(std::remove_if(filters.begin(), filters.end(),
                               [&](const TableFilter& tf) {
                                 return std::any_of(read_by_views.begin(), read_by_views.end(),
                                                    [&](const std::string& n) { return iequals(n, tf.table); });
                               }),
                filters.end());
  std::vector<GatherInfo> infos;
  for (auto* t : tables) {
    PlanNode s = shard(gather_sql(*t), 0, {});
    PlanNode g;
    g.kind = OpKind::Gather;
    g.table = t->name;
    g.detail = "rows of " + t->name;
    const TableFilter* tf = nullptr;
    for (auto& f2 : filters)
      if (iequals(f2.table, t->name)) tf = &f2;
    std::string topk;
    // Per-shard top-k for ranking windows kept by ORDER BY ... LIMIT (planner/window_plan.h): only
    // when every conjunct of the WHERE clause runs on the shards.
    if (sel && tables.size() == 1 && views.empty() && sel->limit && t->kind == TableKind::Sharded &&
        (!sel->cores[0].where || (tf && tf->params.empty() && tf->where_sql == sql::print(*sel->cores[0].where)))) {
      auto lim = env.limit(*sel->limit);
      if (lim.ok() && *lim && (*lim)->first >= 0) {
        std::string alias =
            tf ? tf->alias : (sel->cores[0].from && !sel->cores[0].from->alias.empty() ? sel->cores[0].from->alias : t->name);
        if (auto cond = top_k_condition(*sel, *t, alias, (*lim)->first + (*lim)->second)) {
          topk = gather_sql(*t, alias) + " WHERE " + *cond;
          g.detail += ", ranked in each shard's first " + std::to_string((*lim)->first + (*lim)->second) + " (per-shard top-k)";
        }
      }
    }
    if (!topk.empty()) {
      s.sql = topk;
    } else if (tf) {
      s.sql = gather_sql(*t, tf->alias) + " WHERE " + tf->where_sql;
      s.has_bound = true;
      s.bound = tf->params;
      g.detail += " matching " + tf->where_sql;
    }
    if (t->kind == TableKind::Reference) {
      s.nodes.push_back(0);
    } else if (tf && tf->key_pins) {
      for (auto& v : *tf->key_pins) add_unique(s.nodes, env.node_of(*t, v));
    } else {
      s.nodes = env.all_nodes();
    }
    g.children.push_back(std::move(s));
    comb.children.push_back(std::move(g));
    comb.combine_tables.push_back(t->create_sql);
    infos.push_back({t, tf});
  }
  if (sel && views.empty()) plan_lookups(*sel, env.topo, infos, comb);
  // Views are created after their tables (creation order from the catalog).
  for (auto it = views.rbegin(); it != views.rend(); ++it) comb.combine_views.push_back((*it)->create_sql);
  return comb;
}

void attach_with(const sql::With* with, sql::Select& sel) {
  if (!with) return;
  if (!sel.with) {
    sel.with = sql::Box<sql::With>(new sql::With(*with));
    return;
  }
  sql::With merged = *with;
  merged.recursive = with->recursive || sel.with->recursive;
  merged.ctes.erase(std::remove_if(merged.ctes.begin(), merged.ctes.end(),
                                   [&](const sql::Cte& c) {
                                     for (auto& own : sel.with->ctes)
                                       if (iequals(own.name, c.name)) return true;
                                     return false;
                                   }),
                    merged.ctes.end());
  for (auto& c : sel.with->ctes) merged.ctes.push_back(c);
  sel.with = sql::Box<sql::With>(new sql::With(std::move(merged)));
}

Result<Plan> plan_select(const sql::Select& sel, const PlanEnv& env) {
  Features f = analyze_select(sel);
  // The statement as the combine engine runs it: parameters by number, bound exactly.
  sql::Select numbered = sel;
  int original_params = number_params(numbered);
  std::string original = sql::print(numbered);
  Plan plan;
  plan.name = "none";
  auto combine = [&]() -> Result<Plan> {
    auto c = plan_combine(&sel, original, original_params, f, env);
    if (!c.ok()) return c.error();
    plan.name = "combine";
    plan.root = std::move(*c);
    return std::move(plan);
  };
  // The catalog is read where it is: the schema mirror (plus any table rows the query also reads).
  if (reads_catalog(f)) {
    auto c = plan_combine(&sel, original, original_params, f, env);
    if (!c.ok()) return c.error();
    c->on_schema = true;
    c->combine_tables.clear();
    c->combine_views.clear();
    c->detail = "SQLite in the conductor runs the statement over the schema (and any gathered rows)";
    plan.name = c->children.empty() ? "catalog" : "combine";
    plan.root = std::move(*c);
    return plan;
  }
  const TableInfo* only = nullptr;
  if (f.table_refs == 1 && f.tables.size() == 1 && !f.subquery && !f.table_function && sel.cores.size() == 1 && !sel.with)
    only = env.topo.find_table(f.tables[0]);
  // No tables at all (SELECT 1+1): SQLite in the conductor answers.
  if (f.tables.empty() && !f.table_function) return combine();
  if (only && only->kind != TableKind::View) {
    const auto& core = sel.cores[0];
    std::string alias = core.from && !core.from->alias.empty() ? core.from->alias : only->name;
    // Windows partitioned by the shard key compute on the shards; only the merge remains.
    if (f.window && windows_partitioned_by_key(sel, *only, alias)) f.window = false;
    auto shard_sql = shard_select_sql(sel, *only);
    if (!shard_sql.ok()) return shard_sql.error();
    std::vector<uint32_t> targets;
    std::vector<uint32_t> point_vshards;  // a single-key read names its virtual shard
    bool by_index = false;
    std::vector<PlanNode> probes;
    if (only->kind == TableKind::Reference) {
      targets.push_back(0);
      plan.name = "reference";
    } else if (auto pins = shard_key_pins(core.where.get(), *only, alias, env.params)) {
      for (auto& v : *pins) add_unique(targets, env.node_of(*only, v));
      if (pins->size() == 1) point_vshards.push_back(env.vshard_of(*only, (*pins)[0]));
      if (targets.empty()) targets.push_back(env.topo.vshard_for(keyspace_id(Value::null())).node);
      plan.name = targets.size() == 1 ? "route" : "route-subset";
    } else if (core.where) {
      // An equality on a globally indexed column: the index's shard says which nodes hold rows.
      probes = index_probes(*only, core.where.get(), alias, env);
      by_index = !probes.empty();
    }
    if (targets.size() == 1) {
      plan.root = shard(shard_sql->sql, shard_sql->params, targets, point_vshards);
      return plan;
    }
    if (by_index) {
      std::string name = "lookup";
      auto multi = multi_node_plan(sel, f, *only, *shard_sql, {}, true, original, original_params, env, name, {only->create_sql}, false);
      if (!multi.ok()) return multi.error();
      if (*multi) {
        PlanNode ir;
        ir.kind = OpKind::IndexRoute;
        ir.table = only->name;
        ir.detail = "the global index of " + only->name + " names the nodes holding the rows";
        PlanNode one = shard(shard_sql->sql, shard_sql->params, {});
        one.nodes_at_run_time = true;
        ir.children.push_back(std::move(one));
        ir.children.push_back(std::move(**multi));
        for (auto& p : probes) ir.children.push_back(std::move(p));
        plan.name = name;
        plan.root = std::move(ir);
        return plan;
      }
    }
    if (targets.empty()) targets = env.all_nodes();
    auto multi =
        multi_node_plan(sel, f, *only, *shard_sql, targets, false, original, original_params, env, plan.name, {only->create_sql}, false);
    if (!multi.ok()) return multi.error();
    if (*multi) {
      plan.root = std::move(**multi);
      return plan;
    }
  }
  auto co = plan_colocated(sel, env.topo, env.params);
  if (co && !co->reference_only && !co->key_pins && sel.cores[0].where) {
    // A global index that pins a member routes the co-located join to the nodes it names.
    if (auto part = partitioned_query(sel, env.topo, env.params))
      for (auto& [t, alias] : part->members)
        if (t->kind == TableKind::Sharded && !index_probes(*t, sel.cores[0].where.get(), alias, env).empty()) co.reset();
  }
  if (co) {
    std::vector<uint32_t> targets;
    if (co->reference_only) {
      targets.push_back(0);
      plan.name = "reference";
    } else if (co->key_pins) {
      const TableInfo* pinned = env.topo.find_table(co->pinned_table);
      for (auto& v : *co->key_pins) add_unique(targets, pinned ? env.node_of(*pinned, v) : env.topo.vshard_for(keyspace_id(v)).node);
      plan.name = targets.size() == 1 ? "route" : "route-subset";
    } else {
      targets = env.all_nodes();
      plan.name = "colocated-scatter";
    }
    plan.root = op(OpKind::Concat, shard(co->shard_sql, co->param_count, targets), "concatenate shard results (co-located join)");
    return plan;
  }
  if (auto part = partitioned_query(sel, env.topo, env.params)) {
    Features pf = analyze_select(part->sel);
    const auto& core = part->sel.cores[0];
    auto shard_sql = shard_select_sql(part->sel, part->rel);
    if (!shard_sql.ok()) return shard_sql.error();
    std::vector<uint32_t> targets;
    std::vector<PlanNode> probes;
    std::string probed;
    std::optional<std::vector<Value>> pins = part->key_pins;
    const TableInfo* pinned = part->pinned;
    if (!part->join && core.where) {
      pins = shard_key_pins(core.where.get(), part->rel, part->alias, env.params);
      pinned = &part->rel;
    }
    if (pins) {
      for (auto& v : *pins) add_unique(targets, env.node_of(*pinned, v));
      if (targets.empty()) targets.push_back(env.topo.vshard_for(keyspace_id(Value::null())).node);
      plan.name = targets.size() == 1 ? "route" : "route-subset";
    } else if (core.where) {
      for (auto& [t, alias] : part->members) {
        if (t->kind != TableKind::Sharded) continue;
        probes = index_probes(*t, core.where.get(), alias, env);
        if (!probes.empty()) {
          probed = t->name;
          break;
        }
      }
    }
    if (targets.size() == 1) {
      plan.root = shard(shard_sql->sql, shard_sql->params, targets);
      return plan;
    }
    bool partitioned_from = core.from->kind != sql::TableRefKind::Table;
    if (!probes.empty()) {
      std::string name = "lookup";
      auto multi = multi_node_plan(part->sel, pf, part->rel, *shard_sql, {}, true, original, original_params, env, name, part->ddl,
                                   partitioned_from);
      if (!multi.ok()) return multi.error();
      if (*multi) {
        PlanNode ir;
        ir.kind = OpKind::IndexRoute;
        ir.table = probed;
        ir.detail = "a global index names the nodes holding the rows";
        PlanNode one = shard(shard_sql->sql, shard_sql->params, {});
        one.nodes_at_run_time = true;
        ir.children.push_back(std::move(one));
        ir.children.push_back(std::move(**multi));
        for (auto& p : probes) ir.children.push_back(std::move(p));
        plan.name = name;
        plan.root = std::move(ir);
        return plan;
      }
    }
    if (targets.empty()) targets = env.all_nodes();
    if (plan.name == "none") plan.name = part->join ? "colocated-scatter" : "none";
    std::string name = plan.name;
    auto multi = multi_node_plan(part->sel, pf, part->rel, *shard_sql, targets, false, original, original_params, env, name, part->ddl,
                                 partitioned_from);
    if (!multi.ok()) return multi.error();
    if (*multi) {
      plan.name = name;
      plan.root = std::move(**multi);
      return plan;
    }
    plan.name = "none";
  }
  bool small = small_enough_to_gather(sel, env);
  if (env.staging_name && !small) {
    auto rp = plan_repartition(sel, env, env.staging_name());
    if (!rp.ok()) return rp.error();
    if (*rp) return std::move(**rp);
  }
  auto gathered = combine();
  if (gathered.ok()) gathered->gathered_by_counts = small;
  return gathered;
}

namespace {

// The sharded tables `sel` reads; `*view`: it reads a view too (whose tables are not listed).
std::vector<const TableInfo*> sharded_tables(const sql::Select& sel, const PlanEnv& env, bool* view) {
  std::vector<const TableInfo*> out;
  for (auto& name : analyze_select(sel).tables) {
    const TableInfo* t = env.topo.find_table(name);
    if (t && t->kind == TableKind::View) *view = true;
    if (t && t->kind == TableKind::Sharded) out.push_back(t);
  }
  return out;
}

}  // namespace

std::vector<const TableInfo*> tables_without_rows(const sql::Select& sel, const PlanEnv& env) {
  bool view = false;
  auto tables = sharded_tables(sel, env, &view);
  std::erase_if(tables, [&](const TableInfo* t) { return env.table_rows && env.table_rows(*t); });
  return tables;
}

bool small_enough_to_gather(const sql::Select& sel, const PlanEnv& env) {
  if (env.gather_small_rows <= 0 || !env.table_rows) return false;
  bool view = false;
  int64_t total = 0;
  for (auto* t : sharded_tables(sel, env, &view)) {
    auto rows = env.table_rows(*t);
    if (!rows) return false;
    total += *rows;
  }
  return !view && total <= env.gather_small_rows;
}

}  // namespace bd::planner
