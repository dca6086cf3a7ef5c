// Hot-spot counting: each storage node counts the requests it serves per virtual shard, in memory
// (the host's per-object memory: a restart starts the counters again). A request routed to named
// virtual shards counts once for each of them; a scatter (every shard the node owns) counts apart,
// since it loads every node alike whatever the placement. Resharding's own requests do not count.
// The topology report shows the hottest shards; PRAGMA bigdaddy_rebalance reads and resets them.
#pragma once
#include "host/host.h"
#include "storage/protocol.h"

namespace bd::storage {

// Counts one accepted request.
void count_request(SqlHost& sql, const Request& req);

// The counters (has_load false when the host keeps no per-object memory); reset: start again.
void report_load(SqlHost& sql, Response& resp, bool reset);

}  // namespace bd::storage
