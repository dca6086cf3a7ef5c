// Storage requests and responses: what a conductor asks one storage node to do, in one message.
// A request names the topology epoch and catalog version it was planned against; the node refuses
// (retryably) work planned against an epoch older than its last ownership change, or a catalog
// older than its last schema change (a stale conductor would route by an old shard key or miss a
// new global index). All statements of one request run
// in one transaction on the node (the host wraps the call), so a request is atomic per node.
#pragma once
#include <cstdint>
#include <string>
#include <vector>
#include "base/result.h"
#include "value/value.h"

namespace bd::storage {

struct Statement {
  std::string sql;
  std::vector<Value> params;
  // Writes report SQLite's changes() and last_insert_rowid() (the host's exec need not).
  bool write = false;
};

struct Request {
  uint64_t epoch = 0;
  uint64_t catalog_version = 0;
  // The virtual shards this request works on, as the plan routed them; empty: every virtual shard
  // the node owns (a scatter). The node refuses (retryably) a named shard it does not own, and
  // writes to a shard fenced for a move (a scatter write counts as a write to every shard).
  std::vector<uint32_t> vshards;
  std::vector<Statement> statements;
  bool want_size = false;  // report the node's database size in the response
  // Resharding's own requests (copy, catch-up, activation): they bypass the epoch, catalog,
  // ownership and fence checks, which exist to stop conductors planned on an older topology.
  bool admin = false;
  // Only run the checks (epoch, catalog, ownership, fence) and answer with no results: while a
  // resize runs, a write to several nodes asks every node first, so that a fence does not leave
  // it applied on some nodes and refused by others.
  bool check_only = false;
  // Report the node's request counters per virtual shard (storage/load.h) in the response, and
  // then start them again from zero (a rebalance reads them so).
  bool want_load = false;
  bool reset_load = false;
};

// A node's request counters since they last started (the node started, or a rebalance reset them).
struct LoadReport {
  std::vector<std::pair<uint32_t, uint64_t>> vshards;  // (virtual shard, requests routed to it), non-zero only
  uint64_t scatter = 0;                                // requests for every shard the node owns
  uint64_t total = 0;                                  // all requests (but resharding's own)
};

struct Response {
  std::vector<ResultSet> results;  // one per statement
  int64_t database_bytes = -1;     // when asked for (want_size) and the host knows it
  bool has_load = false;           // when asked for (want_load) and the host keeps counters
  LoadReport load;
};

std::string encode_request(const Request& r);
Result<Request> decode_request(std::string_view bytes);

std::string encode_response(const Response& r);
// Errors carry the index of the failing statement.
std::string encode_error(const Error& e, uint32_t statement_index);
// Returns the response, or the node's error (retryable ones keep ErrorCode::Retryable).
Result<Response> decode_response(std::string_view bytes);

}  // namespace bd::storage
