// Online resharding: the persistent state of a resize job and the placement plan it runs.
// The topology object keeps one job record (its own SQLite); the conductor's job runner
// (conductor/reshard.cpp) advances it one idempotent step at a time, so a restart of any object
// resumes where the record says.
//
// Phases, in order (see conductor/reshard.cpp for what each does on the nodes); Capture to Finish
// repeat for every wave of moves:
//   Join         new nodes get the schema and the reference tables; the topology grows to N nodes
//   Capture      sources start logging changes to the moving ranges; targets get staging tables
//   Copy         rows of the moving ranges are copied in rowid order, in batches, into staging
//   CatchUp      logged changes are replayed into staging until little is left
//   Fence        sources refuse writes to the moving virtual shards
//   FinalCatchUp the rest of the log is replayed; staging is checked against the source
//   Activate     targets move staging into their tables and take ownership (new epoch)
//   Cleanup      sources delete the moved rows and give up ownership (new epoch)
//   Switch       the topology assigns the moved virtual shards to their targets (new epoch)
//   Finish       staging tables are dropped -> Capture for the next wave, or Done
// A cancel before Fence runs Abort (capture and staging removed) -> Cancelled.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>
#include "base/result.h"
#include "topology/catalog.h"
#include "wire/codec.h"

namespace bd::topology {

enum class Phase : uint8_t {
  Join = 0,
  Capture,
  Copy,
  CatchUp,
  Fence,
  FinalCatchUp,
  Activate,
  Cleanup,
  Switch,
  Finish,
  Done,
  Abort,
  Cancelled
};
const char* phase_name(Phase p);

struct Move {
  uint32_t vshard = 0;
  uint32_t from = 0, to = 0;
};

// Copy progress of one table on one source node.
struct Cursor {
  uint32_t source = 0;
  std::string table;  // node table name (a sharded table or a global index's lookup table)
  int64_t after = 0;  // the first rowid not copied yet (the copy reads rowid >= after)
  bool done = false;
};

struct ReshardJob {
  uint64_t id = 0;
  uint64_t rev = 0;  // bumps on every save; a save against an older rev is refused
  uint32_t from_nodes = 0, to_nodes = 0;
  Phase phase = Phase::Join;
  std::vector<Move> moves;
  // Moves run in waves (moves[wave_begin, wave_end)), each with its own copy, fence and switch, so
  // that a fence never has to wait for a large share of the database to move.
  uint32_t wave_begin = 0, wave_end = 0;
  uint32_t wave_size = 0;  // moves per wave (the last one may have fewer)
  std::vector<Cursor> cursors;
  std::vector<int64_t> log_applied;  // per node: last change-log sequence replayed
  uint64_t rows_total = 0, rows_copied = 0, changes_replayed = 0;
  uint32_t catchup_rounds = 0;
  uint64_t catalog_version = 0;  // the catalog the job's tables and triggers were made from
  bool cancel_requested = false;
  std::string last_error;  // the last failed step's error (cleared by the next success)
  uint32_t failures = 0;   // consecutive failed steps

  bool active() const { return phase != Phase::Done && phase != Phase::Cancelled; }
  std::vector<Move> wave() const;         // the moves of the current wave
  std::vector<uint32_t> sources() const;  // of the current wave
  std::vector<uint32_t> targets() const;
  uint32_t waves() const;  // how many waves in all
  void encode(wire::Writer& w) const;
  static Result<ReshardJob> decode(wire::Reader& r);
  std::string json() const;  // phase and progress, for the topology report and the dashboard
};

// The moves that balance `topo`'s virtual shards over `nodes` nodes (each node ends with
// floor(V/N) or ceil(V/N) shards; only the surplus of over-full nodes moves).
Result<std::vector<Move>> plan_moves(const Topology& topo, uint32_t nodes);

// A rebalance: placement changes that even out the measured load (requests per virtual shard, as
// the nodes count them) over the nodes.
struct RebalancePlan {
  // Shards busier on their own than a node's fair share: moving one cannot help, so it is split in
  // halves first (same node, no data moves); the next rebalance can move a half.
  std::vector<uint32_t> splits;
  std::vector<Move> moves;                                  // one wave of the resize machinery
  std::vector<uint64_t> node_load_before, node_load_after;  // requests per node, as planned
};

// Greedy: while the busiest node is above (1 + tolerance) x the mean, it gives the least busy node
// the shard whose load best halves the gap between them (never more than the gap), until no move
// helps or `max_moves` are planned. `load` maps virtual shard id -> requests (missing: none).
RebalancePlan plan_rebalance(const Topology& topo, const std::map<uint32_t, uint64_t>& load, double tolerance = 0.05,
                             size_t max_moves = 64);

}  // namespace bd::topology
