// ORDER BY terms over a row, and the row order they define.
#pragma once
#include <vector>

#include "planner/merge_spec.h"
#include "value/compare.h"

namespace bd::merge {

// <0, 0, >0 over the keys in order; 0 means a tie (rows may still differ outside the keys).
int compare_rows(const Row& a, const Row& b, const std::vector<SortKey>& keys);

}  // namespace bd::merge
