// One statement in flight: a coroutine plus the requests it is waiting on. The conductor holds many
// sessions at once; the host drives each: start -> (send requests, feed responses)* -> done.
#pragma once
#include <coroutine>
#include <cstdint>
#include <string>
#include <vector>
#include <memory>
#include <set>
#include "base/result.h"
#include "conductor/task.h"
#include "storage/protocol.h"
#include "value/value.h"

namespace bd {

// Atomic visibility of reads outside transactions. A read fan-out asks the nodes to report the
// multi-node commits of a window covering the statement so far plus a budget for the fan-out
// itself (Session::fanout_budget_ms). One slower than its budget is not covered by the window the
// nodes report "recent" commits for: the commits they report from the margin before it
// (storage::kVisibleMarginMs) are then checked too; one slower than both together cannot be
// checked, and the statement runs again, with a budget that covers the slowest fan-out seen
// (twice over, up to kMaxFanoutBudgetMs); the isolate's next statements start with that budget,
// which shrinks back towards kFanoutBudgetMs while fan-outs are fast again. A larger budget costs
// longer reports, never a wrong check.
inline constexpr uint32_t kFanoutBudgetMs = 1000;
inline constexpr uint32_t kMaxFanoutBudgetMs = 30'000;

struct OutRequest {
  // Sleep: the host answers after `node` milliseconds (backoff while a shard move switches over).
  // Catalog: the deployment's catalog of databases (topology/databases.h). Wipe: the host deletes
  // every byte storage node `node` of this database holds (deleting a database), then answers.
  enum class Target : uint8_t { Topology = 0, Storage = 1, Sleep = 2, Catalog = 3, Wipe = 4 };
  Target target = Target::Storage;
  uint32_t node = 0;  // storage node index (ignored for the topology); Sleep: milliseconds
  std::string payload;
};

struct InResponse {
  bool delivered = true;  // false: the host could not reach the object; payload is the reason
  std::string payload;
};

struct QueryInput {
  std::string database;
  std::string sql;
  std::vector<Value> params;
  // Not empty: params are named, params[i] binds the parameter named param_names[i].
  std::vector<std::string> param_names;
  uint32_t nodes = 8;  // create the database with this many nodes if it does not exist; 0: it must exist
  uint8_t mode = 0;    // RequestMode: query, explain, topology report
  // The interactive transaction this statement belongs to (conductor/txn.h); empty: none. BEGIN
  // answers with a new id in meta.transaction.
  std::string txn;
  uint32_t txn_timeout_ms = 0;  // BEGIN: idle timeout of the new transaction (0: 30 s)
  // The host keeps this conductor for the transaction's later statements (a transaction object, a
  // batch, the native cluster). Without it, statements that begin a transaction are refused with
  // ErrorCode::Transaction before anything runs, and the host sends them to such a place.
  bool txn_host = false;
  // The host forwards a SELECT's rows as they come (Step::Kind::Rows), so the conductor keeps a
  // bounded window of them, not the whole result.
  bool stream = false;
};

struct QueryOutput {
  ResultSet rs;
  std::string meta_json;
  // A script (RequestMode::Script): every statement's output in order; when one failed, the list
  // ends before it and script_error holds its index and error. rs/meta_json are the last output.
  std::vector<QueryOutput> script;
  struct ScriptError {
    uint32_t index = 0;
    Error error;
  };
  std::vector<ScriptError> script_error;  // zero or one
};

struct TxnState;

class Session {
 public:
  explicit Session(std::string database);
  ~Session();
  const std::string& database() const { return database_; }

  // co_await session.io(requests): hands the requests to the host, resumes with their responses
  // (same order).
  struct IoAwaiter {
    Session* s;
    std::vector<OutRequest> reqs;
    bool await_ready() const noexcept { return reqs.empty(); }
    void await_suspend(std::coroutine_handle<> h) noexcept {
      s->pending_ = std::move(reqs);
      s->waiting_ = h;
    }
    std::vector<InResponse> await_resume() { return std::move(s->responses_); }
  };
  IoAwaiter io(std::vector<OutRequest> reqs) { return IoAwaiter{this, std::move(reqs)}; }

  // co_await session.emit(rows): hands a window of result rows to the host (a streamed result),
  // resumes once the host has taken them.
  struct EmitAwaiter {
    Session* s;
    ResultSet rows;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) noexcept {
      s->rows_out_ = std::move(rows);
      s->has_rows_ = true;
      s->waiting_ = h;
    }
    void await_resume() noexcept {}
  };
  EmitAwaiter emit(ResultSet rows) {
    rows_streamed += rows.rows.size();
    return EmitAwaiter{this, std::move(rows)};
  }
  bool has_rows() const { return has_rows_; }
  ResultSet take_rows() {
    has_rows_ = false;
    return std::move(rows_out_);
  }

  // Driver side.
  void begin(Task<Result<QueryOutput>> root);
  bool done() const { return root_.done(); }
  Result<QueryOutput> take_result() { return root_.take(); }
  std::vector<OutRequest> take_pending() { return std::move(pending_); }
  void feed(std::vector<InResponse> responses);

  // Per-statement accounting reported in `meta`.
  std::vector<uint32_t> nodes_touched;
  int round_trips = 0;
  bool created_database = false;  // this request created its database (reported in meta)
  uint64_t rows_fetched = 0;      // rows received from storage nodes
  // A write reached some nodes while another node refused it: retrying the statement would apply
  // it twice where it already ran, so it is not retried.
  bool partial_write = false;
  std::string partial_detail;
  // A resize is running: writes to several nodes are checked on every node before they are sent.
  bool preflight_writes = false;

  // Transactions (conductor/txn.h). `txn`: the transaction the statement runs in (interactive, or
  // the implicit one `implicit` owns); its requests carry it and the statement's footprint.
  TxnState* txn = nullptr;
  std::unique_ptr<TxnState> implicit;
  double implicit_start_ms = 0;  // an implicit transaction retried keeps its age
  std::vector<storage::LockSpec> footprint;
  // Requests sent after the answer and never awaited (phase two of a commit).
  std::vector<OutRequest> background;
  // Atomic visibility of reads outside transactions: what each node read reported, checked when
  // the statement ends (a transaction visible on one node read must be visible on every other
  // participant read).
  double statement_start_ms = 0;
  uint32_t fanout_budget_ms = kFanoutBudgetMs;
  double slowest_fanout_ms = 0;  // of the statement's read fan-outs outside transactions
  bool visibility_broken = false;
  bool visibility_all = false;  // a slow fan-out: the margin's commits are checked as recent ones
  std::set<uint32_t> nodes_read;
  std::vector<std::pair<uint32_t, storage::VisibleTxn>> visible;
  // Streaming (QueryInput::stream): this statement's rows go to the host a window at a time; once
  // some have gone, the statement can no longer be retried.
  bool streaming = false;
  uint64_t rows_streamed = 0;
  // The connection's foreign-key settings (PRAGMA foreign_keys, defer_foreign_keys): a request is
  // one connection, so they last for the rest of its statements. Enforced by default, as in D1.
  bool foreign_keys = true;
  bool defer_foreign_keys = false;

  // EXPLAIN: storage requests are recorded instead of sent, and answered with empty results.
  bool dry_run = false;
  struct Planned {
    uint32_t node;
    std::string sql;
  };
  std::vector<Planned> planned;

 private:
  std::string database_;
  Task<Result<QueryOutput>> root_;
  std::coroutine_handle<> waiting_;
  std::vector<OutRequest> pending_;
  std::vector<InResponse> responses_;
  ResultSet rows_out_;
  bool has_rows_ = false;
};

}  // namespace bd
