// What a plan asks of the conductor's merge operators (conductor/merge): sort keys, group keys and
// the aggregates to combine. The planner builds these as part of a plan (a plan is a value); the
// operators execute them. They live here so that planning needs nothing from execution.
//
// PARTIAL-STATE PROTOCOL of two-phase aggregates (what the planner pushes to each shard, per aggregate; `x` is the
// argument expression, and each partial occupies consecutive output columns starting at
// AggregateSpec::column):
//
//   aggregate              Input     shard-side columns              combine
//   count(*)               Partial   count(*)                        sum of counts
//   count(x)               Partial   count(x)                        sum of counts
//   sum(x)                 Partial   sum(x)                          SumState over the partials
//   total(x)               Partial   total(x)                        SumState over the partials
//   avg(x)                 Partial   total(x), count(x)              total / sum(count), NULL if 0
//   min(x) / max(x)        Partial   min(x) / max(x)                 min/max under `coll`
//   group_concat(x[,sep])  Partial   group_concat(x, sep)            partials joined by `sep`
//   string_agg(x, sep)     Partial   string_agg(x, sep)              (same)
//   agg(DISTINCT x)        Distinct  x, one row per distinct value:  dedup with compare() under
//                                    e.g. SELECT DISTINCT g.., x     `coll`, then step agg
//   any of the above       Raw       x, one row per input row        step agg (no pushdown)
//
// NULL is the identity of every partial column (a count of NULL counts 0), so one combiner can
// take rows of different shapes: a planner may UNION ALL a partial-state query with a
// distinct-values query, padding the columns the other shape fills with NULL.
//
// For sum(x) a NULL partial already means "no non-NULL input", so count(x) is not needed. avg(x)
// may send sum(x) instead of total(x) (exact integer partials), but sum(x) fails on a shard whose
// integer sum overflows where avg() would not, so total(x) is the safe choice.
//
// Where results can differ from one SQLite database holding the same rows (all are places
// where SQLite's own answer depends on the unspecified scan order):
//  * sum/total/avg over REAL: SQLite compensates with Kahan-Babuska-Neumaier (rSum, rErr) but
//    SQL cannot read the error term, so each shard's partial is already rounded (rSum + rErr)
//    and the partials are then KBN-summed. Results can differ in the last bits when per-shard
//    sums carry more than 53 significant bits (ordinary data sums exactly).
//  * sum() "integer overflow" is decided per shard and then over the partials in shard order,
//    as SQLite decides it over rows in scan order: a data set whose running integer sum leaves
//    int64 in one order and not in another may fail here and not there, or vice versa.
//  * total()/avg() over integers whose per-shard sums exceed 2^53 round once per shard.
//  * Ties: min/max keep the first best value seen and DISTINCT keeps the first occurrence
//    (1 vs 1.0, 'a' vs 'A' under NOCASE); "first" here is shard order, in SQLite scan order.
//  * group_concat concatenates in shard order, then each shard's own order; SQLite documents its
//    order as arbitrary unless the call has an ORDER BY (then route to the combine engine).
//    The separator must be the same for every row (a literal or bound parameter).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include "base/result.h"
#include "value/collation.h"

namespace bd::merge {

// One ORDER BY term over a row.
struct SortKey {
  enum Nulls : uint8_t { Default, First, Last };
  int column = 0;  // index into the row
  bool desc = false;
  Collation coll = Collation::Binary;  // applies to TEXT only
  Nulls nulls = Default;               // Default = SQLite's: NULLs first in ASC, last in DESC
};

// One GROUP BY term over a row.
struct GroupKey {
  int column = 0;
  Collation coll = Collation::Binary;  // the GROUP BY term's collation: 'a' = 'A' under NOCASE
};

enum class AggregateKind : uint8_t { CountStar, Count, Sum, Total, Avg, Min, Max, GroupConcat };

struct AggregateSpec {
  enum Input : uint8_t { Partial, Distinct, Raw };
  AggregateKind kind = AggregateKind::CountStar;
  int column = 0;  // first input column (avg Partial reads two)
  Input input = Partial;
  Collation coll = Collation::Binary;  // x's collation: min/max order and DISTINCT dedup
  std::string separator = ",";         // group_concat; a NULL separator is ""
};

// Resolves a SQL function name (case-insensitive): count, sum, total, avg, min, max,
// group_concat, string_agg. count with star=true is count(*). Unknown names are an error.
Result<AggregateKind> parse_aggregate(std::string_view name, bool star = false);

// Number of shard-side columns a Partial input of this kind occupies (2 for avg, else 1).
int partial_width(AggregateKind kind);

}  // namespace bd::merge
