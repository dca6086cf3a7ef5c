// Per-query staging tables on a storage node, for repartition joins: rows of one table, sent here
// hashed by a join key, so that each node joins its part in parallel. The same tables hold the
// cursors of paged reads: a result too large for one answer, kept whole (a snapshot) and read on
// page by page. The operations are typed
// (the node writes the SQL itself, on names of one fixed form). Every staging table is registered
// with an expiry in _bd_staging; each staging operation first drops the ones whose expiry passed,
// so tables a conductor that died left behind do not stay.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>
#include "base/result.h"
#include "host/host.h"
#include "value/value.h"

namespace bd::storage {

inline constexpr uint8_t kStagingOp = 2;  // first byte of a staging request (1: execute)

enum class StagingAction : uint8_t {
  Create = 1,
  Append = 2,
  Drop = 3,
  Next = 4,  // the next page of a cursor: its rows after row `after`; the last page drops the cursor
};

struct StagingColumn {
  std::string name;
  std::string decl_type;  // the source column's declared type (its affinity comes along)
  std::string collation;  // empty: BINARY
};

struct StagingRequest {
  StagingAction action = StagingAction::Create;
  std::string name;                    // "_bd_stage_" followed by letters, digits and '_'
  std::vector<StagingColumn> columns;  // Create
  int64_t ttl_ms = 10 * 60 * 1000;     // Create: dropped by the node after this long
  std::vector<Row> rows;               // Append
  int64_t after = 0;                   // Next: rows read so far
  uint32_t page_rows = 0;              // Next: at most this many rows,
  uint32_t page_bytes = 0;             // and no more once this many bytes are passed
};

bool valid_staging_name(std::string_view name);
std::string encode_staging(const StagingRequest& r);
Result<StagingRequest> decode_staging(std::string_view bytes);

// Handles one encoded staging request; returns an encoded storage Response (protocol.h).
std::string handle_staging(SqlHost& sql, std::string_view bytes);

struct Request;
struct Response;
// A paged read (Request::page_rows, after the node's checks), in whatever transaction handling the
// node gives the request: the first page into `resp`, the rest kept in a cursor table (named in
// resp.cursor, resp.more set) when there is more.
Status run_paged_read(SqlHost& sql, const Request& req, Response& resp);

}  // namespace bd::storage
