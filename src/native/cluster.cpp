#include "native/cluster.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include "conductor/txn.h"
#include "host/host.h"
#include "storage/txn.h"
#include "conductor/conductor.h"
#include "native/sqlite_host.h"
#include "storage/node.h"
#include "topology/databases.h"
#include "topology/store.h"

namespace bd::native {
namespace {

// Runs one request inside a transaction, like the Durable Object shim's transactionSync: an error
// status from the core (or kRolledBack) rolls back everything the request did.
std::string transact(SqliteHost& host, const std::function<std::string(SqlHost&)>& handler) {
  if (auto s = host.begin(); !s.ok()) {
    wire::Writer w;
    w.u8(static_cast<uint8_t>(ErrorCode::Internal));
    w.u32(0);
    w.str(s.error().message);
    return w.take();
  }
  std::string resp = handler(host);
  if (!resp.empty() && resp[0] != 0)
    host.rollback();
  else
    (void)host.commit();
  return resp;
}

class ManualClock : public Clock {
 public:
  double now = 0;
  double now_ms() override { return now; }
};

class NativeCluster : public Cluster {
 public:
  ~NativeCluster() override {
    if (manual_clock_) set_clock(nullptr);
  }

  Status init(const ClusterOptions& o) {
    options_ = o;
    for (auto& c : conductors_) c = Conductor(ConductorOptions{.max_gather_rows = o.max_gather_rows, .copy_batch_rows = o.copy_batch_rows});
    auto t = SqliteHost::open(path(o.database + ".topology"));
    if (!t.ok()) return t.error();
    topology_ = std::move(*t);
    auto cat = SqliteHost::open(path("catalog"));
    if (!cat.ok()) return cat.error();
    catalog_ = std::move(*cat);
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
    int t = begin(isolate, sql, params, RequestMode::Query);
    while (!advance(t)) {
    }
    return finish(t);
  }

  Result<QueryResult> execute_named(std::string_view sql, const std::vector<std::string>& names,
                                    const std::vector<Value>& values) override {
    int t = start(0, sql, values, RequestMode::Query, "", nullptr, names);
    while (!advance(t)) {
    }
    return finish(t);
  }

  int begin(int isolate, std::string_view sql, const std::vector<Value>& params, RequestMode mode) override {
    return start(isolate, sql, params, mode, "", nullptr);
  }

  int begin_in_txn(int isolate, const std::string& txn, std::string_view sql, const std::vector<Value>& params) override {
    return start(isolate, sql, params, RequestMode::Query, txn, nullptr);
  }

  Result<QueryResult> execute_in_txn(const std::string& txn, std::string_view sql, const std::vector<Value>& params, int isolate) override {
    int t = start(isolate, sql, params, RequestMode::Query, txn, nullptr);
    while (!advance(t)) {
    }
    return finish(t);
  }

  int begin_streamed(int isolate, std::string_view sql, const std::vector<Value>& params, RowSink on_rows) override {
    return start(isolate, sql, params, RequestMode::Query, "", std::move(on_rows));
  }

  Result<QueryResult> execute_streamed(std::string_view sql, const std::vector<Value>& params, RowSink on_rows) override {
    int t = begin_streamed(0, sql, params, std::move(on_rows));
    while (!advance(t)) {
    }
    return finish(t);
  }

  int start(int isolate, std::string_view sql, const std::vector<Value>& params, RequestMode mode, const std::string& txn, RowSink sink,
            const std::vector<std::string>& names = {}) {
    if (isolate < 0 || isolate >= kIsolates) isolate = 0;
    QueryInput in;
    in.txn = txn;
    in.param_names = names;
    in.txn_host = true;  // one process: every transaction stays in its isolate's conductor
    in.database = options_.database;
    in.sql = std::string(sql);
    in.params = params;
    in.nodes = static_cast<uint32_t>(options_.nodes);
    in.mode = static_cast<uint8_t>(mode);
    in.stream = sink != nullptr;
    int ticket = next_ticket_++;
    pending_[ticket] = Pending{isolate, conductors_[isolate].start(std::move(in))};
    pending_[ticket].sink = std::move(sink);
    return ticket;
  }

