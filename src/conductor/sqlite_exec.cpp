#include "conductor/sqlite_exec.h"

#include <memory>
#include "host/host.h"
#include <string>
#include "sqlite3.h"

namespace bd {

std::string sqlite_code_name(int code) {
  static const struct {
    int code;
    const char* name;
  } kNames[] = {
      {SQLITE_ERROR, "SQLITE_ERROR"},
      {SQLITE_INTERNAL, "SQLITE_INTERNAL"},
      {SQLITE_PERM, "SQLITE_PERM"},
      {SQLITE_ABORT, "SQLITE_ABORT"},
      {SQLITE_BUSY, "SQLITE_BUSY"},
      {SQLITE_LOCKED, "SQLITE_LOCKED"},
      {SQLITE_NOMEM, "SQLITE_NOMEM"},
      {SQLITE_READONLY, "SQLITE_READONLY"},
      {SQLITE_INTERRUPT, "SQLITE_INTERRUPT"},
      {SQLITE_IOERR, "SQLITE_IOERR"},
      {SQLITE_CORRUPT, "SQLITE_CORRUPT"},
      {SQLITE_NOTFOUND, "SQLITE_NOTFOUND"},
      {SQLITE_FULL, "SQLITE_FULL"},
      {SQLITE_CANTOPEN, "SQLITE_CANTOPEN"},
      {SQLITE_PROTOCOL, "SQLITE_PROTOCOL"},
      {SQLITE_EMPTY, "SQLITE_EMPTY"},
      {SQLITE_SCHEMA, "SQLITE_SCHEMA"},
      {SQLITE_TOOBIG, "SQLITE_TOOBIG"},
      {SQLITE_CONSTRAINT, "SQLITE_CONSTRAINT"},
      {SQLITE_MISMATCH, "SQLITE_MISMATCH"},
      {SQLITE_MISUSE, "SQLITE_MISUSE"},
      {SQLITE_NOLFS, "SQLITE_NOLFS"},
      {SQLITE_AUTH, "SQLITE_AUTH"},
      {SQLITE_FORMAT, "SQLITE_FORMAT"},
      {SQLITE_RANGE, "SQLITE_RANGE"},
      {SQLITE_NOTADB, "SQLITE_NOTADB"},
      {SQLITE_NOTICE, "SQLITE_NOTICE"},
      {SQLITE_WARNING, "SQLITE_WARNING"},
      {SQLITE_ERROR_MISSING_COLLSEQ, "SQLITE_ERROR_MISSING_COLLSEQ"},
      {SQLITE_ERROR_RETRY, "SQLITE_ERROR_RETRY"},
      {SQLITE_ERROR_SNAPSHOT, "SQLITE_ERROR_SNAPSHOT"},
      {SQLITE_ERROR_RESERVESIZE, "SQLITE_ERROR_RESERVESIZE"},
      {SQLITE_ERROR_KEY, "SQLITE_ERROR_KEY"},
      {SQLITE_ERROR_UNABLE, "SQLITE_ERROR_UNABLE"},
      {SQLITE_IOERR_READ, "SQLITE_IOERR_READ"},
      {SQLITE_IOERR_SHORT_READ, "SQLITE_IOERR_SHORT_READ"},
      {SQLITE_IOERR_WRITE, "SQLITE_IOERR_WRITE"},
      {SQLITE_IOERR_FSYNC, "SQLITE_IOERR_FSYNC"},
      {SQLITE_IOERR_DIR_FSYNC, "SQLITE_IOERR_DIR_FSYNC"},
      {SQLITE_IOERR_TRUNCATE, "SQLITE_IOERR_TRUNCATE"},
      {SQLITE_IOERR_FSTAT, "SQLITE_IOERR_FSTAT"},
      {SQLITE_IOERR_UNLOCK, "SQLITE_IOERR_UNLOCK"},
      {SQLITE_IOERR_RDLOCK, "SQLITE_IOERR_RDLOCK"},
      {SQLITE_IOERR_DELETE, "SQLITE_IOERR_DELETE"},
      {SQLITE_IOERR_BLOCKED, "SQLITE_IOERR_BLOCKED"},
      {SQLITE_IOERR_NOMEM, "SQLITE_IOERR_NOMEM"},
      {SQLITE_IOERR_ACCESS, "SQLITE_IOERR_ACCESS"},
      {SQLITE_IOERR_CHECKRESERVEDLOCK, "SQLITE_IOERR_CHECKRESERVEDLOCK"},
      {SQLITE_IOERR_LOCK, "SQLITE_IOERR_LOCK"},
      {SQLITE_IOERR_CLOSE, "SQLITE_IOERR_CLOSE"},
      {SQLITE_IOERR_DIR_CLOSE, "SQLITE_IOERR_DIR_CLOSE"},
      {SQLITE_IOERR_SHMOPEN, "SQLITE_IOERR_SHMOPEN"},
      {SQLITE_IOERR_SHMSIZE, "SQLITE_IOERR_SHMSIZE"},
      {SQLITE_IOERR_SHMLOCK, "SQLITE_IOERR_SHMLOCK"},
      {SQLITE_IOERR_SHMMAP, "SQLITE_IOERR_SHMMAP"},
      {SQLITE_IOERR_SEEK, "SQLITE_IOERR_SEEK"},
      {SQLITE_IOERR_DELETE_NOENT, "SQLITE_IOERR_DELETE_NOENT"},
      {SQLITE_IOERR_MMAP, "SQLITE_IOERR_MMAP"},
      {SQLITE_IOERR_GETTEMPPATH, "SQLITE_IOERR_GETTEMPPATH"},
      {SQLITE_IOERR_CONVPATH, "SQLITE_IOERR_CONVPATH"},
      {SQLITE_IOERR_VNODE, "SQLITE_IOERR_VNODE"},
      {SQLITE_IOERR_AUTH, "SQLITE_IOERR_AUTH"},
      {SQLITE_IOERR_BEGIN_ATOMIC, "SQLITE_IOERR_BEGIN_ATOMIC"},
      {SQLITE_IOERR_COMMIT_ATOMIC, "SQLITE_IOERR_COMMIT_ATOMIC"},
      {SQLITE_IOERR_ROLLBACK_ATOMIC, "SQLITE_IOERR_ROLLBACK_ATOMIC"},
      {SQLITE_IOERR_DATA, "SQLITE_IOERR_DATA"},
      {SQLITE_IOERR_CORRUPTFS, "SQLITE_IOERR_CORRUPTFS"},
      {SQLITE_IOERR_IN_PAGE, "SQLITE_IOERR_IN_PAGE"},
      {SQLITE_IOERR_BADKEY, "SQLITE_IOERR_BADKEY"},
      {SQLITE_IOERR_CODEC, "SQLITE_IOERR_CODEC"},
      {SQLITE_LOCKED_SHAREDCACHE, "SQLITE_LOCKED_SHAREDCACHE"},
      {SQLITE_LOCKED_VTAB, "SQLITE_LOCKED_VTAB"},
      {SQLITE_BUSY_RECOVERY, "SQLITE_BUSY_RECOVERY"},
      {SQLITE_BUSY_SNAPSHOT, "SQLITE_BUSY_SNAPSHOT"},
      {SQLITE_BUSY_TIMEOUT, "SQLITE_BUSY_TIMEOUT"},
      {SQLITE_CANTOPEN_NOTEMPDIR, "SQLITE_CANTOPEN_NOTEMPDIR"},
      {SQLITE_CANTOPEN_ISDIR, "SQLITE_CANTOPEN_ISDIR"},
      {SQLITE_CANTOPEN_FULLPATH, "SQLITE_CANTOPEN_FULLPATH"},
      {SQLITE_CANTOPEN_CONVPATH, "SQLITE_CANTOPEN_CONVPATH"},
      {SQLITE_CANTOPEN_DIRTYWAL, "SQLITE_CANTOPEN_DIRTYWAL"},
      {SQLITE_CANTOPEN_SYMLINK, "SQLITE_CANTOPEN_SYMLINK"},
      {SQLITE_CORRUPT_VTAB, "SQLITE_CORRUPT_VTAB"},
      {SQLITE_CORRUPT_SEQUENCE, "SQLITE_CORRUPT_SEQUENCE"},
      {SQLITE_CORRUPT_INDEX, "SQLITE_CORRUPT_INDEX"},
      {SQLITE_READONLY_RECOVERY, "SQLITE_READONLY_RECOVERY"},
      {SQLITE_READONLY_CANTLOCK, "SQLITE_READONLY_CANTLOCK"},
      {SQLITE_READONLY_ROLLBACK, "SQLITE_READONLY_ROLLBACK"},
      {SQLITE_READONLY_DBMOVED, "SQLITE_READONLY_DBMOVED"},
      {SQLITE_READONLY_CANTINIT, "SQLITE_READONLY_CANTINIT"},
      {SQLITE_READONLY_DIRECTORY, "SQLITE_READONLY_DIRECTORY"},
      {SQLITE_ABORT_ROLLBACK, "SQLITE_ABORT_ROLLBACK"},
      {SQLITE_CONSTRAINT_CHECK, "SQLITE_CONSTRAINT_CHECK"},
      {SQLITE_CONSTRAINT_COMMITHOOK, "SQLITE_CONSTRAINT_COMMITHOOK"},
      {SQLITE_CONSTRAINT_FOREIGNKEY, "SQLITE_CONSTRAINT_FOREIGNKEY"},
      {SQLITE_CONSTRAINT_FUNCTION, "SQLITE_CONSTRAINT_FUNCTION"},
      {SQLITE_CONSTRAINT_NOTNULL, "SQLITE_CONSTRAINT_NOTNULL"},
      {SQLITE_CONSTRAINT_PRIMARYKEY, "SQLITE_CONSTRAINT_PRIMARYKEY"},
      {SQLITE_CONSTRAINT_TRIGGER, "SQLITE_CONSTRAINT_TRIGGER"},
      {SQLITE_CONSTRAINT_UNIQUE, "SQLITE_CONSTRAINT_UNIQUE"},
      {SQLITE_CONSTRAINT_VTAB, "SQLITE_CONSTRAINT_VTAB"},
      {SQLITE_CONSTRAINT_ROWID, "SQLITE_CONSTRAINT_ROWID"},
      {SQLITE_CONSTRAINT_PINNED, "SQLITE_CONSTRAINT_PINNED"},
      {SQLITE_CONSTRAINT_DATATYPE, "SQLITE_CONSTRAINT_DATATYPE"},
      {SQLITE_NOTICE_RECOVER_WAL, "SQLITE_NOTICE_RECOVER_WAL"},
      {SQLITE_NOTICE_RECOVER_ROLLBACK, "SQLITE_NOTICE_RECOVER_ROLLBACK"},
      {SQLITE_NOTICE_RBU, "SQLITE_NOTICE_RBU"},
      {SQLITE_WARNING_AUTOINDEX, "SQLITE_WARNING_AUTOINDEX"},
      {SQLITE_AUTH_USER, "SQLITE_AUTH_USER"},
  };
  for (auto& n : kNames)
    if (n.code == code) return n.name;
  for (auto& n : kNames)
    if (n.code == (code & 0xff)) return n.name;
  return "SQLITE_ERROR";
}

namespace {
// SQLite's message, with its (extended) result code by name.
Error sqlite_error(sqlite3* db) {
  Error e = Error::sql(sqlite3_errmsg(db));
  e.sqlite_code = sqlite_code_name(sqlite3_extended_errcode(db));
  return e;
}
}  // namespace

namespace {

constexpr int kProgressOps = 1000;  // VM steps between two progress-handler calls

struct Progress {
  const RunLimits* limits;
  double start_ms = 0;
  uint64_t steps = 0;
  bool timed_out = false;
};

int on_progress(void* p) {
  auto* pr = static_cast<Progress*>(p);
  pr->steps += kProgressOps;
  const RunLimits& l = *pr->limits;
  if ((l.max_steps && pr->steps > l.max_steps) || (l.time_ms > 0 && bd::clock().now_ms() - pr->start_ms > l.time_ms)) {
    pr->timed_out = true;
    return 1;  // SQLITE_INTERRUPT
  }
  return 0;
}

std::string ms_text(double ms) { return std::to_string(static_cast<long long>(ms)) + " ms"; }

}  // namespace

Value sqlite_column_value(sqlite3_stmt* st, int c) {
  switch (sqlite3_column_type(st, c)) {
    case SQLITE_INTEGER: return Value::integer(sqlite3_column_int64(st, c));
    case SQLITE_FLOAT: return Value::real(sqlite3_column_double(st, c));
    case SQLITE_TEXT:
      return Value::text({reinterpret_cast<const char*>(sqlite3_column_text(st, c)), static_cast<size_t>(sqlite3_column_bytes(st, c))});
    case SQLITE_BLOB: {
      auto* p = static_cast<const char*>(sqlite3_column_blob(st, c));
      return Value::blob({p ? p : "", static_cast<size_t>(sqlite3_column_bytes(st, c))});
    }
    default: return Value::null();
  }
}

Result<ResultSet> sqlite_run(sqlite3* db, std::string_view sql, const std::vector<Value>& params, const RunLimits& limits) {
  Progress progress{&limits};
  const bool timed = limits.time_ms > 0 || limits.max_steps > 0;
  if (timed) {
    progress.start_ms = bd::clock().now_ms();
    sqlite3_progress_handler(db, kProgressOps, on_progress, &progress);
  }
  struct Unhook {
    sqlite3* db;
    bool on;
    ~Unhook() {
      if (on) sqlite3_progress_handler(db, 0, nullptr, nullptr);
    }
  } unhook{db, timed};
  auto interrupted = [&]() -> Error {
    return Error::limit("interrupted: the statement ran past its time limit (" + ms_text(limits.time_ms) + ")");
  };
  sqlite3_stmt* st = nullptr;
  const char* tail = nullptr;
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &st, &tail) != SQLITE_OK) {
    if (progress.timed_out) return interrupted();
    return sqlite_error(db);
  }
  if (!st) return ResultSet{};  // empty statement
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(st, sqlite3_finalize);
  if (static_cast<int>(params.size()) > sqlite3_bind_parameter_count(st)) return Error::sql("too many SQL variables");
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
    if (rc != SQLITE_OK) return sqlite_error(db);
  }
  ResultSet rs;
  int nc = sqlite3_column_count(st);
  for (int c = 0; c < nc; c++) rs.columns.emplace_back(sqlite3_column_name(st, c));
  uint64_t bytes = 0;
  for (;;) {
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) {
      if (progress.timed_out) return interrupted();
      return sqlite_error(db);
    }
    if (limits.max_rows && rs.rows.size() >= limits.max_rows)
      return Error::limit("result too large: more than " + std::to_string(limits.max_rows) + " rows (the limit for one result)");
    Row row;
    row.reserve(nc);
    for (int c = 0; c < nc; c++) {
      row.push_back(sqlite_column_value(st, c));
      bytes += 9 + row.back().s.size();
    }
    if (limits.max_bytes && bytes > limits.max_bytes)
      return Error::limit("result too large: more than " + std::to_string(limits.max_bytes >> 20) + " MB (the limit for one result)");
    rs.rows.push_back(std::move(row));
  }
  if (!sqlite3_stmt_readonly(st)) {
    rs.changes = sqlite3_changes64(db);
    rs.last_insert_rowid = sqlite3_last_insert_rowid(db);
  }
  return rs;
}

void avoid_sqlite_planner_bugs(sqlite3* db) {
  constexpr int kExistsToJoin = 0x40000000;  // SQLITE_ExistsToJoin (sqliteInt.h)
  sqlite3_test_control(SQLITE_TESTCTRL_OPTIMIZATIONS, db, kExistsToJoin);
}

}  // namespace bd
