// Pushdown of whole queries whose rows are partitioned by a shard key (Citus's "pushdown" plans):
// the outermost query reads one relation whose every row, and every row its subqueries read for
// it, live on one node — a sharded table, a join co-located on shard keys, or a derived table
// (a FROM subquery or a CTE used once) that groups by the shard key — so each node computes its
// part of the answer alone and the conductor only merges (concatenation, sums of counts, partial
// aggregates, sorted streams).
#pragma once
#include <optional>
#include <string>
#include <vector>
#include "sql/ast.h"
#include "topology/catalog.h"

namespace bd::planner {

struct Partitioned {
  // The relation as a sharded table: its columns (affinity and collation where SQLite keeps
  // them), shard_key: a column holding the partition key (or -1 for a join: see key_pins).
  TableInfo rel;
  std::string alias;             // how the outermost query names it (a join: empty)
  sql::Select sel;               // the statement as the nodes run it: stars expanded, a CTE used once inlined
  std::vector<std::string> ddl;  // CREATE TABLE of every table it reads (result column names)
  // Shard-key values that pin the rows (restrict the nodes), and whose key they are.
  std::optional<std::vector<Value>> key_pins;
  const TableInfo* pinned = nullptr;
  // Members that a global index may route (table, alias as the query names it).
  std::vector<std::pair<const TableInfo*, std::string>> members;
  bool join = false;
};

// nullopt: the statement is not partitioned that way (other plans decide).
std::optional<Partitioned> partitioned_query(const sql::Select& sel, const Topology& topo, const std::vector<Value>& params);

}  // namespace bd::planner
