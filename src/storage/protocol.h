// Storage requests and responses: what a conductor asks one storage node to do, in one message.
// A request names the topology epoch and catalog version it was planned against; the node refuses
// (retryably) work planned against an epoch older than its last ownership change, or a catalog
// older than its last schema change (a stale conductor would route by an old shard key or miss a
// new global index). All statements of one request run
// in one transaction on the node (the host wraps the call), so a request is atomic per node.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>
#include "base/result.h"
#include "value/value.h"

namespace bd::storage {

struct NodeOp;

struct Statement {
  std::string sql;
  std::vector<Value> params;
  // Writes report SQLite's changes() and last_insert_rowid() (the host's exec need not).
  bool write = false;
  // A typed operation on the node's own tables (storage/ops.h) in place of `sql`.
  std::shared_ptr<const NodeOp> op;
};

// A statement that is a typed operation (`write`: it counts as a write for the fence check).
Statement op_statement(NodeOp op, bool write = true);

// What a statement reads and writes, as the conductor planned it: the node checks it against the
// locks of other transactions (and takes them, inside a transaction). `ksids` narrow the entry to
// the rows of those keyspace ids (a statement pinned by shard key); empty: the whole table.
struct LockSpec {
  std::string table;
  bool write = false;
  std::vector<uint64_t> ksids;
};

// A request's part in a cross-node transaction (storage/txn.h). The work (statements) runs first,
// then the action, in the same node transaction.
enum class TxnAction : uint8_t {
  Work = 0,        // statements only: the transaction stays active here
  Prepare = 1,     // then prepared: it can no longer fail here; `record_node` holds the decision
  Commit = 2,      // then committed here; with `decide`, this node records the decision (the commit point)
  Abort = 3,       // undo everything it did here
  Release = 4,     // a participant that only read: drop its locks
  RollbackTo = 5,  // undo statements numbered >= `rollback_to` (ROLLBACK TO, a failed statement)
  Decision = 6,    // recovery asks the record holder: committed or aborted (unknown -> aborted, durably)
  Forget = 7,      // every participant has the commit: the record holder drops the decision
};

struct TxnHeader {
  std::string id;           // empty: not in a transaction
  double start_ms = 0;      // when the transaction began (age for deadlock prevention)
  uint32_t stmt = 0;        // statement number within the transaction
  uint32_t timeout_ms = 0;  // idle timeout (0: the default)
  TxnAction action = TxnAction::Work;
  bool decide = false;                 // Commit: write the decision record here
  int32_t record_node = -1;            // Prepare: the node holding the decision
  std::vector<uint32_t> participants;  // Commit with decide: the other writing participants
  uint32_t rollback_to = 0;
  uint32_t self = 0;  // this node's index, and the database: recovery names its peers
  std::string database;
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
  // PRAGMA defer_foreign_keys for the request's statements: the node's own foreign keys are not
  // checked here (the conductor checks them when the transaction commits, conductor/fk.h).
  bool defer_fk = false;
  TxnHeader txn;
  std::vector<LockSpec> footprint;
  // A read outside a transaction that may span nodes: report the transactions that became visible
  // here in the last `visible_window_ms` (atomic visibility is checked by the conductor).
  uint32_t visible_window_ms = 0;
  // A paged read (a request of one statement): when its result passes `page_rows` rows or
  // `page_bytes` bytes, the node keeps the whole result in a cursor table it names (a snapshot
  // taken in the same transaction, read on page by page with staging operations, storage/staging.h)
  // and answers with the first page, `more` set and the table's name. 0: not paged.
  uint32_t page_rows = 0;
  uint32_t page_bytes = 0;
  // With page_rows: every read of the request (any number of statements) stops at the page and no
  // cursor is kept; `more` says a result was cut (a bounded gather: more means over its cap).
  bool page_cut = false;
};

// A node's request counters since they last started (the node started, or a rebalance reset them).
struct LoadReport {
  std::vector<std::pair<uint32_t, uint64_t>> vshards;  // (virtual shard, requests routed to it), non-zero only
  uint64_t scatter = 0;                                // requests for every shard the node owns
  uint64_t total = 0;                                  // all requests (but resharding's own)
};

// A multi-node transaction whose writes became visible on the node recently.
struct VisibleTxn {
  std::string id;
  std::vector<uint32_t> participants;  // every node it wrote
  // Committed here within the window asked for. Older ones (up to kVisibleMarginMs before the
  // window) are reported too, not recent: a node whose part committed earlier than another's
  // (phase two reaches participants one by one) still shows the conductor that it has it.
  bool recent = true;
};
inline constexpr uint32_t kVisibleMarginMs = 10'000;

struct Response {
  std::vector<ResultSet> results;  // one per statement
  int64_t database_bytes = -1;     // when asked for (want_size) and the host knows it
  bool has_load = false;           // when asked for (want_load) and the host keeps counters
  LoadReport load;
  std::vector<VisibleTxn> visible;  // visible_window_ms: transactions committed here in that window
  uint8_t txn_outcome = 0;          // Decision: 1 committed, 2 aborted
  bool more = false;                // a paged read: the rest of the result waits in the cursor table
  std::string cursor;               // (its name)
};

// The first byte of a response: 0 ok; an ErrorCode on failure (the host rolls the request back);
// kRolledBack: ok, but the host must roll the request back all the same (a read that undid other
// transactions' uncommitted writes to see the committed rows).
inline constexpr uint8_t kRolledBack = 0x40;

std::string encode_request(const Request& r);
Result<Request> decode_request(std::string_view bytes);

std::string encode_response(const Response& r);
std::string encode_rolled_back(const Response& r);  // status kRolledBack
// Errors carry the index of the failing statement.
std::string encode_error(const Error& e, uint32_t statement_index);
// Returns the response, or the node's error (retryable ones keep ErrorCode::Retryable).
Result<Response> decode_response(std::string_view bytes);

}  // namespace bd::storage
