// GROUP BY on the conductor: combines shard rows (partial aggregate states, distinct values or
// raw rows; see aggregate.h) that share a group key into one output row per group.
//
// Output row = the group key columns (in GroupKey order, each the first value seen for the
// group), then one column per aggregate. HAVING and any expressions over the aggregates are
// the caller's: `having` (if set) filters output rows, e.g. by evaluating them in the combine
// engine. With no keys the operator is a scalar aggregate and always emits exactly one row,
// even from no input (count(*) = 0, sum = NULL, ...), as SQLite does.
//
// Two modes:
//  * sorted_input: rows arrive ordered by the keys under the same collations (each shard ran
//    ORDER BY the keys and an OrderedMerge sits below). Streams: one group in memory at a time;
//    output keeps the input's order.
//  * otherwise rows arrive in any order and are buffered; output is ascending by the keys
//    (the order SQLite's GROUP BY usually produces; add a Sort for any ORDER BY).
#pragma once
#include <functional>
#include <map>

#include "conductor/merge/aggregate.h"
#include "conductor/merge/operator.h"

namespace bd::merge {

struct GroupCombineSpec {
  std::vector<GroupKey> keys;
  std::vector<AggregateSpec> aggregates;
  bool sorted_input = false;
  std::function<Result<bool>(const Row&)> having;  // optional; false drops the row
};

class GroupCombine final : public RowSource {
 public:
  GroupCombine(RowSourcePtr input, GroupCombineSpec spec);
  GroupCombine(const GroupCombine&) = delete;  // accumulators point into spec_
  GroupCombine& operator=(const GroupCombine&) = delete;
  Result<bool> next(Row* row) override;

 private:
  struct Group {
    Row key;
    std::vector<Accumulator> accs;
  };
  struct KeyLess {
    const std::vector<GroupKey>* keys;
    bool operator()(const Row& a, const Row& b) const;
  };
  Group new_group(const Row& row) const;
  static void add(Group& g, const Row& row);
  Result<bool> finish(const Group& g, Row* out) const;  // false: dropped by HAVING
  Result<bool> next_sorted(Row* row);
  Result<bool> next_buffered(Row* row);

  RowSourcePtr input_;
  GroupCombineSpec spec_;
  bool done_ = false;
  // sorted mode
  bool has_cur_ = false;
  Group cur_;
  // buffered mode
  bool loaded_ = false;
  std::map<Row, Group, KeyLess> groups_;
  std::map<Row, Group, KeyLess>::iterator it_;
};

}  // namespace bd::merge
