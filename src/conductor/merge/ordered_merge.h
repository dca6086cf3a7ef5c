// k-way merge of shard streams that are each sorted by the same keys (the shards ran the same
// ORDER BY). Uses a binary heap, so a row costs O(log k) comparisons.
//
// Stable: rows that tie on every key come out in shard order (inputs[0] first), and rows of one
// shard keep their order. SQLite leaves the order of ties unspecified, so any order would be
// "correct"; stability makes results reproducible and testable.
//
// An input's next row is pulled when it is needed (before the next row goes out), so an input
// waiting for its next page (pending) holds the merge without losing anything.
#pragma once
#include "conductor/merge/operator.h"
#include "conductor/merge/sort_key.h"

namespace bd::merge {

class OrderedMerge final : public RowSource {
 public:
  OrderedMerge(std::vector<RowSourcePtr> inputs, std::vector<SortKey> keys);
  Result<bool> next(Row* row) override;

 private:
  struct Head {
    Row row;
    size_t input;
  };
  bool after(const Head& a, const Head& b) const;  // heap order: true if a comes out after b
  Status fill(size_t input);                       // pull input's next row onto the heap
  void sift_down(size_t i);
  void sift_up(size_t i);

  std::vector<RowSourcePtr> inputs_;
  std::vector<SortKey> keys_;
  std::vector<Head> heap_;
  bool started_ = false;
  std::vector<size_t> to_fill_;  // inputs still to put on the heap (at the start)
  bool hole_ = false;            // heap_[0] went out: its input's next row takes its place
};

}  // namespace bd::merge
