// bigdaddy bench: native figures for the core (the end-to-end Worker figures come from
// scripts/bench.mjs against `wrangler dev`). Prints one line per figure.
#include <algorithm>
#include <chrono>
#include <thread>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>
#include "conductor/merge/bench.h"
#include "native/cluster.h"
#include "storage/txn.h"
#include "native/commands.h"
#include "native/model/model.h"

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

// bigdaddy bench --model: the scale-out model (native/model/model.h) over node counts.
int model_bench(int argc, char** argv) {
  model::Options o;
  bool rebalance = false;  // after each run: PRAGMA bigdaddy_rebalance, its job, and the run again
  std::vector<int> counts = {1, 2, 4, 8, 16, 32, 64};
  std::vector<model::Workload> workloads = {model::Workload::PointRead, model::Workload::PointWrite, model::Workload::IndexedLookup,
                                            model::Workload::ScatterRead8, model::Workload::Transfer};
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto num = [&]() { return i + 1 < argc ? std::atof(argv[++i]) : 0.0; };
    if (a == "--model") continue;
    if (a == "--nodes-list" && i + 1 < argc) {
      counts.clear();
      for (const char* p = argv[++i]; *p;) {
        counts.push_back(std::atoi(p));
        while (*p && *p != ',') p++;
        if (*p) p++;
      }
    } else if (a == "--workload" && i + 1 < argc) {
      std::string w = argv[++i];
      workloads.clear();
      for (auto x : {model::Workload::PointRead, model::Workload::PointWrite, model::Workload::IndexedLookup, model::Workload::ScatterRead8,
                     model::Workload::Transfer})
        if (w == model::workload_name(x)) workloads.push_back(x);
      if (workloads.empty()) {
        std::fprintf(stderr, "bench --model: unknown workload '%s'\n", w.c_str());
        return 1;
      }
    } else if (a == "--ms") {
      o.measure_ms = num();
    } else if (a == "--rows") {
      o.rows = static_cast<int>(num());
    } else if (a == "--rtt-us") {
      o.costs.rtt_us = num();
    } else if (a == "--request-us") {
      o.costs.request_us = num();
    } else if (a == "--conductor-scale") {
      o.costs.conductor_scale = num();
    } else if (a == "--clients-per-node") {
      o.clients_per_node = static_cast<int>(num());
    } else if (a == "--clients-per-isolate") {
      o.clients_per_isolate = static_cast<int>(num());
    } else if (a == "--rebalance") {
      rebalance = true;
    } else if (a == "--zipf") {
      o.zipf = num();
    } else {
      std::fprintf(stderr,
                   "usage: bigdaddy bench --model [--nodes-list 1,2,4,...] [--workload 'point read'] [--ms 500] [--rows 20000]\n"
                   "       [--rtt-us 1000] [--request-us 500] [--conductor-scale 2] [--clients-per-node 8]\n"
                   "       [--clients-per-isolate 4] [--zipf 0] [--rebalance]\n");
      return 1;
    }
  }
  std::printf(
      "scale-out model: discrete-event simulation through the real core; virtual clock; per node %d closed-loop clients,\n"
      "one Worker isolate per %d clients; round trip %.0f us; per-request object cost %.0f us + its measured CPU time;\n"
      "conductor CPU measured x %.1f; %d rows; %.0f ms measured after %.0f ms warm-up%s\n",
      o.clients_per_node, o.clients_per_isolate, o.costs.rtt_us, o.costs.request_us, o.costs.conductor_scale, o.rows, o.measure_ms,
      o.warmup_ms, o.zipf > 0 ? (", Zipf " + std::to_string(o.zipf)).c_str() : "");
  std::vector<std::vector<std::pair<std::string, model::Report>>> table(workloads.size());
  for (int n : counts) {
    model::Options on = o;
    on.nodes = n;
    auto m = model::Model::open(on);
    if (!m.ok()) {
      std::fprintf(stderr, "bench --model: %s\n", m.error().message.c_str());
      return 1;
    }
    for (size_t k = 0; k < workloads.size(); k++) {
      auto r = (*m)->run(workloads[k]);
      if (!r.ok()) {
        std::fprintf(stderr, "bench --model: %s\n", r.error().message.c_str());
        return 1;
      }
      if (r->errors) {
        std::fprintf(stderr, "bench --model: %s on %d nodes: %llu statements failed: %s\n", model::workload_name(workloads[k]), n,
                     static_cast<unsigned long long>(r->errors), r->first_error.c_str());
        return 1;
      }
      table[k].emplace_back(std::to_string(n), *r);
      if (!rebalance) continue;
      auto plan = (*m)->execute("PRAGMA bigdaddy_rebalance");
      if (!plan.ok()) {
        std::fprintf(stderr, "bench --model: PRAGMA bigdaddy_rebalance: %s\n", plan.error().message.c_str());
        return 1;
      }
      if (auto job = (*m)->run_job(); !job.ok()) {
        std::fprintf(stderr, "bench --model: rebalance job: %s\n", job.error().message.c_str());
        return 1;
      }
      auto again = (*m)->run(workloads[k]);
      if (!again.ok() || again->errors) {
        std::fprintf(stderr, "bench --model: after the rebalance: %s\n",
                     again.ok() ? again->first_error.c_str() : again.error().message.c_str());
        return 1;
      }
      size_t moves = 0, splits = 0;
      for (auto& row : plan->rs.rows) (row[0].s == "move" ? moves : splits)++;
      table[k].emplace_back(std::to_string(n) + ", rebalanced (" + std::to_string(moves) + " moves, " + std::to_string(splits) + " splits)",
                            *again);
    }
  }
  for (size_t k = 0; k < workloads.size(); k++) {
    std::printf("\n%s\n", model::workload_name(workloads[k]));
    std::printf(
        "| nodes | statements/s | vs linear | p50 ms | p99 ms | requests/stmt | node req/s | busiest node / mean | node busy max | "
        "topology req/s | id allocator req/s | busiest index shard req/s | conductor us/stmt |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    double base = table[k].empty() ? 0 : table[k][0].second.throughput / table[k][0].second.nodes;
    for (auto& [label, r] : table[k]) {
      double busy = r.node_busy.empty() ? 0 : *std::max_element(r.node_busy.begin(), r.node_busy.end());
      std::printf("| %s | %.0f | %.2f | %.2f | %.2f | %.2f | %.0f | %.2f | %.0f%% | %.1f | %.1f | %.1f | %.1f |\n", label.c_str(),
                  r.throughput, base > 0 ? r.throughput / (base * r.nodes) : 0, r.p50_ms, r.p99_ms, r.requests_per_statement,
                  r.node_mean_rps() * r.nodes, r.node_mean_rps() > 0 ? r.node_max_rps() / r.node_mean_rps() : 0, busy * 100, r.topology_rps,
                  r.id_allocator_rps, r.index_shard_max_rps, r.conductor_us);
    }
  }
  return 0;
}

