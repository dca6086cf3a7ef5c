// SQLite-dialect parser: text -> typed AST (sql/ast.h). Errors are values in SQLite's words, with
// the position appended: `near "FORM": syntax error at line 1, column 15`, or
// `incomplete input at line 1, column 9` when the text ends early.
#pragma once
#include <string_view>
#include <vector>

#include "base/result.h"
#include "sql/ast.h"

namespace bd::sql {

struct ParseOptions {
  // UPDATE/DELETE ... ORDER BY ... LIMIT (SQLITE_ENABLE_UPDATE_DELETE_LIMIT). Off by default because
  // the SQLite we embed is built without it and rejects those statements.
  bool update_delete_limit = false;
};

// Statements separated by ';' (empty statements skipped); any leftover is an error.
Result<std::vector<StmtPtr>> parse_script(std::string_view sql, const ParseOptions& opts = {});
// Exactly one statement (trailing ';' allowed).
Result<StmtPtr> parse_statement(std::string_view sql, const ParseOptions& opts = {});
// One expression and nothing else.
Result<ExprPtr> parse_expression(std::string_view sql);

struct LineCol {
  uint32_t line = 1;    // 1-based
  uint32_t column = 1;  // 1-based, in bytes
};
LineCol line_col(std::string_view sql, uint32_t offset);

}  // namespace bd::sql
