// SQLite column affinity: how a declared type becomes an affinity, and how a value changes when it
// is stored into a column of that affinity (https://sqlite.org/datatype3.html).
#pragma once
#include <cstdint>
#include <string_view>
#include "value/value.h"

namespace bd {

// SQLite column affinities (https://sqlite.org/datatype3.html#determination_of_column_affinity).
enum class Affinity : uint8_t { Blob = 'A', Text = 'B', Numeric = 'C', Integer = 'D', Real = 'E' };

Affinity affinity_of_type(std::string_view declared_type);

// Converts a value as SQLite does when storing it into a column with this affinity.
Value apply_affinity(const Value& v, Affinity a);

}  // namespace bd
