// Aggregate combination: the conductor's half of a two-phase aggregate.
// The partial-state protocol it combines is in planner/merge_spec.h.
#pragma once
#include <set>
#include <string>

#include "conductor/merge/sum_state.h"
#include "planner/merge_spec.h"
#include "value/compare.h"

namespace bd::merge {

// The state of one aggregate for one group.
class Accumulator {
 public:
  explicit Accumulator(const AggregateSpec* spec) : spec_(spec), seen_(ValueLess{spec->coll}) {}
  void add(const Row& row);  // one input row of this group
  Result<Value> finish() const;

 private:
  void step(const Value& v);  // one raw argument value

  const AggregateSpec* spec_;
  int64_t count_ = 0;
  SumState sum_;
  Value best_;             // min/max so far (NULL: none)
  bool has_text_ = false;  // group_concat: something appended
  std::string text_;
  std::set<Value, ValueLess> seen_;  // Distinct input: values already stepped
};

}  // namespace bd::merge
