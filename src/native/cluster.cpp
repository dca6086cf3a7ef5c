#include "native/cluster.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include "conductor/conductor.h"
#include "native/sqlite_host.h"
#include "storage/node.h"
#include "topology/store.h"

namespace bd::native {
namespace {

// Runs one request inside a transaction, like the Durable Object shim's transactionSync: an error
// status from the core rolls back everything the request did.
std::string transact(SqliteHost& host, std::string (*handler)(SqlHost&, std::string_view), std::string_view req) {
  if (auto s = host.begin(); !s.ok()) {
    wire::Writer w;
    w.u8(static_cast<uint8_t>(ErrorCode::Internal));
    w.u32(0);
    w.str(s.error().message);
    return w.take();
  }
  std::string resp = handler(host, req);
  if (!resp.empty() && resp[0] != 0)
    host.rollback();
  else
    (void)host.commit();
  return resp;
}

class NativeCluster : public Cluster {
 public:
  Status init(const ClusterOptions& o) {
    options_ = o;
    for (auto& c : conductors_) c = Conductor(ConductorOptions{.max_gather_rows = o.max_gather_rows, .copy_batch_rows = o.copy_batch_rows});
    auto t = SqliteHost::open(path(o.database + ".topology"));
    if (!t.ok()) return t.error();
    topology_ = std::move(*t);
    for (int i = 0; i < o.nodes; i++) {
      auto n = SqliteHost::open(path(o.database + ".node" + std::to_string(i)));
      if (!n.ok()) return n.error();
      nodes_.push_back(std::move(*n));
    }
    return ok_status();
  }

  std::string path(const std::string& name) const {
    if (options_.dir.empty()) return std::string(":memory:");
    std::filesystem::create_directories(options_.dir);
    return options_.dir + "/" + name + ".sqlite";
  }

  Result<QueryResult> execute(std::string_view sql, const std::vector<Value>& params) override {
    return execute_in_isolate(0, sql, params);
  }

  Result<QueryResult> execute_in_isolate(int isolate, std::string_view sql, const std::vector<Value>& params) override {
    if (isolate < 0 || isolate >= kIsolates) return Error::sql("no such isolate");
    int t = begin(isolate, sql, params, 0);
    while (!advance(t)) {
    }
    return finish(t);
  }

  int begin(int isolate, std::string_view sql, const std::vector<Value>& params, uint8_t mode) override {
    if (isolate < 0 || isolate >= kIsolates) isolate = 0;
    QueryInput in;
    in.database = options_.database;
    in.sql = std::string(sql);
    in.params = params;
    in.nodes = static_cast<uint32_t>(options_.nodes);
    in.mode = mode;
    int ticket = next_ticket_++;
    pending_[ticket] = Pending{isolate, conductors_[isolate].start(std::move(in))};
    return ticket;
  }

  bool advance(int ticket) override {
    auto it = pending_.find(ticket);
    if (it == pending_.end()) return true;
    Step& step = it->second.step;
    if (step.kind != Step::Kind::Need) return true;
    // A backoff sleep costs one advance per 10 ms, so that interleaved tests see it take time.
    if (step.requests.size() == 1 && step.requests[0].target == OutRequest::Target::Sleep) {
      if (it->second.slept == 0) it->second.slept = std::max<uint32_t>(1, step.requests[0].node / 10);
      if (--it->second.slept > 0) return false;
    }
    std::vector<InResponse> responses;
    responses.reserve(step.requests.size());
    auto t0 = std::chrono::steady_clock::now();
    for (auto& r : step.requests) {
      if (r.target == OutRequest::Target::Topology) {
        responses.push_back({true, transact(*topology_, topology::handle, r.payload)});
      } else if (r.target == OutRequest::Target::Sleep) {
        responses.push_back({true, {}});  // no wall-clock wait: the caller interleaves other work
      } else if (auto* n = node(r.node)) {
        responses.push_back({true, transact(*n, storage::handle, r.payload)});
      } else {
        responses.push_back({false, "no storage node " + std::to_string(r.node)});
      }
    }
    object_ns_ +=
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
    step = conductors_[it->second.isolate].resume(step.session, std::move(responses));
    return step.kind != Step::Kind::Need;
  }

