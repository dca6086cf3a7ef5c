// What a request to the conductor is (bd_conductor_start's mode byte; wasm/ABI.md).
#pragma once
#include <cstdint>

namespace bd {

// ReshardStep: run the next step of the database's resize job (the topology object's alarm).
// Query and Explain take exactly one statement; Script runs statements separated by ';' in order
// (no parameters) and reports each one's output.
// Create: register and create the database if missing (`nodes`), answer {"database", "created"}.
// Drop: delete the database and wipe its nodes. Databases: the catalog of databases (JSON).
// Browse: a page of a table's rows with the node of each (conductor/browse.h). Export, ExportAbandon,
// Import: dumps as SQL text (conductor/dump.h).
enum class RequestMode : uint8_t {
  Query = 0,
  Explain = 1,
  Topology = 2,
  ReshardStep = 3,
  Script = 4,
  Create = 5,
  Drop = 6,
  Databases = 7,
  Browse = 8,
  Export = 9,
  ExportAbandon = 10,
  Import = 11
};

}  // namespace bd
