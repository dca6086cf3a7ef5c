#include "planner/lookup_join.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include "planner/analysis.h"
#include "planner/shard_sql.h"

namespace bd::planner {
namespace {

using sql::Expr;
using sql::ExprKind;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct Ref {
  size_t gather;  // index among the Combine's children
  std::string alias;
  bool nullable;
};

// A usable equality: rows of `target` matter only where target.tcol equals some source.scol.
struct Edge {
  size_t target, source;
  std::string tcol, scol;
};

bool numeric(Affinity a) { return a == Affinity::Integer || a == Affinity::Real || a == Affinity::Numeric; }

// `t.tcol IN (values of s.scol)` keeps every row `t.tcol = s.scol` can match: SQLite compares the
// two with the same conversions only when the target applies numeric affinity, or both columns
// have the same affinity; and both must compare with the same collation.
bool safe(const TableInfo& t, const std::string& tcol, const TableInfo& s, const std::string& scol) {
  int ti = t.column_index(tcol), si = s.column_index(scol);
  if (ti < 0 || si < 0) return false;
  const auto& a = t.columns[ti];
  const auto& b = s.columns[si];
  auto coll = [](const ColumnInfo& c) { return c.collation.empty() ? std::string("binary") : lower(c.collation); };
  if (coll(a) != coll(b)) return false;
  return numeric(a.affinity) || a.affinity == b.affinity;
}

void collect_refs(const sql::TableRef& t, bool nullable, std::vector<const sql::TableRef*>& tables, std::vector<bool>& nullables,
                  bool& other) {
  switch (t.kind) {
    case sql::TableRefKind::Table:
      tables.push_back(&t);
      nullables.push_back(nullable);
      break;
    case sql::TableRefKind::Join:
      if (t.op.natural || t.has_using || t.op.type == sql::JoinType::Right || t.op.type == sql::JoinType::Full) other = true;
      collect_refs(*t.left, nullable, tables, nullables, other);
      collect_refs(*t.right, nullable || t.op.type == sql::JoinType::Left, tables, nullables, other);
      break;
    case sql::TableRefKind::Paren:
      if (t.left) collect_refs(*t.left, nullable, tables, nullables, other);
      break;
    default: other = true; break;
  }
}

struct Scope {
  std::vector<Ref> refs;
  const Topology& topo;
  const std::vector<GatherInfo>& gathers;

