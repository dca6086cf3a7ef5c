// Query insights and per-node load of one database, kept in bounded tables of its topology object
// (`_bd_insights_*`). Worker isolates measure statements (duration, plan, nodes, rows) and storage
// round trips (latency per node) and send them here in batches; the dashboard reads them back as
// JSON: the recent and the slowest statements, statements grouped by text, and per node the
// requests per second and p50/p99 latency in 10-second buckets over the last 15 minutes.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>
#include "base/result.h"
#include "host/host.h"

namespace bd::insights {

enum class Op : uint8_t { Record = 0, Report = 1 };

inline constexpr size_t kRecentKept = 200;     // newest statements kept
inline constexpr size_t kSlowestKept = 50;     // and the slowest, whenever they ran
inline constexpr size_t kQueriesKept = 200;    // statement texts with totals (least recent evicted)
inline constexpr int64_t kBucketMs = 10'000;   // load buckets
inline constexpr int64_t kWindowMs = 900'000;  // load kept for 15 minutes
inline constexpr size_t kMaxSqlChars = 2000;   // statement text kept per sample
inline constexpr int kBins = 64;               // latency histogram: bin = floor(4 * log2(1 + ms))

struct StatementSample {
  std::string sql;
  double ms = 0;
  std::string plan;
  uint32_t nodes_touched = 0;
  int64_t rows_read = 0, rows_returned = 0, rows_written = 0;
  double at_ms = 0;   // when it started (ms since the Unix epoch)
  std::string error;  // empty: it succeeded
};

struct LoadSample {
  double at_ms = 0;  // when the storage request was sent
  uint32_t node = 0;
  double ms = 0;  // its round trip
  bool ok = true;
};

std::string record_request(const std::vector<StatementSample>& statements, const std::vector<LoadSample>& load);
std::string report_request(std::string_view database);

// Handles one request (the host runs it inside one transaction); responses start with a status byte.
// Nothing is kept for a database that does not exist: Record is dropped, Report answers NotFound.
std::string handle(SqlHost& sql, std::string_view request);

// Drops everything kept (the database is deleted).
Status forget(SqlHost& sql);

// Report: {"recent": [...], "slowest": [...], "queries": [...], "load": {...}}.
Result<std::string> decode_report_response(std::string_view response);

// The latency histogram's bins (exposed for tests).
int bin_of(double ms);
double bin_upper_ms(int bin);

}  // namespace bd::insights
