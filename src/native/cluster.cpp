#include "native/cluster.h"

#include <chrono>
#include <filesystem>
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
  if (!resp.empty() && resp[0] != 0) host.rollback();
  else (void)host.commit();
  return resp;
}

class NativeCluster : public Cluster {
 public:
  Status init(const ClusterOptions& o) {
    options_ = o;
    auto path = [&](const std::string& name) {
      if (o.dir.empty()) return std::string(":memory:");
      std::filesystem::create_directories(o.dir);
      return o.dir + "/" + name + ".sqlite";
    };
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

  Result<QueryResult> execute(std::string_view sql, const std::vector<Value>& params) override {
    return execute_in_isolate(0, sql, params);
  }

  Result<QueryResult> execute_in_isolate(int isolate, std::string_view sql, const std::vector<Value>& params) override {
    if (isolate < 0 || isolate >= kIsolates) return Error::sql("no such isolate");
    Conductor& conductor_ = conductors_[isolate];
    QueryInput in;
    in.database = options_.database;
    in.sql = std::string(sql);
    in.params = params;
    in.nodes = static_cast<uint32_t>(options_.nodes);
    Step step = conductor_.start(std::move(in));
    while (step.kind == Step::Kind::Need) {
      std::vector<InResponse> responses;
      responses.reserve(step.requests.size());
      auto t0 = std::chrono::steady_clock::now();
      for (auto& r : step.requests) {
        if (r.target == OutRequest::Target::Topology) {
          responses.push_back({true, transact(*topology_, topology::handle, r.payload)});
        } else if (r.node < nodes_.size()) {
          responses.push_back({true, transact(*nodes_[r.node], storage::handle, r.payload)});
        } else {
          responses.push_back({false, "no storage node " + std::to_string(r.node)});
        }
      }
      object_ns_ += static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
      step = conductor_.resume(step.session, std::move(responses));
    }
    if (step.kind == Step::Kind::Failed) return step.error;
    return QueryResult{std::move(step.output.rs), std::move(step.output.meta_json)};
  }

  // The conductor runs scripts itself (statement by statement, returning the last result).
  Result<QueryResult> execute_script(std::string_view sql) override { return execute(sql, {}); }

  Result<ResultSet> node_exec(int node, std::string_view sql) override {
    if (node < 0 || node >= static_cast<int>(nodes_.size())) return Error::sql("no such node");
    return nodes_[node]->exec(sql, {});
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
};

}  // namespace

Result<std::unique_ptr<Cluster>> Cluster::open(const ClusterOptions& options) {
  if (options.nodes < 1 || options.nodes > 256) return Error::sql("--nodes must be between 1 and 256");
  auto c = std::make_unique<NativeCluster>();
  if (auto s = c->init(options); !s.ok()) return s.error();
  return std::unique_ptr<Cluster>(std::move(c));
}

}  // namespace bd::native
