#include "native/model/model.h"

#include <time.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <map>
#include <queue>
#include <random>
#include "conductor/conductor.h"
#include "native/sqlite_host.h"
#include "storage/protocol.h"
#include "topology/store.h"

namespace bd::native::model {

const char* workload_name(Workload w) {
  switch (w) {
    case Workload::PointRead: return "point read";
    case Workload::PointWrite: return "point write";
    case Workload::IndexedLookup: return "indexed lookup";
    case Workload::ScatterRead8: return "8-way scatter read";
    case Workload::Transfer: return "transfer";
  }
  return "?";
}

double Report::node_max_rps() const { return node_rps.empty() ? 0 : *std::max_element(node_rps.begin(), node_rps.end()); }
double Report::node_mean_rps() const {
  double s = 0;
  for (double x : node_rps) s += x;
  return node_rps.empty() ? 0 : s / static_cast<double>(node_rps.size());
}

namespace {

// This thread's CPU time: what a request really cost, without the time other processes on this
// shared machine took the core away.
double cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// A single-threaded server (a Durable Object, a Worker isolate): one job at a time, in arrival order.
// A job runs its real work when it starts and returns its service time.
struct Server {
  bool busy = false;
  std::deque<std::function<double(double)>> queue;
  uint64_t requests = 0;  // jobs started inside the measured window
  double busy_us = 0;     // their service time
};

// Draws row ids 1..n, uniformly or Zipf-distributed (id 1 the most frequent).
class KeySampler {
 public:
  KeySampler(int n, double s, uint64_t seed) : n_(n), rng_(seed) {
    if (s > 0) {
      cdf_.resize(static_cast<size_t>(n));
      double sum = 0;
      for (int i = 0; i < n; i++) cdf_[static_cast<size_t>(i)] = sum += 1.0 / std::pow(i + 1, s);
      for (auto& c : cdf_) c /= sum;
    }
  }
  int64_t next() {
    if (cdf_.empty()) return 1 + static_cast<int64_t>(rng_() % static_cast<uint64_t>(n_));
    double u = std::uniform_real_distribution<double>(0, 1)(rng_);
    return 1 + (std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
  }
  std::mt19937_64& rng() { return rng_; }

 private:
  int n_;
  std::mt19937_64 rng_;
  std::vector<double> cdf_;
};

class Sim : public Model {
 public:
  Status init(const Options& o) {
    o_ = o;
    if (o.nodes < 1 || o.nodes > 256) return Error::sql("the model needs 1 to 256 nodes");
    auto t = SqliteHost::open(":memory:");
    if (!t.ok()) return t.error();
    topology_ = std::move(*t);
    for (int i = 0; i < o.nodes; i++)
      if (auto s = node(static_cast<uint32_t>(i)); !s) return Error::internal("cannot open a node");
    clients_ = o.nodes * std::max(1, o.clients_per_node);
    int isolates = std::max(1, (clients_ + std::max(1, o.clients_per_isolate) - 1) / std::max(1, o.clients_per_isolate));
    for (int i = 0; i < isolates; i++) conductors_.push_back(std::make_unique<Conductor>());
    const char* ddl[] = {
        "CREATE TABLE kv (id INTEGER PRIMARY KEY, k TEXT, v TEXT, n INTEGER)",
        "CREATE INDEX kv_k ON kv (k)",
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER)",
        "CREATE TABLE events (id INTEGER PRIMARY KEY, v TEXT)",
    };
    for (const char* q : ddl)
      if (auto r = run_sync(0, q, {}); !r.ok()) return r.error();
    for (int lo = 1; lo <= o.rows; lo += 500) {
      std::string kv = "INSERT INTO kv (id, k, v, n) VALUES ", acc = "INSERT INTO accounts (id, balance) VALUES ";
      for (int i = lo; i < lo + 500 && i <= o.rows; i++) {
        std::string id = std::to_string(i);
        kv += (i > lo ? ", (" : "(") + id + ", 'k" + id + "', 'value-" + id + "', 0)";
        acc += (i > lo ? ", (" : "(") + id + ", 1000)";
      }
      if (auto r = run_sync(0, kv, {}); !r.ok()) return r.error();
      if (auto r = run_sync(0, acc, {}); !r.ok()) return r.error();
    }
    // Warm isolates (a long-running deployment's steady state): each has loaded the topology and
    // holds a block of ids, already used up to a random point (so blocks run out at staggered times).
    std::mt19937_64 rng(o.seed);
    for (size_t i = 0; i < conductors_.size(); i++) {
      if (auto r = run_sync(static_cast<int>(i), "SELECT v FROM kv WHERE id = 1", {}); !r.ok()) return r.error();
      std::string warm = "INSERT INTO events (v) VALUES ('warm')";
      for (uint64_t k = rng() % 900; k > 0; k--) warm += ", ('warm')";
      if (auto r = run_sync(static_cast<int>(i), warm, {}); !r.ok()) return r.error();
    }
    // The nodes' request counters (hot spots) start from here: the load above is set-up, not workload.
    storage::Request reset;
    reset.admin = true;  // past the epoch and catalog checks; not counted itself
    reset.reset_load = true;
    for (auto& n : nodes_) (void)serve_storage_request(*n, storage::encode_request(reset));
    return ok_status();
  }

