// The sqllogictest runner: parses SQLite's .test format and checks an engine's answers exactly as
// SQLite's own harness (sqllogictest.c + slt_sqlite.c) does, so "SQLite passes its own suite"
// and "Big Daddy passes the suite" mean the same thing. The engine is an interface so the runner
// can drive plain SQLite (the reference) or a Big Daddy cluster.
#pragma once
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>
#include "base/result.h"
#include "value/value.h"

struct sqlite3;

namespace bd::native {

struct SltEngine {
  virtual ~SltEngine() = default;
  // Executes one statement or query; on success the result set, on failure an error.
  virtual Result<ResultSet> run(std::string_view sql) = 0;
};

// One in-memory SQLite database: the reference engine. A record's SQL may hold several
// statements (as sqlite3_exec would run them); the last statement's result is returned.
class SqliteEngine final : public SltEngine {
 public:
  SqliteEngine();
  ~SqliteEngine() override;
  SqliteEngine(const SqliteEngine&) = delete;
  SqliteEngine& operator=(const SqliteEngine&) = delete;
  Result<ResultSet> run(std::string_view sql) override;

 private:
  ::sqlite3* db_ = nullptr;
};

struct SltOptions {
  bool verbose = false;  // report every failure (else the first max_reported), with values
  int max_reported = 20;
  std::ostream* log = nullptr;  // where failures go; null: nowhere
};

struct SltStats {
  int passed = 0, failed = 0, skipped = 0;
  // Of `passed`: queries expecting no rows that failed in the engine and in plain SQLite alike
  // (SQLite's harness shows "the rows before the error" for those, none).
  int passed_on_error = 0;
  std::vector<std::string> failures;   // "file:line: what" for each failed record
  std::vector<int> query_error_lines;  // first line of every query record the engine failed with an SQL error
};

// Runs every record of a .test file against `engine`. A query that fails in the engine while its
// expected result is empty passes only when plain SQLite fails on it too: the runner keeps a SQLite
// database of its own, runs every statement there as well, and asks it about such queries. A missing file counts as one failure.
SltStats run_slt_file(const std::string& path, SltEngine& engine, const SltOptions& options = {});
// Same, over script text; `name` labels failure reports.
SltStats run_slt_script(std::string_view script, std::string_view name, SltEngine& engine, const SltOptions& options = {});

// Splits SQL text into its statements (each keeps its ';'), the way sqlite3_exec would step
// through them: trigger bodies and quoted ';' stay inside their statement. Blank pieces vanish.
std::vector<std::string> split_sql_statements(std::string_view sql);

// How slt_sqlite.c renders one result value for a column of type letter 'I', 'R' or 'T':
// as sqlite3_column_int64 / _double / _text would see it, NULL as "NULL", empty text as
// "(empty)", and bytes outside ' '..'~' as '@'.
std::string slt_format_value(const Value& v, char type);

// SQLite's own conversions of a value (sqlite3_column_int64 / _double / _text), reimplemented
// over bd::Value so any engine's results are judged the same way.
int64_t sqlite_int64_of(const Value& v);
double sqlite_double_of(const Value& v);
std::string sqlite_text_of(const Value& v);

}  // namespace bd::native
