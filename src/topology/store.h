// The topology object's behaviour: the durable catalog, placement and id sequences of one
// database, kept in the object's own SQLite (ctx.storage.sql in a Durable Object).
#pragma once
#include <optional>
#include <string>
#include "base/limits.h"
#include "host/host.h"
#include "topology/catalog.h"
#include "topology/reshard.h"

namespace bd::topology {

// Wire ops of a topology request (u8 op, then the op's fields); responses start with a status byte.
enum class Op : uint8_t {
  Init = 0,
  GetOrCreate = 1,
  PutTable = 2,
  DropTable = 3,
  AllocIds = 4,
  // Resharding (topology/reshard.h): start a resize, read/save the job, and the job's two
  // placement changes, each saved together with the job's next state in one transaction.
  Resize = 5,
  JobGet = 6,
  JobSave = 7,
  Join = 8,
  Switch = 9,
  Cancel = 10,
  // Placement operations: move one virtual shard (runs as a resize job with one move), split one
  // (its keyspace range in halves, both on the same node: no data moves).
  MoveVShard = 11,
  SplitVShard = 12,
  // A rebalance: several virtual-shard moves (from the measured load) as one resize job.
  MoveVShards = 13,
  // Deleting the database, in two stages around the wiping of its nodes: Begin (u8 0) refuses while
  // a job runs, marks the database as being deleted (no one can open or create it meanwhile) and
  // answers the number of nodes that may hold its data; Finish (u8 1) forgets the catalog and
  // placement, keeping only the version/epoch/id high-water marks, so that a database created
  // later under the same name starts above them and nodes refuse conductors still planning on the
  // deleted one.
  Drop = 14,
  // A catalog change in one transaction: tables put and dropped, the logical schema rows, the
  // user_version (topology/catalog.h), with one version bump.
  Catalog = 20
};

struct CatalogChange {
  std::vector<TableInfo> puts;
  std::vector<std::string> drops;
  std::optional<std::vector<SchemaRow>> schema;
  std::optional<int64_t> user_version;
};

enum class DropStage : uint8_t { Begin = 0, Finish = 1 };

inline constexpr uint32_t kDefaultVShards = 256;

// Handles one request; the host runs it inside one transaction and rolls back on an error status.
std::string handle(SqlHost& sql, std::string_view request);

// Whether this topology object holds a database (created, not deleted).
Result<bool> exists(SqlHost& sql);

// Request builders (used by the conductor).
std::string get_or_create_request(std::string_view database, uint32_t nodes);
std::string put_table_request(const TableInfo& t, uint64_t expected_version);
std::string drop_table_request(std::string_view name, uint64_t expected_version);
// `expected_version` 0: whatever the current version is.
std::string catalog_request(const CatalogChange& change, uint64_t expected_version);
std::string alloc_ids_request(std::string_view table, uint32_t count, int64_t floor);

// Moves run in waves of at most `wave_vshards` virtual shards.
std::string resize_request(uint32_t nodes, uint32_t wave_vshards);
std::string move_vshard_request(uint32_t vshard, uint32_t node);
std::string move_vshards_request(const std::vector<Move>& moves);
std::string split_vshard_request(uint32_t vshard, uint64_t expected_epoch);
std::string job_get_request();
std::string cancel_request();
std::string drop_request(std::string_view database, DropStage stage);
// Saves `job` (its rev must be the stored one); Join also grows the node count to job.to_nodes
// (refused if the catalog moved past job.catalog_version), Switch also hands the moved virtual
// shards to their targets. Both bump the epoch.
std::string job_save_request(const ReshardJob& job, Op op = Op::JobSave);

// Response decoders.
Result<Topology> decode_topology_response(std::string_view response);
Result<int64_t> decode_alloc_response(std::string_view response);
// Drop Begin: the number of storage nodes that may hold the database's data.
Result<uint32_t> decode_drop_response(std::string_view response);
// The job, or nullopt when there is none.
Result<std::optional<ReshardJob>> decode_job_response(std::string_view response);

}  // namespace bd::topology
