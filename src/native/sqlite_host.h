// SqlHost over a real SQLite database (the native stand-in for ctx.storage.sql).
#pragma once
#include <memory>
#include <string>
#include "host/host.h"

struct sqlite3;

namespace bd::native {

class SqliteHost : public SqlHost {
 public:
  static Result<std::unique_ptr<SqliteHost>> open(const std::string& path);  // ":memory:" or a file
  ~SqliteHost() override;
  Result<ResultSet> exec(std::string_view sql, const std::vector<Value>& params) override;
  // Steps the statement only as far as the page reaches, as the Durable Object cursor does.
  Result<ResultSet> exec_page(std::string_view sql, const std::vector<Value>& params, uint64_t max_rows, uint64_t max_bytes,
                              bool* more) override;
  int64_t database_bytes() override;
  std::shared_ptr<void>* object_memory() override { return &memory_; }
  // Transactions around one request, as transactionSync does in a Durable Object.
  Status begin();
  Status commit();
  void rollback();
  sqlite3* db() { return db_; }

 private:
  explicit SqliteHost(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::shared_ptr<void> memory_;
};

// Reads a statement's result into a ResultSet (shared with the combine engine's native tests).
Result<ResultSet> run_statement(sqlite3* db, std::string_view sql, const std::vector<Value>& params);

}  // namespace bd::native
