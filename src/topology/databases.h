// The catalog of databases: which databases exist (name, nodes at creation, created when, state),
// kept by one object for the whole deployment (the Catalog Durable Object; the native host keeps
// its own). The conductor registers a database before creating its topology and removes it after
// its nodes are wiped, so the catalog lists every database that exists or is half created/deleted.
#pragma once
#include <string>
#include <string_view>
#include "base/result.h"
#include "host/host.h"

namespace bd::databases {

enum class Op : uint8_t { Register = 0, SetState = 1, Unregister = 2, List = 3 };

// Handles one request (the host runs it inside one transaction); responses start with a status byte.
std::string handle(SqlHost& sql, std::string_view request);

// Register: adds the database (state "ready") unless it is listed already; answers whether it was new.
std::string register_request(std::string_view database, uint32_t nodes);
// SetState: "ready" or "deleting".
std::string set_state_request(std::string_view database, std::string_view state);
std::string unregister_request(std::string_view database);
std::string list_request();

// Register: true if the database was not listed before.
Result<bool> decode_register_response(std::string_view response);
Status decode_status_response(std::string_view response);
// List: a JSON array of {"name", "nodes", "created" (ms since the epoch), "state"}, by name.
Result<std::string> decode_list_response(std::string_view response);

}  // namespace bd::databases
