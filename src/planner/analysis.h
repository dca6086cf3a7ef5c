// What the planner needs to know about a statement before choosing a plan: which tables it reads,
// whether it has subqueries, aggregates, windows, and which shard-key values pin its rows.
#pragma once
#include <optional>
#include <string>
#include <vector>
#include "base/result.h"
#include "sql/ast.h"
#include "topology/catalog.h"

namespace bd::planner {

struct Features {
  std::vector<std::string> tables;  // distinct table/view names referenced anywhere (not CTEs)
  int table_refs = 0;               // table references anywhere, incl. subqueries and CTE uses
  bool subquery = false;            // any nested SELECT (subquery, EXISTS, IN (SELECT), CTE)
  bool aggregate = false;           // an aggregate function in the outermost core
  bool window = false;              // any OVER clause
  bool table_function = false;
  std::vector<std::string> table_functions;  // names of the table-valued functions referenced
};

// Collects features of a whole SELECT (all cores, CTEs and nested selects).
Features analyze_select(const sql::Select& s);
// Same for any expression tree (WHERE of UPDATE/DELETE, VALUES rows...).
void analyze_expr(const sql::Expr& e, Features& f);

bool is_aggregate_function(const sql::Expr& call);

// Whether the statement reads the catalog: sqlite_master / sqlite_schema (and the temp ones), or a
// pragma_* table-valued function.
bool reads_catalog(const Features& f);

// The conjuncts of an AND tree, left to right.
void split_and(const sql::Expr& e, std::vector<const sql::Expr*>& out);

// The literal's value exactly as SQLite reads it (integers, hex, reals, strings, blobs, NULL, TRUE).
Result<Value> literal_value(const sql::Expr& e);

// A constant the conductor can evaluate without SQLite: a literal, a parameter, or a signed numeric
// literal. Returns nullopt for anything else.
std::optional<Value> simple_constant(const sql::Expr& e, const std::vector<Value>& params);

// The shard-key values that pin the rows `where` can match on `table` (referenced as `alias`), when
// the WHERE clause restricts the key to a finite set: `k = c`, `k IN (c, ...)`, `k = c OR k = d`,
// combined with AND. nullopt: no restriction (scatter).
std::optional<std::vector<Value>> shard_key_pins(const sql::Expr* where, const TableInfo& table, const std::string& alias,
                                                 const std::vector<Value>& params);

}  // namespace bd::planner
