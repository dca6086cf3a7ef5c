#include "conductor/io.h"

#include <algorithm>
#include <functional>
#include "host/host.h"
#include "conductor/fk.h"
#include "conductor/txn.h"
#include "conductor/databases.h"
#include "topology/store.h"
#include "wire/codec.h"

namespace bd {

std::shared_ptr<const Topology> adopt_topology(Conductor& c, Topology t) {
  std::string name = t.database;
  c.cache(std::move(t));
  return c.cached(name);
}

Task<Result<std::string>> topology_call(Session& s, std::string payload) {
  std::vector<OutRequest> reqs(1);
  reqs[0].target = OutRequest::Target::Topology;
  reqs[0].payload = std::move(payload);
  s.round_trips++;
  auto resp = co_await s.io(std::move(reqs));
  if (resp.size() != 1) co_return Error::internal("missing topology response");
  if (!resp[0].delivered) co_return Error::internal("topology object unreachable: " + resp[0].payload);
  co_return std::move(resp[0].payload);
}

Task<int> sleep_ms(Session& s, uint32_t ms) {
  std::vector<OutRequest> reqs(1);
  reqs[0].target = OutRequest::Target::Sleep;
  reqs[0].node = ms;
  co_await s.io(std::move(reqs));
  co_return 0;
}

Task<Result<std::shared_ptr<const Topology>>> load_topology(Conductor& c, Session& s, uint32_t nodes, bool refresh) {
  if (!refresh) {
    if (auto t = c.cached(s.database())) co_return t;
  }
  // Creating is explicit: the topology object is asked for an existing database first, and only a
  // request that may create it (nodes > 0) registers it in the catalog and creates it.
  auto payload = co_await topology_call(s, topology::get_or_create_request(s.database(), 0));
  // A topology read that did not arrive (the object restarting) is safe to repeat.
  if (!payload.ok()) co_return Error::retryable(payload.error().message);
  auto t = topology::decode_topology_response(*payload);
  if (!t.ok() && t.error().code == ErrorCode::NotFound && nodes > 0) co_return co_await register_and_create(c, s, nodes);
  if (!t.ok()) co_return t.error();
  c.cache(std::move(*t));
  co_return c.cached(s.database());
}

Task<Result<std::vector<storage::Response>>> fan_out_payloads(Session& s, std::vector<std::pair<uint32_t, std::string>> payloads) {
  if (s.dry_run) {
    std::vector<storage::Response> results;
    for (auto& p : payloads) {
      s.planned.push_back({p.first, "(staging operation)"});
      results.emplace_back();
      results.back().results.emplace_back();
    }
    co_return results;
  }
  std::vector<OutRequest> out;
  for (auto& [node, payload] : payloads) {
    OutRequest o;
    o.target = OutRequest::Target::Storage;
    o.node = node;
    o.payload = std::move(payload);
    out.push_back(std::move(o));
    if (std::find(s.nodes_touched.begin(), s.nodes_touched.end(), node) == s.nodes_touched.end()) s.nodes_touched.push_back(node);
  }
  if (out.empty()) co_return std::vector<storage::Response>{};
  s.round_trips++;
  auto resp = co_await s.io(std::move(out));
  if (resp.size() < payloads.size()) co_return Error::internal("missing storage responses");
  std::vector<storage::Response> results;
  for (size_t i = 0; i < payloads.size(); i++) {
    if (!resp[i].delivered) co_return Error::retryable("node " + std::to_string(payloads[i].first) + " unreachable: " + resp[i].payload);
    auto r = storage::decode_response(resp[i].payload);
    if (!r.ok()) {
      Error e = r.error();
      e.message += " (node " + std::to_string(payloads[i].first) + ")";
      co_return e;
    }
    results.push_back(std::move(*r));
  }
  co_return results;
}

Task<Result<std::vector<storage::Response>>> fan_out(Session& s, std::vector<NodeRequest> requests, std::string topology_payload) {
  if (s.dry_run) {
    std::vector<storage::Response> results;
    for (auto& r : requests) {
      storage::Response resp;
      for (auto& st : r.request.statements) {
        s.planned.push_back({r.node, st.sql});
        resp.results.emplace_back();
      }
      results.push_back(std::move(resp));
    }
    co_return results;
  }
  // Every request carries the statement's locks; inside a transaction also the transaction.
  // Reads outside transactions ask for visibility reports (atomic visibility, checked when the
  // statement ends), within a window covering the statement so far plus one fan-out.
  std::vector<bool> writes_of(requests.size());
  uint32_t window = 0;
  double sent_ms = bd::clock().now_ms();
  // (Clamped: a session with no statement start, a resize step's, would overflow the conversion.)
  if (!s.txn)
    window = static_cast<uint32_t>(std::clamp(sent_ms - s.statement_start_ms, 0.0, double(UINT32_MAX - s.fanout_budget_ms))) +
             s.fanout_budget_ms;
  for (size_t i = 0; i < requests.size(); i++) {
    auto& r = requests[i].request;
    for (auto& st : r.statements) writes_of[i] = writes_of[i] || st.write;
    if (r.footprint.empty()) r.footprint = s.footprint;
    r.defer_fk = writes_of[i] && defers_node_keys(s);
    if (s.txn) {
      TxnState& t = *s.txn;
      r.txn.id = t.id;
      r.txn.start_ms = t.start_ms;
      r.txn.stmt = t.stmt;
      r.txn.timeout_ms = t.timeout_ms;
      r.txn.database = t.database;
      r.txn.self = requests[i].node;
    } else if (!writes_of[i]) {
      r.visible_window_ms = window;
    }
  }
  // While a resize runs, a write to several nodes first asks each node whether it would take it:
  // a refusal then costs nothing, and only a fence raised in between can still split the write.
  // (Inside a transaction a refused part is undone like any failed statement.)
  bool multi_write = false;
  if (s.preflight_writes && !s.txn && requests.size() > 1)
    for (auto& r : requests)
      for (auto& st : r.request.statements) multi_write |= st.write;
  if (multi_write) {
    std::vector<OutRequest> checks;
    for (auto& r : requests) {
      storage::Request probe = r.request;
      probe.check_only = true;
      OutRequest o;
      o.target = OutRequest::Target::Storage;
      o.node = r.node;
      o.payload = storage::encode_request(probe);
      checks.push_back(std::move(o));
    }
    s.round_trips++;
    auto answers = co_await s.io(std::move(checks));
    for (size_t i = 0; i < answers.size() && i < requests.size(); i++) {
      if (!answers[i].delivered)
        co_return Error::retryable("node " + std::to_string(requests[i].node) + " unreachable: " + answers[i].payload);
      auto r = storage::decode_response(answers[i].payload);
      if (!r.ok()) co_return r.error();
    }
  }
  std::vector<OutRequest> out;
  out.reserve(requests.size());
  for (auto& r : requests) {
    OutRequest o;
    o.target = OutRequest::Target::Storage;
    o.node = r.node;
    o.payload = storage::encode_request(r.request);
    out.push_back(std::move(o));
    if (std::find(s.nodes_touched.begin(), s.nodes_touched.end(), r.node) == s.nodes_touched.end()) s.nodes_touched.push_back(r.node);
  }
  if (!topology_payload.empty()) {
    OutRequest o;
    o.target = OutRequest::Target::Topology;
    o.payload = std::move(topology_payload);
    out.push_back(std::move(o));
  }
  s.round_trips++;
  auto resp = co_await s.io(std::move(out));
  if (resp.size() < requests.size()) co_return Error::internal("missing storage responses");
  if (resp.size() > requests.size()) {
    auto& t = resp.back();
    if (!t.delivered) co_return Error::internal("topology object unreachable: " + t.payload);
    if (t.payload.empty() || t.payload[0] != 0) {
      wire::Reader r(t.payload);
      auto code = static_cast<ErrorCode>(r.u8());
      co_return Error{code, std::string(r.str())};
    }
  }
  if (s.txn) {
    // Participants: a node whose write went through (or whose answer never came: it may have
    // applied it) is prepared at commit; one that only read drops its locks.
    for (size_t i = 0; i < requests.size(); i++) {
      bool failed = resp[i].delivered && (resp[i].payload.empty() ||
                                          (resp[i].payload[0] != 0 && static_cast<uint8_t>(resp[i].payload[0]) != storage::kRolledBack));
      if (failed) continue;
      (writes_of[i] ? s.txn->writers : s.txn->readers).insert(requests[i].node);
      if (writes_of[i])
        for (auto& f : requests[i].request.footprint)
          if (f.write) s.txn->written.insert(f.table);
    }
  } else if (window) {
    double took = bd::clock().now_ms() - sent_ms;
    s.slowest_fanout_ms = std::max(s.slowest_fanout_ms, took);
    if (took > s.fanout_budget_ms + storage::kVisibleMarginMs)
      s.visibility_broken = true;
    else if (took > s.fanout_budget_ms)
      s.visibility_all = true;
  }
  // A refusal next to a write that went through leaves the statement half applied: mark it, so
  // that it is reported rather than retried. (Inside a transaction it is undone instead.)
  if (!s.txn) {
    int applied_writes = -1, refused = -1;
    for (size_t i = 0; i < requests.size(); i++) {
      bool writes = false;
      for (auto& st : requests[i].request.statements) writes |= st.write;
      bool failed = !resp[i].delivered || resp[i].payload.empty() || resp[i].payload[0] != 0;
      if (failed && resp[i].delivered && static_cast<ErrorCode>(resp[i].payload[0]) == ErrorCode::Retryable) refused = static_cast<int>(i);
      if (!failed && writes) applied_writes = static_cast<int>(i);
    }
    if (applied_writes >= 0 && refused >= 0) {
      s.partial_write = true;
      s.partial_detail = "applied on node " + std::to_string(requests[applied_writes].node) + ", refused by node " +
                         std::to_string(requests[refused].node);
    }
  }
  std::vector<storage::Response> results;
  results.reserve(requests.size());
  for (size_t i = 0; i < requests.size(); i++) {
    if (!resp[i].delivered) {
      // A read that never reached its node (a restarted object) is safe to run again; a write's
      // outcome is unknown, so it is reported.
      bool writes = false;
      for (auto& st : requests[i].request.statements) writes |= st.write;
      std::string msg = "node " + std::to_string(requests[i].node) + " unreachable: " + resp[i].payload;
      co_return writes && !s.txn ? Error::internal(msg) : Error::retryable(msg);
    }
    auto r = storage::decode_response(resp[i].payload);
    if (!r.ok()) {
      Error e = r.error();
      if (e.code == ErrorCode::Internal) e.message += " (node " + std::to_string(requests[i].node) + ")";
      co_return e;
    }
    for (auto& rs : r->results) s.rows_fetched += rs.rows.size();
    if (window && !writes_of[i]) {
      s.nodes_read.insert(requests[i].node);
      for (auto& v : r->visible) s.visible.emplace_back(requests[i].node, std::move(v));
    }
    results.push_back(std::move(*r));
  }
  co_return results;
}

}  // namespace bd
