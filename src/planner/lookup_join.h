// Lookup (semi-)joins for the combine plan: joins that move keys, not tables. When a gathered
// table is tied to a more selective one by an equality — a join condition, `x IN (SELECT y ...)`,
// or an EXISTS correlated on a column — it is fetched after that one, and only its rows whose
// column matches the values the selective side returned: from the nodes owning those values when
// the column is the shard key, else by an IN list on every node. Batches keep to the Durable
// Object limits (100 bound parameters per statement).
#pragma once
#include <string>
#include <vector>
#include "base/limits.h"
#include "planner/plan.h"
#include "planner/pushdown.h"
#include "sql/ast.h"
#include "topology/catalog.h"

namespace bd::planner {

// Parameters a lookup statement binds at most (the Durable Object limit).
inline constexpr size_t kLookupParams = limits::kMaxBoundParameters;

struct GatherInfo {
  const TableInfo* table;
  const TableFilter* filter;  // pushed-down conjuncts, or null
};

// Turns gathers of `comb` (its children, described by `gathers` in the same order) into
// LookupGather operators where an equality of `sel` ties them to a more selective gather.
void plan_lookups(const sql::Select& sel, const Topology& topo, const std::vector<GatherInfo>& gathers, PlanNode& comb);

// The statement a LookupGather sends with `count` key values (after the filter's parameters).
std::string lookup_sql(const PlanNode& lookup_gather, size_t count);

}  // namespace bd::planner