  Options& options() override { return o_; }

  Result<QueryResult> execute(std::string_view sql, const std::vector<Value>& params) override { return run_sync(0, sql, params); }

  Result<std::string> run_job() override {
    for (int i = 0; i < 100000; i++) {
      auto r = run_sync(0, "", {}, RequestMode::ReshardStep);
      if (!r.ok()) return r.error();
      std::string json = r->rs.rows.at(0).at(0).s;
      if (json == "null" || json.find("\"active\":false") != std::string::npos) return json;
      if (json.find("\"failures\":0") == std::string::npos && json.find("\"failures\":") != std::string::npos) {
        auto f = json.find("\"failures\":");
        if (std::atoi(json.c_str() + f + 11) >= 3) return Error::internal("resize job failing: " + json);
      }
    }
    return Error::internal("resize job did not finish");
  }

  Result<Report> run(Workload w) override;

 private:
  SqliteHost* node(uint32_t index) {
    if (index >= 256) return nullptr;
    while (nodes_.size() <= index) {
      auto n = SqliteHost::open(":memory:");
      if (!n.ok()) return nullptr;
      nodes_.push_back(std::move(*n));
    }
    return nodes_[index].get();
  }

  QueryInput input(std::string_view sql, const std::vector<Value>& params, RequestMode mode = RequestMode::Query) const {
    QueryInput in;
    in.database = "model";
    in.sql = std::string(sql);
    in.params = params;
    in.nodes = static_cast<uint32_t>(o_.nodes);
    in.mode = static_cast<uint8_t>(mode);
    return in;
  }

  std::string serve(const OutRequest& r) {
    if (r.target == OutRequest::Target::Topology) return serve_topology_request(*topology_, r.payload);
    if (r.target == OutRequest::Target::Catalog) {
      // The catalog of databases: only creating the model's database asks it.
      if (!catalog_) {
        auto c = SqliteHost::open(":memory:");
        if (!c.ok()) return {};
        catalog_ = std::move(*c);
      }
      return serve_catalog_request(*catalog_, r.payload);
    }
    auto* n = node(r.node);
    if (!n) return {};
    return serve_storage_request(*n, r.payload);
  }

  Result<QueryResult> run_sync(int isolate, std::string_view sql, const std::vector<Value>& params, RequestMode mode = RequestMode::Query) {
    Conductor& c = *conductors_[static_cast<size_t>(isolate)];
    Step step = c.start(input(sql, params, mode));
    while (step.kind == Step::Kind::Need) {
      std::vector<InResponse> responses;
      for (auto& r : step.requests) {
        if (r.target == OutRequest::Target::Sleep)
          responses.push_back({true, {}});
        else if (r.target == OutRequest::Target::Storage && !node(r.node))
          responses.push_back({false, "no storage node " + std::to_string(r.node)});
        else
          responses.push_back({true, serve(r)});
      }
      step = c.resume(step.session, std::move(responses));
    }
    for (auto& r : step.background)  // a commit's phase two, sent after the answer
      if (r.target == OutRequest::Target::Storage && node(r.node)) (void)serve(r);
    if (step.kind == Step::Kind::Failed) return step.error;
    return QueryResult{std::move(step.output.rs), std::move(step.output.meta_json)};
  }

  Options o_;
  int clients_ = 0;
  std::unique_ptr<SqliteHost> topology_;
  std::unique_ptr<SqliteHost> catalog_;
  std::vector<std::unique_ptr<SqliteHost>> nodes_;
  std::vector<std::unique_ptr<Conductor>> conductors_;
};

// One measured run: the event loop.
class Run {
 public:
  Run(const Options& o, Workload w, std::vector<std::unique_ptr<Conductor>>& conductors, SqliteHost& topology,
      std::vector<std::unique_ptr<SqliteHost>>& nodes, int clients)
      : o_(o),
        w_(w),
        conductors_(conductors),
        topology_host_(topology),
        node_hosts_(nodes),
        clients_(clients),
        keys_(o.rows, o.zipf, o.seed),
        isolates_(conductors.size()),
        nodes_(nodes.size()),
        flights_(static_cast<size_t>(clients)) {}

