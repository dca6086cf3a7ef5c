// Window functions at scale. A window partitioned by the shard key has each partition on one
// node, so the query runs on the shards and only merges. A `rank()`/`dense_rank()`/`row_number()`
// over one ORDER BY, whose query keeps the first k rows in that order (ORDER BY ... LIMIT k), needs
// from each shard only the rows its own ranking puts in the first k (ties included): every row
// ahead of or level with one of the global first k is among them, so the combine engine computes
// the same values over that subset (per-shard top-k).
#pragma once
#include <optional>
#include <string>
#include "sql/ast.h"
#include "topology/catalog.h"

namespace bd::planner {

// True when the outermost query has window functions and every one of them partitions by `t`'s
// shard key (BINARY), with no aggregates or GROUP BY (windows would run over partial groups).
bool windows_partitioned_by_key(const sql::Select& sel, const TableInfo& t, const std::string& alias);

// The condition (SQL over `alias`, no parameters) that keeps the rows of `t` the per-shard top-k
// rule needs, for a query that qualifies; nullopt otherwise. `keep` = LIMIT + OFFSET.
std::optional<std::string> top_k_condition(const sql::Select& sel, const TableInfo& t, const std::string& alias, int64_t keep);

}  // namespace bd::planner
