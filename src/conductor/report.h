// The topology report behind GET /api/databases/:db and the binding's topology(): catalog,
// virtual-shard map and per-node row counts, as JSON.
#pragma once
#include "conductor/conductor.h"

namespace bd {

Task<Result<QueryOutput>> topology_report(Conductor& c, Session& s, uint32_t nodes_if_create);

}  // namespace bd
