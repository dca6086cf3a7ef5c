// The catalog and placement of one database, as the topology object stores it and as every
// conductor isolate caches it (keyed by version; refreshed when a node or the catalog says so).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include "base/result.h"
#include "topology/keyspace.h"
#include "value/affinity.h"
#include "value/text.h"
#include "wire/codec.h"

namespace bd {

// The hidden column every sharded table carries on the storage nodes: the row's keyspace id.
// Data moves and ownership filters select by it; users never see it.
inline constexpr std::string_view kKsidColumn = "_bd_ksid";

// Every name the engine gives its own objects on the nodes (node state, staging, capture triggers,
// lookup tables, hidden columns) starts with this prefix, compared without case: users can create
// no table, index, view, trigger or column named so (a resize could not tell theirs from its own).
inline constexpr std::string_view kReservedPrefix = "_bd_";
inline bool reserved_name(std::string_view name) {
  return name.size() >= kReservedPrefix.size() && iequals(name.substr(0, kReservedPrefix.size()), kReservedPrefix);
}

struct ColumnInfo {
  std::string name;
  std::string decl_type;
  Affinity affinity = Affinity::Blob;
  std::string collation;   // declared COLLATE, empty: BINARY
  bool generated = false;  // GENERATED ALWAYS AS: never inserted or gathered
};

// Index: a global lookup index (its columns are the indexed columns of `base_table`; its entries
// live in the hidden table lookup_table_name(name), sharded by the first indexed value).
enum class TableKind : uint8_t { Sharded = 0, Reference = 1, View = 2, Index = 3 };

struct TableInfo {
  std::string name;
  std::vector<ColumnInfo> columns;
  TableKind kind = TableKind::Sharded;
  // Index into columns of the shard key, or -1: sharded by the hidden rowid (no PRIMARY KEY).
  int shard_key = -1;
  // Index of the INTEGER PRIMARY KEY column (the rowid alias), or -1.
  int rowid_alias = -1;
  bool autoincrement = false;
  bool without_rowid = false;
  std::string create_sql;  // the user's statement, canonical form
  std::string base_table;  // Index: the indexed table
  bool unique = false;     // Index: UNIQUE

  int column_index(std::string_view col) const;
  // The keyspace id of a row whose shard-key value (affinity applied) is `key`.
  uint64_t key_ksid(const Value& key) const { return shard_key >= 0 ? keyspace_id(key, columns[shard_key].collation) : keyspace_id(key); }
  // Index: where the entry whose first indexed value (affinity applied) is `v` lives, by that
  // column's collation (so NOCASE-equal texts meet on one node).
  uint64_t entry_ksid(const Value& v) const { return columns.empty() ? keyspace_id(v) : keyspace_id(v, columns[0].collation); }
};

void encode_table(wire::Writer& w, const TableInfo& t);
Result<TableInfo> decode_table(wire::Reader& r);

// The hidden table holding a global index's entries (indexed values -> keyspace id).
std::string lookup_table_name(std::string_view index);

struct VShard {
  uint32_t id = 0;
  uint64_t lo = 0, hi = 0;  // inclusive keyspace-id range
  uint32_t node = 0;
};

// One row of the logical sqlite_schema, exactly as one SQLite database holding this schema would
// have it (its rootpage aside): every table, index (autoindexes with no SQL), view and trigger the
// users created, in creation order, with their SQL as SQLite stores it. Introspection answers from
// these; Big Daddy's hidden tables and columns are never among them.
struct SchemaRow {
  std::string type, name, tbl_name;
  std::optional<std::string> sql;
  bool operator==(const SchemaRow&) const = default;
};

void encode_schema(wire::Writer& w, const std::vector<SchemaRow>& rows);
Result<std::vector<SchemaRow>> decode_schema(wire::Reader& r);

struct Topology {
  std::string database;
  uint64_t version = 0;  // bumps on every catalog or placement change
  uint64_t epoch = 0;    // bumps on every placement change (ownership moves)
  uint32_t nodes = 0;
  std::vector<VShard> vshards;  // sorted by lo, covering [0, 2^64)
  std::vector<TableInfo> tables;
  bool resizing = false;          // a resize job is running: schema changes wait until it finishes
  std::vector<SchemaRow> schema;  // the logical sqlite_schema (see SchemaRow)
  bool has_schema = false;        // false: a catalog from before schema rows were kept
  int64_t user_version = 0;       // PRAGMA user_version

  const TableInfo* find_table(std::string_view name) const;  // tables and views (not indexes)
  const TableInfo* find_index(std::string_view name) const;
  std::vector<const TableInfo*> indexes_of(std::string_view table) const;
  const VShard& vshard_for(uint64_t ksid) const;
  void encode(wire::Writer& w) const;
  static Result<Topology> decode(wire::Reader& r);
};

}  // namespace bd
