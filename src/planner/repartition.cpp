#include "planner/repartition.h"

#include <functional>

#include "planner/analysis.h"
#include "planner/params.h"
#include "planner/pushdown.h"
#include "planner/shard_sql.h"
#include "sql/printer.h"

namespace bd::planner {
namespace {

bool binary(const ColumnInfo& c) { return c.collation.empty() || iequals(c.collation, "BINARY"); }

struct Side {
  sql::TableRef* ref;
  const TableInfo* info;
  std::string alias;
};

// Every table reference in `s` (FROM clauses, subqueries, CTEs), mutable.
void each_table_ref(sql::Select& s, const std::function<void(sql::TableRef&)>& fn);

void each_ref_in_expr(sql::Expr& e, const std::function<void(sql::TableRef&)>& fn) {
  if (e.left) each_ref_in_expr(*e.left, fn);
  if (e.right) each_ref_in_expr(*e.right, fn);
  if (e.extra) each_ref_in_expr(*e.extra, fn);
  for (auto& a : e.args) each_ref_in_expr(*a, fn);
  if (e.filter) each_ref_in_expr(*e.filter, fn);
  if (e.select) each_table_ref(*e.select, fn);
}

void each_ref_in_from(sql::TableRef& t, const std::function<void(sql::TableRef&)>& fn) {
  switch (t.kind) {
    case sql::TableRefKind::Table: fn(t); break;
    case sql::TableRefKind::Subquery: each_table_ref(*t.select, fn); break;
    case sql::TableRefKind::Paren:
      if (t.left) each_ref_in_from(*t.left, fn);
      break;
    case sql::TableRefKind::Join:
      each_ref_in_from(*t.left, fn);
      each_ref_in_from(*t.right, fn);
      if (t.on) each_ref_in_expr(*t.on, fn);
      break;
    default: break;
  }
}

void each_table_ref(sql::Select& s, const std::function<void(sql::TableRef&)>& fn) {
  if (s.with)
    for (auto& c : s.with->ctes) each_table_ref(*c.select, fn);
  for (auto& core : s.cores) {
    for (auto& rc : core.columns)
      if (rc.expr) each_ref_in_expr(*rc.expr, fn);
    if (core.from) each_ref_in_from(*core.from, fn);
    if (core.where) each_ref_in_expr(*core.where, fn);
    if (core.having) each_ref_in_expr(*core.having, fn);
  }
}

// Every SELECT nested in `s` (CTEs, FROM subqueries; not `s` itself), read-only.
void each_nested_select(const sql::Select& s, const std::function<void(const sql::Select&)>& fn) {
  auto from = [&](const sql::TableRef& t, auto&& self) -> void {
    if (t.kind == sql::TableRefKind::Subquery) {
      fn(*t.select);
      each_nested_select(*t.select, fn);
    } else if (t.kind == sql::TableRefKind::Paren && t.left) {
      self(*t.left, self);
    } else if (t.kind == sql::TableRefKind::Join) {
      self(*t.left, self);
      self(*t.right, self);
    }
  };
  if (s.with)
    for (auto& c : s.with->ctes) {
      fn(*c.select);
      each_nested_select(*c.select, fn);
    }
  for (auto& core : s.cores)
    if (core.from) from(*core.from, from);
}

const TableFilter* filter_of(const std::vector<TableFilter>& filters, const std::string& table) {
  for (auto& f : filters)
    if (iequals(f.table, table)) return &f;
  return nullptr;
}

// The paged read of B on every node: user columns, the REAL flags, then the rowid; B's own
// conjuncts (parameters ?1..?n) first, the last rowid read bound after them; `page` rows a read.
PlanNode source_read(const TableInfo& B, const TableFilter* filter, const PlanEnv& env, int64_t page) {
  std::string read = "SELECT ";
  auto cols = gathered_columns(B);
  for (size_t i = 0; i < cols.size(); i++) read += (i ? ", " : "") + quoted_identifier(cols[i]);
  auto mask = gather_real_mask_columns(B);
  if (!mask.empty()) {
    read += ", (";
    for (size_t k = 0; k < mask.size(); k++)
      read += (k ? " | " : "") + std::string("((typeof(") + quoted_identifier(cols[mask[k]]) + ") = 'real') << " + std::to_string(k) + ")";
    read += ")";
  }
  PlanNode src;
  src.kind = OpKind::Shard;
  std::string after = "?" + std::to_string(filter ? filter->params.size() + 1 : 1);
  read += ", rowid FROM " + quoted_identifier(B.name);
  if (filter) {
    read += " AS " + quoted_identifier(filter->alias) + " WHERE (" + filter->where_sql + ") AND rowid > " + after;
    src.bound = filter->params;
  } else {
    read += " WHERE rowid > " + after;
  }
  read += " ORDER BY rowid LIMIT " + std::to_string(page);
  src.sql = read;
  src.params = static_cast<int>(src.bound.size()) + 1;
  src.has_bound = true;
  src.nodes = env.all_nodes();
  src.detail = "paged read of " + B.name;
  return src;
}

// One table whose rows are staged: `column` places each row, under `target`'s sharding (its shard
// key's values) or, with no target, by the column's own value; `filter`: the table's own conjuncts,
// applied while it is read, so only the rows that can matter are staged.
struct Stage {
  const TableInfo* source = nullptr;
  std::string column;
  const TableInfo* target = nullptr;
  std::string name;
  const TableFilter* filter = nullptr;
  std::string what;
  bool broadcast = false;  // a copy of every row on every node: the staging table is a reference table
};

// The staging table for `s`: the source's user columns, sharded by the staging column.
TableInfo staging_info(const Stage& s) {
  TableInfo st;
  st.name = s.name;
  st.kind = s.broadcast ? TableKind::Reference : TableKind::Sharded;
  st.columns = s.source->columns;
  st.shard_key = s.broadcast ? -1 : s.source->column_index(s.column);
  st.create_sql = "CREATE TABLE " + quoted_identifier(s.name) + " (";
  for (size_t i = 0; i < st.columns.size(); i++) {
    auto& c = st.columns[i];
    st.create_sql += (i ? ", " : "") + quoted_identifier(c.name) + (c.decl_type.empty() ? "" : " " + c.decl_type) +
                     (c.collation.empty() ? "" : " COLLATE " + quoted_identifier(c.collation));
  }
  st.create_sql += ")";
  return st;
}

// `sel` (the statement with each staged table's reference renamed to its staging table) planned on
// a catalog that knows the staging tables. The plan is one Repartition per stage, the first
// outermost: each stages its table, runs its child (the next stage, finally the query on the
// nodes) and drops its staging table, whatever happened.
Result<std::optional<Plan>> staged_plan(const sql::Select& in, sql::Select sel, const PlanEnv& env, const std::vector<Stage>& stages) {
  using None = std::optional<Plan>;
  Topology topo = env.topo;
  for (auto& s : stages) {
    if (s.source->without_rowid) return None{};
    for (auto& c : s.source->columns)
      if (c.generated) return None{};
    topo.tables.push_back(staging_info(s));
  }
  PlanEnv inner_env{topo, env.params, env.constant, env.limit, {}};
  auto inner = plan_select(sel, inner_env);
  if (!inner.ok()) return inner.error();
  if (inner->name == "combine" || inner->name == "none") return None{};
  // When partial sums overflow, the combine engine decides over the original tables (it knows
  // nothing of the staging tables).
  if (inner->root.kind == OpKind::GroupMerge) {
    Features of = analyze_select(in);
    sql::Select numbered = in;
    int nparams = number_params(numbered);
    auto fb = plan_combine(&in, sql::print(numbered), nparams, of, env);
    if (!fb.ok()) return fb.error();
    inner->root.fallback = std::make_shared<PlanNode>(std::move(*fb));
  }
  PlanNode node = std::move(inner->root);
  std::string inner_name = inner->name;
  for (size_t i = stages.size(); i-- > 0;) {
    const Stage& s = stages[i];
    PlanNode rp;
    rp.kind = OpKind::Repartition;
    rp.table = s.source->name;
    rp.staged = s.name;
    rp.stage_column = s.column;
    rp.target_table = s.target ? s.target->name : std::string();
    rp.page_rows = kStagePageRows;
    rp.broadcast = s.broadcast;
    rp.detail = s.what + (s.filter ? " (" + s.filter->where_sql + ")" : std::string()) + " into staging table " + s.name +
                (i + 1 < stages.size() ? ", then the next staging" : ", then the query on every node (" + inner_name + ")");
    rp.children.push_back(std::move(node));
    rp.children.push_back(source_read(*s.source, s.filter, env, kStagePageRows));
    node = std::move(rp);
  }
  Plan plan;
  plan.name = "repartition";
  plan.root = std::move(node);
  return std::optional<Plan>(std::move(plan));
}

Result<std::optional<Plan>> staged_plan(const sql::Select& in, sql::Select sel, const PlanEnv& env, const TableInfo& B,
                                        const std::string& bcol, const TableInfo* target, const std::string& staged,
                                        const TableFilter* filter, const std::string& what) {
  return staged_plan(in, std::move(sel), env, {Stage{&B, bcol, target, staged, filter, what}});
}

// The one reference to `table` in `sel` renamed to the staging table (its alias kept, or the
// table's name as alias, so that qualified columns still resolve).
void rename_ref(sql::Select& sel, const std::string& table, const std::string& staged) {
  each_table_ref(sel, [&](sql::TableRef& t) {
    if (t.kind != sql::TableRefKind::Table || !iequals(t.name.name, table) || !t.name.schema.empty()) return;
    if (t.alias.empty()) t.alias = t.name.name;
    t.name.name = staged;
  });
}

// An anti-join not co-located: SELECT ... FROM A WHERE ... NOT EXISTS (SELECT ... FROM B WHERE
// B.col = A.key ...), A read whole. B's rows (filtered by its own conjuncts) are staged by col
// under A's sharding; the anti-join is then correlated on A's key and runs on every node.
Result<std::optional<Plan>> plan_anti_join_repartition(const sql::Select& in, const PlanEnv& env, const std::string& staged) {
  using None = std::optional<Plan>;
  if (in.cores.size() != 1 || in.with) return None{};
  Features f = analyze_select(in);
  if (f.table_function || f.tables.size() != 2 || f.table_refs != 2) return None{};
  const auto& core = in.cores[0];
  if (!core.from || core.from->kind != sql::TableRefKind::Table || !core.where) return None{};
  const TableInfo* A = env.topo.find_table(core.from->name.name);
  if (!A || A->kind != TableKind::Sharded || A->shard_key < 0 || !core.from->name.schema.empty()) return None{};
  const ColumnInfo& key = A->columns[A->shard_key];
  if (!binary(key)) return None{};
  std::string a_alias = core.from->alias.empty() ? A->name : core.from->alias;
  std::vector<const sql::Expr*> conds;
  split_and(*core.where, conds);
  for (auto* c : conds) {
    if (c->kind != sql::ExprKind::Unary || c->unary_op != sql::UnaryOp::Not || !c->left || c->left->kind != sql::ExprKind::Exists) continue;
    const sql::Select& sub = *c->left->select;
    if (sub.cores.size() != 1 || sub.with) continue;
    const auto& sc = sub.cores[0];
    if (!sc.from || sc.from->kind != sql::TableRefKind::Table || !sc.where || !sc.from->name.schema.empty()) continue;
    const TableInfo* B = env.topo.find_table(sc.from->name.name);
    if (!B || B == A || B->kind != TableKind::Sharded) continue;
    std::string b_alias = sc.from->alias.empty() ? B->name : sc.from->alias;
    std::vector<const sql::Expr*> inner;
    split_and(*sc.where, inner);
    for (auto* e : inner) {
      if (e->kind != sql::ExprKind::Binary || e->binary_op != sql::BinaryOp::Eq) continue;
      const sql::Expr* ends[2] = {e->left.get(), e->right.get()};
      for (int s = 0; s < 2; s++) {
        const sql::Expr& ea = *ends[s];
        const sql::Expr& eb = *ends[1 - s];
        if (ea.kind != sql::ExprKind::Column || eb.kind != sql::ExprKind::Column) continue;
        if (!iequals(ea.table, a_alias) || !iequals(ea.name, key.name) || !iequals(eb.table, b_alias)) continue;
        int bi = B->column_index(eb.name);
        if (bi < 0 || bi == B->shard_key) continue;
        const ColumnInfo& col = B->columns[bi];
        if (!binary(col) || col.affinity != key.affinity) continue;
        // A is read whole (a selective A is better served by gathering it).
        auto filters = pushdown_filters(in, env.topo, env.params);
        if (filter_of(filters, A->name)) return None{};
        sql::Select sel = in;
        rename_ref(sel, B->name, staged);
        return staged_plan(in, std::move(sel), env, *B, col.name, A, staged, filter_of(filters, B->name),
                           "rows of " + B->name + " sent by " + col.name + " to the nodes of " + A->name + "'s keys");
      }
    }
  }
  return None{};
}

// `e` reads only the row of `t` (named `alias`): every column it names is one of t's, qualified by
// the alias or unqualified, and it holds no nested SELECT.
bool reads_only_row(const sql::Expr& e, const TableInfo& t, const std::string& alias) {
  if (e.select || e.over) return false;
  if (e.kind == sql::ExprKind::Column)
    if (!e.schema.empty() || (!e.table.empty() && !iequals(e.table, alias)) || t.column_index(e.name) < 0) return false;
  for (auto* c : {e.left.get(), e.right.get(), e.extra.get(), e.filter.get()})
    if (c && !reads_only_row(*c, t, alias)) return false;
  for (auto& a : e.args)
    if (!reads_only_row(*a, t, alias)) return false;
  return true;
}

void split_and_mut(sql::ExprPtr& e, std::vector<sql::ExprPtr*>& out) {
  if (e->kind == sql::ExprKind::Binary && e->binary_op == sql::BinaryOp::And) {
    split_and_mut(e->left, out);
    split_and_mut(e->right, out);
    return;
  }
  out.push_back(&e);
}

sql::ExprPtr column_expr(const std::string& table, const std::string& name) {
  auto c = sql::make<sql::Expr>();
  c->kind = sql::ExprKind::Column;
  c->table = table;
  c->name = name;
  return c;
}

sql::ExprPtr integer_expr(const char* text) {
  auto c = sql::make<sql::Expr>();
  c->kind = sql::ExprKind::Literal;
  c->literal = sql::LiteralKind::Integer;
  c->text = text;
  return c;
}

// An anti-join by NOT IN, not co-located: SELECT ... FROM A WHERE ... AND A.key NOT IN (SELECT
// B.col FROM B WHERE <B's row only>), A read whole, A.key never NULL (the rowid alias). B's rows
// matching the subquery's WHERE are staged by col under A's sharding and the conjunct runs on
// every node as NOT EXISTS (... WHERE B.col = A.key): for a key that is not NULL, NOT IN is false
// on a match and NULL (excluded) when the set holds a NULL, otherwise true. So NULLs are not
// staged: one of them makes the conjunct false for every row of A.
Result<std::optional<Plan>> plan_not_in_repartition(const sql::Select& in, const PlanEnv& env, const std::string& staged) {
  using None = std::optional<Plan>;
  if (in.cores.size() != 1 || in.with) return None{};
  Features f = analyze_select(in);
  if (f.table_function || f.tables.size() != 2 || f.table_refs != 2) return None{};
  const auto& core = in.cores[0];
  if (!core.from || core.from->kind != sql::TableRefKind::Table || !core.where || !core.from->name.schema.empty()) return None{};
  const TableInfo* A = env.topo.find_table(core.from->name.name);
  if (!A || A->kind != TableKind::Sharded || A->shard_key < 0 || A->shard_key != A->rowid_alias) return None{};
  const ColumnInfo& key = A->columns[A->shard_key];
  std::string a_alias = core.from->alias.empty() ? A->name : core.from->alias;
  // A is read whole (a selective A is better served by gathering it).
  auto filters = pushdown_filters(in, env.topo, env.params);
  if (filter_of(filters, A->name)) return None{};
  std::vector<const sql::Expr*> conds;
  split_and(*core.where, conds);
  for (size_t ci = 0; ci < conds.size(); ci++) {
    const sql::Expr* c = conds[ci];
    if (c->kind != sql::ExprKind::In || !c->negated || c->in_kind != sql::InKind::Select || !c->select || !c->left) continue;
    const sql::Expr& lhs = *c->left;
    if (lhs.kind != sql::ExprKind::Column || !lhs.schema.empty() || !iequals(lhs.name, key.name) ||
        (!lhs.table.empty() && !iequals(lhs.table, a_alias)))
      continue;
    const sql::Select& sub = *c->select;
    if (sub.cores.size() != 1 || sub.with || sub.limit) continue;
    const auto& sc = sub.cores[0];
    if (sc.is_values || !sc.from || sc.from->kind != sql::TableRefKind::Table || !sc.from->name.schema.empty()) continue;
    if (!sc.group_by.empty() || sc.having || sc.columns.size() != 1 || sc.columns[0].kind != sql::ResultKind::Expr) continue;
    Features sf = analyze_select(sub);
    if (sf.aggregate || sf.window || sf.subquery) continue;
    const TableInfo* B = env.topo.find_table(sc.from->name.name);
    if (!B || B == A || B->kind != TableKind::Sharded || B->without_rowid) continue;
    std::string b_alias = sc.from->alias.empty() ? B->name : sc.from->alias;
    const sql::Expr& out = *sc.columns[0].expr;
    if (out.kind != sql::ExprKind::Column || !out.schema.empty() || (!out.table.empty() && !iequals(out.table, b_alias))) continue;
    int bi = B->column_index(out.name);
    if (bi < 0) continue;
    const ColumnInfo& col = B->columns[bi];
    if (!binary(col) || col.affinity != key.affinity) continue;
    if (sc.where && !reads_only_row(*sc.where, *B, b_alias)) continue;
    // B's filter is exactly the subquery's WHERE (a NULL staged must be a NULL of the set).
    TableFilter bf;
    const TableFilter* bfp = nullptr;
    if (sc.where) {
      sql::ExprPtr w = sc.where->clone();
      int n = number_params(*w);
      bf.table = B->name;
      bf.alias = b_alias;
      bf.where_sql = sql::print(*w);
      bf.params = params_for(env.params, n);
      bfp = &bf;
    }
    // The statement with the conjunct as NOT EXISTS over the staging table, and with it false.
    sql::Select sel = in, none = in;
    std::vector<sql::ExprPtr*> parts, none_parts;
    split_and_mut(sel.cores[0].where, parts);
    split_and_mut(none.cores[0].where, none_parts);
    if (parts.size() != conds.size() || none_parts.size() != conds.size()) return None{};
    sql::ExprPtr& target = *parts[ci];
    sql::SelectPtr inner = std::move(target->select);
    auto& icore = inner->cores[0];
    if (icore.from->alias.empty()) icore.from->alias = B->name;
    icore.columns[0].expr = integer_expr("1");
    icore.columns[0].alias.clear();
    auto eq = sql::make<sql::Expr>();
    eq->kind = sql::ExprKind::Binary;
    eq->binary_op = sql::BinaryOp::Eq;
    eq->left = column_expr(b_alias, col.name);
    eq->right = column_expr(a_alias, key.name);
    if (icore.where) {
      auto both = sql::make<sql::Expr>();
      both->kind = sql::ExprKind::Binary;
      both->binary_op = sql::BinaryOp::And;
      both->left = std::move(icore.where);
      both->right = std::move(eq);
      icore.where = std::move(both);
    } else {
      icore.where = std::move(eq);
    }
    auto exists = sql::make<sql::Expr>();
    exists->kind = sql::ExprKind::Exists;
    exists->select = std::move(inner);
    auto no = sql::make<sql::Expr>();
    no->kind = sql::ExprKind::Unary;
    no->unary_op = sql::UnaryOp::Not;
    no->left = std::move(exists);
    target = std::move(no);
    *none_parts[ci] = integer_expr("0");
    auto empty = plan_select(none, env);
    if (!empty.ok()) return empty.error();
    if (bi == B->shard_key) {
      // B is co-located (col is its key): nothing moves. Its NULLs are looked for first (one row
      // at most), then the anti-join runs on every node as it is.
      auto inner_plan = plan_select(sel, env);
      if (!inner_plan.ok()) return inner_plan.error();
      if (inner_plan->name == "combine" || inner_plan->name == "none") continue;
      TableFilter nf;
      nf.table = B->name;
      nf.alias = b_alias;
      nf.where_sql = (bfp ? "(" + bf.where_sql + ") AND " : std::string()) + quoted_identifier(b_alias) + "." +
                     quoted_identifier(col.name) + " IS NULL";
      nf.params = bf.params;
      Plan plan;
      plan.name = "not-in-probe";
      PlanNode& rp = plan.root;
      rp.kind = OpKind::Repartition;
      rp.table = B->name;
      rp.stage_column = col.name;
      rp.target_table = A->name;
      rp.page_rows = 1;
      rp.null_stops = true;
      rp.detail = "a NULL " + col.name + " of " + B->name + " looked for, then the query on every node (" + inner_plan->name +
                  "); a NULL among them: the query with " + key.name + " NOT IN false (" + empty->name + ")";
      rp.children.push_back(std::move(inner_plan->root));
      rp.children.push_back(source_read(*B, &nf, env, 1));
      rp.children.push_back(std::move(empty->root));
      return std::optional<Plan>(std::move(plan));
    }
    rename_ref(sel, B->name, staged);
    auto plan = staged_plan(in, std::move(sel), env, *B, col.name, A, staged, bfp,
                            "rows of " + B->name + " sent by " + col.name + " to the nodes of " + A->name + "'s keys");
    if (!plan.ok() || !*plan) return plan;
    PlanNode& rp = (*plan)->root;
    rp.null_stops = true;
    rp.detail += "; a NULL among them: the query with " + key.name + " NOT IN false (" + empty->name + ")";
    rp.children.push_back(std::move(empty->root));
    return plan;
  }
  return None{};
}

// A FROM subquery or a CTE that groups one sharded table by a column other than its key: the
// table's rows (filtered by its own conjuncts) are staged by that column, so that the grouping is
// by the staging table's key and the query runs on every node, the conductor merging only the
// small per-node answers.
Result<std::optional<Plan>> plan_grouped_repartition(const sql::Select& in, const PlanEnv& env, const std::string& staged) {
  using None = std::optional<Plan>;
  Features f = analyze_select(in);
  if (f.table_function || f.tables.size() != 1) return None{};
  const TableInfo* B = env.topo.find_table(f.tables[0]);
  if (!B || B->kind != TableKind::Sharded) return None{};
  // B read once (the other references name CTEs).
  int refs = 0;
  sql::Select probe = in;
  each_table_ref(probe, [&](sql::TableRef& t) { refs += t.kind == sql::TableRefKind::Table && iequals(t.name.name, B->name); });
  if (refs != 1) return None{};
  std::string bcol;
  each_nested_select(in, [&](const sql::Select& s) {
    if (!bcol.empty() || s.cores.size() != 1) return;
    const auto& c = s.cores[0];
    if (!c.from || c.from->kind != sql::TableRefKind::Table || !iequals(c.from->name.name, B->name)) return;
    std::string alias = c.from->alias.empty() ? B->name : c.from->alias;
    for (auto& g : c.group_by) {
      if (g->kind != sql::ExprKind::Column || (!g->table.empty() && !iequals(g->table, alias))) continue;
      int bi = B->column_index(g->name);
      if (bi < 0 || bi == B->shard_key || !binary(B->columns[bi])) continue;
      bcol = B->columns[bi].name;
      return;
    }
  });
  if (bcol.empty()) return None{};
  auto filters = pushdown_filters(in, env.topo, env.params);
  sql::Select sel = in;
  rename_ref(sel, B->name, staged);
  return staged_plan(in, std::move(sel), env, *B, bcol, nullptr, staged, filter_of(filters, B->name),
                     "rows of " + B->name + " sent by " + bcol);
}

}  // namespace

namespace {

// `sel` (a copy of `in`) as a plain inner join of two whole sharded tables: its two sides (their
// references inside `sel`) and the conjuncts of its ON and WHERE clauses. False when it is not one.
bool whole_join_sides(const sql::Select& in, sql::Select& sel, const PlanEnv& env, Side sides[2], std::vector<const sql::Expr*>& conds) {
  if (in.cores.size() != 1 || in.with) return false;
  Features f = analyze_select(in);
  if (f.subquery || f.table_function || f.tables.size() != 2 || f.table_refs != 2) return false;
  auto& core = sel.cores[0];
  if (!core.from || core.from->kind != sql::TableRefKind::Join) return false;
  auto& j = *core.from;
  if (j.op.natural || j.has_using || (j.op.type != sql::JoinType::Inner && j.op.type != sql::JoinType::Comma)) return false;
  if (!j.left || !j.right || j.left->kind != sql::TableRefKind::Table || j.right->kind != sql::TableRefKind::Table) return false;
  sql::TableRef* refs[2] = {j.left.get(), j.right.get()};
  for (int i = 0; i < 2; i++) {
    const TableInfo* t = env.topo.find_table(refs[i]->name.name);
    if (!t || t->kind != TableKind::Sharded || !refs[i]->name.schema.empty()) return false;
    sides[i] = {refs[i], t, refs[i]->alias.empty() ? t->name : refs[i]->alias};
  }
  // Whole tables on both sides unless told otherwise: a selective side is better gathered with its
  // filter applied (the combine plan), which is tried first.
  if (!env.stage_filtered && !pushdown_filters(in, env.topo, env.params).empty()) return false;
  if (j.on) split_and(*j.on, conds);
  if (core.where) split_and(*core.where, conds);
  return true;
}

Result<std::optional<Plan>> plan_join_repartition(const sql::Select& in, const PlanEnv& env, const std::string& staged) {
  using None = std::optional<Plan>;
  sql::Select sel = in;
  Side sides[2];
  std::vector<const sql::Expr*> conds;
  if (!whole_join_sides(in, sel, env, sides, conds)) return None{};
  // A.key = B.col: A's shard key (BINARY), B's column of the same affinity, not B's key.
  int a = -1;
  std::string bcol;
  for (auto* c : conds) {
    if (c->kind != sql::ExprKind::Binary || c->binary_op != sql::BinaryOp::Eq) continue;
    const sql::Expr* ends[2] = {c->left.get(), c->right.get()};
    for (int s = 0; s < 2 && a < 0; s++) {
      const sql::Expr& ea = *ends[s];
      const sql::Expr& eb = *ends[1 - s];
      if (ea.kind != sql::ExprKind::Column || eb.kind != sql::ExprKind::Column || ea.table.empty() || eb.table.empty()) continue;
      for (int i = 0; i < 2 && a < 0; i++) {
        const Side& A = sides[i];
        const Side& B = sides[1 - i];
        if (!iequals(ea.table, A.alias) || !iequals(eb.table, B.alias) || A.info->shard_key < 0) continue;
        const ColumnInfo& key = A.info->columns[A.info->shard_key];
        int bi = B.info->column_index(eb.name);
        if (!iequals(key.name, ea.name) || !binary(key) || bi < 0) continue;
        const ColumnInfo& col = B.info->columns[bi];
        if (!binary(col) || col.affinity != key.affinity || bi == B.info->shard_key) continue;
        a = i;
        bcol = col.name;
      }
    }
  }
  if (a < 0) return None{};
  const Side& A = sides[a];
  const Side& B = sides[1 - a];
  if (B.info->without_rowid) return None{};
  for (auto& c : B.info->columns)
    if (c.generated) return None{};
  auto filters = pushdown_filters(in, env.topo, env.params);
  B.ref->name.name = staged;
  B.ref->alias = B.alias;
  return staged_plan(in, std::move(sel), env, *B.info, bcol, A.info, staged, filter_of(filters, B.info->name),
                     "rows of " + B.info->name + " sent by " + bcol + " to the nodes of " + A.info->name + "'s keys");
}

// Two whole tables joined on columns that are neither's shard key (Citus's dual-partition join):
// both are staged by their join column's own value, so the two staging tables are co-located on
// it; the join then runs on every node in parallel and only merging remains.
Result<std::optional<Plan>> plan_dual_repartition(const sql::Select& in, const PlanEnv& env, const std::string& staged) {
  using None = std::optional<Plan>;
  sql::Select sel = in;
  Side sides[2];
  std::vector<const sql::Expr*> conds;
  if (!whole_join_sides(in, sel, env, sides, conds) || !env.staging_name) return None{};
  std::string cols[2];
  for (auto* c : conds) {
    if (c->kind != sql::ExprKind::Binary || c->binary_op != sql::BinaryOp::Eq) continue;
    const sql::Expr* ends[2] = {c->left.get(), c->right.get()};
    if (ends[0]->kind != sql::ExprKind::Column || ends[1]->kind != sql::ExprKind::Column) continue;
    for (int s = 0; s < 2 && cols[0].empty(); s++) {
      const sql::Expr& e0 = *ends[s];
      const sql::Expr& e1 = *ends[1 - s];
      if (e0.table.empty() || e1.table.empty() || !iequals(e0.table, sides[0].alias) || !iequals(e1.table, sides[1].alias)) continue;
      int i0 = sides[0].info->column_index(e0.name);
      int i1 = sides[1].info->column_index(e1.name);
      if (i0 < 0 || i1 < 0) continue;
      const ColumnInfo& c0 = sides[0].info->columns[i0];
      const ColumnInfo& c1 = sides[1].info->columns[i1];
      // Equal values must hash alike: one affinity, BINARY (1 = '1' compares equal but hashes apart).
      if (!binary(c0) || !binary(c1) || c0.affinity != c1.affinity) continue;
      cols[0] = c0.name;
      cols[1] = c1.name;
    }
    if (!cols[0].empty()) break;
  }
  if (cols[0].empty()) return None{};
  std::string names[2] = {staged, env.staging_name()};
  if (names[1].empty() || names[1] == names[0]) return None{};
  // A row whose join value is NULL joins nothing: it is not staged; nor is one its table's own
  // conjuncts exclude (they are applied again on the nodes, over the staging tables).
  auto filters = pushdown_filters(in, env.topo, env.params);
  TableFilter not_null[2];
  std::vector<Stage> stages;
  for (int i = 0; i < 2; i++) {
    not_null[i].table = sides[i].info->name;
    not_null[i].alias = sides[i].alias;
    not_null[i].where_sql = quoted_identifier(sides[i].alias) + "." + quoted_identifier(cols[i]) + " IS NOT NULL";
    if (const TableFilter* own = filter_of(filters, sides[i].info->name)) {
      not_null[i].where_sql = "(" + own->where_sql + ") AND " + not_null[i].where_sql;
      not_null[i].params = own->params;
    }
    sides[i].ref->name.name = names[i];
    sides[i].ref->alias = sides[i].alias;
    stages.push_back({sides[i].info, cols[i], nullptr, names[i], &not_null[i], "rows of " + sides[i].info->name + " sent by " + cols[i]});
  }
  return staged_plan(in, std::move(sel), env, stages);
}

// A large table joined with a small one, not co-located (any join condition): the small table's
// rows (filtered by its own conjuncts) are copied to every node into a staging table that the
// query then joins as a reference table, so the large table's rows stay where they are. Chosen by
// the row counts the nodes reported: the small side at most kBroadcastRows, and its copies (one
// per node) fewer than half the large side's rows (staging both by the join value moves both).
Result<std::optional<Plan>> plan_broadcast(const sql::Select& in, const PlanEnv& env, const std::string& staged) {
  using None = std::optional<Plan>;
  if (!env.table_rows) return None{};
  sql::Select sel = in;
  Side sides[2];
  std::vector<const sql::Expr*> conds;
  // With filters only once gathering the filtered rows was over the cap (a selective side is
  // better gathered, or joined by lookups); the small side's filter is applied as it is copied.
  if (!whole_join_sides(in, sel, env, sides, conds)) return None{};
  auto rows0 = env.table_rows(*sides[0].info), rows1 = env.table_rows(*sides[1].info);
  if (!rows0 || !rows1) return None{};
  int small = *rows0 <= *rows1 ? 0 : 1;
  int64_t s_rows = small == 0 ? *rows0 : *rows1, l_rows = small == 0 ? *rows1 : *rows0;
  if (s_rows > kBroadcastRows || s_rows * static_cast<int64_t>(env.topo.nodes) * 2 > l_rows) return None{};
  const Side& S = sides[small];
  auto filters = pushdown_filters(in, env.topo, env.params);
  S.ref->name.name = staged;
  S.ref->alias = S.alias;
  Stage st{S.info, std::string(), nullptr, staged, filter_of(filters, S.info->name), "rows of " + S.info->name + " copied to every node",
           true};
  return staged_plan(in, std::move(sel), env, {st});
}

}  // namespace

Result<std::optional<Plan>> plan_repartition(const sql::Select& in, const PlanEnv& env, const std::string& staged) {
  auto broadcast = plan_broadcast(in, env, staged);
  if (!broadcast.ok() || *broadcast) return broadcast;
  auto join = plan_join_repartition(in, env, staged);
  if (!join.ok() || *join) return join;
  auto dual = plan_dual_repartition(in, env, staged);
  if (!dual.ok() || *dual) return dual;
  auto anti = plan_anti_join_repartition(in, env, staged);
  if (!anti.ok() || *anti) return anti;
  auto not_in = plan_not_in_repartition(in, env, staged);
  if (!not_in.ok() || *not_in) return not_in;
  return plan_grouped_repartition(in, env, staged);
}

}  // namespace bd::planner
