// Results with a bounded window. Shard results are read in pages: a node whose result is larger
// than a page keeps it whole as a snapshot (a cursor table, storage/staging.h) and answers page by
// page; the merge operators take the rows as pages arrive, and when the host streams the result
// (QueryInput::stream) the conductor hands it over a window at a time. So the conductor holds at
// most a page per node plus one output window, whatever the size of the result.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>
#include "conductor/exec_context.h"
#include "conductor/merge/operator.h"
#include "planner/plan.h"

namespace bd {

struct PageBudget {
  uint32_t rows = 0;
  uint32_t bytes = 0;
};

// All pages of one read together stay within this (a node's page: at least kMinPageBytes).
inline constexpr uint32_t kWindowBytes = 4u << 20;
inline constexpr uint32_t kMinPageBytes = 256u << 10;
inline constexpr uint32_t kMaxPageRows = 5000;
// A streamed result goes to the host in windows of this many rows or bytes.
inline constexpr size_t kOutRows = 2000;
inline constexpr uint64_t kOutBytes = 1u << 20;

// Pages for a read of `nodes` nodes whose rows pass through the conductor as they come.
PageBudget window_pages(size_t nodes);
// Pages for a result the conductor keeps whole anyway (not streamed): large enough that results
// within the result limits arrive in one round trip, as before paging.
PageBudget whole_pages();
// Streamed results read windows, others whole pages.
PageBudget result_pages(const Exec& x, size_t nodes);

// One Shard operator's statement read page by page from each of its nodes.
class PagedRead {
 public:
  // The first round trip: the statement as a paged read on each of `nodes` (the leaf's own when
  // null); each node answers its first page and keeps the rest, if any.
  static Task<Result<std::unique_ptr<PagedRead>>> open(Exec& x, const planner::PlanNode& leaf, const std::vector<uint32_t>* nodes,
                                                       PageBudget budget);
  const std::vector<std::string>& columns() const { return columns_; }
  size_t parts() const { return parts_.size(); }
  // One row source per node, in node order: its rows as they arrive; pending (merge/operator.h)
  // while its next page is still on the node.
  std::vector<merge::RowSourcePtr> sources();
  // The next page of every node whose rows ran out (and of those running low), in one round trip.
  Task<Status> refill(Exec& x);
  // Drops the snapshots of nodes not read to the end (a LIMIT reached, a failure).
  Task<Status> close(Exec& x);

 private:
  struct Part {
    uint32_t node = 0;
    std::deque<Row> rows;
    bool more = false;   // rows left in the node's cursor
    std::string cursor;  // its name (the node's choice)
    int64_t read = 0;    // rows taken from the cursor so far
    size_t last_page = 0;
  };
  class Source;
  PageBudget budget_;
  std::vector<std::string> columns_;
  std::vector<std::unique_ptr<Part>> parts_;
};

// Pulls `src` to its end into `out` (rows cut to `width` columns; 0: as they are), fetching the
// pages of `read` as its sources run dry; a streamed result goes to the host whenever a window
// is full.
Task<Status> pump(Exec& x, merge::RowSource& src, PagedRead* read, QueryOutput& out, size_t width);

}  // namespace bd
