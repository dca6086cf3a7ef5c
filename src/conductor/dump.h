// Export and import of a logical database as SQL text.
//
// Export is a sequence of steps, each answering one chunk of the dump and the cursor of the next
// step (the host streams the chunks; no step holds more than one batch of rows):
//   1. snapshot: writes are paused on every node (a short-lived `freeze` in _bd_node that the
//      node itself expires); the snapshot waits until no node holds a transaction's uncommitted
//      or prepared rows (none can start writing while paused; their commits and rollbacks go
//      through); then every exported table is copied into a snapshot table on each node, and a
//      last round lifts the pause. The copies hold committed rows only, and a multi-node write is
//      in all of them or in none: the dump is consistent as of one moment. The schema follows:
//      CREATE TABLE statements with their placement PRAGMAs (plain sqlite3 ignores them).
//   2. rows: from the snapshot tables, in rowid order, a bounded batch per step, as INSERTs.
//   3. the rest of the schema (indexes, views, triggers) after the rows, COMMIT, and the snapshot
//      tables dropped. Snapshots abandoned by a client that went away are dropped by later exports.
// The dump restores into one plain sqlite3 (`sqlite3 db < dump.sql`) and into Big Daddy (import).
//
// Import takes a dump in chunks (a sqlite3 .dump, a `wrangler d1 export` file or our own): it runs
// every complete statement of the chunk, merging runs of single-row INSERTs into one table into
// multi-row INSERTs, skips statements that make no sense here (transaction control, PRAGMAs without
// effect, SQLite's and D1's internal tables) and reports each kind it skipped, and answers how many
// bytes it consumed (the rest is an incomplete statement, sent again with the next chunk).
#pragma once
#include "conductor/conductor.h"

namespace bd {

// `input.sql`: the cursor ("" to begin); params: [snapshot id (letters and digits, starting with the
// ms since the Unix epoch, then 'x'), tables to export (text, any number; none: all)]. Answers one
// row: (chunk TEXT, next cursor TEXT; "" when the dump is complete).
Task<Result<QueryOutput>> export_step(Conductor& c, Session& s, QueryInput input);

// Drops the snapshot tables of an export that will not finish (params: [snapshot id]).
Task<Result<QueryOutput>> export_abandon(Conductor& c, Session& s, QueryInput input);

// `input.sql`: the next part of the dump; params: [final (0/1)]. Answers one row of JSON:
// {"consumed": bytes of input.sql used, "statements": run, "rows": rows written,
//  "skipped": [{"reason", "count", "example"}]}. An incomplete statement in a final chunk is an error.
Task<Result<QueryOutput>> import_chunk(Conductor& c, Session& s, QueryInput input);

}  // namespace bd
