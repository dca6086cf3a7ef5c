#include "value/compare.h"

#include <cmath>
#include <cstring>

namespace bd {
namespace {

// Storage class rank: numbers share one rank, so INTEGER vs REAL falls through to the numeric path.
int rank(ValueType t) {
  switch (t) {
    case ValueType::Null: return 0;
    case ValueType::Integer:
    case ValueType::Real: return 1;
    case ValueType::Text: return 2;
    case ValueType::Blob: return 3;
  }
  return 0;
}

}  // namespace

int compare_int_real(int64_t i, double r) {
  if (std::isnan(r)) return 1;  // SQLite treats NaN as NULL, below every integer
  if (r < -9223372036854775808.0) return 1;
  if (r >= 9223372036854775808.0) return -1;
  int64_t y = static_cast<int64_t>(r);
  if (i < y) return -1;
  if (i > y) return 1;
  // Same integer part; the fraction (if any) decides. (double)i is exact here: |i| == |trunc(r)|.
  double d = static_cast<double>(i);
  return d < r ? -1 : (d > r ? 1 : 0);
}

int compare(const Value& a, const Value& b, Collation c) {
  int ra = rank(a.type), rb = rank(b.type);
  if (ra != rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0: return 0;
    case 1:
      if (a.type == ValueType::Integer) {
        if (b.type == ValueType::Integer) return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
        return compare_int_real(a.i, b.r);
      }
      if (b.type == ValueType::Integer) return -compare_int_real(b.i, a.r);
      return a.r < b.r ? -1 : (a.r > b.r ? 1 : 0);
    case 2: return compare_text(a.s, b.s, c);
    default: {
      size_t n = a.s.size() < b.s.size() ? a.s.size() : b.s.size();
      int r = n ? std::memcmp(a.s.data(), b.s.data(), n) : 0;
      if (r != 0) return r < 0 ? -1 : 1;
      return a.s.size() < b.s.size() ? -1 : (a.s.size() > b.s.size() ? 1 : 0);
    }
  }
}

}  // namespace bd
