// Runs one statement on an in-process SQLite handle and collects its rows as Values. Used by the
// combine engine (SQLite compiled into the conductor) and by the native host.
#pragma once
#include <string_view>
#include <vector>
#include "base/result.h"
#include "value/value.h"

struct sqlite3;

namespace bd {

Result<ResultSet> sqlite_run(sqlite3* db, std::string_view sql, const std::vector<Value>& params);

// Turns off query-planner optimizations known to give wrong answers in the SQLite we embed
// (3.53.0): EXISTS-to-JOIN ignores part of an OFFSET (`... WHERE EXISTS (SELECT ...) LIMIT 5
// OFFSET 1` returns 5 rows of 5 matches). Found by tests/unit/dist_differential_test.cpp (seed 3).
void avoid_sqlite_planner_bugs(sqlite3* db);

}  // namespace bd
