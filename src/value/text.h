// Text rules SQLite applies to names and literals: ASCII-only case folding (identifiers, keywords,
// collation and function names are case-insensitive for the 26 ASCII letters only, as in
// sqlite3StrICmp), and quoting of identifiers and string literals.
#pragma once
#include <string>
#include <string_view>

namespace bd {

// 'A'..'Z' -> 'a'..'z'; every other byte unchanged.
inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
std::string ascii_lower(std::string_view s);

// Case-insensitive equality of names, as SQLite compares identifiers (sqlite3StrICmp == 0).
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

// Whether `needle` (lower case) occurs in `text` under ASCII case folding.
inline bool contains_nocase(std::string_view text, std::string_view needle) {
  if (needle.empty()) return true;
  for (size_t i = 0; i + needle.size() <= text.size(); i++)
    if (ascii_lower(text[i]) == needle[0] && iequals(text.substr(i, needle.size()), needle)) return true;
  return false;
}

// "name" with embedded double quotes doubled: always a valid identifier, whatever the name.
std::string quoted_identifier(std::string_view name);

// 'text' with embedded single quotes doubled: a string literal.
std::string quoted_string(std::string_view text);

}  // namespace bd
