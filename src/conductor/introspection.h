// Introspection from the catalog: sqlite_master / sqlite_schema, the pragma_* table-valued
// functions and the introspection PRAGMAs answer exactly as one SQLite database holding the same
// schema would, because they run in one: the schema mirror, an in-memory SQLite built from the
// catalog's schema rows (topology/catalog.h SchemaRow) with no rows and no hidden objects. DDL
// runs on a mirror first, which gives SQLite's own errors and the schema rows to record. A query
// that reads the catalog is planned as a Combine on the mirror (planner/plan.h, on_schema).
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>
#include "conductor/exec_context.h"
#include "planner/analysis.h"

namespace bd {

// The logical schema: the catalog's rows (or, for a catalog from before they were kept, rows
// made from its tables, views and global indexes).
std::vector<SchemaRow> logical_schema(const Topology& t);

// A schema-only database holding the logical schema. Its triggers never fire.
Result<std::unique_ptr<CombineDb>> open_schema_mirror(const Topology& t);
Result<std::vector<SchemaRow>> read_schema(CombineDb& mirror);

// The DDL statement as the user wrote it, for the mirror (TEMP dropped: every object is shared
// here, and SQLite stores the text from the object's name on anyway).
std::string mirror_ddl(std::string_view source, const sql::Stmt& st);

// PRAGMAs the conductor answers: introspection (table_info, table_xinfo, table_list, index_list,
// index_info, index_xinfo, foreign_key_list, collation_list), the connection's foreign_keys and
// defer_foreign_keys, user_version, optimize, quick_check / integrity_check, foreign_key_check.
bool is_surface_pragma(const sql::Pragma& p);
Task<Result<QueryOutput>> run_surface_pragma(Exec& x, const sql::Pragma& p, const sql::Stmt& st);

}  // namespace bd
