// The plan executor: walks a plan tree (planner/plan.h), sending each Shard operator's statement
// to its nodes and merging the rows on the conductor with the merge operators.
#pragma once
#include "conductor/exec_context.h"
#include "planner/plan.h"
#include "planner/select_plan.h"

namespace bd {

// The planning environment of this statement (topology, parameters, SQLite for constants).
planner::PlanEnv plan_env(Exec& x);

// Cheap statistics: up to this many rows in all, a statement's sharded tables are gathered into
// the combine engine rather than staged on the nodes (and at most half the gather cap).
inline constexpr uint64_t kGatherBeatsStagingRows = 20000;
int64_t gather_small_rows(const Exec& x);

// Asks every node for the row counts of the sharded tables `sel` reads that this isolate has no
// count of (one round trip), outside transactions; true when it learned any.
Task<bool> learn_table_rows(Exec& x, const sql::Select& sel);
// Forgets the counts of the tables `sel` reads (they proved stale).
void forget_table_rows(Exec& x, const sql::Select& sel);

// How the combine engine's refusal of a gather over the cap begins (gather_over_cap tells it).
inline constexpr std::string_view kGatherCapError = "query would gather more than ";
inline bool gather_over_cap(const Error& e) { return e.code == ErrorCode::Limit && e.message.starts_with(kGatherCapError); }

// A fresh name for a staging table (random: names never meet across isolates).
std::string staging_table_name(Exec& x);

// Runs a Combine node over `db`, a database the caller prepared (its own tables, functions and
// rows: the full-text ranking of fts.h), or a fresh one when null.
Task<Result<QueryOutput>> run_combine_on(Exec& x, const planner::PlanNode& comb, std::unique_ptr<CombineDb> db);

// Runs the plan; sets x.plan to the plan's name (or what the run decided: an index route's
// node count, a fallback to the combine engine).
Task<Result<QueryOutput>> run_plan(Exec& x, const planner::Plan& plan);

}  // namespace bd
