// The resize job runner: advances the topology object's resize job (topology/reshard.h) by one
// idempotent step per call, talking to the storage nodes with admin requests. The topology
// object's alarm calls it until the job is done; a restart anywhere resumes from the saved phase.
#pragma once
#include <optional>
#include "conductor/conductor.h"
#include "topology/reshard.h"

namespace bd {

// Runs the next step of the database's resize job; the result is one row with the job's JSON
// (phase, progress, last error), or "null" when there is no job.
Task<Result<QueryOutput>> reshard_step(Conductor& c, Session& s);

// One row, column "job": the job's JSON, or "null" (the answer of the resize PRAGMAs and steps).
QueryOutput job_output(const std::optional<topology::ReshardJob>& job);

// Splits a virtual shard's keyspace range in halves (both stay on its node; no data moves): the
// node learns it owns the new shard first, then the topology changes. Returns the topology JSON
// of the two halves.
Task<Result<QueryOutput>> split_vshard(Conductor& c, Session& s, uint32_t vshard);

}  // namespace bd
