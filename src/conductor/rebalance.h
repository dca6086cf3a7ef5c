// Hot spots: the nodes' request counters per virtual shard (storage/load.h), read for the topology
// report, and PRAGMA bigdaddy_rebalance, which evens the measured load out over the nodes with the
// resize machinery (topology::plan_rebalance picks the moves; one job runs them online).
#pragma once
#include <map>
#include "conductor/conductor.h"

namespace bd {

struct MeasuredLoad {
  std::map<uint32_t, uint64_t> vshards;  // requests routed to each virtual shard, summed over nodes
  std::vector<uint64_t> node_total;      // per node: all requests it counted
  std::vector<uint64_t> node_scatter;    // per node: of which scatters
  bool counted = false;                  // some node keeps counters
};

// Reads every node's counters (and starts them again from zero when `reset`).
Task<Result<MeasuredLoad>> read_load(Conductor& c, Session& s, const Topology& topo, bool reset);

//   PRAGMA bigdaddy_rebalance;            -- split and move hot virtual shards, online (a resize job)
//   PRAGMA bigdaddy_rebalance = 'plan';   -- what it would do, changing nothing
// Rows: action ('split' | 'move'), vshard, from_node, to_node, requests (since the counters started).
Task<Result<QueryOutput>> rebalance(Conductor& c, Session& s, bool apply);

}  // namespace bd
