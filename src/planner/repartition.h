// Repartition joins (Citus's single-repartition join): when two large sharded tables are joined on
// the shard key of one (A.key = B.col) and neither side is selective, B's rows are sent, hashed by
// col under A's sharding, into a per-query staging table on A's nodes; the query then runs as a
// join co-located on A's key on every node in parallel, and only merging remains (partial
// aggregates, sorted streams). The staging tables are dropped after the query, also after a
// failure, and by the nodes themselves once expired (storage/staging.h).
#pragma once
#include <optional>
#include <string>
#include "base/result.h"
#include "planner/select_plan.h"

namespace bd::planner {

// Rows read from each node per round trip while staging (bounded conductor memory).
inline constexpr int64_t kStagePageRows = 20000;
// The most rows a table may have to be copied to every node for a join (a broadcast).
inline constexpr int64_t kBroadcastRows = 10000;

// nullopt: not a join this plan covers. `staged`: the staging table's name for this query.
Result<std::optional<Plan>> plan_repartition(const sql::Select& sel, const PlanEnv& env, const std::string& staged);

}  // namespace bd::planner
