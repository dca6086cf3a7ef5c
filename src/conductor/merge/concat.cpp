#include "conductor/merge/concat.h"

namespace bd::merge {

Result<bool> Concat::next(Row* row) {
  size_t n = inputs_.size();
  if (ended_.size() != n) ended_.assign(n, false);
  bool waiting = false;
  for (size_t tried = 0; tried < n; tried++) {
    size_t i = (cur_ + tried) % n;
    if (ended_[i]) continue;
    Result<bool> more = inputs_[i]->next(row);
    if (!more.ok()) {
      if (!is_pending(more.error())) return more;
      waiting = true;
      continue;
    }
    if (*more) {
      cur_ = i;
      return true;
    }
    ended_[i] = true;
  }
  if (waiting) return pending();
  return false;
}

}  // namespace bd::merge
