#include "planner/aggregate_plan.h"

#include "planner/analysis.h"
#include "planner/params.h"
#include "planner/scatter_plan.h"
#include "planner/shard_sql.h"
#include "sql/printer.h"

namespace bd::planner {
namespace {

using sql::Expr;
using sql::ExprKind;
using sql::ExprPtr;

ExprPtr column(const std::string& name) { return column_ref({}, name); }

ExprPtr call(const std::string& name, std::vector<ExprPtr> args, bool star = false) {
  auto e = sql::make<Expr>();
  e->kind = ExprKind::Function;
  e->name = name;
  e->star = star;
  for (auto& a : args) e->args.push_back(std::move(a));
  return e;
}

struct Collector {
  std::vector<const Expr*> calls;  // distinct aggregate calls, by structure
  bool ok = true;
  const std::string* key = nullptr;  // the relation's shard-key column (BINARY), if any

  void visit(const Expr& e) {
    if (e.kind == ExprKind::Function && is_aggregate_function(e)) {
      // count(DISTINCT k) over the shard key: equal keys live on one node, so the shards' counts add up.
      bool distinct_key = e.distinct && !e.star && e.args.size() == 1 && iequals(e.name, "count") && key &&
                          e.args[0]->kind == ExprKind::Column && e.args[0]->schema.empty() && iequals(e.args[0]->name, *key);
      if ((e.distinct && !distinct_key) || e.filter || e.over || !e.order_by.empty()) {
        ok = false;
        return;
      }
      auto kind = merge::parse_aggregate(e.name, e.star);
      if (!kind.ok()) {
        ok = false;
        return;
      }
      bool concat = *kind == merge::AggregateKind::GroupConcat;
      // SQLite concatenates in scan (rowid) order; shards would interleave it differently, so
      // group_concat stays with the combine engine, which keeps the rowid order.
      if (concat) {
        ok = false;
        return;
      }
      if (e.star ? *kind != merge::AggregateKind::CountStar : (e.args.size() != 1 && !(concat && e.args.size() == 2))) {
        ok = false;
        return;
      }
      if (concat && e.args.size() == 2 && e.args[1]->kind != ExprKind::Literal) {
        ok = false;
        return;
      }
      for (auto& a : e.args) {
        Features f;
        analyze_expr(*a, f);
        bool nested = false;
        has_aggregate(*a, nested);
        if (f.subquery || nested) {
          ok = false;
          return;
        }
      }
      for (auto* c : calls)
        if (*c == e) return;
      calls.push_back(&e);
      return;
    }
    for (auto* c : {e.left.get(), e.right.get(), e.extra.get()})
      if (c) visit(*c);
    for (auto& a : e.args) visit(*a);
    if (e.select) ok = false;
  }
  static void has_aggregate(const Expr& e, bool& found) {
    if (e.kind == ExprKind::Function && is_aggregate_function(e)) found = true;
    for (auto* c : {e.left.get(), e.right.get(), e.extra.get()})
      if (c) has_aggregate(*c, found);
    for (auto& a : e.args) has_aggregate(*a, found);
  }
};

// Replaces aggregate calls by a<i> and group expressions by k<j>; false if a column reference is
// left over (a bare column outside the GROUP BY: SQLite picks it from an arbitrary row).
bool rewrite(ExprPtr& e, const std::vector<const Expr*>& calls, const std::vector<const Expr*>& groups) {
  for (size_t i = 0; i < calls.size(); i++)
    if (*e == *calls[i]) {
      e = column("a" + std::to_string(i));
      return true;
    }
  for (size_t j = 0; j < groups.size(); j++)
    if (*e == *groups[j]) {
      e = column("k" + std::to_string(j));
      return true;
    }
  if (e->kind == ExprKind::Column) return false;
  for (auto* c : {&e->left, &e->right, &e->extra})
    if (*c && !rewrite(*c, calls, groups)) return false;
  for (auto& a : e->args)
    if (!rewrite(a, calls, groups)) return false;
  return true;
}

}  // namespace

std::optional<AggregatePlan> plan_aggregate(const sql::Select& sel, const TableInfo& t, bool partitioned_from) {
  if (sel.cores.size() != 1 || sel.with || t.kind != TableKind::Sharded) return std::nullopt;
  const auto& core = sel.cores[0];
  if (core.is_values || !core.from || (core.from->kind != sql::TableRefKind::Table && !partitioned_from) || !core.windows.empty())
    return std::nullopt;
  // GROUP BY terms: positions and aliases resolve to select-list expressions, as in SQLite.
  std::vector<ExprPtr> group_exprs;
  for (auto& g : core.group_by) {
    const Expr* e = g.get();
    if (e->kind == ExprKind::Literal && e->literal == sql::LiteralKind::Integer) {
      long k = std::strtol(e->text.c_str(), nullptr, 10);
      if (k < 1 || k > static_cast<long>(core.columns.size()) || core.columns[k - 1].kind != sql::ResultKind::Expr) return std::nullopt;
      e = core.columns[k - 1].expr.get();
    } else if (e->kind == ExprKind::Column && e->table.empty() && t.column_index(e->name) < 0) {
      std::string name = e->name;
      for (auto& rc : core.columns)
        if (rc.kind == sql::ResultKind::Expr && !rc.alias.empty() && iequals(rc.alias, name)) {
          e = rc.expr.get();
          break;
        }
    }
    bool agg = false;
    Collector::has_aggregate(*e, agg);
    if (agg) return std::nullopt;
    group_exprs.push_back(e->clone());
  }
  Collector col;
  std::string key_name;
  if (t.shard_key >= 0 && (t.columns[t.shard_key].collation.empty() || iequals(t.columns[t.shard_key].collation, "BINARY"))) {
    key_name = t.columns[t.shard_key].name;
    col.key = &key_name;
  }
  for (auto& rc : core.columns) {
    if (rc.kind != sql::ResultKind::Expr) return std::nullopt;  // SELECT * with GROUP BY: bare columns
    col.visit(*rc.expr);
  }
  if (core.having) col.visit(*core.having);
  for (auto& o : sel.order_by) col.visit(*o.expr);
  if (!col.ok || (col.calls.empty() && group_exprs.empty())) return std::nullopt;

  AggregatePlan plan;
  // Shard query: SELECT keys..., partials... FROM t WHERE ... GROUP BY keys.
  sql::Select shard;
  sql::SelectCore sc;
  sc.from = core.from;
  if (core.where) sc.where = core.where->clone();
  std::vector<const Expr*> groups;
  for (auto& g : group_exprs) {
    sql::ResultColumn rc;
    rc.expr = g->clone();
    sc.columns.push_back(std::move(rc));
    sc.group_by.push_back(g->clone());
    groups.push_back(g.get());
    auto coll = expr_collation(*g, t);
    if (!coll) return std::nullopt;
    merge::GroupKey key;
    key.column = static_cast<int>(plan.keys.size());
    if (!coll->empty()) {
      auto c = parse_collation(*coll);
      if (!c.ok()) return std::nullopt;
      key.coll = *c;
    }
    plan.keys.push_back(key);
  }
  int next_col = static_cast<int>(plan.keys.size());
  for (auto* c : col.calls) {
    merge::AggregateSpec spec;
    spec.kind = *merge::parse_aggregate(c->name, c->star);
    spec.column = next_col;
    std::vector<ExprPtr> partials;
    auto arg = [&]() { return c->args[0]->clone(); };
    switch (spec.kind) {
      case merge::AggregateKind::CountStar: partials.push_back(call("count", {}, true)); break;
      case merge::AggregateKind::Count: {
        std::vector<ExprPtr> a;
        a.push_back(arg());
        partials.push_back(call("count", std::move(a)));
        partials.back()->distinct = c->distinct;
        break;
      }
      case merge::AggregateKind::Sum: {
        std::vector<ExprPtr> a;
        a.push_back(arg());
        partials.push_back(call("sum", std::move(a)));
        break;
      }
      case merge::AggregateKind::Total: {
        std::vector<ExprPtr> a;
        a.push_back(arg());
        partials.push_back(call("total", std::move(a)));
        break;
      }
      case merge::AggregateKind::Avg: {
        std::vector<ExprPtr> a, b;
        a.push_back(arg());
        b.push_back(arg());
        partials.push_back(call("total", std::move(a)));
        partials.push_back(call("count", std::move(b)));
        break;
      }
      case merge::AggregateKind::Min:
      case merge::AggregateKind::Max: {
        std::vector<ExprPtr> a;
        a.push_back(arg());
        partials.push_back(call(spec.kind == merge::AggregateKind::Min ? "min" : "max", std::move(a)));
        auto coll = expr_collation(*c->args[0], t);
        if (!coll) return std::nullopt;
        if (!coll->empty()) {
          auto cc = parse_collation(*coll);
          if (!cc.ok()) return std::nullopt;
          spec.coll = *cc;
        }
        break;
      }
      case merge::AggregateKind::GroupConcat: {
        std::vector<ExprPtr> a;
        for (auto& x : c->args) a.push_back(x->clone());
        partials.push_back(call(c->name, std::move(a)));
        if (c->args.size() == 2) {
          auto sep = literal_value(*c->args[1]);
          if (!sep.ok()) return std::nullopt;
          spec.separator = sep->type == ValueType::Null ? "" : sep->type == ValueType::Text ? sep->s : sql::print(*c->args[1]);
          if (sep->type != ValueType::Text && sep->type != ValueType::Null) return std::nullopt;
        }
        break;
      }
    }
    for (auto& p : partials) {
      sql::ResultColumn rc;
      rc.expr = std::move(p);
      sc.columns.push_back(std::move(rc));
      next_col++;
    }
    plan.aggs.push_back(spec);
  }
  // A last column flags which values are REAL (bit k: column k): a Durable Object hands integral
  // REALs to JavaScript as plain numbers, and sum(2.0, 3.0) must stay 5.0, not become 5.
  if (sc.columns.size() <= 62) {
    sql::ExprPtr mask;
    for (size_t k = 0; k < sc.columns.size(); k++) {
      std::vector<ExprPtr> a;
      a.push_back(sc.columns[k].expr->clone());
      auto is_real = sql::make<Expr>();
      is_real->kind = ExprKind::Binary;
      is_real->binary_op = sql::BinaryOp::Eq;
      is_real->left = call("typeof", std::move(a));
      is_real->right = sql::make<Expr>();
      is_real->right->kind = ExprKind::Literal;
      is_real->right->literal = sql::LiteralKind::String;
      is_real->right->text = "'real'";
      auto shifted = sql::make<Expr>();
      shifted->kind = ExprKind::Binary;
      shifted->binary_op = sql::BinaryOp::LShift;
      shifted->left = std::move(is_real);
      shifted->right = sql::make<Expr>();
      shifted->right->kind = ExprKind::Literal;
      shifted->right->literal = sql::LiteralKind::Integer;
      shifted->right->text = std::to_string(k);
      if (!mask) {
        mask = std::move(shifted);
      } else {
        auto both = sql::make<Expr>();
        both->kind = ExprKind::Binary;
        both->binary_op = sql::BinaryOp::BitOr;
        both->left = std::move(mask);
        both->right = std::move(shifted);
        mask = std::move(both);
      }
    }
    if (mask) {
      sql::ResultColumn rc;
      rc.expr = std::move(mask);
      sc.columns.push_back(std::move(rc));
      plan.real_mask = true;
    }
  }
  shard.cores.push_back(std::move(sc));
  plan.shard_params = number_params(shard);
  plan.shard_sql = sql::print(shard);

  // Final step over one row per group.
  plan.agg_table_ddl = "CREATE TABLE _bd_agg(";
  for (size_t j = 0; j < plan.keys.size(); j++) {
    plan.agg_table_ddl += "k" + std::to_string(j);
    auto coll = expr_collation(*group_exprs[j], t);
    if (coll && !coll->empty()) plan.agg_table_ddl += " COLLATE " + quoted_identifier(*coll);
    plan.agg_table_ddl += ", ";
  }
  for (size_t i = 0; i < plan.aggs.size(); i++) plan.agg_table_ddl += "a" + std::to_string(i) + (i + 1 < plan.aggs.size() ? ", " : "");
  if (plan.aggs.empty() && !plan.keys.empty()) plan.agg_table_ddl.resize(plan.agg_table_ddl.size() - 2);
  plan.agg_table_ddl += ")";

  sql::Select fin;
  sql::SelectCore fc;
  fc.distinct = core.distinct;
  for (auto& rc : core.columns) {
    sql::ResultColumn out = rc;
    if (!rewrite(out.expr, col.calls, groups)) return std::nullopt;
    fc.columns.push_back(std::move(out));
  }
  fc.from = sql::make<sql::TableRef>();
  fc.from->kind = sql::TableRefKind::Table;
  fc.from->name.name = "_bd_agg";
  if (core.having) {
    fc.where = core.having->clone();
    if (!rewrite(fc.where, col.calls, groups)) return std::nullopt;
  }
  fin.cores.push_back(std::move(fc));
  for (auto& o : sel.order_by) {
    sql::OrderTerm term = o;
    // Positions and select-list aliases keep their meaning in the final SELECT.
    bool alias = term.expr->kind == ExprKind::Column && term.expr->table.empty() && t.column_index(term.expr->name) < 0;
    bool position = term.expr->kind == ExprKind::Literal;
    if (!alias && !position && !rewrite(term.expr, col.calls, groups)) return std::nullopt;
    fin.order_by.push_back(std::move(term));
  }
  fin.limit = sel.limit;
  plan.final_params = number_params(fin);
  plan.final_sql = sql::print(fin);
  const auto& fcore = fin.cores[0];
  if (fcore.distinct != sql::Distinctness::Distinct && !fcore.where && fin.order_by.empty() && !fin.limit) {
    for (auto& rc : fcore.columns) {
      const Expr* e = rc.kind == sql::ResultKind::Expr ? rc.expr.get() : nullptr;
      if (!e || e->kind != ExprKind::Column || !e->table.empty() || e->name.size() < 2) break;
      size_t n = std::strtoul(e->name.c_str() + 1, nullptr, 10);
      if (e->name[0] == 'k' && n < plan.keys.size() && e->name == "k" + std::to_string(n))
        plan.final_columns.push_back(static_cast<uint32_t>(n));
      else if (e->name[0] == 'a' && n < plan.aggs.size() && e->name == "a" + std::to_string(n))
        plan.final_columns.push_back(static_cast<uint32_t>(plan.keys.size() + n));
      else
        break;
    }
    if (plan.final_columns.size() != fcore.columns.size()) plan.final_columns.clear();
  }
  return plan;
}

}  // namespace bd::planner
