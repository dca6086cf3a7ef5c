// Native micro-benchmark of the conductor's hot merge path (wired into `bigdaddy bench`).
#pragma once

namespace bd::merge {

// CPU nanoseconds for one OrderedMerge + Limit over `shards` sorted streams of `rows_per_shard`
// rows (INTEGER key, TEXT payload), pulling `limit` rows: building the operator tree over the
// shards' already-decoded rows, merging, and freeing it all, as the conductor does per query
// (building the input rows is not timed). Averaged over enough repetitions to take
// a few tens of milliseconds. `bigdaddy bench` reports bench_ordered_merge_limit_ns(8, 10, 10).
double bench_ordered_merge_limit_ns(int shards, int rows_per_shard, int limit);

}  // namespace bd::merge
