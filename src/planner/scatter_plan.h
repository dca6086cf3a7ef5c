// Scatter with a streaming merge: a single-table SELECT without aggregates runs on every shard with
// its ORDER BY and a LIMIT of limit+offset pushed down; the conductor k-way merges the sorted
// streams, removes duplicates for DISTINCT, and applies OFFSET/LIMIT exactly as SQLite does.
#pragma once
#include <optional>
#include <string>
#include <vector>
#include "base/result.h"
#include "planner/merge_spec.h"
#include "sql/ast.h"
#include "topology/catalog.h"

namespace bd::planner {

struct ScatterMerge {
  std::string shard_sql;
  int param_count = 0;                         // bind exactly this many parameters
  std::vector<merge::SortKey> keys;            // over shard output columns (may include hidden ones)
  std::vector<Collation> distinct_collations;  // set when DISTINCT
  bool distinct = false;
  int64_t limit = -1;  // conductor-side, after the merge
  int64_t offset = 0;
  size_t visible_columns = 0;  // hidden sort columns follow these
};

// nullopt: the query needs another plan (aggregates, windows, ORDER BY terms whose collation the
// merge cannot know, ...). `limit`/`offset` are the already-evaluated LIMIT/OFFSET values.
std::optional<ScatterMerge> plan_scatter_merge(const sql::Select& sel, const TableInfo& t, int64_t limit, int64_t offset);

// The collation SQLite applies to an expression's value when sorting/comparing it, when knowable
// from the expression alone: an explicit COLLATE, a column's declared collation, else BINARY.
// nullopt when a nested COLLATE makes it depend on SQLite's precedence rules.
std::optional<std::string> expr_collation(const sql::Expr& e, const TableInfo& t);

}  // namespace bd::planner
