// The native host: an in-process Big Daddy cluster. One topology object and N storage nodes, each
// its own SQLite database (in memory, or files in a directory), driven by the same core the Worker
// runs. Used by the CLI, the Catch2 tests, the sqllogictest runner and the benchmarks.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>
#include <functional>
#include "base/result.h"
#include "conductor/request_mode.h"
#include "storage/txn.h"
#include "value/value.h"

namespace bd::native {

struct ClusterOptions {
  int nodes = 4;
  std::string dir;  // empty: in-memory databases
  std::string database = "main";
  int64_t copy_batch_rows = 4000;     // resharding copy batch (tests use small ones)
  uint64_t max_gather_rows = 100000;  // the combine engine's gather cap (tests at small sizes lower it)
};

struct QueryResult {
  ResultSet rs;
  std::string meta_json;    // the same `meta` object the HTTP API returns (nodes touched, plan)
  std::string transaction;  // meta.transaction: the interactive transaction the statement began or ran in
};

// Faults the tests inject into the messages between conductors and storage nodes.
enum class Fault : uint8_t {
  None = 0,
  Drop = 1,           // the request never reaches the node (the sender sees it undelivered)
  LoseAnswer = 2,     // the node runs it, but the answer is lost (the sender sees it undelivered)
  KillConductor = 3,  // the conductor dies before sending it: the statement (and its requests) stop here
};
struct Message {
  uint32_t node = 0;
  const std::string* payload = nullptr;  // an encoded storage request
  bool background = false;               // sent after the answer (phase two)
};

class SqliteHost;

// One request to one object, as the Durable Object shim serves it: the core's handler inside one
// transaction, rolled back when it answers with an error status. The scale-out model
// (native/model) drives its objects through these, timing each request.
std::string serve_topology_request(SqliteHost& host, std::string_view request);
std::string serve_storage_request(SqliteHost& host, std::string_view request);
// The catalog of databases (topology/databases.h), likewise.
std::string serve_catalog_request(SqliteHost& host, std::string_view request);

class Cluster {
 public:
  static Result<std::unique_ptr<Cluster>> open(const ClusterOptions& options);
  virtual ~Cluster() = default;
  // Runs one SQL statement (a trailing ';' is fine) through the conductor, exactly as the Worker would.
  virtual Result<QueryResult> execute(std::string_view sql, const std::vector<Value>& params = {}) = 0;
  // Runs one statement with named parameters: values[i] binds the parameter named names[i].
  virtual Result<QueryResult> execute_named(std::string_view sql, const std::vector<std::string>& names,
                                            const std::vector<Value>& values) = 0;
  // The same, through another conductor with its own topology cache (another Worker isolate).
  virtual Result<QueryResult> execute_in_isolate(int isolate, std::string_view sql, const std::vector<Value>& params = {}) = 0;
  // Stepwise execution, to interleave statements (and resize steps) deterministically in tests:
  // begin() starts a statement in an isolate, advance() performs one round of its I/O (true once
  // it has finished), finish() takes its result. `mode`: what the request is (ReshardStep: one
  // resize-job step).
  virtual int begin(int isolate, std::string_view sql, const std::vector<Value>& params = {}, RequestMode mode = RequestMode::Query) = 0;
  // A statement whose result streams, as over HTTP with NDJSON: the conductor hands each window of
  // rows to `on_rows` as it goes (advance() delivers it); finish() then has the last rows.
  using RowSink = std::function<void(const ResultSet& window)>;
  virtual int begin_streamed(int isolate, std::string_view sql, const std::vector<Value>& params, RowSink on_rows) = 0;
  // begin_streamed, advanced to the end.
  virtual Result<QueryResult> execute_streamed(std::string_view sql, const std::vector<Value>& params, RowSink on_rows) = 0;
  virtual bool advance(int ticket) = 0;
  virtual Result<QueryResult> finish(int ticket) = 0;
  // Runs resize-job steps until the job is done, cancelled or fails `max_failures` times in a row;
  // returns the job's JSON.
  virtual Result<std::string> run_resize(int max_failures = 3) = 0;
  // Runs a script of statements separated by ';'; returns the last statement's result.
  virtual Result<QueryResult> execute_script(std::string_view sql) = 0;
  // Runs SQL directly on one storage node's SQLite, bypassing the conductor (tests, diagnostics).
  // Nodes are created on first use, like Durable Objects (a resize adds nodes).
  virtual Result<ResultSet> node_exec(int node, std::string_view sql) = 0;
  virtual int nodes() const = 0;

  // Transactions. `txn` names the interactive transaction a statement runs in (from BEGIN's
  // QueryResult::transaction).
  virtual Result<QueryResult> execute_in_txn(const std::string& txn, std::string_view sql, const std::vector<Value>& params = {},
                                             int isolate = 0) = 0;
  virtual int begin_in_txn(int isolate, const std::string& txn, std::string_view sql, const std::vector<Value>& params = {}) = 0;
  // Every message to a storage node passes this hook (nullptr: deliver everything).
  virtual void set_fault_hook(std::function<Fault(const Message&)> hook) = 0;
  // The clock of nodes and conductors: real time unless set (then it only moves when told).
  virtual void set_time_ms(double now) = 0;
  virtual double time_ms() const = 0;
  // Runs every storage node's alarm that is due (transaction recovery), as Durable Objects do;
  // returns how many ran.
  virtual int run_alarms() = 0;
  // Transactions with state, undo rows, locks and pending decisions on one node.
  virtual Result<storage::TxnCounts> txn_counts(int node) = 0;
  // Nanoseconds spent inside storage/topology objects (their SQLite work) since open: benchmarks
  // subtract it to get the conductor's own CPU time.
  virtual uint64_t object_ns() const = 0;
};

}  // namespace bd::native
