#include "conductor/merge/limit.h"

#include "value/affinity.h"

namespace bd::merge {

Result<LimitSpec> limit_from_values(const Value& limit, const Value* offset) {
  LimitSpec spec;
  BD_TRY(l, must_be_int(limit));
  spec.limit = l < 0 ? -1 : l;
  // LIMIT 0 ends the statement before SQLite ever reads the OFFSET, so a bad OFFSET is no error.
  if (offset && l != 0) {
    BD_TRY(o, must_be_int(*offset));
    spec.offset = o < 0 ? 0 : o;
  }
  return spec;
}

Limit::Limit(RowSourcePtr input, LimitSpec spec)
    : input_(std::move(input)), remaining_(spec.limit < 0 ? -1 : spec.limit), skip_(spec.offset < 0 ? 0 : spec.offset) {}

Result<bool> Limit::next(Row* row) {
  if (remaining_ == 0) return false;
  while (skip_ > 0) {
    Result<bool> more = input_->next(row);
    if (!more.ok() || !*more) return more;
    skip_--;
  }
  Result<bool> more = input_->next(row);
  if (more.ok() && *more && remaining_ > 0) remaining_--;
  return more;
}

}  // namespace bd::merge
