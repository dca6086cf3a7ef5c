#include "conductor/merge/sort_key.h"

namespace bd::merge {

int compare_rows(const Row& a, const Row& b, const std::vector<SortKey>& keys) {
  for (const SortKey& k : keys) {
    const Value& x = a[k.column];
    const Value& y = b[k.column];
    if (k.nulls != SortKey::Default && x.is_null() != y.is_null()) {
      // An explicit NULLS FIRST/LAST places NULLs regardless of the direction.
      bool null_first = k.nulls == SortKey::First;
      return (x.is_null() == null_first) ? -1 : 1;
    }
    int c = compare(x, y, k.coll);
    if (c != 0) return k.desc ? (c < 0 ? 1 : -1) : (c < 0 ? -1 : 1);
  }
  return 0;
}

}  // namespace bd::merge
