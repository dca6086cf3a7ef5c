// The combine engine: SQLite compiled into the conductor. A query that the shards cannot answer by
// themselves (cross-shard joins, subqueries over sharded tables, CTEs, window functions, compound
// selects, views) runs here over the rows gathered from the shards, so its answer is SQLite's.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>
#include "base/result.h"
#include "conductor/sqlite_exec.h"
#include "value/value.h"

struct sqlite3;

namespace bd {

// Bounds on each query the combine engine runs: a time limit (the isolate's thread is shared by
// every request, so one statement may hold it for about a second at most) and the size of a
// result. In the Wasm module the time is also counted in SQLite VM steps (about a second's worth
// in workerd), because a deployed Worker's clock stands still while code runs.
#ifdef __wasi__
inline constexpr uint64_t kCombineMaxSteps = 10000000;
#else
inline constexpr uint64_t kCombineMaxSteps = 0;
#endif
inline constexpr RunLimits kCombineLimits{.max_rows = 200000, .max_bytes = 32u << 20, .time_ms = 1000, .max_steps = kCombineMaxSteps};

class CombineDb {
 public:
  static Result<std::unique_ptr<CombineDb>> open(const RunLimits& limits = kCombineLimits);
  ~CombineDb();
  // Creates a table (or view) from the user's own CREATE statement, so affinities, collations and
  // constraints match what one SQLite database would have.
  Status exec(std::string_view sql);
  // Loads rows; `with_rowid` means the last value of each row is the row's rowid.
  Status load(std::string_view table, const std::vector<std::string>& columns, const std::vector<Row>& rows, bool with_rowid);
  Result<ResultSet> query(std::string_view sql, const std::vector<Value>& params);
  // Triggers fire or not (SQLITE_DBCONFIG_ENABLE_TRIGGER): a database holding the users' triggers
  // only to describe them never runs them, not even while rows are loaded into it.
  void enable_triggers(bool on);

 private:
  CombineDb(sqlite3* db, const RunLimits& limits) : db_(db), limits_(limits) {}
  sqlite3* db_;
  RunLimits limits_;
};

}  // namespace bd