  Report go() {
    start_ = o_.warmup_ms * 1000;
    end_ = start_ + o_.measure_ms * 1000;
    for (int c = 0; c < clients_; c++) at(static_cast<double>(c) * 0.37, [this, c] { issue(c); });
    while (!events_.empty()) {
      Event e = events_.top();
      events_.pop();
      now_ = e.t;
      e.fn();
    }
    Report r;
    r.workload = w_;
    r.nodes = static_cast<int>(nodes_.size());
    r.clients = clients_;
    r.isolates = static_cast<int>(isolates_.size());
    r.completed = completed_;
    r.errors = errors_;
    r.first_error = first_error_;
    double secs = o_.measure_ms / 1000;
    r.throughput = static_cast<double>(completed_) / secs;
    std::sort(latencies_.begin(), latencies_.end());
    auto pct = [&](double q) {
      return latencies_.empty() ? 0 : latencies_[std::min(latencies_.size() - 1, static_cast<size_t>(q * latencies_.size()))] / 1000;
    };
    r.p50_ms = pct(0.5);
    r.p99_ms = pct(0.99);
    uint64_t requests = topology_.requests;
    for (auto& n : nodes_) {
      requests += n.requests;
      r.node_rps.push_back(static_cast<double>(n.requests) / secs);
      r.node_busy.push_back(n.busy_us / (o_.measure_ms * 1000));
    }
    r.requests_per_statement = completed_ ? static_cast<double>(requests) / static_cast<double>(completed_) : 0;
    r.conductor_us = completed_ ? conductor_us_ / static_cast<double>(completed_) : 0;
    r.topology_rps = static_cast<double>(topology_.requests) / secs;
    r.id_allocator_rps = static_cast<double>(alloc_requests_) / secs;
    double sum = 0;
    for (auto& [v, n] : index_vshards_) {
      r.index_shard_max_rps = std::max(r.index_shard_max_rps, static_cast<double>(n) / secs);
      sum += static_cast<double>(n) / secs;
    }
    r.index_shard_mean_rps = index_vshards_.empty() ? 0 : sum / static_cast<double>(index_vshards_.size());
    return r;
  }

 private:
  struct Event {
    double t;
    uint64_t seq;
    std::function<void()> fn;
    bool operator<(const Event& o) const { return t != o.t ? t > o.t : seq > o.seq; }  // min-heap
  };
  struct Flight {
    int isolate = 0;
    uint32_t session = 0;
    double issued = 0;
    size_t outstanding = 0;
    std::vector<InResponse> responses;
    int64_t key = 0;  // the row the statement reads (its answer is checked)
  };

  bool in_window() const { return now_ >= start_ && now_ < end_; }
  void at(double t, std::function<void()> fn) { events_.push(Event{t, seq_++, std::move(fn)}); }

  void submit(Server& s, std::function<double(double)> job) {
    s.queue.push_back(std::move(job));
    if (!s.busy) next_job(s);
  }
  void next_job(Server& s) {
    if (s.queue.empty()) {
      s.busy = false;
      return;
    }
    s.busy = true;
    auto job = std::move(s.queue.front());
    s.queue.pop_front();
    bool counted = in_window();
    double d = job(now_);
    if (counted) {
      s.requests++;
      s.busy_us += d;
    }
    at(now_ + d, [this, &s] { next_job(s); });
  }

  // The statement a client sends next (`key`: the row whose value the answer must carry).
  std::pair<std::string, std::vector<Value>> statement(int64_t& key) {
    key = 0;
    switch (w_) {
      case Workload::PointRead: return {"SELECT v FROM kv WHERE id = ?", {Value::integer(key = keys_.next())}};
      case Workload::PointWrite: return {"INSERT INTO events (v) VALUES (?)", {Value::text("event-" + std::to_string(keys_.next()))}};
      case Workload::IndexedLookup:
        key = keys_.next();
        return {"SELECT v, id FROM kv WHERE k = ?", {Value::text("k" + std::to_string(key))}};
      case Workload::ScatterRead8: {
        std::vector<Value> ids;
        while (ids.size() < 8) {
          int64_t k = keys_.next();
          if (std::none_of(ids.begin(), ids.end(), [&](const Value& v) { return v.i == k; })) ids.push_back(Value::integer(k));
        }
        return {"SELECT id, v FROM kv WHERE id IN (?, ?, ?, ?, ?, ?, ?, ?)", ids};
      }
      case Workload::Transfer: {
        int64_t a = keys_.next(), b = keys_.next();
        while (b == a) b = keys_.next();
        return {"UPDATE accounts SET balance = balance + CASE id WHEN ? THEN -1 ELSE 1 END WHERE id IN (?, ?)",
                {Value::integer(a), Value::integer(a), Value::integer(b)}};
      }
    }
    return {};
  }

