// Typed operations on a storage node's own tables. The conductor never writes SQL against the
// node's internal tables: it sends one of these in place of a statement (Statement::op), and the
// node checks it and writes the SQL itself, here, the one place that knows each table's schema
// and each encoding. An op runs in order with the request's statements, in the same node
// transaction, and answers one result set like a statement.
//
// Tables:
//   _bd_node     (k, v): the node's state. 'min_epoch' (requests planned on an older topology are
//                refused), 'catalog' (the same for the catalog version), 'owned' and 'fence'
//                (virtual-shard bitmaps: blob, bit i = virtual shard i), 'freeze' (writes paused
//                until then, ms since the Unix epoch), and the transaction participant's entries
//                (storage/txn.h).
//   _bd_changes  (seq, tbl, rid): a move's change log on its source node, filled by the capture
//                triggers _bd_cap_{i,u,d}_<table> on the rows of the moving keyspace ranges.
//   _bd_stage_<table>  (_bd_src, _bd_rid, the table's columns): a move's copy of the rows coming to
//                its target node, by source node and rowid there; invisible to queries until
//                StageActivate moves them into the table.
//   _bd_snap_<id>_<i>, _bd_snap_<id>_tables, _bd_snap_<id>_schema: an export's snapshot (one
//                table's rows as of the snapshot; on node 0 the exported tables' descriptions and
//                the node's user indexes and triggers).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include "base/result.h"
#include "host/host.h"
#include "value/value.h"

namespace bd::wire {
class Writer;
class Reader;
}  // namespace bd::wire

