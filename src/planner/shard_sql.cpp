#include "planner/shard_sql.h"

#include "planner/params.h"
#include "sql/printer.h"

namespace bd::planner {

Result<TableInfo> table_info_from_create(const sql::CreateTable& ct, std::string create_sql) {
  TableInfo t;
  t.name = ct.name.name;
  t.without_rowid = ct.without_rowid;
  t.create_sql = std::move(create_sql);
  std::vector<std::string> pk;
  for (auto& col : ct.columns) {
    ColumnInfo ci;
    ci.name = col.name;
    if (col.type) {
      ci.decl_type = col.type->name;
      if (!col.type->arg1.empty()) ci.decl_type += "(" + col.type->arg1 + (col.type->arg2.empty() ? "" : "," + col.type->arg2) + ")";
    }
    ci.affinity = affinity_of_type(col.type ? col.type->name : "");
    bool is_pk = false, desc = false;
    for (auto& c : col.constraints) {
      if (c.kind == sql::ColumnConstraintKind::PrimaryKey) {
        is_pk = true;
        desc = c.order == sql::SortOrder::Desc;
        if (c.autoincrement) t.autoincrement = true;
      } else if (c.kind == sql::ColumnConstraintKind::Collate) {
        ci.collation = c.collation;
      } else if (c.kind == sql::ColumnConstraintKind::Generated) {
        ci.generated = true;
      }
    }
    if (is_pk) {
      pk.push_back(col.name);
      // INTEGER PRIMARY KEY (exactly that type name, not DESC) aliases the rowid.
      if (!ct.without_rowid && col.type && iequals(col.type->name, "INTEGER") && !desc) t.rowid_alias = static_cast<int>(t.columns.size());
    }
    t.columns.push_back(std::move(ci));
  }
  for (auto& tc : ct.constraints) {
    if (tc.kind != sql::TableConstraintKind::PrimaryKey) continue;
    if (tc.autoincrement) t.autoincrement = true;
    for (auto& term : tc.columns) {
      const sql::Expr* e = term.expr.get();
      while (e && e->kind == sql::ExprKind::Collate) e = e->left.get();
      if (e && e->kind == sql::ExprKind::Column) pk.push_back(e->name);
    }
    if (tc.columns.size() == 1 && !pk.empty()) {
      int idx = t.column_index(pk.back());
      if (idx >= 0 && !ct.without_rowid && iequals(t.columns[idx].decl_type, "INTEGER") && tc.columns[0].order != sql::SortOrder::Desc)
        t.rowid_alias = idx;
    }
  }
  if (!pk.empty()) {
    t.shard_key = t.column_index(pk.front());
  } else {
    // No PRIMARY KEY but a UNIQUE column: shard by it, so that each node enforces the uniqueness
    // exactly (equal values always land on the same node).
    for (auto& col : ct.columns)
      for (auto& c : col.constraints)
        if (t.shard_key < 0 && c.kind == sql::ColumnConstraintKind::Unique) t.shard_key = t.column_index(col.name);
    for (auto& tc : ct.constraints) {
      if (t.shard_key >= 0 || tc.kind != sql::TableConstraintKind::Unique || tc.columns.empty()) continue;
      const sql::Expr* e = tc.columns[0].expr.get();
      while (e && e->kind == sql::ExprKind::Collate) e = e->left.get();
      if (e && e->kind == sql::ExprKind::Column) t.shard_key = t.column_index(e->name);
    }
  }
  return t;
}

bool foreign_key_on_nodes(const TableInfo& child, const std::vector<std::string>& child_cols, const std::string& parent_name,
                          const std::vector<std::string>& parent_cols, const Topology& topo) {
  const TableInfo* parent = iequals(parent_name, child.name) ? &child : topo.find_table(parent_name);
  if (!parent) return false;
  if (parent->kind == TableKind::Reference) return true;
  if (child.kind != TableKind::Sharded || child.shard_key < 0 || parent->shard_key < 0 || child_cols.size() != 1) return false;
  if (!iequals(child_cols[0], child.columns[child.shard_key].name)) return false;
  std::string parent_col = parent_cols.empty() ? parent->columns[parent->shard_key].name : parent_cols[0];
  return iequals(parent_col, parent->columns[parent->shard_key].name);
}

namespace {
bool node_checkable(const TableInfo& child, const std::vector<std::string>& child_cols, const sql::ForeignKey& fk, const Topology& topo) {
  return foreign_key_on_nodes(child, child_cols, fk.table, fk.columns, topo);
}
}  // namespace

std::vector<DeclaredForeignKey> declared_foreign_keys(const sql::CreateTable& ct) {
  auto deferred = [](const sql::Deferrable& d) { return d.present && !d.negated && d.initially == sql::DeferInit::Deferred; };
  std::vector<DeclaredForeignKey> out;
  for (auto& col : ct.columns)
    for (auto& c : col.constraints) {
      if (c.kind == sql::ColumnConstraintKind::References)
        out.push_back({{col.name}, &c.fk, deferred(c.fk.deferrable)});
      else if (c.kind == sql::ColumnConstraintKind::Deferrable && !out.empty())
        out.back().deferred = deferred(c.deferrable);
    }
  for (auto& tc : ct.constraints)
    if (tc.kind == sql::TableConstraintKind::ForeignKey) out.push_back({tc.fk_columns, &tc.fk, deferred(tc.fk.deferrable)});
  return out;
}

std::string shard_create_sql(const sql::CreateTable& ct, const TableInfo& t, const Topology& topo) {
  sql::CreateTable copy = ct;
  auto declared = declared_foreign_keys(copy);
  size_t next = 0;
  auto kept_on_nodes = [&](const std::vector<std::string>& cols, const sql::ForeignKey& fk) {
    bool deferred = next < declared.size() && declared[next].deferred;
    next++;
    return !deferred && node_checkable(t, cols, fk, topo);
  };
  for (auto& col : copy.columns) {
    std::vector<sql::ColumnConstraint> kept;
    for (auto& c : col.constraints) {
      if (c.kind == sql::ColumnConstraintKind::References && !kept_on_nodes({col.name}, c.fk)) continue;
      if (c.kind == sql::ColumnConstraintKind::Deferrable && !kept.empty() && kept.back().kind != sql::ColumnConstraintKind::References)
        continue;
      kept.push_back(c);
    }
    col.constraints = std::move(kept);
  }
  std::vector<sql::TableConstraint> kept;
  for (auto& tc : copy.constraints)
    if (tc.kind != sql::TableConstraintKind::ForeignKey || kept_on_nodes(tc.fk_columns, tc.fk)) kept.push_back(tc);
  copy.constraints = std::move(kept);
  sql::ColumnDef hidden;
  hidden.name = std::string(kKsidColumn);
  hidden.type = sql::make<sql::TypeName>();
  hidden.type->name = "INTEGER";
  copy.columns.push_back(std::move(hidden));
  copy.if_not_exists = false;
  sql::Stmt st;
  st.node = std::move(copy);
  (void)t;
  return sql::print(st);
}

std::vector<std::string> gathered_columns(const TableInfo& t) {
  std::vector<std::string> cols;
  for (auto& c : t.columns)
    if (!c.generated) cols.push_back(c.name);
  return cols;
}

// Only a hidden-rowid shard key makes rowids globally unique; other tables' rowids are node-local.
bool gathers_rowid(const TableInfo& t) { return !t.without_rowid && t.rowid_alias < 0 && t.shard_key < 0; }

std::vector<int> gather_real_mask_columns(const TableInfo& t) {
  std::vector<int> out;
  int pos = 0;
  for (auto& c : t.columns) {
    if (c.generated) continue;
    if (c.affinity == Affinity::Blob && out.size() < 62) out.push_back(pos);
    pos++;
  }
  return out;
}

std::string gather_sql(const TableInfo& t, const std::string& alias) {
  std::string sql = "SELECT ";
  bool first = true;
  auto cols = gathered_columns(t);
  for (auto& c : cols) {
    sql += (first ? "" : ", ") + quoted_identifier(c);
    first = false;
  }
  if (gathers_rowid(t))
    sql += first ? "rowid" : ", rowid";
  else if (first)
    sql += "NULL";
  auto mask = gather_real_mask_columns(t);
  if (!mask.empty()) {
    sql += ", (";
    for (size_t k = 0; k < mask.size(); k++)
      sql += (k ? " | " : "") + std::string("((typeof(") + quoted_identifier(cols[mask[k]]) + ") = 'real') << " + std::to_string(k) + ")";
    sql += ")";
  }
  sql += " FROM " + quoted_identifier(t.name);
  if (!alias.empty() && !iequals(alias, t.name)) sql += " AS " + quoted_identifier(alias);
  return sql;
}

sql::ExprPtr column_ref(const std::string& table, const std::string& column) {
  auto e = sql::make<sql::Expr>();
  e->kind = sql::ExprKind::Column;
  e->table = table;
  e->name = column;
  return e;
}

sql::ExprPtr cast_as_text(sql::ExprPtr inner) {
  auto e = sql::make<sql::Expr>();
  e->kind = sql::ExprKind::Cast;
  e->left = std::move(inner);
  e->cast_type = sql::make<sql::TypeName>();
  e->cast_type->name = "TEXT";
  return e;
}

Result<ShardSql> shard_select_sql(const sql::Select& sel, const TableInfo& t) {
  sql::Select copy = sel;
  for (auto& core : copy.cores) {
    std::vector<sql::ResultColumn> cols;
    for (auto& rc : core.columns) {
      if (rc.kind == sql::ResultKind::Expr) {
        cols.push_back(std::move(rc));
        continue;
      }
      std::string qualifier = rc.kind == sql::ResultKind::TableStar ? rc.table : "";
      for (auto& c : t.columns) {
        sql::ResultColumn out;
        out.kind = sql::ResultKind::Expr;
        out.expr = column_ref(qualifier, c.name);
        cols.push_back(std::move(out));
      }
    }
    core.columns = std::move(cols);
  }
  ShardSql out;
  out.params = number_params(copy);
  out.sql = sql::print(copy);
  return out;
}

IndexProbe index_probe(const TableInfo& index, const std::vector<Value>& values) {
  IndexProbe p;
  bool null = false;
  std::string in;
  for (auto& v : values) {
    if (v.is_null()) {
      null = true;
      continue;
    }
    in += in.empty() ? "?" : ",?";
    p.params.push_back(v);
  }
  std::string where;
  if (!in.empty()) where = "v1 IN (" + in + ")";
  if (null) where += (where.empty() ? "" : " OR ") + std::string("v1 IS NULL");
  p.sql = "SELECT DISTINCT CAST(ksid AS TEXT) FROM " + quoted_identifier(lookup_table_name(index.name)) + " WHERE " + where;
  return p;
}

}  // namespace bd::planner
