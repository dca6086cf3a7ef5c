// Runs one request (a statement or script, an EXPLAIN, or a topology report) as a session task.
#pragma once
#include "conductor/conductor.h"
#include "conductor/request_mode.h"

namespace bd {

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
