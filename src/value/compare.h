// SQLite's total order over values (sqlite3MemCompare): NULL < numbers < TEXT < BLOB.
//
// INTEGER and REAL are one storage class compared by numeric value, exactly: an int64 is compared
// with a double without converting either one (sqlite3IntFloatCompare), so 9007199254740993 sorts
// after 9007199254740992.0. TEXT compares under a collation; BLOB by memcmp then length.
#pragma once
#include "value/collation.h"
#include "value/value.h"

namespace bd {

int compare(const Value& a, const Value& b, Collation c = Collation::Binary);

// sqlite3IntFloatCompare: <0, 0, >0 as the integer i is below, equal to or above the double r.
int compare_int_real(int64_t i, double r);

// The equality DISTINCT, GROUP BY and aggregate DISTINCT use: compare() == 0. So 1 and 1.0 are one
// value, all NULLs are one value, and 'a' and 'A' are one value under NOCASE.
inline bool same(const Value& a, const Value& b, Collation c = Collation::Binary) { return compare(a, b, c) == 0; }

// Strict weak order for ordered containers keyed by one value.
struct ValueLess {
  Collation coll = Collation::Binary;
  bool operator()(const Value& a, const Value& b) const { return compare(a, b, coll) < 0; }
};

}  // namespace bd
