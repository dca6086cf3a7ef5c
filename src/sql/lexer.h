// Tokenizer following SQLite's tokenize.c: same token boundaries, same classes, same quirks.
#pragma once
#include <string_view>
#include <vector>

#include "sql/token.h"

namespace bd::sql {

// Appends the tokens of `src` to `out` (spaces and comments dropped), then one Tok::End token.
// A NUL byte ends the input, as it does for sqlite3_prepare. WINDOW, OVER and FILTER are turned
// into Tok::Id where SQLite's analyze*Keyword() would treat them as identifiers.
void tokenize(std::string_view src, std::vector<Token>& out);

}  // namespace bd::sql
