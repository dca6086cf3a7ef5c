#include "conductor/merge/bench.h"

#include <chrono>
#include <ctime>
#include <string>

#include "conductor/merge/limit.h"
#include "conductor/merge/ordered_merge.h"

namespace bd::merge {
namespace {

double cpu_now_ns() {
#if defined(CLOCK_PROCESS_CPUTIME_ID) && !defined(__wasi__)
  timespec ts;
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0) return double(ts.tv_sec) * 1e9 + double(ts.tv_nsec);
#endif
  return double(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

}  // namespace

double bench_ordered_merge_limit_ns(int shards, int rows_per_shard, int limit) {
  if (shards < 1) shards = 1;
  if (rows_per_shard < 0) rows_per_shard = 0;
  // Interleaved keys (shard s holds s, s+shards, ...) so the merge alternates between shards.
  std::vector<std::vector<Row>> data(shards);
  for (int s = 0; s < shards; s++)
    for (int r = 0; r < rows_per_shard; r++) {
      int64_t k = int64_t(r) * shards + s;
      data[s].push_back(Row{Value::integer(k), Value::text("row-" + std::to_string(k))});
    }
  std::vector<SortKey> keys{SortKey{0, false, Collation::Binary, SortKey::Default}};

  // Shard rows are built outside the timed region: in the conductor they arrive decoded and are
  // moved (not copied) into the operator tree, so copying them here would measure the benchmark.
  int64_t checksum = 0;
  const int batch = 64;
  std::vector<std::vector<RowSourcePtr>> prepared(batch);
  auto prepare = [&]() {
    for (auto& inputs : prepared) {
      inputs.clear();
      for (int s = 0; s < shards; s++) inputs.push_back(std::make_unique<VectorSource>(data[s]));
    }
  };
  auto run_batch = [&]() {
    for (auto& inputs : prepared) {
      Limit op(std::make_unique<OrderedMerge>(std::move(inputs), keys), LimitSpec{limit, 0});
      Row row;
      for (;;) {
        Result<bool> more = op.next(&row);
        if (!more.ok() || !*more) break;
        checksum += row[0].i;
      }
    }
  };

  for (int i = 0; i < 4; i++) {  // warm-up
    prepare();
    run_batch();
  }
  int64_t iters = 0;
  double elapsed = 0;
  while (elapsed < 3e7 && iters < 10000000) {  // ~30 ms of CPU inside the merges
    prepare();
    double start = cpu_now_ns();
    run_batch();
    elapsed += cpu_now_ns() - start;
    iters += batch;
  }
  volatile int64_t sink = checksum;
  (void)sink;
  return elapsed / double(iters);
}

}  // namespace bd::merge
