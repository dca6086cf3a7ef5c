#include "planner/window_plan.h"

#include <vector>
#include "planner/analysis.h"
#include "planner/shard_sql.h"
#include "sql/printer.h"

namespace bd::planner {
namespace {

using sql::Expr;
using sql::ExprKind;

void windows_of(const Expr& e, std::vector<const Expr*>& out) {
  if (e.kind == ExprKind::Function && e.over) out.push_back(&e);
  for (auto* c : {e.left.get(), e.right.get(), e.extra.get(), e.filter.get()})
    if (c) windows_of(*c, out);
  for (auto& a : e.args) windows_of(*a, out);
}

std::vector<const Expr*> outer_windows(const sql::Select& sel) {
  std::vector<const Expr*> out;
  for (auto& rc : sel.cores[0].columns)
    if (rc.expr) windows_of(*rc.expr, out);
  for (auto& o : sel.order_by) windows_of(*o.expr, out);
  return out;
}

bool has_param(const Expr& e) {
  if (e.kind == ExprKind::Param) return true;
  for (auto* c : {e.left.get(), e.right.get(), e.extra.get(), e.filter.get()})
    if (c && has_param(*c)) return true;
  for (auto& a : e.args)
    if (has_param(*a)) return true;
  return false;
}

bool plain_single(const sql::Select& sel) {
  if (sel.cores.size() != 1 || sel.with) return false;
  const auto& core = sel.cores[0];
  if (!core.from || core.is_values || !core.group_by.empty() || core.having || !core.windows.empty()) return false;
  Features f = analyze_select(sel);
  return !f.aggregate && !f.subquery && f.window;
}

std::string term_text(const sql::OrderTerm& t) {
  return sql::print(*t.expr) + (t.order == sql::SortOrder::Desc ? " DESC" : " ASC") +
         (t.nulls == sql::NullsOrder::First  ? " NULLS FIRST"
          : t.nulls == sql::NullsOrder::Last ? " NULLS LAST"
                                             : "");
}

}  // namespace

bool windows_partitioned_by_key(const sql::Select& sel, const TableInfo& t, const std::string& alias) {
  if (!plain_single(sel) || t.kind != TableKind::Sharded || t.shard_key < 0) return false;
  const auto& key = t.columns[t.shard_key];
  if (!key.collation.empty() && !iequals(key.collation, "BINARY")) return false;
  auto wins = outer_windows(sel);
  if (wins.empty()) return false;
  for (auto* w : wins) {
    if (!w->over->base.empty() || w->over->bare_name) return false;
    bool by_key = false;
    for (auto& p : w->over->partition_by)
      by_key |=
          p->kind == ExprKind::Column && p->schema.empty() && iequals(p->name, key.name) && (p->table.empty() || iequals(p->table, alias));
    if (!by_key) return false;
  }
  return true;
}

std::optional<std::string> top_k_condition(const sql::Select& sel, const TableInfo& t, const std::string& alias, int64_t keep) {
  if (!plain_single(sel) || keep < 0 || t.without_rowid || sel.order_by.empty()) return std::nullopt;
  if (sel.cores[0].where && has_param(*sel.cores[0].where)) return std::nullopt;
  auto wins = outer_windows(sel);
  if (wins.empty()) return std::nullopt;
  const sql::WindowSpec& first = *wins[0]->over;
  for (auto* w : wins) {
    static const char* const kRanking[] = {"rank", "dense_rank", "row_number"};
    bool ranking = false;
    for (auto* r : kRanking) ranking |= iequals(w->name, r);
    if (!ranking || !w->args.empty() || w->filter || !w->over->base.empty() || w->over->bare_name || !w->over->partition_by.empty() ||
        w->over->order_by.empty() || !(w->over->order_by == first.order_by))
      return std::nullopt;
  }
  // The query keeps the first rows in the window's order.
  if (sel.order_by.size() < first.order_by.size()) return std::nullopt;
  for (size_t i = 0; i < first.order_by.size(); i++)
    if (term_text(sel.order_by[i]) != term_text(first.order_by[i])) return std::nullopt;
  std::string order;
  for (size_t i = 0; i < first.order_by.size(); i++) order += (i ? ", " : "") + term_text(first.order_by[i]);
  std::string from = quoted_identifier(t.name) + (iequals(alias, t.name) ? "" : " AS " + quoted_identifier(alias));
  std::string where = sel.cores[0].where ? " WHERE " + sql::print(*sel.cores[0].where) : "";
  return quoted_identifier(alias) + ".rowid IN (SELECT _bd_id FROM (SELECT " + quoted_identifier(alias) +
         ".rowid AS _bd_id, rank() OVER (ORDER BY " + order + ") AS _bd_rank FROM " + from + where +
         ") WHERE _bd_rank <= " + std::to_string(keep) + ")";
}

}  // namespace bd::planner
