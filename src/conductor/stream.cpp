#include "conductor/stream.h"

#include <algorithm>
#include "conductor/executor.h"
#include "host/host.h"
#include "planner/params.h"
#include "storage/staging.h"

namespace bd {

PageBudget window_pages(size_t nodes) {
  uint32_t per = kWindowBytes / static_cast<uint32_t>(std::max<size_t>(1, nodes));
  return PageBudget{kMaxPageRows, std::max(kMinPageBytes, per)};
}

// Within the hosts' limits for one storage result (200,000 rows, 32 MB), with room for the row that
// crosses the byte budget.
PageBudget whole_pages() { return PageBudget{200000, 24u << 20}; }

PageBudget result_pages(const Exec& x, size_t nodes) { return x.s.streaming ? window_pages(nodes) : whole_pages(); }

class PagedRead::Source final : public merge::RowSource {
 public:
  explicit Source(Part* p) : p_(p) {}
  Result<bool> next(Row* row) override {
    if (!p_->rows.empty()) {
      *row = std::move(p_->rows.front());
      p_->rows.pop_front();
      return true;
    }
    if (p_->more) return merge::pending();
    return false;
  }

 private:
  Part* p_;
};

Task<Result<std::unique_ptr<PagedRead>>> PagedRead::open(Exec& x, const planner::PlanNode& leaf, const std::vector<uint32_t>* nodes,
                                                         PageBudget budget) {
  auto read = std::unique_ptr<PagedRead>(new PagedRead());
  read->budget_ = budget;
  const auto& targets = nodes ? *nodes : leaf.nodes;
  std::vector<NodeRequest> reqs;
  for (auto n : targets) {
    storage::Request r = x.request(one_statement(leaf.sql, leaf.has_bound ? leaf.bound : planner::params_for(x.params, leaf.params), false),
                                   targets.size() == 1 ? leaf.vshards : std::vector<uint32_t>{});
    r.page_rows = budget.rows;
    r.page_bytes = budget.bytes;
    reqs.push_back({n, std::move(r)});
  }
  auto resp = co_await fan_out(x.s, std::move(reqs));
  if (!resp.ok()) co_return resp.error();
  for (size_t i = 0; i < resp->size(); i++) {
    auto part = std::make_unique<Part>();
    part->node = targets[i];
    auto& r = (*resp)[i];
    if (!r.results.empty()) {
      auto& rs = r.results[0];
      if (read->columns_.empty()) read->columns_ = rs.columns;
      part->last_page = rs.rows.size();
      part->read = static_cast<int64_t>(rs.rows.size());
      for (auto& row : rs.rows) part->rows.push_back(std::move(row));
    }
    part->more = r.more;
    part->cursor = r.cursor;
    read->parts_.push_back(std::move(part));
  }
  co_return std::move(read);
}

std::vector<merge::RowSourcePtr> PagedRead::sources() {
  std::vector<merge::RowSourcePtr> out;
  for (auto& p : parts_) out.push_back(std::make_unique<Source>(p.get()));
  return out;
}

Task<Status> PagedRead::refill(Exec& x) {
  std::vector<std::pair<uint32_t, std::string>> payloads;
  std::vector<Part*> asked;
  bool starved = false;
  for (auto& p : parts_) starved |= p->more && p->rows.empty();
  if (!starved) co_return Error::internal("a paged read was refilled with nothing to read");
  // Nodes running low come along, so that a merge of many nodes waits for one round trip, not
  // one per node.
  for (auto& p : parts_) {
    if (!p->more || p->rows.size() > p->last_page / 2) continue;
    storage::StagingRequest req;
    req.action = storage::StagingAction::Next;
    req.name = p->cursor;
    req.after = p->read;
    req.page_rows = budget_.rows;
    req.page_bytes = budget_.bytes;
    payloads.push_back({p->node, storage::encode_staging(req)});
    asked.push_back(p.get());
  }
  auto resp = co_await fan_out_payloads(x.s, std::move(payloads));
  if (!resp.ok()) co_return resp.error();
  for (size_t i = 0; i < asked.size() && i < resp->size(); i++) {
    Part* p = asked[i];
    auto& r = (*resp)[i];
    p->more = r.more;
    if (r.results.empty()) continue;
    auto& rows = r.results[0].rows;
    p->last_page = rows.size();
    p->read += static_cast<int64_t>(rows.size());
    x.s.rows_fetched += rows.size();
    for (auto& row : rows) p->rows.push_back(std::move(row));
    if (rows.empty() && p->more) co_return Error::internal("a node answered an empty page of a streamed result");
  }
  co_return ok_status();
}

Task<Status> PagedRead::close(Exec& x) {
  std::vector<std::pair<uint32_t, std::string>> payloads;
  for (auto& p : parts_) {
    if (!p->more) continue;
    storage::StagingRequest req;
    req.action = storage::StagingAction::Drop;
    req.name = p->cursor;
    payloads.push_back({p->node, storage::encode_staging(req)});
    p->more = false;
    p->rows.clear();
  }
  if (payloads.empty()) co_return ok_status();
  // A node that cannot be reached now drops the snapshot itself once it expires.
  auto r = co_await fan_out_payloads(x.s, std::move(payloads));
  if (!r.ok()) co_return r.error();
  co_return ok_status();
}

Task<Status> pump(Exec& x, merge::RowSource& src, PagedRead* read, QueryOutput& out, size_t width) {
  uint64_t bytes = 0;
  Row row;
  for (;;) {
    Result<bool> more = src.next(&row);
    if (!more.ok()) {
      if (read && merge::is_pending(more.error())) {
        auto st = co_await read->refill(x);
        if (!st.ok()) co_return st.error();
        continue;
      }
      co_return more.error();
    }
    if (!*more) break;
    if (width && row.size() > width) row.resize(width);
    bytes += row_wire_bytes(row);
    out.rs.rows.push_back(std::move(row));
    if (x.s.streaming && (out.rs.rows.size() >= kOutRows || bytes >= kOutBytes)) {
      ResultSet chunk;
      chunk.columns = out.rs.columns;
      chunk.rows = std::move(out.rs.rows);
      out.rs.rows.clear();
      bytes = 0;
      // Outside transactions the reads must have seen every multi-node commit everywhere or
      // nowhere; checked now, while the statement can still run again (later pages come from the
      // snapshots the first ones took).
      if (x.s.rows_streamed == 0 && !x.s.txn && !atomic_visibility_holds(x.s))
        co_return Error::retryable("a read raced a transaction's commit");
      co_await x.s.emit(std::move(chunk));
    }
  }
  co_return ok_status();
}

}  // namespace bd
