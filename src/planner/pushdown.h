// Filter pushdown for gathered tables: WHERE conjuncts that read only one table (in whichever
// core of the statement reads it: compound parts, CTEs, subqueries) run on the shards, so the combine engine receives only rows that can
// matter, and shard-key conjuncts limit the gather to the owning nodes.
#pragma once
#include <optional>
#include <string>
#include <vector>
#include "sql/ast.h"
#include "topology/catalog.h"

namespace bd::planner {

struct TableFilter {
  std::string table;      // catalog name
  std::string alias;      // how the query names it (conjuncts use it)
  std::string where_sql;  // conjuncts joined with AND, parameters renumbered ?1..?n
  std::vector<Value> params;
  std::optional<std::vector<Value>> key_pins;  // shard-key values the conjuncts restrict to
};

// One entry per table that has pushable conjuncts. A table qualifies only when the statement
// references it exactly once and it is not on the null-supplying side of an outer join.
std::vector<TableFilter> pushdown_filters(const sql::Select& sel, const Topology& topo, const std::vector<Value>& params);

}  // namespace bd::planner
