// Runs one request (a statement or script, an EXPLAIN, or a topology report) as a session task.
#pragma once
#include "conductor/conductor.h"

namespace bd {

// ReshardStep: run the next step of the database's resize job (the topology object's alarm).
// Query and Explain take exactly one statement; Script runs statements separated by ';' in order
// (no parameters) and reports each one's output.
// Create: register and create the database if missing (`nodes`), answer {"database", "created"}.
// Drop: delete the database and wipe its nodes. Databases: the catalog of databases (JSON).
// Browse: a page of a table's rows with the node of each (conductor/browse.h). Export, ExportAbandon,
// Import: dumps as SQL text (conductor/dump.h).
enum class RequestMode : uint8_t {
  Query = 0,
  Explain = 1,
  Topology = 2,
  ReshardStep = 3,
  Script = 4,
  Create = 5,
  Drop = 6,
  Databases = 7,
  Browse = 8,
  Export = 9,
  ExportAbandon = 10,
  Import = 11
};

Task<Result<QueryOutput>> run_request(Conductor& c, Session& s, QueryInput input);

// Runs one statement (SQL text) outside any transaction, with the usual retries (a transaction's
// compensation for its schema changes).
Task<Status> run_sql_autocommit(Conductor& c, Session& s, const QueryInput& input, std::string sql);

// Sets the catalog's logical schema rows to `rows` (a transaction's undo of its schema changes
// restores the exact sqlite_master it started from).
Task<Status> restore_logical_schema(Conductor& c, Session& s, const QueryInput& input, std::vector<SchemaRow> rows);

// Whether the reads of the statement so far saw every multi-node transaction on all of its
// participants or on none (checked when the statement ends, and before a streamed result's first
// rows go out, while the statement can still run again).
bool atomic_visibility_holds(const Session& s);

}  // namespace bd
