// Co-located joins: when every sharded table of a join is tied to the others by equality of their
// shard keys (and the rest are reference tables), each result row is made of rows that live on one
// node, so the whole join runs on each shard and the results are concatenated — no gathering.
#pragma once
#include <optional>
#include <string>
#include <vector>
#include "sql/ast.h"
#include "topology/catalog.h"

namespace bd::planner {

struct ColocatedPlan {
  std::string shard_sql;  // the query with stars expanded to user columns
  int param_count = 0;
  bool reference_only = false;                 // no sharded table: any one node answers
  std::optional<std::vector<Value>> key_pins;  // shard-key values that restrict the nodes
  std::string pinned_table;                    // whose key the pins are for
};

// nullopt when the statement is not a plain co-located join (or needs merging beyond concatenation).
std::optional<ColocatedPlan> plan_colocated(const sql::Select& sel, const Topology& topo, const std::vector<Value>& params);

}  // namespace bd::planner
