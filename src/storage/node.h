// What a storage node does with a request: ownership check, then the statements in order.
#pragma once
#include <string>
#include <string_view>
#include "host/host.h"

namespace bd::storage {

// Handles one encoded request against the node's local SQLite; returns the encoded response.
// The host wraps the call in one transaction and rolls it back when the response is an error.
std::string handle(SqlHost& sql, std::string_view request);

}  // namespace bd::storage
