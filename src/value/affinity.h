// SQLite column affinity: how a declared type becomes an affinity, and how a value changes when it
// is stored into a column of that affinity (https://sqlite.org/datatype3.html).
#pragma once
#include <cstdint>
#include <string_view>
#include "base/result.h"
#include "value/value.h"

namespace bd {

// SQLite column affinities (https://sqlite.org/datatype3.html#determination_of_column_affinity).
enum class Affinity : uint8_t { Blob = 'A', Text = 'B', Numeric = 'C', Integer = 'D', Real = 'E' };

Affinity affinity_of_type(std::string_view declared_type);

// Converts a value as SQLite does when storing it into a column with this affinity (applyAffinity):
// TEXT: numbers become their text (real_to_text for REALs). NUMERIC and INTEGER: text that is
// wholly a number becomes that number, and a REAL with an exact integer value becomes INTEGER
// (real_to_integer_affinity). REAL: numbers and numeric text become REAL. BLOB: unchanged.
Value apply_affinity(const Value& v, Affinity a);

// OP_MustBeInt (LIMIT, OFFSET): NUMERIC affinity, then the value must be an INTEGER; anything
// else is "datatype mismatch".
Result<int64_t> must_be_int(const Value& v);

}  // namespace bd
