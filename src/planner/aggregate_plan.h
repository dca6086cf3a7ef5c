// Two-phase aggregation for single-table queries: each shard computes partial aggregate states per
// group (pushed down with the WHERE clause), the conductor combines them (merge::GroupCombine), and
// the final expressions — the select list over aggregates, HAVING, ORDER BY, DISTINCT, LIMIT — run
// in the combine engine over one row per group, so they mean exactly what SQLite means.
#pragma once
#include <optional>
#include <string>
#include <vector>
#include "planner/merge_spec.h"
#include "sql/ast.h"
#include "topology/catalog.h"

namespace bd::planner {

struct AggregatePlan {
  std::string shard_sql;
  int shard_params = 0;
  bool real_mask = false;                  // shard rows end with a REAL-flags column
  std::vector<merge::GroupKey> keys;       // shard columns 0..keys-1
  std::vector<merge::AggregateSpec> aggs;  // partial columns after the keys
  std::string agg_table_ddl;               // CREATE TABLE _bd_agg(k0.., a0..) for the final step
  std::string final_sql;                   // the user's query over _bd_agg
  int final_params = 0;
  // When the final step only picks _bd_agg columns (no HAVING, ORDER BY, DISTINCT or LIMIT): their
  // positions (keys first, then aggregates), and the conductor projects the groups itself. Empty:
  // final_sql runs in the combine engine.
  std::vector<uint32_t> final_columns;
};

// nullopt: not a plain single-table aggregate this plan covers (the combine engine answers).
// `partitioned_from`: the FROM clause is a join or derived table whose rows are partitioned by
// `t`'s shard key (planner/partition.h); `t` then describes its columns.
std::optional<AggregatePlan> plan_aggregate(const sql::Select& sel, const TableInfo& t, bool partitioned_from = false);

}  // namespace bd::planner