// bigdaddy bench --conductor WORKLOAD [--ops N] [--nodes N]: one of the end-to-end bench's workloads
// through the native cluster, N times over the bench's 2,000 users, printing the conductor's CPU
// per statement (wall time minus the time inside the objects' SQLite). Whole-process timings of two
// builds side by side make a before/after ratio of a change to the core.
int conductor_bench(int argc, char** argv) {
  std::string workload;
  int ops = 0, nodes = 8;
  for (int i = 1; i < argc; i++) {
    if (!std::strcmp(argv[i], "--conductor") && i + 1 < argc)
      workload = argv[++i];
    else if (!std::strcmp(argv[i], "--ops") && i + 1 < argc)
      ops = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--nodes") && i + 1 < argc)
      nodes = std::atoi(argv[++i]);
  }
  auto c = Cluster::open({nodes, "", "bench"});
  if (!c.ok()) {
    std::fprintf(stderr, "%s\n", c.error().message.c_str());
    return 1;
  }
  auto& cl = **c;
  auto must = [](const Result<QueryResult>& r) -> const QueryResult& {
    if (!r.ok()) {
      std::fprintf(stderr, "bench: %s\n", r.error().message.c_str());
      std::exit(1);
    }
    return *r;
  };
  must(cl.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, age INTEGER, email TEXT, n INTEGER)"));
  must(cl.execute("CREATE TABLE bulk (id INTEGER PRIMARY KEY, v TEXT, n INTEGER)"));
  for (int lo = 1; lo <= 2000; lo += 500) {
    std::string values;
    for (int id = lo; id < lo + 500; id++)
      values += (values.empty() ? "(" : ", (") + std::to_string(id) + ", 'user-" + std::to_string(id) + "', " +
                std::to_string(18 + id % 90) + ", 'u" + std::to_string(id) + "@example.com', " + std::to_string(id % 7) + ")";
    must(cl.execute("INSERT INTO users (id, name, age, email, n) VALUES " + values));
  }
  int next_bulk = 1;
  std::function<void(int)> op;
  if (workload == "point-select") {
    op = [&](int i) { must(cl.execute("SELECT id, name, age FROM users WHERE id = ?", {Value::integer(1 + i % 2000)})); };
  } else if (workload == "count") {
    op = [&](int) { must(cl.execute("SELECT count(*) AS c FROM users")); };
  } else if (workload == "order-by") {
    op = [&](int) { must(cl.execute("SELECT id, name, age FROM users ORDER BY age DESC, id LIMIT 10")); };
  } else if (workload == "group-by") {
    op = [&](int) {
      if (must(cl.execute("SELECT age, count(*) AS c, avg(n) AS a FROM users GROUP BY age")).rs.rows.size() != 90) std::exit(1);
    };
  } else if (workload == "multi-insert") {
    op = [&](int) {
      std::string values;
      for (int k = 0; k < 500; k++, next_bulk++)
        values +=
            (k ? ", (" : "(") + std::to_string(next_bulk) + ", 'bulk-" + std::to_string(next_bulk) + "', " + std::to_string(k % 100) + ")";
      if (must(cl.execute("INSERT INTO bulk (id, v, n) VALUES " + values)).rs.changes != 500) std::exit(1);
    };
  } else {
    std::fprintf(stderr, "bench --conductor: workload %s is none of point-select, count, order-by, group-by, multi-insert\n",
                 workload.c_str());
    return 2;
  }
  if (ops <= 0) ops = workload == "multi-insert" ? 200 : 2000;
  for (int i = 0; i < ops / 10; i++) op(i);  // warm
  // Everything runs on this thread: its CPU time is the conductor's plus the objects', whatever
  // else the machine runs meanwhile.
  auto cpu_ns = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
  };
  uint64_t before = cl.object_ns();
  auto t0 = Clock::now();
  double c0 = cpu_ns();
  for (int i = 0; i < ops; i++) op(i);
  double cpu = cpu_ns() - c0;
  double total = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
  double objects = static_cast<double>(cl.object_ns() - before);
  std::printf(
      "%s: %d statements, %d nodes: %.1f us CPU per statement (conductor and objects, one thread); wall %.1f us, of which %.1f us in the "
      "objects\n",
      workload.c_str(), ops, nodes, cpu / ops / 1000, total / ops / 1000, objects / ops / 1000);
  return 0;
}

