// The plan as a value: a tree of distributed operators (after Vitess's vtgate primitives and
// Citus's router/pushdown plans). The planner builds it from a statement and the catalog without
// any I/O; the conductor's executor walks it; EXPLAIN prints it without running anything.
//
// Leaves are Shard operators (one statement sent to each of a set of nodes). Inner operators merge
// their children's rows on the conductor: Concat, CountSum, OrderedMerge, Distinct, Limit,
// GroupMerge (partial aggregates combined per group, then the final expressions), and Combine
// (SQLite in the conductor over the rows of Gather children, for what the shards cannot compute).
// LookupGather leaves fetch only the rows whose join key matches the keys an earlier Gather
// returned, from the nodes owning those keys: a lookup (semi-)join that moves keys, not tables.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include "planner/aggregate_plan.h"
#include "planner/scatter_plan.h"
#include "topology/catalog.h"

namespace bd::planner {

enum class OpKind : uint8_t {
  Shard,          // one statement on each of `nodes` (leaf)
  IndexRoute,     // probes a global index (children[2..]); children[0] runs when one node holds the rows, else children[1]
  Concat,         // the children's rows, one after another
  CountSum,       // the sum of the shards' count(*)
  OrderedMerge,   // k-way merge of sorted shard streams
  Distinct,       // removes adjacent duplicates of a sorted stream
  Limit,          // OFFSET/LIMIT
  GroupMerge,     // partial aggregates per group merged, then the final expressions over one row per group
  CountDistinct,  // count(DISTINCT x): the distinct values of the shards' sorted streams, counted as they pass
  Gather,         // one table's rows (filtered on the shards) loaded into the combine engine
  LookupGather,   // a table's rows whose key matches values another Gather returned (keys moved, not tables)
  Combine,        // the statement run by the conductor's SQLite over the gathered rows
  Repartition,    // one table's rows sent, hashed by the join key, into staging tables on the other's nodes; then children[0]
};

const char* op_name(OpKind k);

// A gathered table's rows restricted by the values an earlier gather produced: `column` of this
// table IN (distinct values of `source_column` in the rows of gather `source`).
struct LookupKey {
  int source = -1;            // index (among the Combine's children) of the gather providing the values
  std::string source_column;  // a column of that gather's table
  std::string column;         // this table's column (its shard key, or the first column of a global index)
  bool by_shard_key = false;  // values route to their owning nodes; otherwise every node is asked
  std::string index;          // a global index on `column` that routes the values (when not the shard key)
};

struct PlanNode {
  OpKind kind = OpKind::Shard;
  // Shard: where the statement goes, and the virtual shards a point read names.
  std::vector<uint32_t> nodes;
  std::vector<uint32_t> vshards;
  bool nodes_at_run_time = false;  // decided by the IndexRoute above (EXPLAIN cannot know them)
  // Shard: the SQL sent; Combine: the statement the conductor's SQLite runs. Parameters ?NNN.
  std::string sql;
  int params = 0;
  bool has_bound = false;  // Shard: binds `bound` (its own values) instead of the statement's parameters
  std::vector<Value> bound;
  double est_rows = -1;  // estimated rows this operator produces (-1: unknown)
  std::string detail;    // what EXPLAIN says about this operator
  std::vector<PlanNode> children;

  // Payloads of particular operators.
  std::shared_ptr<const ScatterMerge> merge;       // OrderedMerge / Distinct / Limit
  std::shared_ptr<const AggregatePlan> aggregate;  // GroupMerge
  std::shared_ptr<const PlanNode> fallback;        // GroupMerge: the plan that decides on integer overflow
  std::string table;                               // Gather / LookupGather: catalog name
  std::optional<LookupKey> lookup;                 // LookupGather
  std::vector<std::string> combine_tables;         // Combine: CREATE TABLE statements, in order
  std::vector<std::string> combine_views;          // Combine: CREATE VIEW statements, in order
  // Repartition: the staging table (its columns: the source table's user columns), the source
  // column that places each row (under `target_table`'s sharding), rows per paged read; children[1]
  // is the paged read of the source (binds the last rowid read; the rowid is the last column).
  std::string staged;
  std::string stage_column;
  std::string target_table;
  int64_t page_rows = 0;
  // Repartition of `x NOT IN (SELECT col ...)`: source rows whose column is NULL are not staged;
  // when there is one, NOT IN is NULL for every outer row and children[2] runs instead (the query
  // with that conjunct false).
  bool null_stops = false;
  // Repartition that broadcasts: every source row is appended to the staging table on every node
  // (stage_column unused), which the query then joins as a reference table.
  bool broadcast = false;
  // Combine: the conductor's SQLite starts as the schema mirror (conductor/introspection.h: every
  // table, index, view and trigger, no rows) rather than empty, for statements that read the
  // catalog; combine_tables and combine_views are then already there.
  bool on_schema = false;
  std::string names_sql;               // GroupMerge: the user's query over the empty table (column names)
  std::vector<std::string> names_ddl;  // GroupMerge: the tables names_sql reads
};

struct Plan {
  std::string name;  // the plan's name in meta.plan: route, scatter, scatter-merge, combine, ...
  PlanNode root;
  // Gathered because the tables' row counts (PlanEnv::table_rows) called them small, where their
  // rows could have been staged on the nodes instead.
  bool gathered_by_counts = false;
};

// The plan's EXPLAIN rows (columns step, node, detail): the operators children first, one
// "shard" row per node a statement goes to, then the plan's name and what the conductor does.
std::vector<Row> explain_rows(const Plan& p);

// Every node the plan may send a statement to (EXPLAIN, tests).
std::vector<uint32_t> plan_nodes(const PlanNode& n);

// What a plan costs, read off the tree without running it: round trips when every result fits one
// page (a paged result, a repartition's further pages and the retries of a moving topology add
// more), and what each operator that reads from the nodes asks of them.
struct ReadCost {
  OpKind kind = OpKind::Shard;
  std::string table;  // Gather / LookupGather: the table; a Shard: empty (its statement may read several)
  size_t nodes = 0;   // the nodes it asks (1 for a statement routed at run time by an index probe)
  bool nodes_at_run_time = false;
  double est_rows = -1;  // an upper bound of the rows it fetches when known, else -1
};
struct PlanCost {
  int round_trips = 0;
  std::vector<ReadCost> reads;
};
PlanCost plan_cost(const PlanNode& root);

}  // namespace bd::planner
