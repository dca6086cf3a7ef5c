#include "conductor/combine.h"

#include "conductor/sqlite_exec.h"
#include "planner/shard_sql.h"
#include "sqlite3.h"

namespace bd {
namespace {
Status bind(sqlite3_stmt* st, int idx, const Value& v) {
  int rc = SQLITE_OK;
  switch (v.type) {
    case ValueType::Null: rc = sqlite3_bind_null(st, idx); break;
    case ValueType::Integer: rc = sqlite3_bind_int64(st, idx, v.i); break;
    case ValueType::Real: rc = sqlite3_bind_double(st, idx, v.r); break;
    case ValueType::Text: rc = sqlite3_bind_text(st, idx, v.s.data(), static_cast<int>(v.s.size()), SQLITE_STATIC); break;
    case ValueType::Blob: rc = sqlite3_bind_blob(st, idx, v.s.data(), static_cast<int>(v.s.size()), SQLITE_STATIC); break;
  }
  if (rc != SQLITE_OK) return Error::internal("combine engine: cannot bind value");
  return ok_status();
}
}  // namespace

Result<std::unique_ptr<CombineDb>> CombineDb::open(const RunLimits& limits) {
  sqlite3* db = nullptr;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
    sqlite3_close(db);
    return Error::internal("combine engine: cannot open an in-memory database");
  }
  avoid_sqlite_planner_bugs(db);
  return std::unique_ptr<CombineDb>(new CombineDb(db, limits));
}

CombineDb::~CombineDb() { sqlite3_close(db_); }

Status CombineDb::exec(std::string_view sql) {
  auto r = sqlite_run(db_, sql, {});
  if (!r.ok()) return r.error();
  return ok_status();
}

Status CombineDb::load(std::string_view table, const std::vector<std::string>& columns, const std::vector<Row>& rows, bool with_rowid) {
  std::string sql = "INSERT INTO " + quoted_identifier(table) + "(";
  for (size_t i = 0; i < columns.size(); i++) sql += (i ? "," : "") + quoted_identifier(columns[i]);
  if (with_rowid) sql += columns.empty() ? "rowid" : ",rowid";
  sql += ") VALUES (";
  size_t n = columns.size() + (with_rowid ? 1 : 0);
  for (size_t i = 0; i < n; i++) sql += i ? ",?" : "?";
  sql += ")";
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
    return Error::internal(std::string("combine engine: ") + sqlite3_errmsg(db_));
  Status status = ok_status();
  for (auto& row : rows) {
    for (size_t i = 0; i < n && i < row.size(); i++) {
      status = bind(st, static_cast<int>(i) + 1, row[i]);
      if (!status.ok()) break;
    }
    if (!status.ok()) break;
    if (sqlite3_step(st) != SQLITE_DONE) {
      status = Error::internal(std::string("combine engine: ") + sqlite3_errmsg(db_));
      break;
    }
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  return status;
}

Result<ResultSet> CombineDb::query(std::string_view sql, const std::vector<Value>& params) { return sqlite_run(db_, sql, params, limits_); }

void CombineDb::enable_triggers(bool on) { sqlite3_db_config(db_, SQLITE_DBCONFIG_ENABLE_TRIGGER, on ? 1 : 0, nullptr); }

}  // namespace bd
