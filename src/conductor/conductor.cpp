#include "conductor/conductor.h"

#include "conductor/executor.h"
#include "conductor/txn.h"
#include "value/text.h"

namespace bd {

Conductor::Conductor(ConductorOptions options) : options_(options) {}
Conductor::~Conductor() = default;
Conductor::Conductor(Conductor&&) noexcept = default;
Conductor& Conductor::operator=(Conductor&&) noexcept = default;

TxnState* Conductor::txn(const std::string& id) {
  auto it = txns_.find(id);
  return it == txns_.end() ? nullptr : it->second.get();
}

TxnState& Conductor::add_txn(std::unique_ptr<TxnState> t) {
  auto& slot = txns_[t->id];
  slot = std::move(t);
  return *slot;
}

void Conductor::drop_txn(const std::string& id) { txns_.erase(id); }

std::shared_ptr<const Topology> Conductor::cached(const std::string& database) const {
  auto it = cache_.find(database);
  return it == cache_.end() ? nullptr : it->second;
}

void Conductor::cache(Topology t) {
  auto& slot = cache_[t.database];
  // Responses can arrive out of order across sessions: never replace a newer topology by an older.
  if (slot && slot->version > t.version) return;
  slot = std::make_shared<const Topology>(std::move(t));
}

std::optional<int64_t> Conductor::table_rows(const std::string& database, const std::string& table, uint64_t version, double now_ms) const {
  auto it = table_rows_.find(database + '\n' + ascii_lower(table));
  if (it == table_rows_.end() || it->second.version != version || now_ms - it->second.at_ms > kTableRowsTtlMs || now_ms < it->second.at_ms)
    return std::nullopt;
  return it->second.rows;
}

void Conductor::note_table_rows(const std::string& database, const std::string& table, int64_t rows, uint64_t version, double now_ms) {
  table_rows_[database + '\n' + ascii_lower(table)] = {rows, version, now_ms};
}

void Conductor::forget_table_rows(const std::string& database, const std::string& table) {
  table_rows_.erase(database + '\n' + ascii_lower(table));
}

Step Conductor::start(QueryInput input) {
  uint32_t id = next_session_++;
  if (next_session_ == 0) next_session_ = 1;
  auto session = std::make_unique<Session>(input.database);
  Session& s = *session;
  sessions_[id] = std::move(session);
  s.begin(run_request(*this, s, std::move(input)));
  return drive(id);
}

Step Conductor::resume(uint32_t id, std::vector<InResponse> responses) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) {
    Step s;
    s.kind = Step::Kind::Failed;
    s.session = id;
    s.error = Error::internal("no such session " + std::to_string(id));
    return s;
  }
  it->second->feed(std::move(responses));
  return drive(id);
}

Step Conductor::drive(uint32_t id) {
  Session& s = *sessions_[id];
  Step step;
  step.session = id;
  if (!s.done()) {
    if (s.has_rows()) {
      step.kind = Step::Kind::Rows;
      step.output.rs = s.take_rows();
      return step;
    }
    step.kind = Step::Kind::Need;
    step.requests = s.take_pending();
    if (!step.requests.empty()) return step;
    step.kind = Step::Kind::Failed;
    step.error = Error::internal("session suspended without requests");
  } else {
    step.background = std::move(s.background);
    auto r = s.take_result();
    if (r.ok()) {
      step.kind = Step::Kind::Done;
      step.output = std::move(*r);
    } else {
      step.kind = Step::Kind::Failed;
      step.error = r.error();
    }
  }
  sessions_.erase(id);
  return step;
}

}  // namespace bd
