// Unordered union of shard streams: shard 0's rows, then shard 1's, ... (no ORDER BY to honour).
// A paged input that waits for its next page lets the others go first.
#pragma once
#include "conductor/merge/operator.h"

namespace bd::merge {

class Concat final : public RowSource {
 public:
  explicit Concat(std::vector<RowSourcePtr> inputs) : inputs_(std::move(inputs)) {}
  Result<bool> next(Row* row) override;

 private:
  std::vector<RowSourcePtr> inputs_;
  std::vector<bool> ended_;
  size_t cur_ = 0;
};

}  // namespace bd::merge
