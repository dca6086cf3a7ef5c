// The dashboard's table browser: one page of a table's rows, sorted by any column, with the node
// each row lives on.
#pragma once
#include "conductor/conductor.h"

namespace bd {

// `input.sql` names the table (or view); params: [sort column or NULL, descending (0/1), limit,
// offset]. Runs SELECT * (plus the rowid where it is the shard key) ORDER BY the column, then the
// shard key (a stable order for paging), LIMIT/OFFSET through the usual plans, and answers the
// user's columns; meta has the plan plus "rowNodes" (per row, the node owning it; null for reference
// tables and views) and "kind".
Task<Result<QueryOutput>> browse_table(Conductor& c, Session& s, QueryInput input);

}  // namespace bd
