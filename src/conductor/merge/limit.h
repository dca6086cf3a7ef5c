// LIMIT/OFFSET applied after the merge. Each shard must be sent LIMIT (limit + offset) with no
// OFFSET, since any shard may hold rows that precede the cut.
#pragma once
#include "conductor/merge/operator.h"

namespace bd::merge {

// SQLite's reading of the clause values: a negative LIMIT means no limit and a negative OFFSET
// means 0.
struct LimitSpec {
  int64_t limit = -1;
  int64_t offset = 0;
};

// Converts evaluated LIMIT/OFFSET values the way SQLite's OP_MustBeInt does: INTEGER, a REAL with
// an integral value, or TEXT that reads as an integer; anything else (NULL, 1.5, 'x', a blob)
// is "datatype mismatch". Pass nullptr for an absent OFFSET.
Result<LimitSpec> limit_from_values(const Value& limit, const Value* offset);

class Limit final : public RowSource {
 public:
  Limit(RowSourcePtr input, LimitSpec spec);
  Result<bool> next(Row* row) override;

 private:
  RowSourcePtr input_;
  int64_t remaining_;  // < 0: unlimited
  int64_t skip_;
};

}  // namespace bd::merge
