#include "conductor/merge/sort.h"

#include <algorithm>

namespace bd::merge {

Result<bool> Sort::next(Row* row) {
  if (!loaded_) {
    loaded_ = true;
    Result<std::vector<Row>> all = drain(*input_);
    if (!all.ok()) return all.error();
    rows_ = std::move(*all);
    std::stable_sort(rows_.begin(), rows_.end(), [this](const Row& a, const Row& b) { return compare_rows(a, b, keys_) < 0; });
  }
  if (pos_ >= rows_.size()) return false;
  *row = std::move(rows_[pos_++]);
  return true;
}

}  // namespace bd::merge
