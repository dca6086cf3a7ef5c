#include "planner/colocate.h"

#include <functional>
#include <numeric>
#include "planner/analysis.h"
#include "planner/params.h"
#include "planner/shard_sql.h"
#include "sql/printer.h"

namespace bd::planner {
namespace {

struct Member {
  const sql::TableRef* ref;
  const TableInfo* info;
  std::string alias;
};

bool collect(const sql::TableRef& t, const Topology& topo, std::vector<Member>& out, std::vector<const sql::Expr*>& ons) {
  switch (t.kind) {
    case sql::TableRefKind::Table: {
      const TableInfo* info = topo.find_table(t.name.name);
      if (!info || info->kind == TableKind::View || !t.name.schema.empty()) return false;
      out.push_back({&t, info, t.alias.empty() ? t.name.name : t.alias});
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
        // A preserved side made only of reference tables would yield its unmatched rows once per
        // node: only exact when the preserved side holds a sharded table.
        auto sharded = [&](size_t a, size_t b) {
          for (size_t i = a; i < b; i++)
            if (out[i].info->kind == TableKind::Sharded) return true;
          return false;
        };
        if (sharded(mid, out.size()) && !sharded(start, mid)) return false;
      }
      if (t.on) ons.push_back(t.on.get());
      return true;
    }
    case sql::TableRefKind::Paren: return t.left && collect(*t.left, topo, out, ons);
    default: return false;
  }
}

// Index of the member whose shard key this column is, or -1.
int key_member(const sql::Expr& e, const std::vector<Member>& members) {
  if (e.kind != sql::ExprKind::Column || e.table.empty()) return -1;
  for (size_t i = 0; i < members.size(); i++) {
    auto& m = members[i];
    if (!iequals(e.table, m.alias) || m.info->kind != TableKind::Sharded || m.info->shard_key < 0) continue;
    auto& key = m.info->columns[m.info->shard_key];
    if (!iequals(e.name, key.name)) return -1;
    if (!key.collation.empty() && !iequals(key.collation, "BINARY")) return -1;
    return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

std::optional<ColocatedPlan> plan_colocated(const sql::Select& sel, const Topology& topo, const std::vector<Value>& params) {
  if (sel.cores.size() != 1 || sel.with || !sel.order_by.empty() || sel.limit) return std::nullopt;
  const auto& core = sel.cores[0];
  if (!core.from || core.is_values || core.distinct == sql::Distinctness::Distinct || !core.group_by.empty() || core.having ||
      !core.windows.empty())
    return std::nullopt;
  Features f = analyze_select(sel);
  if (f.subquery || f.aggregate || f.window || f.table_function) return std::nullopt;
  std::vector<Member> members;
  std::vector<const sql::Expr*> conds;
  if (!collect(*core.from, topo, members, conds)) return std::nullopt;
  if (members.size() < 2) return std::nullopt;  // single tables have their own plans
  if (core.where) conds.push_back(core.where.get());

  // Union the sharded members connected by shard-key equalities of the same affinity.
  std::vector<int> parent(members.size());
  std::iota(parent.begin(), parent.end(), 0);
  std::function<int(int)> find = [&](int i) { return parent[i] == i ? i : parent[i] = find(parent[i]); };
  for (auto* c : conds) {
    std::vector<const sql::Expr*> parts;
    split_and(*c, parts);
    for (auto* p : parts) {
      if (p->kind != sql::ExprKind::Binary || p->binary_op != sql::BinaryOp::Eq) continue;
      int a = key_member(*p->left, members), b = key_member(*p->right, members);
      if (a < 0 || b < 0) continue;
      auto& ka = members[a].info->columns[members[a].info->shard_key];
      auto& kb = members[b].info->columns[members[b].info->shard_key];
      if (ka.affinity != kb.affinity) continue;  // 1 = '1' compares equal but hashes apart
      parent[find(a)] = find(b);
    }
  }
  int root = -1;
  ColocatedPlan plan;
  plan.reference_only = true;
  for (size_t i = 0; i < members.size(); i++) {
    if (members[i].info->kind != TableKind::Sharded) continue;
    plan.reference_only = false;
    if (members[i].info->shard_key < 0) return std::nullopt;  // hidden rowid keys never join
    if (root < 0)
      root = find(static_cast<int>(i));
    else if (find(static_cast<int>(i)) != root)
      return std::nullopt;
  }
  // Route when the WHERE clause pins one of the co-located keys.
  if (!plan.reference_only && core.where) {
    for (auto& m : members) {
      if (m.info->kind != TableKind::Sharded) continue;
      if (auto pins = shard_key_pins(core.where.get(), *m.info, m.alias, params)) {
        plan.key_pins = std::move(pins);
        plan.pinned_table = m.info->name;
        break;
      }
    }
  }
  // Expand stars so the hidden keyspace-id columns never show.
  sql::Select shard = sel;
  auto& sc = shard.cores[0];
  std::vector<sql::ResultColumn> cols;
  for (auto& rc : sc.columns) {
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
        out.expr = column_ref(m.alias, c.name);
        cols.push_back(std::move(out));
      }
    }
    if (!any) return std::nullopt;  // SQLite reports "no such table" itself
  }
  sc.columns = std::move(cols);
  plan.param_count = number_params(shard);
  plan.shard_sql = sql::print(shard);
  return plan;
}

}  // namespace bd::planner
