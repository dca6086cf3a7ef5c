// FTS5 tables in the catalog and on the nodes. An FTS5 table `t` is two catalog entries: `t`
// itself (reads, MATCH, introspection) and its content table fts_content_table(t), a plain rowid
// table sharded by its hidden rowid like any table without a key, which every write goes to. On a
// node, `t` is an FTS5 table over that content table (content=...), kept in step by three
// triggers; so the transaction machinery (capture, undo, locks) sees only plain tables.
#pragma once
#include <string>
#include <vector>
#include "base/result.h"
#include "sql/ast.h"
#include "sql/fts5.h"
#include "topology/fts_table.h"

namespace bd::planner {

struct FtsTables {
  TableInfo fts;      // the user's table
  TableInfo content;  // where its rows are written
  std::vector<std::string> node_ddl;
  sql::fts5::Args args;
};

// From the user's statement (`create_sql`: its canonical text). Options that change what a row is
// (external content, contentless, no column sizes, detail other than full) are refused.
Result<FtsTables> fts_tables(const sql::CreateVirtualTable& vt, std::string create_sql);

// The columns of an FTS5 table as its statement declares them.
std::vector<std::string> fts_column_names(const TableInfo& t);

}  // namespace bd::planner
