// Runs one statement on an in-process SQLite handle and collects its rows as Values. Used by the
// combine engine (SQLite compiled into the conductor) and by the native host.
#pragma once
#include <string_view>
#include <vector>
#include "base/result.h"
#include "wire/value.h"

struct sqlite3;

namespace bd {

Result<ResultSet> sqlite_run(sqlite3* db, std::string_view sql, const std::vector<Value>& params);

}  // namespace bd