  bool advance(int ticket) override {
    auto it = pending_.find(ticket);
    if (it == pending_.end()) return true;
    Step& step = it->second.step;
    if (step.kind == Step::Kind::Rows) {
      // A window of a streamed result: handed over, then the statement goes on.
      if (it->second.sink) it->second.sink(step.output.rs);
      step = conductors_[it->second.isolate].resume(step.session, {});
      if (step.kind != Step::Kind::Need && step.kind != Step::Kind::Rows) send_background(step);
      return step.kind != Step::Kind::Need && step.kind != Step::Kind::Rows;
    }
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
        responses.push_back({true, transact(*topology_, [&](SqlHost& h) { return topology::handle(h, r.payload); })});
      } else if (r.target == OutRequest::Target::Sleep) {
        responses.push_back({true, {}});  // no wall-clock wait: the caller interleaves other work
      } else if (r.target == OutRequest::Target::Catalog) {
        responses.push_back({true, transact(*catalog_, [&](SqlHost& h) { return databases::handle(h, r.payload); })});
      } else if (r.target == OutRequest::Target::Wipe) {
        auto w = wipe(r.node);
        responses.push_back(w.ok() ? InResponse{true, {}} : InResponse{false, w.error().message});
      } else {
        Fault f = hook_ ? hook_(Message{r.node, &r.payload, false}) : Fault::None;
        if (f == Fault::KillConductor) {
          // The conductor's isolate dies: nothing more of this statement is sent.
          conductors_[it->second.isolate].abort(step.session);
          step.kind = Step::Kind::Failed;
          step.error = Error::internal("conductor killed (test fault)");
          step.requests.clear();
          return true;
        }
        responses.push_back(deliver(r.node, r.payload, f));
      }
    }
    object_ns_ +=
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
    step = conductors_[it->second.isolate].resume(step.session, std::move(responses));
    if (step.kind != Step::Kind::Need && step.kind != Step::Kind::Rows) send_background(step);
    return step.kind != Step::Kind::Need && step.kind != Step::Kind::Rows;
  }

  // A storage request as the shim delivers it: in one transaction, with the node's clock; the
  // node's alarm follows what it asks for.
  InResponse deliver(uint32_t index, const std::string& payload, Fault f) {
    auto* n = node(index);
    if (!n) return {false, "no storage node " + std::to_string(index)};
    if (f == Fault::Drop) return {false, "dropped (test fault)"};
    storage::NodeEnv env;
    env.now_ms = clock().now_ms();
    std::string out = transact(*n, [&](SqlHost& h) { return storage::handle(h, payload, env); });
    if (env.alarm_known) alarms_[index] = env.alarm_at;
    if (f == Fault::LoseAnswer) return {false, "answer lost (test fault)"};
    return {true, std::move(out)};
  }

  void send_background(Step& step) {
    for (auto& r : step.background) {
      if (r.target != OutRequest::Target::Storage) continue;
      Fault f = hook_ ? hook_(Message{r.node, &r.payload, true}) : Fault::None;
      if (f == Fault::KillConductor) break;
      deliver(r.node, r.payload, f);
    }
    step.background.clear();
  }

  void set_fault_hook(std::function<Fault(const Message&)> hook) override { hook_ = std::move(hook); }

  void set_time_ms(double now) override {
    manual_clock_ = true;
    clock_.now = now;
    set_clock(&clock_);
  }
  double time_ms() const override { return manual_clock_ ? clock_.now : bd::clock().now_ms(); }

  int run_alarms() override {
    int ran = 0;
    double now = clock().now_ms();
    for (auto& [index, at] : std::map<uint32_t, double>(alarms_)) {
      if (at < 0 || at > now) continue;
      auto* n = node(index);
      if (!n) continue;
      ran++;
      storage::NodeEnv env;
      env.now_ms = now;
      std::string plan = transact(*n, [&](SqlHost& h) { return storage::recovery_plan(h, env); });
      if (env.alarm_known) alarms_[index] = env.alarm_at;
      wire::Reader rd(plan);
      if (rd.u8() != 0) continue;
      uint32_t calls = rd.count();
      for (uint32_t i = 0; i < calls && rd.ok(); i++) {
        std::string txn(rd.str());
        uint8_t kind = rd.u8();
        uint32_t peer = rd.u32();
        std::string db(rd.str());
        std::string req(rd.str());
        Fault f = hook_ ? hook_(Message{peer, &req, true}) : Fault::None;
        InResponse got = f == Fault::KillConductor ? InResponse{false, "killed"} : deliver(peer, req, f);
        wire::Writer a;
        a.u8(got.delivered);
        a.str(txn);
        a.u8(kind);
        a.u32(peer);
        a.str(got.payload);
        storage::NodeEnv env2;
        env2.now_ms = now;
        transact(*n, [&](SqlHost& h) { return storage::recovery_apply(h, env2, a.take()); });
        if (env2.alarm_known) alarms_[index] = env2.alarm_at;
      }
    }
    return ran;
  }

