// Keyspace ids: where a row lives. A row's keyspace id is a 64-bit hash of its shard-key value,
// taken after the column's type affinity is applied, so `id = '7'` and `id = 7` route alike on an
// INTEGER column, and 7 and 7.0 (equal in SQLite) hash alike everywhere.
#pragma once
#include <cstdint>
#include <string_view>
#include "value/value.h"

namespace bd {

uint64_t keyspace_id(const Value& v);
// Under a NOCASE or RTRIM shard key, values that compare equal must land together: text is
// hashed in its collation's canonical form (ASCII lower case / without trailing spaces).
uint64_t keyspace_id(const Value& v, std::string_view collation);

}  // namespace bd
