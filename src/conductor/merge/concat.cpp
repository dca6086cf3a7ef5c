#include "conductor/merge/concat.h"

namespace bd::merge {

Result<bool> Concat::next(Row* row) {
  while (cur_ < inputs_.size()) {
    Result<bool> more = inputs_[cur_]->next(row);
    if (!more.ok() || *more) return more;
    cur_++;
  }
  return false;
}

}  // namespace bd::merge
