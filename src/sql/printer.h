// Canonical SQL text for AST nodes: one line, keywords upper-case, identifiers quoted only when
// needed, parentheses added by precedence. parse(print(x)) == x, and it means what x means.
#pragma once
#include <string>

#include "sql/ast.h"

namespace bd::sql {

std::string print(const Stmt& s);
std::string print(const Expr& e);
std::string print(const Select& s);
std::string print(const TableRef& t);
std::string print(const TypeName& t);
// An identifier as it must be written: bare when that reads back the same, else "double-quoted".
std::string quote_identifier(std::string_view name);

}  // namespace bd::sql
