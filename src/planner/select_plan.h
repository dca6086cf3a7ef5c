// The one place that decides how a SELECT runs: the statement plus the catalog in, a plan tree
// (planner/plan.h) out, without I/O. The conductor executes the tree; EXPLAIN prints it.
#pragma once
#include <functional>
#include <optional>
#include <utility>
#include <string>
#include <vector>
#include "base/result.h"
#include "planner/analysis.h"
#include "planner/plan.h"
#include "sql/ast.h"
#include "topology/catalog.h"

namespace bd::planner {

struct PlanEnv {
  const Topology& topo;
  const std::vector<Value>& params;
  // Evaluates a constant expression (LIMIT values) exactly as SQLite does.
  std::function<Result<Value>(const sql::Expr&)> constant;
  // LIMIT/OFFSET as (limit, offset) with SQLite's conversions (-1: no limit); nullopt when the
  // values are not constants the conductor can evaluate; an error for a LIMIT SQLite refuses.
  std::function<Result<std::optional<std::pair<int64_t, int64_t>>>(const sql::Limit&)> limit;
  // A fresh staging-table name for a repartition join (unset: no repartition plans).
  std::function<std::string()> staging_name;
  // Rows of a sharded table as its nodes last reported them (nullopt or unset: not known), and the
  // total up to which gathering a statement's tables into the combine engine beats staging them on
  // the nodes (a gather is one round trip; a repartition at least five).
  std::function<std::optional<int64_t>(const TableInfo&)> table_rows;
  int64_t gather_small_rows = 0;
  // Joins whose tables have filters of their own are gathered with the filters applied (a selective
  // filter leaves few rows); set once such a gather was over the cap: the filtered rows are staged
  // instead (repartitioned) where the join allows it.
  bool stage_filtered = false;
  // Owning node of `key` in `t` (the key's collation applies).
  uint32_t node_of(const TableInfo& t, const Value& key) const { return topo.vshard_for(t.key_ksid(key)).node; }
  uint32_t vshard_of(const TableInfo& t, const Value& key) const { return topo.vshard_for(t.key_ksid(key)).id; }
  std::vector<uint32_t> all_nodes() const {
    std::vector<uint32_t> n(topo.nodes);
    for (uint32_t i = 0; i < topo.nodes; i++) n[i] = i;
    return n;
  }
};

// The sharded tables `sel` reads whose row counts are not known (env.table_rows).
std::vector<const TableInfo*> tables_without_rows(const sql::Select& sel, const PlanEnv& env);

// Every sharded table `sel` reads has a known row count and together they have at most
// env.gather_small_rows: gathering them beats moving them between nodes.
bool small_enough_to_gather(const sql::Select& sel, const PlanEnv& env);

// The probes of a global index of `t` whose first column `where` pins (empty: none applies): one
// Shard per index node, answering the keyspace ids of the matching rows.
std::vector<PlanNode> index_probes(const TableInfo& t, const sql::Expr* where, const std::string& alias, const PlanEnv& env);

// A statement's WITH clause made visible to a SELECT it contains (INSERT's source, UPDATE and
// DELETE subqueries), which then runs on its own: the SELECT's own CTEs shadow the statement's.
void attach_with(const sql::With* with, sql::Select& sel);

Result<Plan> plan_select(const sql::Select& sel, const PlanEnv& env);

// The combine plan: the tables the statement reads gathered (filtered on the shards, only the rows
// a join can use fetched by key), then `text` run by the conductor's SQLite.
Result<PlanNode> plan_combine(const sql::Select* sel, const std::string& text, int nparams, const Features& f, const PlanEnv& env);

}  // namespace bd::planner
