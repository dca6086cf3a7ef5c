#include "planner/partition.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include "planner/analysis.h"
#include "planner/shard_sql.h"

namespace bd::planner {
namespace {

using sql::Expr;
using sql::ExprKind;

bool binary(const ColumnInfo& c) { return c.collation.empty() || iequals(c.collation, "BINARY"); }

// A column holding the partition key of the relation in scope: alias.column, with its affinity.
struct KeyCol {
  std::string alias;
  std::string column;
  Affinity affinity;
};

// The key column `e` names, when it is one (qualified; unqualified only for a single relation).
const KeyCol* as_key(const Expr& e, const std::vector<KeyCol>& keys, bool unqualified_ok) {
  if (e.kind != ExprKind::Column || !e.schema.empty()) return nullptr;
  for (auto& k : keys)
    if (iequals(e.name, k.column) && (e.table.empty() ? unqualified_ok : iequals(e.table, k.alias))) return &k;
  return nullptr;
}

bool subquery_ok(const sql::Select& s, const std::vector<KeyCol>& keys, const Topology& topo, const Expr* in_lhs, bool exists);

// Every nested SELECT in `e` is co-located with `keys` (see subquery_ok).
bool nested_ok(const Expr& e, const std::vector<KeyCol>& keys, const Topology& topo, bool unqualified_ok) {
  if (e.select) {
    if (e.kind == ExprKind::In) {
      if (e.negated) return false;  // NOT IN sees a NULL anywhere: not node-local
      const KeyCol* lhs = e.left ? as_key(*e.left, keys, unqualified_ok) : nullptr;
      bool ok = lhs && subquery_ok(*e.select, keys, topo, e.left.get(), false);
      if (!ok && !subquery_ok(*e.select, keys, topo, nullptr, false)) return false;
    } else if (!subquery_ok(*e.select, keys, topo, nullptr, e.kind == ExprKind::Exists)) {
      return false;
    }
  }
  if (e.kind == ExprKind::In && (e.in_kind == sql::InKind::Table || e.in_kind == sql::InKind::TableFunction)) return false;
  for (auto* c : {e.left.get(), e.right.get(), e.extra.get(), e.filter.get()})
    if (c && !nested_ok(*c, keys, topo, unqualified_ok)) return false;
  for (auto& a : e.args)
    if (!nested_ok(*a, keys, topo, unqualified_ok)) return false;
  return true;
}

bool core_nested_ok(const sql::SelectCore& core, const std::vector<sql::OrderTerm>* order, const std::vector<KeyCol>& keys,
                    const Topology& topo, bool unqualified_ok) {
  for (auto& rc : core.columns)
    if (rc.expr && !nested_ok(*rc.expr, keys, topo, unqualified_ok)) return false;
  for (auto* e : {core.where.get(), core.having.get()})
    if (e && !nested_ok(*e, keys, topo, unqualified_ok)) return false;
  for (auto& g : core.group_by)
    if (!nested_ok(*g, keys, topo, unqualified_ok)) return false;
  if (order)
    for (auto& o : *order)
      if (!nested_ok(*o.expr, keys, topo, unqualified_ok)) return false;
  return true;
}

bool has_nested(const Expr& e) {
  if (e.select) return true;
  for (auto* c : {e.left.get(), e.right.get(), e.extra.get(), e.filter.get()})
    if (c && has_nested(*c)) return true;
  for (auto& a : e.args)
    if (has_nested(*a)) return true;
  return false;
}

bool names_column(const Expr& e, const std::string& alias, const std::string& column) {
  return e.kind == ExprKind::Column && e.schema.empty() && iequals(e.name, column) && (e.table.empty() || iequals(e.table, alias));
}

// A nested SELECT whose rows, for each outer row, live on the node of that outer row: it reads
// only reference tables, or one sharded table tied to the outer partition key — correlated by
// `inner.key = outer.key` in its WHERE, or as `outer.key IN (SELECT inner.key ...)` with groups
// (if any) by the key and no LIMIT.
bool subquery_ok(const sql::Select& s, const std::vector<KeyCol>& keys, const Topology& topo, const Expr* in_lhs, bool exists) {
  if (s.cores.size() != 1 || s.with) return false;
  const auto& core = s.cores[0];
  if (core.is_values) return false;
  if (!exists)
    for (auto& rc : core.columns)
      if (rc.kind != sql::ResultKind::Expr) return false;
  if (!core.from) return core_nested_ok(core, &s.order_by, keys, topo, false);
  if (core.from->kind != sql::TableRefKind::Table || !core.from->name.schema.empty()) return false;
  const TableInfo* info = topo.find_table(core.from->name.name);
  if (!info || info->kind == TableKind::View || info->kind == TableKind::Index) return false;
  std::string ia = core.from->alias.empty() ? info->name : core.from->alias;
  if (info->kind == TableKind::Reference) return core_nested_ok(core, &s.order_by, keys, topo, false);
  if (info->shard_key < 0) return false;
  const ColumnInfo& k = info->columns[info->shard_key];
  if (!binary(k)) return false;
  bool tied = false;
  if (in_lhs) {
    const KeyCol* lhs = as_key(*in_lhs, keys, true);  // the caller resolved it
    if (lhs && lhs->affinity == k.affinity && core.columns.size() == 1 && names_column(*core.columns[0].expr, ia, k.name) && !s.limit) {
      Features f = analyze_select(s);
      bool grouped_by_key = false;
      for (auto& g : core.group_by) grouped_by_key |= names_column(*g, ia, k.name);
      tied = (!f.aggregate && core.group_by.empty()) || grouped_by_key;
      if (f.window) tied = false;
    }
  } else if (core.where) {
    std::vector<const Expr*> parts;
    split_and(*core.where, parts);
    for (auto* p : parts) {
      if (p->kind != ExprKind::Binary || p->binary_op != sql::BinaryOp::Eq) continue;
      for (int side = 0; side < 2 && !tied; side++) {
        const Expr& mine = side ? *p->right : *p->left;
        const Expr& theirs = side ? *p->left : *p->right;
        if (!names_column(mine, ia, k.name)) continue;
        if (theirs.kind != ExprKind::Column || theirs.table.empty() || iequals(theirs.table, ia)) continue;
        const KeyCol* outer = as_key(theirs, keys, false);
        if (outer && outer->affinity == k.affinity) tied = true;
      }
    }
  }
  if (!tied) return false;
  std::vector<KeyCol> inner = keys;
  inner.push_back({ia, k.name, k.affinity});
  return core_nested_ok(core, &s.order_by, inner, topo, false);
}

struct Member {
  const TableInfo* info;
  std::string alias;
};

bool collect(const sql::TableRef& t, const Topology& topo, std::vector<Member>& out, std::vector<const Expr*>& ons) {
  switch (t.kind) {
    case sql::TableRefKind::Table: {
      const TableInfo* info = topo.find_table(t.name.name);
      if (!info || info->kind == TableKind::View || !t.name.schema.empty()) return false;
      out.push_back({info, t.alias.empty() ? t.name.name : t.alias});
      return true;
    }
    case sql::TableRefKind::Join: {
      auto type = t.op.type;
      if (t.op.natural || t.has_using) return false;
      if (type != sql::JoinType::Inner && type != sql::JoinType::Comma && type != sql::JoinType::Cross && type != sql::JoinType::Left)
        return false;
      size_t start = out.size();
      if (!collect(*t.left, topo, out, ons)) return false;
      size_t mid = out.size();
      if (!collect(*t.right, topo, out, ons)) return false;
      if (type == sql::JoinType::Left) {
        auto sharded = [&](size_t a, size_t b) {
          for (size_t i = a; i < b; i++)
            if (out[i].info->kind == TableKind::Sharded) return true;
          return false;
        };
        if (sharded(mid, out.size()) && !sharded(start, mid)) return false;
      }
      if (t.on) {
        if (has_nested(*t.on)) return false;
        ons.push_back(t.on.get());
      }
      return true;
    }
    case sql::TableRefKind::Paren: return t.left && collect(*t.left, topo, out, ons);
    default: return false;
  }
}

// The partition key columns of a co-located join, or nullopt when it is not co-located.
std::optional<std::vector<KeyCol>> join_keys(const std::vector<Member>& members, const std::vector<const Expr*>& conds) {
  std::vector<int> parent(members.size());
  std::iota(parent.begin(), parent.end(), 0);
  std::function<int(int)> find = [&](int i) { return parent[i] == i ? i : parent[i] = find(parent[i]); };
  auto key_member = [&](const Expr& e) {
    if (e.kind != ExprKind::Column || e.table.empty()) return -1;
    for (size_t i = 0; i < members.size(); i++) {
      auto& m = members[i];
      if (!iequals(e.table, m.alias) || m.info->kind != TableKind::Sharded || m.info->shard_key < 0) continue;
      auto& key = m.info->columns[m.info->shard_key];
      if (!iequals(e.name, key.name) || !binary(key)) return -1;
      return static_cast<int>(i);
    }
    return -1;
  };
  for (auto* c : conds) {
    std::vector<const Expr*> parts;
    split_and(*c, parts);
    for (auto* p : parts) {
      if (p->kind != ExprKind::Binary || p->binary_op != sql::BinaryOp::Eq) continue;
      int a = key_member(*p->left), b = key_member(*p->right);
      if (a < 0 || b < 0) continue;
      if (members[a].info->columns[members[a].info->shard_key].affinity != members[b].info->columns[members[b].info->shard_key].affinity)
        continue;
      parent[find(a)] = find(b);
    }
  }
  int root = -1;
  std::vector<KeyCol> keys;
  for (size_t i = 0; i < members.size(); i++) {
    if (members[i].info->kind != TableKind::Sharded) continue;
    if (members[i].info->shard_key < 0) return std::nullopt;
    int r = find(static_cast<int>(i));
    if (root < 0) root = r;
    if (r != root) return std::nullopt;
    auto& k = members[i].info->columns[members[i].info->shard_key];
    keys.push_back({members[i].alias, k.name, k.affinity});
  }
  if (keys.empty()) return std::nullopt;
  return keys;
}

// Stars expanded to the members' user columns (the hidden keyspace-id column never shows).
bool expand_stars(sql::SelectCore& core, const std::vector<Member>& members) {
  std::vector<sql::ResultColumn> cols;
  for (auto& rc : core.columns) {
    if (rc.kind == sql::ResultKind::Expr) {
      cols.push_back(std::move(rc));
      continue;
    }
    bool any = false;
    for (auto& m : members) {
      if (rc.kind == sql::ResultKind::TableStar && !iequals(rc.table, m.alias)) continue;
      any = true;
      for (auto& c : m.info->columns) {
        sql::ResultColumn out;
        out.expr = column_ref(members.size() > 1 || rc.kind == sql::ResultKind::TableStar ? m.alias : std::string(), c.name);
        cols.push_back(std::move(out));
      }
    }
    if (!any) return false;
  }
  core.columns = std::move(cols);
  return true;
}

int count_table_refs(const sql::Select& s, const std::string& name);

int count_refs_expr(const Expr& e, const std::string& name) {
  int n = 0;
  if (e.select) n += count_table_refs(*e.select, name);
  if (e.kind == ExprKind::In && e.in_kind == sql::InKind::Table && iequals(e.name, name)) n++;
  for (auto* c : {e.left.get(), e.right.get(), e.extra.get(), e.filter.get()})
    if (c) n += count_refs_expr(*c, name);
  for (auto& a : e.args) n += count_refs_expr(*a, name);
  return n;
}

int count_refs_from(const sql::TableRef& t, const std::string& name) {
  int n = t.kind == sql::TableRefKind::Table && t.name.schema.empty() && iequals(t.name.name, name);
  if (t.select) n += count_table_refs(*t.select, name);
  if (t.left) n += count_refs_from(*t.left, name);
  if (t.right) n += count_refs_from(*t.right, name);
  if (t.on) n += count_refs_expr(*t.on, name);
  return n;
}

int count_table_refs(const sql::Select& s, const std::string& name) {
  int n = 0;
  if (s.with)
    for (auto& c : s.with->ctes) n += count_table_refs(*c.select, name);
  for (auto& core : s.cores) {
    if (core.from) n += count_refs_from(*core.from, name);
    for (auto& rc : core.columns)
      if (rc.expr) n += count_refs_expr(*rc.expr, name);
    for (auto* e : {core.where.get(), core.having.get()})
      if (e) n += count_refs_expr(*e, name);
    for (auto& g : core.group_by) n += count_refs_expr(*g, name);
  }
  for (auto& o : s.order_by) n += count_refs_expr(*o.expr, name);
  return n;
}

std::optional<Partitioned> relation(const sql::Select& in, const Topology& topo, const std::vector<Value>& params, bool plain_ok,
                                    int depth);

// A derived table (FROM subquery) as a sharded relation: its result columns, partitioned by the
// key column it carries through.
std::optional<Partitioned> derived(const sql::TableRef& from, const Topology& topo, const std::vector<Value>& params, int depth) {
  const sql::Select& body = *from.select;
  if (body.cores.size() != 1 || body.limit) return std::nullopt;
  auto inner = relation(body, topo, params, true, depth + 1);
  if (!inner) return std::nullopt;
  const auto& bcore = inner->sel.cores[0];
  Features f = analyze_select(inner->sel);
  if (f.window) return std::nullopt;
  // Which result columns carry the partition key.
  std::vector<KeyCol> keys;
  if (inner->join) {
    for (auto& m : inner->members)
      if (m.first->kind == TableKind::Sharded && m.first->shard_key >= 0)
        keys.push_back({m.second, m.first->columns[m.first->shard_key].name, m.first->columns[m.first->shard_key].affinity});
  } else {
    keys.push_back({inner->alias, inner->rel.columns[inner->rel.shard_key].name, inner->rel.columns[inner->rel.shard_key].affinity});
  }
  auto is_key = [&](const Expr& e) { return as_key(e, keys, !inner->join) != nullptr; };
  if (f.aggregate || !bcore.group_by.empty()) {
    bool grouped = false;
    for (auto& g : bcore.group_by) grouped |= is_key(*g);
    if (!grouped) return std::nullopt;
  }
  Partitioned out;
  out.rel.name = from.alias;
  out.rel.kind = TableKind::Sharded;
  out.alias = from.alias;
  for (auto& rc : bcore.columns) {
    ColumnInfo c;
    const Expr& e = *rc.expr;
    if (!rc.alias.empty())
      c.name = rc.alias;
    else if (e.kind == ExprKind::Column)
      c.name = e.name;
    else
      return std::nullopt;  // SQLite names such a column by its text
    if (e.kind == ExprKind::Column) {
      // A column keeps its affinity and collation through a subquery.
      const ColumnInfo* src = nullptr;
      if (inner->join) {
        for (auto& m : inner->members)
          if (e.table.empty() ? m.first->column_index(e.name) >= 0 : iequals(e.table, m.second))
            if (int i = m.first->column_index(e.name); i >= 0 && !src) src = &m.first->columns[i];
      } else if (int i = inner->rel.column_index(e.name); i >= 0) {
        src = &inner->rel.columns[i];
      }
      if (!src) return std::nullopt;
      c.affinity = src->affinity;
      c.collation = src->collation;
      c.decl_type = src->decl_type;
      if (is_key(e) && out.rel.shard_key < 0) out.rel.shard_key = static_cast<int>(out.rel.columns.size());
    } else if (e.kind == ExprKind::Cast || e.kind == ExprKind::Collate) {
      return std::nullopt;
    } else {
      c.affinity = Affinity::Blob;  // an expression has no affinity
    }
    for (auto& prev : out.rel.columns)
      if (iequals(prev.name, c.name)) return std::nullopt;
    out.rel.columns.push_back(std::move(c));
  }
  if (out.rel.shard_key < 0) return std::nullopt;
  out.ddl = inner->ddl;
  out.sel = inner->sel;  // the body as rewritten (stars expanded)
  return out;
}

std::optional<Partitioned> relation(const sql::Select& in, const Topology& topo, const std::vector<Value>& params, bool plain_ok,
                                    int depth) {
  if (depth > 8 || in.cores.size() != 1) return std::nullopt;
  sql::Select s = in;
  // A non-recursive CTE used exactly once in the FROM clause is inlined as a FROM subquery.
  if (s.with) {
    if (s.with->recursive || s.with->ctes.size() != 1) return std::nullopt;
    auto& cte = s.with->ctes[0];
    auto& core = s.cores[0];
    if (!cte.columns.empty() || !core.from || core.from->kind != sql::TableRefKind::Table || !core.from->name.schema.empty() ||
        !iequals(core.from->name.name, cte.name) || count_table_refs(s, cte.name) != 1)
      return std::nullopt;
    auto sub = sql::make<sql::TableRef>();
    sub->kind = sql::TableRefKind::Subquery;
    sub->select = cte.select;
    sub->alias = core.from->alias.empty() ? cte.name : core.from->alias;
    core.from = std::move(sub);
    s.with = nullptr;
  }
  auto& core = s.cores[0];
  if (!core.from || core.is_values) return std::nullopt;
  Partitioned out;
  std::vector<KeyCol> keys;
  bool single = true;
  if (core.from->kind == sql::TableRefKind::Table) {
    if (!core.from->name.schema.empty()) return std::nullopt;
    const TableInfo* info = topo.find_table(core.from->name.name);
    if (!info || info->kind != TableKind::Sharded || info->shard_key < 0 || !binary(info->columns[info->shard_key])) return std::nullopt;
    out.rel = *info;
    out.alias = core.from->alias.empty() ? info->name : core.from->alias;
    out.ddl.push_back(info->create_sql);
    out.members.push_back({info, out.alias});
    keys.push_back({out.alias, info->columns[info->shard_key].name, info->columns[info->shard_key].affinity});
    std::vector<Member> ms{{info, out.alias}};
    if (!expand_stars(core, ms)) return std::nullopt;
  } else if (core.from->kind == sql::TableRefKind::Subquery) {
    auto d = derived(*core.from, topo, params, depth);
    if (!d) return std::nullopt;
    out.rel = d->rel;
    out.alias = d->alias;
    out.ddl = d->ddl;
    core.from->select = sql::SelectPtr(new sql::Select(std::move(d->sel)));
    keys.push_back({out.alias, out.rel.columns[out.rel.shard_key].name, out.rel.columns[out.rel.shard_key].affinity});
    for (auto& rc : core.columns)
      if (rc.kind != sql::ResultKind::Expr) return std::nullopt;
  } else if (core.from->kind == sql::TableRefKind::Join || core.from->kind == sql::TableRefKind::Paren) {
    std::vector<Member> members;
    std::vector<const Expr*> conds;
    if (!collect(*core.from, topo, members, conds) || members.size() < 2) return std::nullopt;
    if (core.where) conds.push_back(core.where.get());
    auto jk = join_keys(members, conds);
    if (!jk) return std::nullopt;
    keys = *jk;
    single = false;
    out.join = true;
    out.rel.name = "";
    out.rel.kind = TableKind::Sharded;
    for (auto& m : members) {
      out.members.push_back({m.info, m.alias});
      if (std::find(out.ddl.begin(), out.ddl.end(), m.info->create_sql) == out.ddl.end()) out.ddl.push_back(m.info->create_sql);
      for (auto& c : m.info->columns) {
        int prev = out.rel.column_index(c.name);
        if (prev >= 0) {
          auto& p = out.rel.columns[prev];
          if (p.affinity != c.affinity || !iequals(p.collation, c.collation)) return std::nullopt;  // ambiguous rules
          continue;
        }
        out.rel.columns.push_back(c);
      }
    }
    if (!expand_stars(core, members)) return std::nullopt;
    for (auto& m : members) {
      if (m.info->kind != TableKind::Sharded || !core.where) continue;
      if (auto pins = shard_key_pins(core.where.get(), *m.info, m.alias, params)) {
        out.key_pins = std::move(pins);
        out.pinned = m.info;
        break;
      }
    }
  } else {
    return std::nullopt;
  }
  // The subqueries the outer query runs per row must be co-located too.
  if (!core_nested_ok(core, &s.order_by, keys, topo, single)) return std::nullopt;
  bool nested = false;
  for (auto& rc : core.columns) nested |= rc.expr && has_nested(*rc.expr);
  for (auto* e : {core.where.get(), core.having.get()}) nested |= e && has_nested(*e);
  for (auto& o : s.order_by) nested |= has_nested(*o.expr);
  if (!plain_ok && !nested && core.from->kind == sql::TableRefKind::Table) return std::nullopt;  // the single-table plans decide
  // Subqueries' tables' DDL: result column names need them.
  Features f = analyze_select(s);
  for (auto& name : f.tables)
    if (auto* t = topo.find_table(name); t && std::find(out.ddl.begin(), out.ddl.end(), t->create_sql) == out.ddl.end())
      out.ddl.push_back(t->create_sql);
  out.sel = std::move(s);
  return out;
}

}  // namespace

std::optional<Partitioned> partitioned_query(const sql::Select& sel, const Topology& topo, const std::vector<Value>& params) {
  return relation(sel, topo, params, false, 0);
}

}  // namespace bd::planner
