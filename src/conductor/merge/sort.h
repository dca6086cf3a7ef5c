// Full sort of a stream (Vitess's MemorySort): for ORDER BY terms the shards cannot pre-sort,
// e.g. ORDER BY count(*) after a GroupCombine. Stable, so equal rows keep their input order.
#pragma once
#include "conductor/merge/operator.h"
#include "conductor/merge/sort_key.h"

namespace bd::merge {

class Sort final : public RowSource {
 public:
  Sort(RowSourcePtr input, std::vector<SortKey> keys) : input_(std::move(input)), keys_(std::move(keys)) {}
  Result<bool> next(Row* row) override;

 private:
  RowSourcePtr input_;
  std::vector<SortKey> keys_;
  bool loaded_ = false;
  std::vector<Row> rows_;
  size_t pos_ = 0;
};

}  // namespace bd::merge
