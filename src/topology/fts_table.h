// FTS5 tables in the catalog (planner/fts.h describes their layout on the nodes).
#pragma once
#include <string>
#include <string_view>
#include "topology/catalog.h"

namespace bd {

// An FTS5 table (CREATE VIRTUAL TABLE ... USING fts5): on the nodes its rows are in the plain
// table fts_content_table(name), which the FTS5 table indexes as its external content.
inline bool is_fts5(const TableInfo& t) {
  return t.create_sql.size() > 20 && iequals(std::string_view(t.create_sql).substr(0, 20), "CREATE VIRTUAL TABLE");
}

// The plain table holding an FTS5 table's rows on the nodes (sharded like any rowid table).
inline std::string fts_content_table(std::string_view table) { return "_bd_fts_" + std::string(table); }

}  // namespace bd
