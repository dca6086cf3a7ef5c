#include "planner/scatter_plan.h"

#include "value/collation.h"
#include "planner/params.h"
#include "planner/shard_sql.h"
#include "sql/printer.h"

namespace bd::planner {
namespace {

bool contains_collate(const sql::Expr& e) {
  if (e.kind == sql::ExprKind::Collate) return true;
  for (auto* c : {e.left.get(), e.right.get(), e.extra.get()})
    if (c && contains_collate(*c)) return true;
  for (auto& a : e.args)
    if (contains_collate(*a)) return true;
  return false;
}

std::optional<Collation> to_merge_collation(const std::optional<std::string>& name) {
  if (!name) return std::nullopt;
  if (name->empty()) return Collation::Binary;
  auto c = parse_collation(*name);
  if (!c.ok()) return std::nullopt;
  return *c;
}

}  // namespace

std::optional<std::string> expr_collation(const sql::Expr& e, const TableInfo& t) {
  if (e.kind == sql::ExprKind::Collate) return e.name;
  if (e.kind == sql::ExprKind::Column) {
    int idx = t.column_index(e.name);
    if (idx < 0) return std::string();  // rowid and friends: BINARY
    return t.columns[idx].collation;
  }
  if (contains_collate(e)) return std::nullopt;
  return std::string();
}

std::optional<ScatterMerge> plan_scatter_merge(const sql::Select& sel, const TableInfo& t, int64_t limit, int64_t offset) {
  if (sel.cores.size() != 1 || sel.with) return std::nullopt;
  sql::Select shard = sel;
  auto& core = shard.cores[0];
  if (core.is_values || !core.group_by.empty() || core.having || !core.windows.empty()) return std::nullopt;
  // Expand stars to the user's columns (the hidden keyspace-id column stays hidden).
  std::vector<sql::ResultColumn> cols;
  for (auto& rc : core.columns) {
    if (rc.kind == sql::ResultKind::Expr) {
      cols.push_back(std::move(rc));
      continue;
    }
    for (auto& c : t.columns) {
      sql::ResultColumn out;
      out.expr = column_ref({}, c.name);
      if (rc.kind == sql::ResultKind::TableStar) out.expr->table = rc.table;
      cols.push_back(std::move(out));
    }
  }
  core.columns = std::move(cols);
  ScatterMerge plan;
  plan.visible_columns = core.columns.size();
  plan.distinct = core.distinct == sql::Distinctness::Distinct;
  plan.limit = limit;
  plan.offset = offset < 0 ? 0 : offset;

  for (auto& term : shard.order_by) {
    const sql::Expr* e = term.expr.get();
    std::optional<std::string> coll;
    if (e->kind == sql::ExprKind::Collate) coll = e->name;
    const sql::Expr* base = e->kind == sql::ExprKind::Collate ? e->left.get() : e;
    int column = -1;
    if (base->kind == sql::ExprKind::Literal && base->literal == sql::LiteralKind::Integer) {
      long k = std::strtol(base->text.c_str(), nullptr, 10);
      if (k < 1 || k > static_cast<long>(plan.visible_columns)) return std::nullopt;  // SQLite reports it
      column = static_cast<int>(k - 1);
    } else if (base->kind == sql::ExprKind::Column && base->table.empty()) {
      for (size_t i = 0; i < plan.visible_columns; i++)
        if (!core.columns[i].alias.empty() && iequals(core.columns[i].alias, base->name)) column = static_cast<int>(i);
    }
    if (column < 0) {
      for (size_t i = 0; i < plan.visible_columns; i++)
        if (*core.columns[i].expr == *base) column = static_cast<int>(i);
    }
    if (column < 0) {
      // Sort by a value the select list does not show: fetch it as a hidden trailing column.
      if (plan.distinct) return std::nullopt;
      sql::ResultColumn hidden;
      hidden.expr = base->clone();
      core.columns.push_back(std::move(hidden));
      column = static_cast<int>(core.columns.size() - 1);
    }
    if (!coll) coll = expr_collation(*core.columns[column].expr, t);
    auto mc = to_merge_collation(coll);
    if (!mc) return std::nullopt;
    merge::SortKey key;
    key.column = column;
    key.desc = term.order == sql::SortOrder::Desc;
    key.coll = *mc;
    key.nulls = term.nulls == sql::NullsOrder::First  ? merge::SortKey::First
                : term.nulls == sql::NullsOrder::Last ? merge::SortKey::Last
                                                      : merge::SortKey::Default;
    plan.keys.push_back(key);
  }
  if (plan.distinct) {
    for (size_t i = 0; i < plan.visible_columns; i++) {
      auto mc = to_merge_collation(expr_collation(*core.columns[i].expr, t));
      if (!mc) return std::nullopt;
      plan.distinct_collations.push_back(*mc);
    }
  }
  // Each shard returns at most limit+offset rows: enough for any merged window.
  shard.limit = nullptr;
  if (limit >= 0) {
    shard.limit = sql::make<sql::Limit>();
    shard.limit->count = sql::make<sql::Expr>();
    shard.limit->count->kind = sql::ExprKind::Literal;
    shard.limit->count->literal = sql::LiteralKind::Integer;
    int64_t n = limit > INT64_MAX - plan.offset ? INT64_MAX : limit + plan.offset;
    shard.limit->count->text = std::to_string(n);
  }
  plan.param_count = number_params(shard);
  plan.shard_sql = sql::print(shard);
  return plan;
}

}  // namespace bd::planner
