// bigdaddy bench: native figures for the core (the end-to-end Worker figures come from
// scripts/bench.mjs against `wrangler dev`). Prints one line per figure.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>
#include "conductor/merge/bench.h"
#include "native/cluster.h"
#include "native/commands.h"

namespace bd::native {
namespace {

using Clock = std::chrono::steady_clock;

struct Stats {
  double ops_per_s, p50_us, p99_us;
};

template <class F>
Stats measure(int n, F&& op) {
  std::vector<double> lat;
  lat.reserve(n);
  auto t0 = Clock::now();
  for (int i = 0; i < n; i++) {
    auto a = Clock::now();
    op(i);
    lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - a).count());
  }
  double total = std::chrono::duration<double>(Clock::now() - t0).count();
  std::sort(lat.begin(), lat.end());
  return {n / total, lat[lat.size() / 2], lat[std::min(lat.size() - 1, lat.size() * 99 / 100)]};
}

void print(const char* name, const Stats& s) {
  std::printf("%-40s %10.0f ops/s   p50 %8.1f us   p99 %8.1f us\n", name, s.ops_per_s, s.p50_us, s.p99_us);
}

}  // namespace

int cmd_bench(int argc, char** argv) {
  int nodes = 8, rows = 5000;
  for (int i = 1; i < argc; i++) {
    if (!std::strcmp(argv[i], "--nodes") && i + 1 < argc)
      nodes = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--rows") && i + 1 < argc)
      rows = std::atoi(argv[++i]);
  }
  auto c = Cluster::open({nodes, "", "bench"});
  if (!c.ok()) {
    std::fprintf(stderr, "%s\n", c.error().message.c_str());
    return 1;
  }
  auto& cl = **c;
  auto must = [](const Result<QueryResult>& r) {
    if (!r.ok()) {
      std::fprintf(stderr, "bench: %s\n", r.error().message.c_str());
      std::exit(1);
    }
  };
  must(cl.execute("CREATE TABLE kv (id INTEGER PRIMARY KEY, v TEXT, n INTEGER)"));
  std::printf("native cluster, %d nodes (in-memory SQLite per node); conductor + storage core in-process\n", nodes);
  print("point insert", measure(rows, [&](int i) {
          must(cl.execute("INSERT INTO kv (id, v, n) VALUES (?, ?, ?)",
                          {Value::integer(i + 1), Value::text("value-" + std::to_string(i)), Value::integer(i % 100)}));
        }));
  print("point select", measure(rows, [&](int i) { must(cl.execute("SELECT v FROM kv WHERE id = ?", {Value::integer(i % rows + 1)})); }));
  // The conductor's own CPU time: wall time minus the time spent inside the objects' SQLite.
  auto conductor_us = [&](const char* name, int n, auto&& op) {
    uint64_t before = cl.object_ns();
    auto t0 = Clock::now();
    for (int i = 0; i < n; i++) op(i);
    double total = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
    double objects = static_cast<double>(cl.object_ns() - before);
    std::printf("%-40s %10.2f us conductor CPU per query (%.2f us in objects)\n", name, (total - objects) / n / 1000, objects / n / 1000);
  };
  conductor_us("point select (conductor only)", rows,
               [&](int i) { must(cl.execute("SELECT v FROM kv WHERE id = ?", {Value::integer(i % rows + 1)})); });
  conductor_us("8-shard ORDER BY/LIMIT 10 (conductor only)", 300,
               [&](int) { must(cl.execute("SELECT id, n FROM kv ORDER BY n DESC, id LIMIT 10")); });
  print("full count (scatter, summed)", measure(200, [&](int) { must(cl.execute("SELECT count(*) FROM kv")); }));
  print("ORDER BY n LIMIT 10 over all shards",
        measure(200, [&](int) { must(cl.execute("SELECT id, n FROM kv ORDER BY n DESC, id LIMIT 10")); }));
  std::printf("%-40s %10.0f ns per merge\n", "merge: 8 shards x 10 rows, LIMIT 10", merge::bench_ordered_merge_limit_ns(8, 10, 10));
  return 0;
}

}  // namespace bd::native