  Result<storage::TxnCounts> txn_counts(int index) override {
    auto* n = index < 0 ? nullptr : node(static_cast<uint32_t>(index));
    if (!n) return Error::sql("no such node");
    return storage::txn_counts(*n);
  }

  Result<QueryResult> finish(int ticket) override {
    auto it = pending_.find(ticket);
    if (it == pending_.end()) return Error::internal("no such statement in flight");
    Step step = std::move(it->second.step);
    bool running = step.kind == Step::Kind::Need || step.kind == Step::Kind::Rows;
    if (running) conductors_[it->second.isolate].abort(step.session);
    pending_.erase(it);
    if (running) return Error::internal("statement had not finished");
    if (step.kind == Step::Kind::Failed) return step.error;
    QueryResult out{std::move(step.output.rs), std::move(step.output.meta_json), {}};
    auto k = out.meta_json.find("\"transaction\":\"");
    if (k != std::string::npos) {
      k += 15;
      out.transaction = out.meta_json.substr(k, out.meta_json.find('"', k) - k);
    }
    return out;
  }

  Result<std::string> run_resize(int max_failures) override {
    for (;;) {
      int t = begin(0, "", {}, RequestMode::ReshardStep);
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
    int t = begin(0, sql, {}, RequestMode::Script);
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

  // Deletes everything a storage node holds (a Durable Object's deleteAll): a fresh, empty database.
  Status wipe(uint32_t index) {
    if (index >= nodes_.size()) return ok_status();  // never opened: nothing to delete
    std::string p = path(options_.database + ".node" + std::to_string(index));
    nodes_[index].reset();
    if (p != ":memory:") std::filesystem::remove(p);
    auto n = SqliteHost::open(p);
    if (!n.ok()) return n.error();
    nodes_[index] = std::move(*n);
    return ok_status();
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
  std::unique_ptr<SqliteHost> catalog_;
  std::vector<std::unique_ptr<SqliteHost>> nodes_;
  uint64_t object_ns_ = 0;
  struct Pending {
    int isolate = 0;
    Step step;
    uint32_t slept = 0;  // advances left in the current backoff sleep
    RowSink sink;        // a streamed statement's windows of rows
  };
  std::map<int, Pending> pending_;
  int next_ticket_ = 1;
  std::function<Fault(const Message&)> hook_;
  std::map<uint32_t, double> alarms_;  // per node: when its alarm is due (-1: none)
  ManualClock clock_;
  bool manual_clock_ = false;
};

}  // namespace

std::string serve_topology_request(SqliteHost& host, std::string_view request) {
  return transact(host, [&](SqlHost& h) { return topology::handle(h, request); });
}
std::string serve_storage_request(SqliteHost& host, std::string_view request) {
  storage::NodeEnv env;
  env.now_ms = clock().now_ms();
  return transact(host, [&](SqlHost& h) { return storage::handle(h, request, env); });
}
std::string serve_catalog_request(SqliteHost& host, std::string_view request) {
  return transact(host, [&](SqlHost& h) { return databases::handle(h, request); });
}

Result<std::unique_ptr<Cluster>> Cluster::open(const ClusterOptions& options) {
  if (options.nodes < 1 || options.nodes > 256) return Error::sql("--nodes must be between 1 and 256");
  auto c = std::make_unique<NativeCluster>();
  if (auto s = c->init(options); !s.ok()) return s.error();
  return std::unique_ptr<Cluster>(std::move(c));
}

}  // namespace bd::native
