// The SQL the planner sends to storage nodes: shard-local forms of the user's statements, with the
// hidden keyspace-id column handled (stars never expose it, inserts always fill it).
#pragma once
#include <string>
#include <vector>
#include "base/result.h"
#include "sql/ast.h"
#include "topology/catalog.h"

namespace bd::planner {

// A column reference expression, [table.]column.
sql::ExprPtr column_ref(const std::string& table, const std::string& column);
// CAST(<column> AS TEXT): how keyspace ids are read back exactly through a Durable Object.
sql::ExprPtr cast_as_text(sql::ExprPtr e);

// Catalog entry for a new table, from its CREATE TABLE (shard key: the first PRIMARY KEY column,
// or the hidden rowid when there is none).
Result<TableInfo> table_info_from_create(const sql::CreateTable& ct, std::string create_sql);

// The CREATE TABLE each node runs: the user's columns plus the hidden keyspace-id column. A
// foreign key stays only where each node can check it on its own rows: the parent is a reference
// table, or child and parent are co-located (the child's shard key references the parent's), and
// the key is not deferred (a node would check it when its request ends, not when the transaction
// commits).
// Others are dropped from the nodes' schema (a node would refuse children whose parent lives
// elsewhere); the conductor checks those (conductor/fk.h).
std::string shard_create_sql(const sql::CreateTable& ct, const TableInfo& t, const Topology& topo);

// The foreign keys of `ct` in declaration order (column constraints, then table constraints), each
// with whether it is DEFERRABLE INITIALLY DEFERRED: a DEFERRABLE clause standing alone among a
// column's constraints applies to the table's latest foreign key so far, as SQLite reads it.
struct DeclaredForeignKey {
  std::vector<std::string> from;
  const sql::ForeignKey* fk = nullptr;
  bool deferred = false;
};
std::vector<DeclaredForeignKey> declared_foreign_keys(const sql::CreateTable& ct);

// Whether the nodes check the foreign key child(child_cols) -> parent(parent_cols) on their own
// rows (empty parent_cols: the parent's PRIMARY KEY), as shard_create_sql keeps it.
bool foreign_key_on_nodes(const TableInfo& child, const std::vector<std::string>& child_cols, const std::string& parent,
                          const std::vector<std::string>& parent_cols, const Topology& topo);

// Gathering a whole table for the combine engine: user columns (no generated ones), then the rowid
// when the table has one that no column aliases.
std::vector<std::string> gathered_columns(const TableInfo& t);
bool gathers_rowid(const TableInfo& t);
// Positions (in gathered_columns order) of untyped columns: the Durable Object SQL API hands
// integral REALs to JavaScript as plain numbers, so for these the gather adds one trailing
// bitmask column (bit k: the k-th listed column holds a REAL) to restore the storage class.
// Typed columns need none: their affinity restores it when the combine engine loads the rows.
std::vector<int> gather_real_mask_columns(const TableInfo& t);

// `alias`: name the table this way in the FROM clause (pushed-down conjuncts use the query's alias).
std::string gather_sql(const TableInfo& t, const std::string& alias = {});

// A single-table SELECT as each shard runs it: `*` and `t.*` expand to the user's columns only;
// parameters are numbered explicitly and `params` is how many to bind.
struct ShardSql {
  std::string sql;
  int params = 0;
};
Result<ShardSql> shard_select_sql(const sql::Select& sel, const TableInfo& t);

// The probe of a global index: which keyspace ids its entries hold for `values` of its first
// column (read as text, exactly). Entries keep NULLs, and a NULL pin comes from `col IS NULL`, so a
// NULL among the values matches the NULL entries (`IN (NULL)` would match none); `params` are the
// other values, bound in order.
struct IndexProbe {
  std::string sql;
  std::vector<Value> params;
};
IndexProbe index_probe(const TableInfo& index, const std::vector<Value>& values);

}  // namespace bd::planner
