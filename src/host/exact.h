// Exact 64-bit integers over a host API that carries numbers as doubles. The Durable Object SQL API
// hands every number to JavaScript as a double and binds no 64-bit integers, so an INTEGER beyond
// ±2^53 would silently come back rounded. Such a host reports, with each result, the columns where
// a number may be inexact; exec_exact() then reads those values again as decimal text (the same
// statement, run once more in the same transaction), rewrites RETURNING clauses up front (a write
// cannot run twice), casts every integer parameter back to INTEGER (the host binds a number as a
// double, a REAL; one beyond 2^53 as its decimal text) and integral REAL parameters to REAL.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>
#include "base/result.h"
#include "value/value.h"

namespace bd {

struct LossyResult {
  ResultSet rs;
  // Columns holding a number the host could not pass exactly (|value| >= 2^53): such a value is
  // given as a REAL and may have been an INTEGER.
  std::vector<uint32_t> inexact;
};

class LossySqlHost {
 public:
  virtual ~LossySqlHost() = default;
  // Runs one statement. INTEGER parameters beyond ±2^53 are bound as their decimal text, other
  // numbers as doubles (REALs).
  virtual Result<LossyResult> exec_lossy(std::string_view sql, const std::vector<Value>& params) = 0;
  // The same, reading no further than a page (SqlHost::exec_page); *more: rows were left. This
  // default reads everything, then cuts.
  virtual Result<LossyResult> exec_lossy_page(std::string_view sql, const std::vector<Value>& params, uint64_t max_rows, uint64_t max_bytes,
                                              bool* more);
};

// Integers up to 2^53 in magnitude pass through a double unchanged.
inline bool exact_in_double(int64_t v) { return v > -(int64_t{1} << 53) && v < (int64_t{1} << 53); }

Result<ResultSet> exec_exact(LossySqlHost& host, std::string_view sql, const std::vector<Value>& params);

// exec_exact for the first page of a read (SqlHost::exec_page). A re-read for exact integers reads
// the same page again.
Result<ResultSet> exec_exact_page(LossySqlHost& host, std::string_view sql, const std::vector<Value>& params, uint64_t max_rows,
                                  uint64_t max_bytes, bool* more);

}  // namespace bd
