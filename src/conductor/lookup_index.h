// Global lookup indexes (Vitess-style lookup vindexes): for an index on columns (c1..ck) of a
// sharded table, a hidden table _bd_idx_<name>(v1..vk, ksid) sharded by v1 maps indexed values to
// the keyspace ids of the rows holding them. Entries are written before their row and removed
// after it, so a lookup never misses a row; a stale entry only costs a wasted visit, since the
// query itself re-checks its WHERE clause on the owning node. UNIQUE is enforced by the entries'
// own UNIQUE constraint: equal values always meet on the same node.
#pragma once
#include <optional>
#include <vector>
#include "conductor/exec_context.h"

namespace bd {

// The hidden global unique index that enforces a PRIMARY KEY without the shard key across nodes
// (reserved name: never in the logical schema, so no introspection shows it).
inline std::string global_pk_name(std::string_view table) { return std::string(kReservedPrefix) + "pk_" + std::string(table); }

// SQLite's error for a row that breaks a global unique index: its words name the user's table and
// columns, its code is SQLITE_CONSTRAINT_PRIMARYKEY for a PRIMARY KEY's index, else _UNIQUE.
Error unique_violation(const TableInfo& index);

// The hidden table's DDL for an index, and its columns (v1..vk, ksid, _bd_ksid).
std::vector<std::string> lookup_table_ddl(const TableInfo& index);
std::vector<std::string> lookup_table_columns(const TableInfo& index);

// INSERT statements for `rows` into `table`, at most 100 bound parameters each (the Durable
// Object limit). `verb`: "INSERT" or "INSERT OR REPLACE".
std::vector<storage::Statement> chunked_inserts(const std::string& table, const std::vector<std::string>& cols, std::vector<Row> rows,
                                                const char* verb = "INSERT");

struct IndexedRow {
  Row values;     // the base table's indexed columns, in index order (affinity applied)
  uint64_t ksid;  // the row's keyspace id
};

// Writes (or removes) the entries of these rows for one index. Errors name the base table.
Task<Status> add_index_entries(Exec& x, const TableInfo& index, std::vector<IndexedRow> rows);
Task<Status> remove_index_entries(Exec& x, const TableInfo& index, std::vector<IndexedRow> rows);

// Nodes owning rows that match `where` through some global index of `t` (nullopt: no index
// applies). One round trip to the index's shards.
Task<Result<std::optional<std::vector<uint32_t>>>> route_by_index(Exec& x, const TableInfo& t, const sql::Expr* where,
                                                                  const std::string& alias);

// Creates the index's hidden table and fills it from the rows that exist now.
Task<Status> build_lookup_index(Exec& x, const TableInfo& table, const TableInfo& index);

}  // namespace bd
