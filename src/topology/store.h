// The topology object's behaviour: the durable catalog, placement and id sequences of one
// database, kept in the object's own SQLite (ctx.storage.sql in a Durable Object).
#pragma once
#include <string>
#include "host/host.h"
#include "topology/catalog.h"

namespace bd::topology {

// Wire ops of a topology request (u8 op, then the op's fields); responses start with a status byte.
enum class Op : uint8_t { Init = 0, GetOrCreate = 1, PutTable = 2, DropTable = 3, AllocIds = 4 };

inline constexpr uint32_t kDefaultVShards = 256;
inline constexpr uint32_t kMaxNodes = 256;

// Handles one request; the host runs it inside one transaction and rolls back on an error status.
std::string handle(SqlHost& sql, std::string_view request);

// Request builders (used by the conductor).
std::string get_or_create_request(std::string_view database, uint32_t nodes);
std::string put_table_request(const TableInfo& t, uint64_t expected_version);
std::string drop_table_request(std::string_view name, uint64_t expected_version);
std::string alloc_ids_request(std::string_view table, uint32_t count, int64_t floor);

// Response decoders.
Result<Topology> decode_topology_response(std::string_view response);
Result<int64_t> decode_alloc_response(std::string_view response);

}  // namespace bd::topology