  Result<QueryResult> finish(int ticket) override {
    auto it = pending_.find(ticket);
    if (it == pending_.end()) return Error::internal("no such statement in flight");
    Step step = std::move(it->second.step);
    if (step.kind == Step::Kind::Need) conductors_[it->second.isolate].abort(step.session);
    pending_.erase(it);
    if (step.kind == Step::Kind::Need) return Error::internal("statement had not finished");
    if (step.kind == Step::Kind::Failed) return step.error;
    return QueryResult{std::move(step.output.rs), std::move(step.output.meta_json)};
  }

  Result<std::string> run_resize(int max_failures) override {
    for (;;) {
      int t = begin(0, "", {}, 3);
      while (!advance(t)) {
      }
      auto r = finish(t);
      if (!r.ok()) return r.error();
      std::string json = r->rs.rows.at(0).at(0).s;
      if (json == "null" || json.find("\"active\":false") != std::string::npos) return json;
      auto f = json.find("\"failures\":");
      if (f != std::string::npos && std::atoi(json.c_str() + f + 11) >= max_failures) return json;
    }
  }

  // The conductor runs scripts itself (statement by statement, returning the last result).
  Result<QueryResult> execute_script(std::string_view sql) override {
    int t = begin(0, sql, {}, 4);  // RequestMode::Script
    while (!advance(t)) {
    }
    auto& step = pending_[t].step;
    if (step.kind == Step::Kind::Done && !step.output.script_error.empty()) {
      Error e = step.output.script_error[0].error;
      (void)finish(t);
      return e;
    }
    return finish(t);
  }

  Result<ResultSet> node_exec(int index, std::string_view sql) override {
    auto* n = index < 0 ? nullptr : node(static_cast<uint32_t>(index));
    if (!n) return Error::sql("no such node");
    return n->exec(sql, {});
  }

  // A storage node's database, opened on first use (like a Durable Object).
  SqliteHost* node(uint32_t index) {
    if (index >= 256) return nullptr;
    while (nodes_.size() <= index) {
      auto n = SqliteHost::open(path(options_.database + ".node" + std::to_string(nodes_.size())));
      if (!n.ok()) return nullptr;
      nodes_.push_back(std::move(*n));
    }
    return nodes_[index].get();
  }
  int nodes() const override { return static_cast<int>(nodes_.size()); }
  uint64_t object_ns() const override { return object_ns_; }

 private:
  ClusterOptions options_;
  static constexpr int kIsolates = 2;
  Conductor conductors_[kIsolates];
  std::unique_ptr<SqliteHost> topology_;
  std::vector<std::unique_ptr<SqliteHost>> nodes_;
  uint64_t object_ns_ = 0;
  struct Pending {
    int isolate = 0;
    Step step;
    uint32_t slept = 0;  // advances left in the current backoff sleep
  };
  std::map<int, Pending> pending_;
  int next_ticket_ = 1;
};

}  // namespace

std::string serve_topology_request(SqliteHost& host, std::string_view request) { return transact(host, topology::handle, request); }
std::string serve_storage_request(SqliteHost& host, std::string_view request) { return transact(host, storage::handle, request); }

Result<std::unique_ptr<Cluster>> Cluster::open(const ClusterOptions& options) {
  if (options.nodes < 1 || options.nodes > 256) return Error::sql("--nodes must be between 1 and 256");
  auto c = std::make_unique<NativeCluster>();
  if (auto s = c->init(options); !s.ok()) return s.error();
  return std::unique_ptr<Cluster>(std::move(c));
}

}  // namespace bd::native
