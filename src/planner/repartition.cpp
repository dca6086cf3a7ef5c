#include "planner/repartition.h"

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

}  // namespace

Result<std::optional<Plan>> plan_repartition(const sql::Select& in, const PlanEnv& env, const std::string& staged) {
  using None = std::optional<Plan>;
  if (in.cores.size() != 1 || in.with) return None{};
  Features f = analyze_select(in);
  if (f.subquery || f.table_function || f.tables.size() != 2 || f.table_refs != 2) return None{};
  sql::Select sel = in;
  auto& core = sel.cores[0];
  if (!core.from || core.from->kind != sql::TableRefKind::Join) return None{};
  auto& j = *core.from;
  if (j.op.natural || j.has_using || (j.op.type != sql::JoinType::Inner && j.op.type != sql::JoinType::Comma)) return None{};
  if (!j.left || !j.right || j.left->kind != sql::TableRefKind::Table || j.right->kind != sql::TableRefKind::Table) return None{};
  Side sides[2];
  sql::TableRef* refs[2] = {j.left.get(), j.right.get()};
  for (int i = 0; i < 2; i++) {
    const TableInfo* t = env.topo.find_table(refs[i]->name.name);
    if (!t || t->kind != TableKind::Sharded || !refs[i]->name.schema.empty()) return None{};
    sides[i] = {refs[i], t, refs[i]->alias.empty() ? t->name : refs[i]->alias};
  }
  // Whole tables on both sides: a selective side is better joined by lookups (the combine plan).
  if (!pushdown_filters(in, env.topo, env.params).empty()) return None{};
  // A.key = B.col: A's shard key (BINARY), B's column of the same affinity, not B's key.
  std::vector<const sql::Expr*> conds;
  if (j.on) split_and(*j.on, conds);
  if (core.where) split_and(*core.where, conds);
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
  // The staging table: B's user columns, sharded like A by the join column.
  TableInfo st;
  st.name = staged;
  st.kind = TableKind::Sharded;
  st.columns = B.info->columns;
  st.shard_key = B.info->column_index(bcol);
  st.create_sql = "CREATE TABLE " + quoted_identifier(staged) + " (";
  for (size_t i = 0; i < st.columns.size(); i++) {
    auto& c = st.columns[i];
    st.create_sql += (i ? ", " : "") + quoted_identifier(c.name) + (c.decl_type.empty() ? "" : " " + c.decl_type) +
                     (c.collation.empty() ? "" : " COLLATE " + quoted_identifier(c.collation));
  }
  st.create_sql += ")";
  // The statement over the staging table, planned on a catalog that knows it.
  B.ref->name.name = staged;
  B.ref->alias = B.alias;
  Topology topo = env.topo;
  topo.tables.push_back(st);
  PlanEnv inner_env{topo, env.params, env.constant, env.limit, {}};
  auto inner = plan_select(sel, inner_env);
  if (!inner.ok()) return inner.error();
  if (inner->name == "combine" || inner->name == "none") return None{};
  // When partial sums overflow, the combine engine decides over the original tables (it knows
  // nothing of the staging table).
  if (inner->root.kind == OpKind::GroupMerge) {
    Features of = analyze_select(in);
    sql::Select numbered = in;
    int nparams = number_params(numbered);
    auto fb = plan_combine(&in, sql::print(numbered), nparams, of, env);
    if (!fb.ok()) return fb.error();
    inner->root.fallback = std::make_shared<PlanNode>(std::move(*fb));
  }
  Plan plan;
  plan.name = "repartition";
  PlanNode& rp = plan.root;
  rp.kind = OpKind::Repartition;
  rp.table = B.info->name;
  rp.staged = staged;
  rp.stage_column = bcol;
  rp.target_table = A.info->name;
  rp.page_rows = kStagePageRows;
  rp.detail = "rows of " + B.info->name + " sent by " + bcol + " to the nodes of " + A.info->name + "'s keys (staging table " + staged +
              "), then the join on every node (" + inner->name + ")";
  rp.children.push_back(std::move(inner->root));
  // The paged read of B on every node: user columns, the REAL flags, then the rowid.
  std::string read = "SELECT ";
  auto cols = gathered_columns(*B.info);
  for (size_t i = 0; i < cols.size(); i++) read += (i ? ", " : "") + quoted_identifier(cols[i]);
  auto mask = gather_real_mask_columns(*B.info);
  if (!mask.empty()) {
    read += ", (";
    for (size_t k = 0; k < mask.size(); k++)
      read += (k ? " | " : "") + std::string("((typeof(") + quoted_identifier(cols[mask[k]]) + ") = 'real') << " + std::to_string(k) + ")";
    read += ")";
  }
  read += ", rowid FROM " + quoted_identifier(B.info->name) + " WHERE rowid > ?1 ORDER BY rowid LIMIT " + std::to_string(kStagePageRows);
  PlanNode src;
  src.kind = OpKind::Shard;
  src.sql = read;
  src.params = 1;
  src.has_bound = true;
  src.nodes = env.all_nodes();
  src.detail = "paged read of " + B.info->name;
  rp.children.push_back(std::move(src));
  return std::optional<Plan>(std::move(plan));
}

}  // namespace bd::planner