  void issue(int client) {
    Flight& f = flights_[static_cast<size_t>(client)];
    f.isolate = client % static_cast<int>(isolates_.size());
    f.issued = now_;
    auto [sql, params] = statement(f.key);
    QueryInput in;
    in.database = "model";
    in.sql = std::move(sql);
    in.params = std::move(params);
    in.nodes = static_cast<uint32_t>(o_.nodes);
    auto input = std::make_shared<QueryInput>(std::move(in));
    submit(isolates_[static_cast<size_t>(f.isolate)], [this, client, input](double t0) {
      Flight& fl = flights_[static_cast<size_t>(client)];
      double c0 = cpu_us();
      auto step = std::make_shared<Step>(conductors_[static_cast<size_t>(fl.isolate)]->start(std::move(*input)));
      double d = (cpu_us() - c0) * o_.costs.conductor_scale;
      if (t0 >= start_ && t0 < end_) conductor_us_ += d;
      at(t0 + d, [this, client, step] { on_step(client, std::move(*step)); });
      return d;
    });
  }

  // Every answer is checked: a fast wrong answer is a failure, not a figure.
  std::string wrong_answer(const Flight& f, const QueryOutput& out) const {
    const auto& rows = out.rs.rows;
    switch (w_) {
      case Workload::PointRead:
      case Workload::IndexedLookup:
        if (rows.size() != 1 || rows[0].empty() || rows[0][0].s != "value-" + std::to_string(f.key))
          return "wrong answer for the row with id " + std::to_string(f.key);
        return {};
      case Workload::ScatterRead8:
        return rows.size() == 8 ? std::string() : "8 keys read, " + std::to_string(rows.size()) + " rows returned";
      case Workload::PointWrite:
        return out.rs.changes == 1 ? std::string() : "an insert changed " + std::to_string(out.rs.changes) + " rows";
      case Workload::Transfer:
        return out.rs.changes == 2 ? std::string() : "a transfer changed " + std::to_string(out.rs.changes) + " rows";
    }
    return {};
  }

  void on_step(int client, Step step) {
    Flight& f = flights_[static_cast<size_t>(client)];
    if (step.kind == Step::Kind::Done) {
      if (auto wrong = wrong_answer(f, step.output); !wrong.empty()) {
        step.kind = Step::Kind::Failed;
        step.error = Error::internal(wrong);
      }
    }
    if (step.kind != Step::Kind::Need) {
      send_background(std::move(step.background));
      if (in_window()) {
        if (step.kind == Step::Kind::Failed) {
          if (errors_++ == 0) first_error_ = step.error.message;
        } else {
          completed_++;
          latencies_.push_back(now_ - f.issued);
        }
      } else if (step.kind == Step::Kind::Failed && errors_++ == 0) {
        first_error_ = step.error.message;
      }
      if (now_ < end_) issue(client);
      return;
    }
    f.session = step.session;
    f.outstanding = step.requests.size();
    f.responses.assign(step.requests.size(), InResponse{});
    double half = o_.costs.rtt_us / 2;
    for (size_t i = 0; i < step.requests.size(); i++) {
      auto req = std::make_shared<OutRequest>(std::move(step.requests[i]));
      if (req->target == OutRequest::Target::Sleep) {
        at(now_ + req->node * 1000.0, [this, client, i] { deliver(client, i, {true, {}}); });
        continue;
      }
      Server* server = nullptr;
      SqliteHost* host = nullptr;
      if (req->target == OutRequest::Target::Catalog || req->target == OutRequest::Target::Wipe) {
        // Creating and deleting databases are not part of a measured run.
        at(now_ + half, [this, client, i] { deliver(client, i, {false, "the model does not serve the catalog of databases"}); });
        continue;
      }
      if (req->target == OutRequest::Target::Topology) {
        server = &topology_;
        host = &topology_host_;
      } else if (req->node < nodes_.size()) {
        server = &nodes_[req->node];
        host = node_hosts_[req->node].get();
        if (in_window()) count_index_request(*req);
      } else {
        at(now_ + half, [this, client, i, n = req->node] { deliver(client, i, {false, "no storage node " + std::to_string(n)}); });
        continue;
      }
      bool topo = req->target == OutRequest::Target::Topology;
      at(now_ + half, [this, client, i, req, server, host, topo, half] {
        submit(*server, [this, client, i, req, host, topo, half](double t0) {
          if (topo && t0 >= start_ && t0 < end_ && !req->payload.empty() && req->payload[0] == static_cast<char>(topology::Op::AllocIds))
            alloc_requests_++;
          double c0 = cpu_us();
          std::string resp = topo ? serve_topology_request(*host, req->payload) : serve_storage_request(*host, req->payload);
          double d = (cpu_us() - c0) + o_.costs.request_us;
          auto r = std::make_shared<std::string>(std::move(resp));
          at(t0 + d + half, [this, client, i, r] { deliver(client, i, {true, std::move(*r)}); });
          return d;
        });
      });
    }
  }

