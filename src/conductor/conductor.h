// The conductor: parses each statement, plans it against the cached topology, and runs the plan
// as a session that asks its host for I/O. One Conductor per isolate (per Wasm instance); it holds
// the per-isolate topology cache and every session in flight.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include "conductor/session.h"
#include "topology/catalog.h"

namespace bd {

struct ConductorOptions {
  uint64_t max_gather_rows = 100000;        // combine-engine cap (rows gathered from shards)
  uint64_t max_gather_bytes = 64ull << 20;  // and bytes
  uint64_t max_result_rows = 200000;        // one statement's result (as the combine engine's limit)
  uint64_t max_result_bytes = 32ull << 20;  // and its size, counted as the wire format does
  int64_t copy_batch_rows = 4000;           // resharding: rows per copy round trip per source node
  uint32_t resize_wave_vshards = 64;        // resharding: virtual shards moved per wave (per fence)
};

struct Step {
  // Rows: a window of a streamed result (output.rs: columns and rows); the host forwards it and
  // resumes the session with no responses. Done then carries the last rows.
  enum class Kind : uint8_t { Done = 0, Failed = 1, Need = 2, Rows = 3 };
  Kind kind = Kind::Done;
  uint32_t session = 0;
  std::vector<OutRequest> requests;  // Need
  QueryOutput output;                // Done, Rows
  Error error;                       // Failed
  // Done and Failed: requests the host sends after answering, without feeding back their
  // responses (a commit's phase two).
  std::vector<OutRequest> background;
};

struct TxnState;

class Conductor {
 public:
  explicit Conductor(ConductorOptions options = {});
  ~Conductor();
  Conductor(Conductor&&) noexcept;
  Conductor& operator=(Conductor&&) noexcept;
  Step start(QueryInput input);
  Step resume(uint32_t session, std::vector<InResponse> responses);
  void abort(uint32_t session) { sessions_.erase(session); }
  size_t sessions_in_flight() const { return sessions_.size(); }

  // Per-isolate topology cache.
  std::shared_ptr<const Topology> cached(const std::string& database) const;
  void cache(Topology t);
  void invalidate(const std::string& database) { cache_.erase(database); }
  const ConductorOptions& options() const { return options_; }

  // Ids allocated to this isolate and not used yet, per table: [next, end).
  struct IdBlock {
    int64_t next = 0, end = 0;
  };
  IdBlock& id_block(const std::string& database, const std::string& table) { return id_blocks_[database + '\n' + table]; }

  // How far this isolate has already raised a table's id allocator past explicit ids.
  int64_t& id_floor(const std::string& database, const std::string& table) { return id_floors_[database + '\n' + table]; }

  // Row counts the nodes reported for a sharded table (cheap statistics for planning), per
  // isolate: each holds for the catalog version it was read under and for kTableRowsTtlMs.
  static constexpr double kTableRowsTtlMs = 60000;
  std::optional<int64_t> table_rows(const std::string& database, const std::string& table, uint64_t version, double now_ms) const;
  void note_table_rows(const std::string& database, const std::string& table, int64_t rows, uint64_t version, double now_ms);
  void forget_table_rows(const std::string& database, const std::string& table);

  // The fan-out budget this isolate's statements start with (Session::fanout_budget_ms).
  uint32_t& fanout_budget_ms() { return fanout_budget_ms_; }

  // Interactive transactions coordinated by this isolate (conductor/txn.h), by id.
  TxnState* txn(const std::string& id);
  TxnState& add_txn(std::unique_ptr<TxnState> t);
  void drop_txn(const std::string& id);
  size_t txns_open() const { return txns_.size(); }

 private:
  Step drive(uint32_t id);
  ConductorOptions options_;
  std::unordered_map<std::string, std::shared_ptr<const Topology>> cache_;
  std::unordered_map<uint32_t, std::unique_ptr<Session>> sessions_;
  std::unordered_map<std::string, int64_t> id_floors_;
  std::unordered_map<std::string, IdBlock> id_blocks_;
  std::unordered_map<std::string, std::unique_ptr<TxnState>> txns_;
  struct TableRows {
    int64_t rows = 0;
    uint64_t version = 0;
    double at_ms = 0;
  };
  std::unordered_map<std::string, TableRows> table_rows_;  // database '\n' lower-case table
  uint32_t next_session_ = 1;
  uint32_t fanout_budget_ms_ = kFanoutBudgetMs;
};

}  // namespace bd
