// Text collating sequences: SQLite's three built-ins, BINARY, NOCASE and RTRIM.
#pragma once
#include <string>
#include <string_view>

#include "base/result.h"

namespace bd {

enum class Collation : uint8_t { Binary, NoCase, RTrim };

// "binary", "NOCASE", "RTrim", ... (case-insensitive, as SQLite resolves names). Any other name is
// an error in SQLite's words, so a planner can surface it unchanged.
Result<Collation> parse_collation(std::string_view name);
const char* collation_name(Collation c);  // "BINARY", "NOCASE", "RTRIM"

// <0, 0, >0 exactly as SQLite's binCollFunc / nocaseCollatingFunc / rtrimCollFunc. NOCASE folds
// only the 26 ASCII letters (SQLite knows no other case pairs) and, like sqlite3StrNICmp, stops
// at an embedded NUL byte before falling back to comparing lengths.
int compare_text(std::string_view a, std::string_view b, Collation c);

// The canonical form of text under a collation, for hashing: two texts compare equal under it
// exactly when their keys are equal (NOCASE: ASCII lower case, up to a first NUL; RTRIM: without
// trailing spaces).
std::string collation_key(std::string_view text, Collation c);

}  // namespace bd