  // Requests sent after the answer (a commit's phase two): they occupy their nodes like any other;
  // nobody waits for their responses.
  void send_background(std::vector<OutRequest> requests) {
    double half = o_.costs.rtt_us / 2;
    for (auto& r : requests) {
      if (r.target != OutRequest::Target::Storage || r.node >= nodes_.size()) continue;
      auto req = std::make_shared<OutRequest>(std::move(r));
      at(now_ + half, [this, req] {
        submit(nodes_[req->node], [this, req](double) {
          double c0 = cpu_us();
          (void)serve_storage_request(*node_hosts_[req->node], req->payload);
          return (cpu_us() - c0) + o_.costs.request_us;
        });
      });
    }
  }

  void deliver(int client, size_t i, InResponse resp) {
    Flight& f = flights_[static_cast<size_t>(client)];
    f.responses[i] = std::move(resp);
    if (--f.outstanding > 0) return;
    auto responses = std::make_shared<std::vector<InResponse>>(std::move(f.responses));
    uint32_t session = f.session;
    submit(isolates_[static_cast<size_t>(f.isolate)], [this, client, responses, session](double t0) {
      Flight& fl = flights_[static_cast<size_t>(client)];
      double c0 = cpu_us();
      auto step = std::make_shared<Step>(conductors_[static_cast<size_t>(fl.isolate)]->resume(session, std::move(*responses)));
      double d = (cpu_us() - c0) * o_.costs.conductor_scale;
      if (t0 >= start_ && t0 < end_) conductor_us_ += d;
      at(t0 + d, [this, client, step] { on_step(client, std::move(*step)); });
      return d;
    });
  }

  // Requests that read or write a global index's hidden table, per virtual shard of that table.
  void count_index_request(const OutRequest& r) {
    auto req = storage::decode_request(r.payload);
    if (!req.ok()) return;
    bool index = std::any_of(req->statements.begin(), req->statements.end(),
                             [](const storage::Statement& s) { return s.sql.find("_bd_idx_") != std::string::npos; });
    if (index)
      for (uint32_t v : req->vshards) index_vshards_[v]++;
  }

  const Options& o_;
  Workload w_;
  std::vector<std::unique_ptr<Conductor>>& conductors_;
  SqliteHost& topology_host_;
  std::vector<std::unique_ptr<SqliteHost>>& node_hosts_;
  int clients_;
  KeySampler keys_;
  std::vector<Server> isolates_;
  std::vector<Server> nodes_;
  Server topology_;
  std::vector<Flight> flights_;
  std::priority_queue<Event> events_;
  uint64_t seq_ = 0;
  double now_ = 0, start_ = 0, end_ = 0;
  uint64_t completed_ = 0, errors_ = 0, alloc_requests_ = 0;
  std::string first_error_;
  double conductor_us_ = 0;
  std::vector<double> latencies_;
  std::map<uint32_t, uint64_t> index_vshards_;
};

Result<Report> Sim::run(Workload w) {
  Run r(o_, w, conductors_, *topology_, nodes_, clients_);
  o_.seed++;  // the next run draws other keys
  return r.go();
}

}  // namespace

Result<std::unique_ptr<Model>> Model::open(const Options& options) {
  auto m = std::make_unique<Sim>();
  if (auto s = m->init(options); !s.ok()) return s.error();
  return std::unique_ptr<Model>(std::move(m));
}

}  // namespace bd::native::model
