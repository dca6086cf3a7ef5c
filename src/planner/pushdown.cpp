#include "planner/pushdown.h"

#include <map>
#include "planner/analysis.h"
#include "sql/printer.h"

namespace bd::planner {
namespace {

void count_refs_select(const sql::Select& s, std::map<std::string, int>& counts);

void count_refs_expr(const sql::Expr& e, std::map<std::string, int>& counts) {
  if (e.kind == sql::ExprKind::In && (e.in_kind == sql::InKind::Table || e.in_kind == sql::InKind::TableFunction))
    counts[ascii_lower(e.name)]++;
  for (auto* c : {e.left.get(), e.right.get(), e.extra.get(), e.filter.get()})
    if (c) count_refs_expr(*c, counts);
  for (auto& a : e.args) count_refs_expr(*a, counts);
  if (e.select) count_refs_select(*e.select, counts);
}

void count_refs_from(const sql::TableRef& t, std::map<std::string, int>& counts) {
  if (t.kind == sql::TableRefKind::Table) counts[ascii_lower(t.name.name)]++;
  if (t.select) count_refs_select(*t.select, counts);
  if (t.left) count_refs_from(*t.left, counts);
  if (t.right) count_refs_from(*t.right, counts);
  if (t.on) count_refs_expr(*t.on, counts);
  for (auto& a : t.args) count_refs_expr(*a, counts);
}

void count_refs_select(const sql::Select& s, std::map<std::string, int>& counts) {
  if (s.with)
    for (auto& c : s.with->ctes) {
      counts[ascii_lower(c.name)] += 1000;  // a CTE shadows a table of that name: never push to it
      count_refs_select(*c.select, counts);
    }
  for (auto& core : s.cores) {
    if (core.from) count_refs_from(*core.from, counts);
    for (auto& rc : core.columns)
      if (rc.expr) count_refs_expr(*rc.expr, counts);
    for (auto* e : {core.where.get(), core.having.get()})
      if (e) count_refs_expr(*e, counts);
    for (auto& g : core.group_by) count_refs_expr(*g, counts);
    for (auto& row : core.values)
      for (auto& v : row) count_refs_expr(*v, counts);
  }
  for (auto& o : s.order_by) count_refs_expr(*o.expr, counts);
}

struct FromTable {
  const sql::TableRef* ref;
  bool nullable;  // on the null-supplying side of an outer join
};

void collect_from(const sql::TableRef& t, bool nullable, std::vector<FromTable>& out, bool& other_sources) {
  switch (t.kind) {
    case sql::TableRefKind::Table: out.push_back({&t, nullable}); break;
    case sql::TableRefKind::Join: {
      bool right_nullable = t.op.type == sql::JoinType::Left || t.op.type == sql::JoinType::Full;
      bool left_nullable = t.op.type == sql::JoinType::Right || t.op.type == sql::JoinType::Full;
      if (t.op.natural || t.has_using) other_sources = true;  // unqualified names may be shared
      collect_from(*t.left, nullable || left_nullable, out, other_sources);
      collect_from(*t.right, nullable || right_nullable, out, other_sources);
      break;
    }
    case sql::TableRefKind::Paren:
      if (t.left) collect_from(*t.left, nullable, out, other_sources);
      break;
    default: other_sources = true; break;  // subqueries and table functions name columns too
  }
}

// True when every column the expression reads belongs to `target` (by alias, or unqualified and
// unambiguous), and it has nothing whose value depends on more than the row.
bool reads_only(const sql::Expr& e, const std::string& alias, const TableInfo& t, const std::vector<const TableInfo*>& others,
                bool other_sources) {
  switch (e.kind) {
    case sql::ExprKind::Column: {
      if (!e.schema.empty()) return false;
      if (!e.table.empty()) return iequals(e.table, alias) && t.column_index(e.name) >= 0;
      if (other_sources || t.column_index(e.name) < 0) return false;
      for (auto* o : others)
        if (o->column_index(e.name) >= 0) return false;
      return true;
    }
    case sql::ExprKind::Exists:
    case sql::ExprKind::Subquery:
    case sql::ExprKind::Raise: return false;
    case sql::ExprKind::In:
      if (e.in_kind != sql::InKind::List) return false;
      break;
    case sql::ExprKind::Function: {
      if (e.over || is_aggregate_function(e)) return false;
      static const char* const kVolatile[] = {"random", "randomblob", "changes", "total_changes", "last_insert_rowid"};
      for (auto* v : kVolatile)
        if (iequals(e.name, v)) return false;
      break;
    }
    default: break;
  }
  for (auto* c : {e.left.get(), e.right.get(), e.extra.get(), e.filter.get()})
    if (c && !reads_only(*c, alias, t, others, other_sources)) return false;
  for (auto& a : e.args)
    if (!reads_only(*a, alias, t, others, other_sources)) return false;
  return !e.select;
}

void renumber_params(sql::Expr& e, const std::vector<Value>& in, std::vector<Value>& out) {
  if (e.kind == sql::ExprKind::Param) {
    out.push_back(e.param_index >= 1 && static_cast<size_t>(e.param_index) <= in.size() ? in[e.param_index - 1] : Value::null());
    e.param_index = static_cast<int>(out.size());
    e.text = "?" + std::to_string(out.size());
  }
  for (auto* c : {e.left.get(), e.right.get(), e.extra.get(), e.filter.get()})
    if (c) renumber_params(*c, in, out);
  for (auto& a : e.args) renumber_params(*a, in, out);
}

}  // namespace

namespace {

// The filters of one SELECT core's tables: the conjuncts of its WHERE that read only that table.
void core_filters(const sql::SelectCore& core, const Topology& topo, const std::vector<Value>& params, std::map<std::string, int>& counts,
                  std::vector<TableFilter>& out) {
  if (!core.from || !core.where) return;
  std::vector<FromTable> from;
  bool other_sources = false;
  collect_from(*core.from, false, from, other_sources);
  std::vector<const TableInfo*> infos;
  for (auto& ft : from) infos.push_back(topo.find_table(ft.ref->name.name));
  std::vector<const sql::Expr*> conjuncts;
  split_and(*core.where, conjuncts);
  for (size_t i = 0; i < from.size(); i++) {
    const TableInfo* t = infos[i];
    if (!t || t->kind == TableKind::View || from[i].nullable || !from[i].ref->name.schema.empty()) continue;
    if (counts[ascii_lower(t->name)] != 1) continue;
    std::string alias = from[i].ref->alias.empty() ? from[i].ref->name.name : from[i].ref->alias;
    std::vector<const TableInfo*> others;
    bool other = other_sources;
    for (size_t j = 0; j < from.size(); j++)
      if (j != i) {
        if (!infos[j])
          other = true;
        else
          others.push_back(infos[j]);
      }
    sql::ExprPtr combined;
    for (auto* c : conjuncts) {
      if (!reads_only(*c, alias, *t, others, other)) continue;
      sql::ExprPtr copy = c->clone();
      if (!combined) {
        combined = std::move(copy);
      } else {
        auto both = sql::make<sql::Expr>();
        both->kind = sql::ExprKind::Binary;
        both->binary_op = sql::BinaryOp::And;
        both->left = std::move(combined);
        both->right = std::move(copy);
        combined = std::move(both);
      }
    }
    if (!combined) continue;
    TableFilter tf;
    tf.table = t->name;
    tf.alias = alias;
    tf.key_pins = shard_key_pins(combined.get(), *t, alias, params);
    renumber_params(*combined, params, tf.params);
    tf.where_sql = sql::print(*combined);
    out.push_back(std::move(tf));
  }
}

void select_filters(const sql::Select& s, const Topology& topo, const std::vector<Value>& params, std::map<std::string, int>& counts,
                    std::vector<TableFilter>& out, int depth);

void expr_filters(const sql::Expr& e, const Topology& topo, const std::vector<Value>& params, std::map<std::string, int>& counts,
                  std::vector<TableFilter>& out, int depth) {
  if (e.select) select_filters(*e.select, topo, params, counts, out, depth + 1);
  for (auto* c : {e.left.get(), e.right.get(), e.extra.get(), e.filter.get()})
    if (c) expr_filters(*c, topo, params, counts, out, depth);
  for (auto& a : e.args) expr_filters(*a, topo, params, counts, out, depth);
}

void from_filters(const sql::TableRef& t, const Topology& topo, const std::vector<Value>& params, std::map<std::string, int>& counts,
                  std::vector<TableFilter>& out, int depth) {
  if (t.select) select_filters(*t.select, topo, params, counts, out, depth + 1);
  if (t.left) from_filters(*t.left, topo, params, counts, out, depth);
  if (t.right) from_filters(*t.right, topo, params, counts, out, depth);
  if (t.on) expr_filters(*t.on, topo, params, counts, out, depth);
}

// Every core of the statement: compound parts, CTE bodies, FROM subqueries and nested selects.
// A table referenced once in the whole statement is read by exactly one core, so that core's
// WHERE conjuncts on it filter every row the statement can use.
void select_filters(const sql::Select& s, const Topology& topo, const std::vector<Value>& params, std::map<std::string, int>& counts,
                    std::vector<TableFilter>& out, int depth) {
  if (depth > 16) return;
  if (s.with)
    for (auto& c : s.with->ctes) select_filters(*c.select, topo, params, counts, out, depth + 1);
  for (auto& core : s.cores) {
    core_filters(core, topo, params, counts, out);
    if (core.from) from_filters(*core.from, topo, params, counts, out, depth);
    for (auto& rc : core.columns)
      if (rc.expr) expr_filters(*rc.expr, topo, params, counts, out, depth);
    for (auto* e : {core.where.get(), core.having.get()})
      if (e) expr_filters(*e, topo, params, counts, out, depth);
  }
  for (auto& o : s.order_by) expr_filters(*o.expr, topo, params, counts, out, depth);
}

}  // namespace

std::vector<TableFilter> pushdown_filters(const sql::Select& sel, const Topology& topo, const std::vector<Value>& params) {
  std::vector<TableFilter> out;
  std::map<std::string, int> counts;
  count_refs_select(sel, counts);
  select_filters(sel, topo, params, counts, out, 0);
  return out;
}

}  // namespace bd::planner
