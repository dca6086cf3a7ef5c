// FTS5 tables across nodes (planner/fts.h has their layout): writes go to the content table, FTS5
// commands to every node, and ranked queries (rank, bm25()) are scored by the conductor with the
// whole table's statistics, exactly as one FTS5 table holding every row scores them.
#pragma once
#include <optional>
#include "conductor/exec_context.h"

namespace bd {

// A write to an FTS5 table `t`, as the write to its content table (a plain sharded table):
// INSERT/UPDATE/DELETE name the content table, and a WHERE that uses full-text search becomes
// `rowid IN (SELECT rowid FROM t WHERE ...)`. nullopt: `st` is an FTS5 command
// (INSERT INTO t(t) VALUES ('optimize')), for run_fts_command.
Result<std::optional<sql::Stmt>> fts_content_write(const TableInfo& t, const sql::Stmt& st);

// INSERT INTO t(t[, rank]) VALUES (...): checked by SQLite on the schema mirror, then run on every
// node. 'rank' (a custom ranking function) is refused.
Task<Result<QueryOutput>> run_fts_command(Exec& x, const TableInfo& t, const sql::Insert& ins);

// Errors of the content-table write in the user's terms (the FTS5 table's name).
Error fts_error(const TableInfo& t, Error e);

// A SELECT that ranks an FTS5 table: one table, a MATCH, and rank or bm25() somewhere.
bool fts_ranked(const Topology& topo, const sql::Select& sel);
Task<Result<QueryOutput>> run_fts_ranked(Exec& x, const sql::Select& sel);
// Any other SELECT that reads an FTS5 table and uses rank or bm25() (a join, a subquery, a
// compound): refused, since only fts_ranked's form is scored with the whole table's statistics.
std::optional<Error> fts_rank_elsewhere(const Topology& topo, const sql::Select& sel);

}  // namespace bd
