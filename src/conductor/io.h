// The conductor's I/O steps, as awaitable tasks: topology look-ups (through the per-isolate cache)
// and parallel fan-out of storage requests.
#pragma once
#include <memory>
#include <vector>
#include "conductor/conductor.h"
#include "storage/protocol.h"

namespace bd {

// The cached topology, or a fresh one from the topology object (created with `nodes` nodes when
// the database does not exist and nodes > 0).
Task<Result<std::shared_ptr<const Topology>>> load_topology(Conductor& c, Session& s, uint32_t nodes, bool refresh);

// Applies a topology the topology object returned after a change, to the cache.
std::shared_ptr<const Topology> adopt_topology(Conductor& c, Topology t);

struct NodeRequest {
  uint32_t node = 0;
  storage::Request request;
};

// Sends all requests at once; the first failure (in request order) is returned, naming its node.
// A non-empty `topology_payload` rides along in the same round trip (its reply must be ok).
Task<Result<std::vector<storage::Response>>> fan_out(Session& s, std::vector<NodeRequest> requests, std::string topology_payload = {});

// Sends already-encoded storage payloads (staging operations, storage/staging.h) to nodes, all at
// once; the first failure (in order) is returned, naming its node.
Task<Result<std::vector<storage::Response>>> fan_out_payloads(Session& s, std::vector<std::pair<uint32_t, std::string>> payloads);

// Waits `ms` milliseconds (the host sleeps; no I/O).
Task<int> sleep_ms(Session& s, uint32_t ms);

// A single topology-object round trip.
Task<Result<std::string>> topology_call(Session& s, std::string payload);

}  // namespace bd
