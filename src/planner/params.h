// Parameters in rewritten SQL. The planner moves expressions around (hidden sort columns, SET
// values reordered into a SELECT, LIMIT replaced), so shard SQL names every parameter by its number
// (?NNN) and binds exactly as many values as the rewritten statement uses.
#pragma once
#include <string>
#include <vector>
#include "base/result.h"
#include "sql/ast.h"
#include "value/value.h"

namespace bd::planner {

// Rewrites every parameter as ?NNN (its SQLite number); returns the largest number used.
int number_params(sql::Select& s);
int number_params(sql::Expr& e);

// The values for a statement whose largest parameter number is `count` (missing ones are NULL,
// as unbound parameters are in SQLite).
std::vector<Value> params_for(const std::vector<Value>& params, int count);

// Adds `offset` to the number of every parameter in `e` (and renames it ?NNN): moves a clause's
// parameters behind values a rewritten statement binds first.
void shift_params(sql::Expr& e, int offset);

// The values bound to `st`, by parameter number, from what the client sent: a list (positional,
// exactly as many as the statement's largest parameter number, as D1 and SQLite's drivers check)
// or, when `names` is not empty, values named like the statement's parameters (":a", "@a" and "$a"
// are bound by "a" or by their full spelling). Wrong counts and unknown or missing names are
// errors in the client's words.
Result<std::vector<Value>> bind_parameters(const sql::Stmt& st, std::vector<Value> values, const std::vector<std::string>& names);

}  // namespace bd::planner
