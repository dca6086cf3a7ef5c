// Parameters in rewritten SQL. The planner moves expressions around (hidden sort columns, SET
// values reordered into a SELECT, LIMIT replaced), so shard SQL names every parameter by its number
// (?NNN) and binds exactly as many values as the rewritten statement uses.
#pragma once
#include <vector>
#include "sql/ast.h"
#include "value/value.h"

namespace bd::planner {

// Rewrites every parameter as ?NNN (its SQLite number); returns the largest number used.
int number_params(sql::Select& s);
int number_params(sql::Expr& e);

// The values for a statement whose largest parameter number is `count` (missing ones are NULL,
// as unbound parameters are in SQLite).
std::vector<Value> params_for(const std::vector<Value>& params, int count);

}  // namespace bd::planner
