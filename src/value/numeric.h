// Numeric conversions of values, each done exactly as SQLite does it and defined only here: text
// to numbers, reals to integers and to text, and what sum() and group_concat() read from a value.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "value/value.h"

namespace bd {

// Text that is wholly a number (sqlite3AtoF over the whole string, surrounding whitespace allowed):
// an INTEGER when it is an integer literal in int64 range, else a REAL; nullopt when it is not a
// number ('12abc', '', '0x10', '1e').
std::optional<Value> text_as_number(std::string_view text);

// sqlite3VdbeIntegerAffinity: the INTEGER a REAL becomes under NUMERIC or INTEGER affinity, when
// the conversion is exact and the result is neither INT64_MIN nor INT64_MAX (SQLite keeps those
// extremes REAL: a double at 2^63 rounds to INT64_MAX, ticket #3922); nullopt otherwise.
std::optional<int64_t> real_to_integer_affinity(double r);

// The int64 a REAL is exactly equal to (-2^63 included), as sqlite3IntFloatCompare sees equality;
// nullopt when there is none. Hashing uses it so that values SQLite compares equal hash alike.
std::optional<int64_t> real_equal_integer(double r);

// What sum()/total()/avg() add for a value (sqlite3_value_numeric_type then _int64/_double):
// NULL stays NULL, INTEGER and REAL pass through; TEXT that is an integer literal in int64 range
// (surrounding whitespace allowed) becomes INTEGER; any other TEXT or BLOB becomes the REAL value
// of its longest numeric prefix (0.0 if none): '12abc' -> 12.0, 'abc' -> 0.0, '1e3' -> 1000.0.
Value to_numeric(const Value& v);

// SQLite's rendering of a REAL as text, as CAST(r AS TEXT), TEXT affinity and group_concat() give
// it ("%!.17g" through SQLite's own printf: 0.1 -> "0.1", 100.0 -> "100.0", 1e300 -> "1.0e+300",
// 0.1 + 0.2 -> "0.30000000000000004").
std::string real_to_text(double r);

// What group_concat() appends for a non-NULL value (sqlite3_value_text): integers in decimal,
// reals as real_to_text(), text and blob bytes unchanged.
std::string to_text(const Value& v);

}  // namespace bd
