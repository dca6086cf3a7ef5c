// The native host: an in-process Big Daddy cluster. One topology object and N storage nodes, each
// its own SQLite database (in memory, or files in a directory), driven by the same core the Worker
// runs. Used by the CLI, the Catch2 tests, the sqllogictest runner and the benchmarks.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>
#include "base/result.h"
#include "wire/value.h"

namespace bd::native {

struct ClusterOptions {
  int nodes = 4;
  std::string dir;              // empty: in-memory databases
  std::string database = "main";
};

struct QueryResult {
  ResultSet rs;
  std::string meta_json;        // the same `meta` object the HTTP API returns (nodes touched, plan)
};

class Cluster {
 public:
  static Result<std::unique_ptr<Cluster>> open(const ClusterOptions& options);
  virtual ~Cluster() = default;
  // Runs one SQL statement (a trailing ';' is fine) through the conductor, exactly as the Worker would.
  virtual Result<QueryResult> execute(std::string_view sql, const std::vector<Value>& params = {}) = 0;
  // The same, through another conductor with its own topology cache (another Worker isolate).
  virtual Result<QueryResult> execute_in_isolate(int isolate, std::string_view sql, const std::vector<Value>& params = {}) = 0;
  // Runs a script of statements separated by ';'; returns the last statement's result.
  virtual Result<QueryResult> execute_script(std::string_view sql) = 0;
  // Runs SQL directly on one storage node's SQLite, bypassing the conductor (tests, diagnostics).
  virtual Result<ResultSet> node_exec(int node, std::string_view sql) = 0;
  virtual int nodes() const = 0;
  // Nanoseconds spent inside storage/topology objects (their SQLite work) since open: benchmarks
  // subtract it to get the conductor's own CPU time.
  virtual uint64_t object_ns() const = 0;
};

}  // namespace bd::native
