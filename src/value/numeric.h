// Numeric conversions of values, done exactly as SQLite does them: text to numbers, reals to
// integers and text, and the integer a LIMIT or OFFSET must be.
#pragma once
#include <cstdint>
#include <string>

#include "base/result.h"

#include "value/value.h"

namespace bd {

// What sum()/total()/avg() add for a value (sqlite3_value_numeric_type then _int64/_double):
// NULL stays NULL, INTEGER and REAL pass through; TEXT that is an integer literal in int64 range
// (surrounding whitespace allowed) becomes INTEGER; any other TEXT or BLOB becomes the REAL value
// of its longest numeric prefix (0.0 if none): '12abc' -> 12.0, 'abc' -> 0.0, '1e3' -> 1000.0.
Value to_numeric(const Value& v);

// SQLite's NUMERIC affinity (applyNumericAffinity with bTryForInt, as OP_MustBeInt and NUMERIC
// columns use it): TEXT that is wholly a number becomes INTEGER when it is an integer literal in
// range or a REAL with an exact integer value strictly inside (INT64_MIN, INT64_MAX), else REAL;
// other TEXT, and every other type, is returned unchanged.
Value numeric_affinity(const Value& v);

// What group_concat() appends for a non-NULL value (sqlite3_value_text): integers in decimal,
// reals as SQLite renders them ("%!.17g", e.g. 100.0, 1.0e+300), text and blob bytes unchanged.
std::string to_text(const Value& v);

// A REAL that holds an exact integer in int64 range is stored as INTEGER by NUMERIC/INTEGER affinity.
bool real_as_int(double r, int64_t& out);

// SQLite's rendering of a REAL as text ("%!.15g": 1.0 -> "1.0", 1e20 -> "1.0e+20").
std::string real_to_text(double r);

// OP_MustBeInt (LIMIT, OFFSET): NUMERIC affinity, then the value must be an INTEGER or a REAL with
// an exact integer value; anything else is "datatype mismatch".
Result<int64_t> must_be_int(const Value& v);

}  // namespace bd
