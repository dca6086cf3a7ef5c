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
#include "wire/value.h"

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
};

struct Response {
  std::vector<ResultSet> results;  // one per statement
  int64_t database_bytes = -1;     // when asked for (want_size) and the host knows it
};

std::string encode_request(const Request& r);
Result<Request> decode_request(std::string_view bytes);

std::string encode_response(const Response& r);
// Errors carry the index of the failing statement.
std::string encode_error(const Error& e, uint32_t statement_index);
// Returns the response, or the node's error (retryable ones keep ErrorCode::Retryable).
Result<Response> decode_response(std::string_view bytes);

}  // namespace bd::storage
