// ORDER BY terms over a row, and the row order they define.
#pragma once
#include <vector>

#include "value/compare.h"

namespace bd::merge {

struct SortKey {
  enum Nulls : uint8_t { Default, First, Last };
  int column = 0;  // index into the row
  bool desc = false;
  Collation coll = Collation::Binary;  // applies to TEXT only
  Nulls nulls = Default;               // Default = SQLite's: NULLs first in ASC, last in DESC
};

// <0, 0, >0 over the keys in order; 0 means a tie (rows may still differ outside the keys).
int compare_rows(const Row& a, const Row& b, const std::vector<SortKey>& keys);

}  // namespace bd::merge
