// Errors are values: no exception crosses a layer (the Wasm build has none at all).
#pragma once
#include <string>
#include <utility>
#include <variant>

namespace bd {

enum class ErrorCode : uint8_t {
  Sql = 1,          // SQLite (or our parser/planner) rejected the statement; message in SQLite's words
  Unsupported = 2,  // valid SQL that Big Daddy does not run (yet); message names the feature
  Retryable = 3,    // stale routing (shard moved/fenced, epoch changed): refresh topology and retry
  Internal = 4,     // a bug or a corrupt message
  Limit = 5,        // a configured cap (gathered rows/bytes, statement size) was exceeded
  Busy = 6,         // a row or table is locked by another transaction: wait (back off) and retry the statement
  Conflict = 7,     // a lock conflict rolled the transaction back (database is locked): the client may retry it
  Transaction = 8,  // the statements begin a transaction: the host runs them where it can live (its own object)
  NotFound = 9,     // the named database does not exist (it is created explicitly)
};

struct Error {
  ErrorCode code = ErrorCode::Sql;
  std::string message;
  // SQLite's result code by name ("SQLITE_CONSTRAINT_UNIQUE") when SQLite, or a check made in its
  // place, raised the error; empty: the default for `code` (see code_name()).
  std::string sqlite_code;
  static Error sql(std::string m) { return {ErrorCode::Sql, std::move(m)}; }
  static Error unsupported(std::string m) { return {ErrorCode::Unsupported, std::move(m)}; }
  static Error retryable(std::string m) { return {ErrorCode::Retryable, std::move(m)}; }
  static Error internal(std::string m) { return {ErrorCode::Internal, std::move(m)}; }
  static Error limit(std::string m) { return {ErrorCode::Limit, std::move(m)}; }
  static Error busy(std::string m) { return {ErrorCode::Busy, std::move(m)}; }
  static Error conflict(std::string m) { return {ErrorCode::Conflict, std::move(m)}; }
  static Error not_found(std::string m) { return {ErrorCode::NotFound, std::move(m)}; }
  // The same error with SQLite's result code named.
  Error with_code(std::string c) const {
    Error e = *this;
    e.sqlite_code = std::move(c);
    return e;
  }
  // The machine-readable code clients see: SQLite's (SQLITE_*), or Big Daddy's own for errors
  // SQLite has no word for (BIGDADDY_UNSUPPORTED, BIGDADDY_RETRY, BIGDADDY_INTERNAL, BIGDADDY_LIMIT).
  std::string code_name() const {
    if (!sqlite_code.empty()) return sqlite_code;
    switch (code) {
      case ErrorCode::Sql: return "SQLITE_ERROR";
      case ErrorCode::Unsupported: return "BIGDADDY_UNSUPPORTED";
      case ErrorCode::Retryable: return "BIGDADDY_RETRY";
      case ErrorCode::Internal: return "BIGDADDY_INTERNAL";
      case ErrorCode::Limit: return "BIGDADDY_LIMIT";
      case ErrorCode::Busy: return "SQLITE_BUSY";
      case ErrorCode::Conflict: return "SQLITE_BUSY";
      case ErrorCode::Transaction: return "BIGDADDY_TRANSACTION";
      case ErrorCode::NotFound: return "BIGDADDY_NOT_FOUND";
    }
    return "SQLITE_ERROR";
  }
};

template <class T>
class Result {
 public:
  Result(T v) : v_(std::move(v)) {}
  Result(Error e) : v_(std::move(e)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

}  // namespace bd

#define BD_TRY(var, expr)                        \
  auto var##_res = (expr);                       \
  if (!var##_res.ok()) return var##_res.error(); \
  auto var = std::move(var##_res.value())
