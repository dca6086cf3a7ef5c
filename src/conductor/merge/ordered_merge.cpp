#include "conductor/merge/ordered_merge.h"

namespace bd::merge {

OrderedMerge::OrderedMerge(std::vector<RowSourcePtr> inputs, std::vector<SortKey> keys)
    : inputs_(std::move(inputs)), keys_(std::move(keys)) {
  heap_.reserve(inputs_.size());
}

bool OrderedMerge::after(const Head& a, const Head& b) const {
  int c = compare_rows(a.row, b.row, keys_);
  if (c != 0) return c > 0;
  return a.input > b.input;
}

void OrderedMerge::sift_up(size_t i) {
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!after(heap_[parent], heap_[i])) break;
    std::swap(heap_[parent], heap_[i]);
    i = parent;
  }
}

void OrderedMerge::sift_down(size_t i) {
  size_t n = heap_.size();
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, best = i;
    if (l < n && after(heap_[best], heap_[l])) best = l;
    if (r < n && after(heap_[best], heap_[r])) best = r;
    if (best == i) return;
    std::swap(heap_[i], heap_[best]);
    i = best;
  }
}

Status OrderedMerge::fill(size_t input) {
  Head h;
  h.input = input;
  Result<bool> more = inputs_[input]->next(&h.row);
  if (!more.ok()) return more.error();
  if (*more) {
    heap_.push_back(std::move(h));
    sift_up(heap_.size() - 1);
  }
  return ok_status();
}

Result<bool> OrderedMerge::next(Row* row) {
  if (!started_) {
    started_ = true;
    for (size_t i = inputs_.size(); i-- > 0;) to_fill_.push_back(i);
  }
  while (!to_fill_.empty()) {
    Status s = fill(to_fill_.back());
    if (!s.ok()) return s.error();
    to_fill_.pop_back();
  }
  if (hole_) {
    // Refill from the same input in place when it has a row: one sift instead of pop + push.
    Result<bool> more = inputs_[heap_[0].input]->next(&heap_[0].row);
    if (!more.ok()) return more.error();
    hole_ = false;
    if (!*more) {
      heap_[0] = std::move(heap_.back());
      heap_.pop_back();
    }
    if (!heap_.empty()) sift_down(0);
  }
  if (heap_.empty()) return false;
  *row = std::move(heap_[0].row);
  hole_ = true;
  return true;
}

}  // namespace bd::merge
