// Keyspace ids: where a row lives. A row's keyspace id is a 64-bit hash of its shard-key value,
// taken after the column's type affinity is applied, so `id = '7'` and `id = 7` route alike on an
// INTEGER column, and 7 and 7.0 (equal in SQLite) hash alike everywhere.
#pragma once
#include <cstdint>
#include <string_view>
#include "wire/value.h"

namespace bd {

// SQLite column affinities (https://sqlite.org/datatype3.html#determination_of_column_affinity).
enum class Affinity : uint8_t { Blob = 'A', Text = 'B', Numeric = 'C', Integer = 'D', Real = 'E' };

Affinity affinity_of_type(std::string_view declared_type);

// Converts a value as SQLite does when storing it into a column with this affinity.
Value apply_affinity(const Value& v, Affinity a);

uint64_t keyspace_id(const Value& v);
// Under a NOCASE or RTRIM shard key, values that compare equal must land together: text is
// hashed in its collation's canonical form (ASCII lower case / without trailing spaces).
uint64_t keyspace_id(const Value& v, std::string_view collation);

// SQLite's rendering of a REAL as text ("%!.15g": 1.0 -> "1.0", 1e20 -> "1.0e+20").
std::string real_to_text(double r);

}  // namespace bd
