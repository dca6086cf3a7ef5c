// Runs one statement on an in-process SQLite handle and collects its rows as Values. Used by the
// combine engine (SQLite compiled into the conductor) and by the native host.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>
#include "base/result.h"
#include "value/value.h"

struct sqlite3;
struct sqlite3_stmt;

namespace bd {

// Bounds on one statement, so that no statement can hold the isolate (its thread is shared by
// every request) or exhaust its memory. Zero: unbounded.
struct RunLimits {
  uint64_t max_rows = 0;   // result rows
  uint64_t max_bytes = 0;  // result size, counted as the wire format does (9 bytes + text/blob per value)
  // Time: wall-clock milliseconds on the host clock, and SQLite VM steps, for hosts whose clock
  // does not advance while code runs (a deployed Worker's Date.now() moves only between I/O).
  double time_ms = 0;
  uint64_t max_steps = 0;
};

// Errors carry SQLite's message and its extended result code by name (Error::sqlite_code).
// One column of the statement's current row as a Value (SQLite's storage class kept).
Value sqlite_column_value(sqlite3_stmt* st, int c);

Result<ResultSet> sqlite_run(sqlite3* db, std::string_view sql, const std::vector<Value>& params, const RunLimits& limits = {});

// A result code by name ("SQLITE_CONSTRAINT_UNIQUE"), as sqlite3.h spells it.
std::string sqlite_code_name(int code);

// A result code by name ("SQLITE_CONSTRAINT_UNIQUE"), as sqlite3.h spells it.
std::string sqlite_code_name(int code);

// Turns off query-planner optimizations known to give wrong answers in the SQLite we embed
// (3.53.0): EXISTS-to-JOIN ignores part of an OFFSET (`... WHERE EXISTS (SELECT ...) LIMIT 5
// OFFSET 1` returns 5 rows of 5 matches). Found by tests/unit/dist_differential_test.cpp (seed 3).
void avoid_sqlite_planner_bugs(sqlite3* db);

}  // namespace bd
