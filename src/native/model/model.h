// The scale-out model: a discrete-event simulation of Big Daddy on Cloudflare's network, driven
// through the real core on the native host, with a virtual clock so that its figures do not depend
// on how many cores this machine has.
//
// What is simulated, and what is real:
//  - Every object (each storage node, the topology object) is a single server: it serves one
//    request at a time, first come first served, like a Durable Object. A request's service time is
//    the object's real, measured CPU time for it (the core's storage/topology handler and SQLite,
//    natively, inside its transaction) plus a fixed per-request cost (the runtime's share).
//  - Every Worker isolate runs a real Conductor (its own topology cache and id blocks) and is a
//    single server too: each conductor step (start, resume) costs its measured CPU time times a
//    factor (the Wasm build in V8 is slower than native).
//  - Between a conductor and an object, a request takes half the round trip each way.
//  - Clients are closed loops: each sends one statement, waits for its answer, sends the next.
// Requests run for real, in virtual-time order, so every answer is the database's true answer.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>
#include "base/result.h"
#include "native/cluster.h"

namespace bd::native::model {

enum class Workload : uint8_t {
  PointRead,      // SELECT by primary key: one node
  PointWrite,     // INSERT with a generated id: one node (the id allocator once per id block)
  IndexedLookup,  // SELECT by a globally indexed column: the index's shard, then the row's node
  ScatterRead8,   // SELECT of 8 rows by key (id IN (8 keys)): up to 8 nodes at once
  Transfer,       // one UPDATE moving an amount between two accounts: up to 2 nodes
};
const char* workload_name(Workload w);

struct Costs {
  double rtt_us = 1000;          // conductor <-> object round trip
  double request_us = 500;       // per request on an object, on top of its measured time
  double conductor_scale = 2.0;  // measured native conductor CPU is multiplied by this
};

struct Options {
  int nodes = 8;
  int rows = 20000;             // rows of kv and of accounts
  int clients_per_node = 8;     // closed-loop clients: nodes x this
  int clients_per_isolate = 4;  // Worker isolates: clients / this (each its own conductor)
  double warmup_ms = 50;        // virtual time before the measured window
  double measure_ms = 500;      // the measured window
  double zipf = 0;              // key skew: 0 uniform, else the Zipf exponent over row ids
  uint64_t seed = 1;
  Costs costs;
};

struct Report {
  Workload workload = Workload::PointRead;
  int nodes = 0, clients = 0, isolates = 0;
  uint64_t completed = 0;  // statements answered in the window
  uint64_t errors = 0;     // statements that failed (any failure is a bug in the model or the core)
  std::string first_error;
  double throughput = 0;  // statements per virtual second
  double p50_ms = 0, p99_ms = 0;
  double requests_per_statement = 0;  // object requests per statement (storage + topology)
  double conductor_us = 0;            // conductor CPU per statement (scaled)
  double topology_rps = 0;            // requests per second reaching the topology object
  double id_allocator_rps = 0;        // of which id allocations
  double index_shard_max_rps = 0;     // the busiest virtual shard of a global index's table
  double index_shard_mean_rps = 0;    // mean over the index's virtual shards that got requests
  std::vector<double> node_rps;       // per storage node
  std::vector<double> node_busy;      // per storage node: fraction of the window it was serving
  double node_max_rps() const;
  double node_mean_rps() const;
};

class Model {
 public:
  // A database with `options.nodes` nodes and its tables loaded (kv with a global index on k,
  // accounts, events), every isolate's topology cache warm.
  static Result<std::unique_ptr<Model>> open(const Options& options);
  virtual ~Model() = default;
  // Runs one statement outside the clock (set-up, checks, PRAGMAs), through isolate 0.
  virtual Result<QueryResult> execute(std::string_view sql, const std::vector<Value>& params = {}) = 0;
  // Runs resize-job steps (a rebalance's moves) outside the clock until the job is no longer active.
  virtual Result<std::string> run_job() = 0;
  // One measured run of a workload under the virtual clock.
  virtual Result<Report> run(Workload w) = 0;
  virtual Options& options() = 0;
};

}  // namespace bd::native::model
