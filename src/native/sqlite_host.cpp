#include "native/sqlite_host.h"
#include "base/limits.h"

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
  // As a Durable Object's SQLite storage: foreign keys are enforced (the nodes check those whose
  // parent rows are on the same node).
  sqlite3_exec(db, "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr);
  // A Durable Object's rows (and so its strings and blobs) are at most 2 MB.
  sqlite3_limit(db, SQLITE_LIMIT_LENGTH, static_cast<int>(limits::kMaxRowBytes));
  return std::unique_ptr<SqliteHost>(new SqliteHost(db));
}

SqliteHost::~SqliteHost() { sqlite3_close(db_); }

Result<ResultSet> run_statement(sqlite3* db, std::string_view sql, const std::vector<Value>& params) { return sqlite_run(db, sql, params); }

Result<ResultSet> SqliteHost::exec(std::string_view sql, const std::vector<Value>& params) {
  // The Durable Object limits, enforced here too so native tests catch statements that would fail
  // in production.
  if (params.size() > limits::kMaxBoundParameters) return Error::sql("too many SQL variables");
  if (sql.size() > limits::kMaxStatementBytes) return Error::sql("statement too long");
  return run_statement(db_, sql, params);
}

Result<ResultSet> SqliteHost::exec_page(std::string_view sql, const std::vector<Value>& params, uint64_t max_rows, uint64_t max_bytes,
                                        bool* more) {
  if (params.size() > limits::kMaxBoundParameters) return Error::sql("too many SQL variables");
  if (sql.size() > limits::kMaxStatementBytes) return Error::sql("statement too long");
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &st, nullptr) != SQLITE_OK) return Error::sql(sqlite3_errmsg(db_));
  if (!st) return ResultSet{};
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(st, sqlite3_finalize);
  for (size_t i = 0; i < params.size(); i++) {
    const Value& v = params[i];
    int idx = static_cast<int>(i) + 1, rc = SQLITE_OK;
    switch (v.type) {
      case ValueType::Null: rc = sqlite3_bind_null(st, idx); break;
      case ValueType::Integer: rc = sqlite3_bind_int64(st, idx, v.i); break;
      case ValueType::Real: rc = sqlite3_bind_double(st, idx, v.r); break;
      case ValueType::Text: rc = sqlite3_bind_text(st, idx, v.s.data(), static_cast<int>(v.s.size()), SQLITE_TRANSIENT); break;
      case ValueType::Blob: rc = sqlite3_bind_blob(st, idx, v.s.data(), static_cast<int>(v.s.size()), SQLITE_TRANSIENT); break;
    }
    if (rc != SQLITE_OK) return Error::sql(sqlite3_errmsg(db_));
  }
  ResultSet rs;
  int nc = sqlite3_column_count(st);
  for (int c = 0; c < nc; c++) rs.columns.emplace_back(sqlite3_column_name(st, c));
  uint64_t bytes = 0;
  *more = false;
  for (;;) {
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return Error::sql(sqlite3_errmsg(db_));
    if (rs.rows.size() >= max_rows || bytes > max_bytes) {
      *more = true;
      break;
    }
    Row row;
    row.reserve(nc);
    for (int c = 0; c < nc; c++) {
      row.push_back(sqlite_column_value(st, c));
    }
    bytes += row_wire_bytes(row);
    rs.rows.push_back(std::move(row));
  }
  return rs;
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