  const TableInfo& info(size_t g) const { return *gathers[g].table; }
  // The reference a column belongs to: qualified by its alias, or unqualified and only in one.
  const Ref* resolve(const Expr& e) const {
    if (e.kind != ExprKind::Column || !e.schema.empty()) return nullptr;
    const Ref* found = nullptr;
    for (auto& r : refs) {
      if (!e.table.empty() ? !iequals(e.table, r.alias) : info(r.gather).column_index(e.name) < 0) continue;
      if (info(r.gather).column_index(e.name) < 0) return nullptr;
      if (found) return nullptr;  // ambiguous
      found = &r;
    }
    return found;
  }
};

void add(std::vector<Edge>& edges, const Scope& sc, size_t target, const std::string& tcol, size_t source, const std::string& scol) {
  if (target == source) return;
  if (!safe(sc.info(target), tcol, sc.info(source), scol)) return;
  edges.push_back({target, source, tcol, scol});
}

// Equalities of an ON clause or WHERE conjunct between two gathered references.
void equalities(const Expr& cond, const Scope& sc, bool left_join_on, const std::vector<size_t>& right_side, std::vector<Edge>& edges) {
  std::vector<const Expr*> parts;
  split_and(cond, parts);
  for (auto* p : parts) {
    if (p->kind != ExprKind::Binary || p->binary_op != sql::BinaryOp::Eq) continue;
    const Ref* a = sc.resolve(*p->left);
    const Ref* b = sc.resolve(*p->right);
    if (!a || !b || a == b) continue;
    auto on_right = [&](const Ref* r) { return std::find(right_side.begin(), right_side.end(), r->gather) != right_side.end(); };
    if (!left_join_on || on_right(a)) add(edges, sc, a->gather, p->left->name, b->gather, p->right->name);
    if (!left_join_on || on_right(b)) add(edges, sc, b->gather, p->right->name, a->gather, p->left->name);
  }
}

void join_edges(const sql::TableRef& t, const Scope& sc, std::vector<Edge>& edges) {
  if (t.kind == sql::TableRefKind::Paren && t.left) return join_edges(*t.left, sc, edges);
  if (t.kind != sql::TableRefKind::Join) return;
  join_edges(*t.left, sc, edges);
  join_edges(*t.right, sc, edges);
  if (!t.on) return;
  std::vector<const sql::TableRef*> right;
  std::vector<bool> nul;
  bool other = false;
  collect_refs(*t.right, false, right, nul, other);
  std::vector<size_t> right_gathers;
  for (auto* r : right)
    for (auto& ref : sc.refs)
      if (iequals(ref.alias, r->alias.empty() ? r->name.name : r->alias)) right_gathers.push_back(ref.gather);
  equalities(*t.on, sc, t.op.type == sql::JoinType::Left, right_gathers, edges);
}

// A subquery over one gathered table: its gather index and alias, or nullopt.
std::optional<Ref> sub_table(const sql::Select& s, const Scope& sc, const std::vector<std::optional<size_t>>& by_name) {
  if (s.cores.size() != 1 || s.with || s.limit) return std::nullopt;
  const auto& core = s.cores[0];
  if (!core.from || core.from->kind != sql::TableRefKind::Table || !core.from->name.schema.empty()) return std::nullopt;
  // An aggregate answers one row whatever rows it reads (EXISTS (SELECT count(*) ...) is true,
  // max() depends on every row): only plain row subqueries tie their rows to the outer ones.
  Features f = analyze_select(s);
  if (f.aggregate || f.window || !core.group_by.empty() || core.having) return std::nullopt;
  for (size_t g = 0; g < sc.gathers.size(); g++)
    if (iequals(sc.gathers[g].table->name, core.from->name.name) && by_name[g])
      return Ref{g, core.from->alias.empty() ? core.from->name.name : core.from->alias, false};
  return std::nullopt;
}

}  // namespace

std::string lookup_sql(const PlanNode& lg, size_t count) {
  std::string sql = lg.children[0].sql;
  size_t first = lg.children[0].bound.size() + 1;
  for (size_t i = 0; i < count; i++) sql += (i ? ", ?" : "?") + std::to_string(first + i);
  return sql + ")";
}

void plan_lookups(const sql::Select& sel, const Topology& topo, const std::vector<GatherInfo>& gathers, PlanNode& comb) {
  if (sel.cores.size() != 1) return;
  const auto& core = sel.cores[0];
  if (!core.from) return;
  std::vector<const sql::TableRef*> tables;
  std::vector<bool> nullable;
  bool other = false;
  collect_refs(*core.from, false, tables, nullable, other);
  if (other) return;
  // Each table may be referenced once in the whole statement: then its gather serves exactly that
  // reference. Count references by name.
  std::map<std::string, int> uses;
  Features f = analyze_select(sel);
  if (f.table_refs != static_cast<int>(f.tables.size())) return;
  Scope sc{{}, topo, gathers};
  std::vector<std::optional<size_t>> by_name(gathers.size());
  for (size_t g = 0; g < gathers.size(); g++) by_name[g] = g;
  for (size_t i = 0; i < tables.size(); i++) {
    for (size_t g = 0; g < gathers.size(); g++)
      if (iequals(gathers[g].table->name, tables[i]->name.name) && tables[i]->name.schema.empty())
        sc.refs.push_back({g, tables[i]->alias.empty() ? tables[i]->name.name : tables[i]->alias, nullable[i]});
  }
  std::vector<Edge> edges;
  join_edges(*core.from, sc, edges);
  if (core.where) {
    equalities(*core.where, sc, false, {}, edges);
    std::vector<const Expr*> parts;
    split_and(*core.where, parts);
    for (auto* p : parts) {
      const Expr* e = p;
      bool negated = false;
      if (e->kind == ExprKind::Unary && e->unary_op == sql::UnaryOp::Not && e->left) {
        negated = true;
        e = e->left.get();
      }
      if (e->kind == ExprKind::In && e->in_kind == sql::InKind::Select && e->select && !e->negated && !negated) {
        // outer.x IN (SELECT b.y FROM B ...): both sides reduce each other.
        auto inner = sub_table(*e->select, sc, by_name);
        const Ref* outer = e->left ? sc.resolve(*e->left) : nullptr;
        const auto& ic = e->select->cores[0];
        if (!inner || !outer || ic.columns.size() != 1 || ic.columns[0].kind != sql::ResultKind::Expr) continue;
        const Expr& col = *ic.columns[0].expr;
        if (col.kind != ExprKind::Column || (!col.table.empty() && !iequals(col.table, inner->alias)) ||
            sc.info(inner->gather).column_index(col.name) < 0)
          continue;
        add(edges, sc, outer->gather, e->left->name, inner->gather, col.name);
        add(edges, sc, inner->gather, col.name, outer->gather, e->left->name);
      } else if (e->kind == ExprKind::Exists && e->select) {
        // EXISTS (SELECT ... FROM B WHERE b.y = outer.x ...): NOT EXISTS reduces only B.
        bool anti = negated != e->negated;
        auto inner = sub_table(*e->select, sc, by_name);
        const auto& ic = e->select->cores[0];
        if (!inner || !ic.where) continue;
        std::vector<const Expr*> conj;
        split_and(*ic.where, conj);
        for (auto* c : conj) {
          if (c->kind != ExprKind::Binary || c->binary_op != sql::BinaryOp::Eq) continue;
          for (int side = 0; side < 2; side++) {
            const Expr& mine = side ? *c->right : *c->left;
            const Expr& theirs = side ? *c->left : *c->right;
            if (mine.kind != ExprKind::Column || !mine.schema.empty() || (!mine.table.empty() && !iequals(mine.table, inner->alias)) ||
                sc.info(inner->gather).column_index(mine.name) < 0)
              continue;
            if (theirs.kind != ExprKind::Column || theirs.table.empty() || iequals(theirs.table, inner->alias)) continue;
            const Ref* outer = sc.resolve(theirs);
            if (!outer) continue;
            add(edges, sc, inner->gather, mine.name, outer->gather, theirs.name);
            if (!anti) add(edges, sc, outer->gather, theirs.name, inner->gather, mine.name);
          }
        }
      }
    }
  }
  if (edges.empty()) return;
  // Selectivity without statistics: pinned to keys, then filtered, then whole tables.
  std::vector<double> est(gathers.size());
  for (size_t g = 0; g < gathers.size(); g++) {
    const auto* tf = gathers[g].filter;
    est[g] = gathers[g].table->kind == TableKind::Reference ? 1e12  // never a lookup source or target
             : tf && tf->key_pins                           ? static_cast<double>(tf->key_pins->size())
             : tf                                           ? 1e4
                                                            : 1e7;
  }
  std::vector<size_t> order(gathers.size());
  for (size_t g = 0; g < order.size(); g++) order[g] = g;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return est[a] < est[b]; });
  std::vector<bool> done(gathers.size(), false);
  for (size_t g : order) {
    const Edge* best = nullptr;
    for (auto& e : edges)
      if (e.target == g && done[e.source] && est[e.source] < est[g] && est[e.source] <= 5e4 &&
          gathers[g].table->kind == TableKind::Sharded && (!best || est[e.source] < est[best->source]))
        best = &e;
    done[g] = true;
    if (!best) continue;
    const TableInfo& t = *gathers[g].table;
    const auto* tf = gathers[g].filter;
    if (tf && tf->params.size() > kLookupParams / 2) continue;
    std::string alias = tf ? tf->alias : t.name;
    PlanNode& node = comb.children[g];
    PlanNode& leaf = node.children[0];
    LookupKey k;
    k.source = static_cast<int>(best->source);
    k.source_column = best->scol;
    k.column = t.columns[t.column_index(best->tcol)].name;
    k.by_shard_key = t.shard_key >= 0 && iequals(t.columns[t.shard_key].name, k.column);
    node.kind = OpKind::LookupGather;
    node.lookup = k;
    node.detail = "rows of " + t.name + (tf ? " matching " + tf->where_sql : "") + " whose " + k.column + " is among the values of " +
                  gathers[best->source].table->name + "." + best->scol +
                  (k.by_shard_key ? ", from the nodes owning them" : ", as an IN list on every node");
    leaf.sql = gather_sql(t, alias) + " WHERE " + (tf ? "(" + tf->where_sql + ") AND " : "") + quoted_identifier(alias) + "." +
               quoted_identifier(k.column) + " IN (";
    leaf.has_bound = true;
    leaf.bound = tf ? tf->params : std::vector<Value>{};
    leaf.nodes_at_run_time = true;
    leaf.nodes.clear();
    est[g] = est[best->source] * (k.by_shard_key ? 1 : 10);
    node.est_rows = -1;
  }
}

}  // namespace bd::planner
