// The combine engine: SQLite compiled into the conductor. A query that the shards cannot answer by
// themselves (cross-shard joins, subqueries over sharded tables, CTEs, window functions, compound
// selects, views) runs here over the rows gathered from the shards, so its answer is SQLite's.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>
#include "base/result.h"
#include "value/value.h"

struct sqlite3;

namespace bd {

class CombineDb {
 public:
  static Result<std::unique_ptr<CombineDb>> open();
  ~CombineDb();
  // Creates a table (or view) from the user's own CREATE statement, so affinities, collations and
  // constraints match what one SQLite database would have.
  Status exec(std::string_view sql);
  // Loads rows; `with_rowid` means the last value of each row is the row's rowid.
  Status load(std::string_view table, const std::vector<std::string>& columns, const std::vector<Row>& rows, bool with_rowid);
  Result<ResultSet> query(std::string_view sql, const std::vector<Value>& params);

 private:
  explicit CombineDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace bd