namespace bd::storage {

inline constexpr const char* kNodeTableSql = "CREATE TABLE IF NOT EXISTS _bd_node(k TEXT PRIMARY KEY, v ANY) STRICT";

enum class OpKind : uint8_t {
  // _bd_node
  SetOwned = 1,      // this node owns exactly `vshards`
  RetrackOwned = 2,  // the same, on a node that already tracks ownership (else nothing)
  RaiseEpoch = 3,    // refuse requests planned on an epoch below `number` (the highest is kept)
  RaiseCatalog = 4,  // refuse requests planned on a catalog version below `number` (the highest is kept)
  SetFence = 5,      // refuse writes to `vshards` (they must be owned here)
  ClearFence = 6,
  Freeze = 7,  // refuse writes for `number` ms from now (the node's clock): an export's snapshot
  Unfreeze = 8,
  LiveTxns = 9,  // one row: the transactions active or prepared here
  // Change capture on a move's source
  CaptureStart = 10,  // an empty log, and triggers on `tables` logging changes to rows in `ranges`
  CaptureStop = 11,   // no triggers on `tables`, no log
  ChangeSlice = 12,   // one row: the last seq of the `limit` entries after seq `number`, entries after that
  ChangedRows = 13,   // the rows of `table` logged in that slice: (rowid as text, first seq, bytes of
                      // `columns` now; 0 when gone or no longer in `ranges`)
  TxnsInRanges = 14,  // one row: undo entries of live transactions and shared locks on keys in `ranges`
  SchemaRead = 15,    // rows (type, name, sql) of what a new node copies: the users' tables, indexes,
                      // triggers and views and the global indexes' lookup tables, in schema order
  SchemaApply = 16,   // `rows` of a SchemaRead: each object this node does not have yet is created
  UserObjects = 17,   // rows (type, name, tbl_name, sql) of the users' indexes and triggers (of `table`
                      // only, NOCASE, when given), in schema order: what DDL and moves drop and re-create
  // A move's reads and deletes of the users' tables (and lookup tables) on its source, by keyspace
  // range. Values come back exactly (decode_exact_values): a mask of storage classes, integers as text.
  RangeCount = 40,   // one row: rows of `table` in `ranges`
  RangeBatch = 41,   // rows of `table` in `ranges` with rowid >= `after` in rowid order: at most `limit`,
                     // cut after `bytes` bytes of `columns` (at least one); columns: rowid as text, the
                     // exact values, then rowid, size, running size, row number and, last, how many
                     // rows the limit found
  FetchLogged = 42,  // per rowid of `rowids`: (rowid as text, whether it is in `ranges`, the exact values)
  FetchRows = 43,    // the rows of `rowids` that exist: (rowid as text, the exact values)
  RangeRowids = 44,  // rows (rowid as text) of `table` in `ranges`
  RangeDelete = 45,  // the rows of `table` in `ranges` go
  // Move staging on a move's target
  StageCreate = 20,    // an empty staging table for `table` with `columns`
  StageUpsert = 21,    // `rows` (rowid on source `source`, then the values of `columns`) replace their staged copy
  StageDelete = 22,    // the staged copies of `rowids` from `source` go
  StageRowids = 23,    // every staged row: (source, rowid as text)
  StageActivate = 24,  // the staged rows into `table` (`columns`, and their rowid when `keep_rowid`), in
                       // (source, rowid) order; staging is left empty
  StageDrop = 25,
  // An export's snapshot `name` (an id: digits, 'x', letters and digits)
  SnapCopy = 30,     // snapshot table `number`: `columns` of `table`, as they are now
  SnapCatalog = 31,  // the tables' descriptions (`rows`: i, blob) and the node's user indexes and triggers
  SnapList = 32,     // rows (id) of every snapshot on this node
  SnapDrop = 33,     // every table of the snapshot
  SnapTables = 34,   // rows (info) of the descriptions, of table `number` only when >= 0
  SnapSchema = 35,   // rows (type, name, tbl_name, sql) of the indexes and triggers, in schema order
  SnapRows = 36,     // a batch of table `number`'s rows with rowid > `after`: at most `limit` rows, cut
                     // after `bytes` bytes of values (at least one); columns: rowid, each of `columns`
                     // (followed by typeof = 'real' for those listed in `marked`), then the running
                     // size, row number and, last, how many rows the limit found
};

// A keyspace range, both ends included.
struct KsidRange {
  uint64_t lo = 0, hi = 0;
};

struct NodeOp {
  OpKind kind = OpKind::SetOwned;
  std::vector<uint32_t> vshards;
  std::vector<KsidRange> ranges;
  int64_t number = 0;
  int64_t limit = 0;
  std::string table;
  std::vector<std::string> tables;
  std::vector<std::string> columns;
  uint32_t source = 0;
  bool keep_rowid = false;
  std::vector<int64_t> rowids;
  std::vector<Row> rows;
  std::string name;
  int64_t after = 0, bytes = 0;
  std::vector<uint32_t> marked;
};

// The values of a row read by RangeBatch, FetchLogged or FetchRows: the mask at `first`, then
// `ncols` values.
Result<Row> decode_exact_values(const Row& row, size_t first, size_t ncols);

// An export's snapshot id: the export's start time (ms since the Unix epoch), 'x', then lowercase
// letters and digits; at most 48 characters.
bool valid_snapshot_id(const std::string& id);

void encode_op(wire::Writer& w, const NodeOp& op);
NodeOp decode_op(wire::Reader& rd);

// Runs one op on the node's SQLite (its clock: SQLite's 'now').
Result<ResultSet> run_op(SqlHost& sql, const NodeOp& op);

// Virtual-shard bitmaps as _bd_node keeps them.
std::string vshard_bitmap(const std::vector<uint32_t>& vshards);
bool bitmap_has(const std::string& bits, uint32_t vshard);
bool bitmap_any(const std::string& bits);

// The SQL condition "`column` lies in one of `ranges`" (the one form every range filter uses):
// aligned power-of-two blocks, each one `(column >> k) IN (...)` test.
std::string ksid_ranges_sql(const std::vector<KsidRange>& ranges, const std::string& column);

}  // namespace bd::storage
