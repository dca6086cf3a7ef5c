// What a storage node does with a request: ownership check, then the statements in order.
#pragma once
#include <string>
#include <string_view>
#include "host/host.h"
#include "storage/protocol.h"
#include "storage/txn.h"

namespace bd::storage {

// Handles one encoded request against the node's local SQLite; returns the encoded response.
// The host wraps the call in one transaction and rolls it back when the response is an error.
std::string handle(SqlHost& sql, std::string_view request);
// The same, with the node's clock (transactions keep ages and timeouts) and its alarm request.
std::string handle(SqlHost& sql, std::string_view request, NodeEnv& env);

// Runs the request's statements in order into `resp` (writes report changes() and
// last_insert_rowid()); on failure returns the error and sets `failed` to the statement's index.
// A paged read (req.page_rows) answers its first page and keeps the rest in a cursor table
// (storage/staging.h), unless `paged` is false: then it is read whole (a request the host rolls
// back keeps no cursor). With req.page_cut every read stops at the page instead (resp.more: cut).
Status run_statements(SqlHost& sql, const Request& req, Response& resp, uint32_t& failed, bool paged = true);

}  // namespace bd::storage