// bigdaddy bench --txn: what atomicity costs, natively on 8 nodes (in-memory SQLite, the conductor
// and the nodes in one process, so the figures are CPU costs without network round trips).
int txn_bench(int argc, char** argv) {
  int n = 2000;
  for (int i = 1; i < argc; i++)
    if (!std::strcmp(argv[i], "--ops") && i + 1 < argc) n = std::atoi(argv[++i]);
  auto c = Cluster::open({8, "", "bench"});
  if (!c.ok()) {
    std::fprintf(stderr, "%s\n", c.error().message.c_str());
    return 1;
  }
  auto& cl = **c;
  auto must = [](const Result<QueryResult>& r) {
    if (!r.ok()) {
      std::fprintf(stderr, "bench --txn: %s\n", r.error().message.c_str());
      std::exit(1);
    }
  };
  const int accounts = 40;
  const int64_t start_balance = 1000000;
  must(cl.execute("CREATE TABLE acc (id INTEGER PRIMARY KEY, bal INTEGER NOT NULL CHECK (bal >= 0))"));
  // One row per statement: nothing has run as a transaction yet (the "before" figures below).
  for (int i = 1; i <= accounts; i++) must(cl.execute("INSERT INTO acc VALUES (?, ?)", {Value::integer(i), Value::integer(start_balance)}));
  must(cl.execute("CREATE TABLE kv (id INTEGER PRIMARY KEY, n INTEGER)"));
  // The accounts of each node.
  std::vector<std::vector<int64_t>> on(8);
  for (int node = 0; node < 8; node++) {
    auto r = cl.node_exec(node, "SELECT id FROM acc ORDER BY id");
    if (!r.ok() || r->rows.empty()) {
      std::fprintf(stderr, "bench --txn: node %d holds no account\n", node);
      return 1;
    }
    for (auto& row : r->rows) on[node].push_back(row[0].i);
  }
  std::printf("native cluster, 8 nodes, %d accounts; every figure is one statement or transaction end to end\n", accounts);
  // Single-node writes before any transaction ran here, and again at the end, after thousands
  // (capture triggers installed, transaction tables present): the fast path's cost of transactions.
  auto point_insert = [&](int base) {
    return measure(n, [&](int i) {
      must(cl.execute("INSERT INTO kv (id, n) VALUES (?, ?)", {Value::integer(base + i + 1), Value::integer(i)}));
    });
  };
  auto point_update = [&]() {
    return measure(n, [&](int i) { must(cl.execute("UPDATE acc SET bal = bal + 1 WHERE id = ?", {Value::integer(on[i % 8][0])})); });
  };
  Stats insert_before = point_insert(0), update_before = point_update();
  print("single-node INSERT, no transaction yet", insert_before);
  print("single-node UPDATE, no transaction yet", update_before);
  print("atomic write over 2 nodes (transfer)", measure(n, [&](int i) {
          int64_t a = on[i % 8][0], b = on[(i + 1) % 8][0];
          must(cl.execute("UPDATE acc SET bal = bal + CASE id WHEN ?1 THEN -1 ELSE 1 END WHERE id IN (?1, ?2)",
                          {Value::integer(a), Value::integer(b)}));
        }));
  print("atomic write over 8 nodes (UPDATE of 8)", measure(n / 2, [&](int) {
          std::vector<Value> ids;
          for (int node = 0; node < 8; node++) ids.push_back(Value::integer(on[node][0]));
          must(cl.execute("UPDATE acc SET bal = bal + 1 WHERE id IN (?, ?, ?, ?, ?, ?, ?, ?)", ids));
        }));
  // Interactive transfers: 8 writers, each in its own isolate, interleaved round by round. Each
  // transfer reads the source balance, checks it, writes both accounts and commits; a 409 runs
  // it again. Throughput counts committed transfers; commit latency is the COMMIT statement's.
  {
    const int writers = 8, per_writer = std::max(1, n / 16);
    struct Writer {
      int isolate = 0, done = 0, step = 0, ticket = -1, conflicts = 0;
      std::string txn;
      int64_t from = 0, to = 0;
      Clock::time_point commit_start;
    };
    std::vector<Writer> w(writers);
    std::vector<double> commit_us;
    uint64_t seed = 12345;
    auto next = [&]() {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      return static_cast<int>((seed >> 33) % accounts) + 1;
    };
    auto launch = [&](Writer& x) {
      switch (x.step) {
        case 0:
          x.from = next();
          do x.to = next();
          while (x.to == x.from);
          x.ticket = cl.begin(x.isolate, "BEGIN");
          break;
        case 1: x.ticket = cl.begin_in_txn(x.isolate, x.txn, "SELECT bal FROM acc WHERE id = ?", {Value::integer(x.from)}); break;
        case 2: x.ticket = cl.begin_in_txn(x.isolate, x.txn, "UPDATE acc SET bal = bal - 1 WHERE id = ?", {Value::integer(x.from)}); break;
        case 3: x.ticket = cl.begin_in_txn(x.isolate, x.txn, "UPDATE acc SET bal = bal + 1 WHERE id = ?", {Value::integer(x.to)}); break;
        case 4:
          x.commit_start = Clock::now();
          x.ticket = cl.begin_in_txn(x.isolate, x.txn, "COMMIT");
          break;
      }
    };
    for (int k = 0; k < writers; k++) {
      w[k].isolate = k;
      launch(w[k]);
    }
    int finished = 0, committed = 0;
    auto t0 = Clock::now();
    while (finished < writers) {
      for (auto& x : w) {
        if (x.ticket < 0 || !cl.advance(x.ticket)) continue;
        auto r = cl.finish(x.ticket);
        x.ticket = -1;
        if (!r.ok()) {
          if (r.error().message != "database is locked") {
            std::fprintf(stderr, "bench --txn: transfer: %s\n", r.error().message.c_str());
            return 1;
          }
          x.conflicts++;
          x.step = 0;  // rolled back: run it again
          launch(x);
          continue;
        }
        if (x.step == 0) x.txn = r->transaction;
        if (x.step == 1 && r->rs.rows.at(0).at(0).i < 1) {
          std::fprintf(stderr, "bench --txn: balance exhausted\n");
          return 1;
        }
        if (x.step == 4) {
          commit_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - x.commit_start).count());
          committed++;
          x.step = 0;
          if (++x.done == per_writer) {
            finished++;
            continue;
          }
        } else {
          x.step++;
        }
        launch(x);
      }
    }
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    int conflicts = 0;
    for (auto& x : w) conflicts += x.conflicts;
    std::sort(commit_us.begin(), commit_us.end());
    std::printf("%-40s %10.0f transfers/s   %d committed, %d rolled back by conflicts (409) and rerun\n", "interactive transfer, 8 writers",
                committed / secs, committed, conflicts);
    std::printf("%-40s %10s          p50 %8.1f us   p99 %8.1f us\n", "commit latency (interactive, 2 nodes)", "",
                commit_us[commit_us.size() / 2], commit_us[std::min(commit_us.size() - 1, commit_us.size() * 99 / 100)]);
  }
  Stats insert_after = point_insert(n), update_after = point_update();
  print("single-node INSERT, after transactions", insert_after);
  print("single-node UPDATE, after transactions", update_after);
  std::printf("%-40s %10.3f INSERT   %.3f UPDATE   (p50 after / before)\n", "single-node write latency ratio",
              insert_after.p50_us / insert_before.p50_us, update_after.p50_us / update_before.p50_us);
  // Once no transaction has run on a node for a moment, its next write drops the capture triggers
  // (storage/txn.h, kCaptureIdleMs): the fast path is back to its cost without transactions.
  std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(bd::storage::kCaptureIdleMs) + 200));
  Stats insert_idle = point_insert(2 * n), update_idle = point_update();
  print("single-node INSERT, transactions idle", insert_idle);
  print("single-node UPDATE, transactions idle", update_idle);
  std::printf("%-40s %10.3f INSERT   %.3f UPDATE   (p50 idle / before)\n", "single-node write latency ratio, idle",
              insert_idle.p50_us / insert_before.p50_us, update_idle.p50_us / update_before.p50_us);
  // Every transfer moved 1: the total is unchanged.
  auto sum = cl.execute("SELECT sum(bal) FROM acc");
  must(sum);
  int64_t expect =
      accounts * start_balance + 3 * static_cast<int64_t>(n) + static_cast<int64_t>(n / 2) * 8;  // three rounds of point updates
  if (sum->rs.rows[0][0].i != expect) {
    std::fprintf(stderr, "bench --txn: the balances sum to %lld, expected %lld\n", static_cast<long long>(sum->rs.rows[0][0].i),
                 static_cast<long long>(expect));
    return 1;
  }
  return 0;
}

}  // namespace

int cmd_bench(int argc, char** argv) {
  for (int i = 1; i < argc; i++)
    if (!std::strcmp(argv[i], "--txn")) return txn_bench(argc, argv);
  for (int i = 1; i < argc; i++)
    if (!std::strcmp(argv[i], "--model")) return model_bench(argc, argv);
  for (int i = 1; i < argc; i++)
    if (!std::strcmp(argv[i], "--conductor")) return conductor_bench(argc, argv);
  for (int i = 1; i < argc; i++)
    if (!std::strcmp(argv[i], "--scale")) return scale_bench(argc, argv);
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
