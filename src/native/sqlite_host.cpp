#include "native/sqlite_host.h"

#include <memory>
#include "conductor/sqlite_exec.h"
#include "sqlite3.h"

namespace bd::native {

Result<std::unique_ptr<SqliteHost>> SqliteHost::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Error::internal("cannot open " + path + ": " + msg);
  }
  avoid_sqlite_planner_bugs(db);
  return std::unique_ptr<SqliteHost>(new SqliteHost(db));
}

SqliteHost::~SqliteHost() { sqlite3_close(db_); }

Result<ResultSet> run_statement(sqlite3* db, std::string_view sql, const std::vector<Value>& params) { return sqlite_run(db, sql, params); }

Result<ResultSet> SqliteHost::exec(std::string_view sql, const std::vector<Value>& params) {
  // The Durable Object limits, enforced here too so native tests catch statements that would fail
  // in production.
  if (params.size() > kMaxBoundParameters) return Error::sql("too many SQL variables");
  if (sql.size() > kMaxStatementBytes) return Error::sql("statement too long");
  return run_statement(db_, sql, params);
}

int64_t SqliteHost::database_bytes() {
  auto count = run_statement(db_, "PRAGMA page_count", {});
  auto size = run_statement(db_, "PRAGMA page_size", {});
  if (!count.ok() || !size.ok() || count->rows.empty() || size->rows.empty()) return -1;
  return count->rows[0][0].i * size->rows[0][0].i;
}

Status SqliteHost::begin() {
  auto r = exec("BEGIN", {});
  if (!r.ok()) return r.error();
  return ok_status();
}
Status SqliteHost::commit() {
  auto r = exec("COMMIT", {});
  if (!r.ok()) return r.error();
  return ok_status();
}
void SqliteHost::rollback() { (void)exec("ROLLBACK", {}); }

}  // namespace bd::native
