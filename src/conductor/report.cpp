#include "conductor/report.h"

#include <algorithm>
#include <map>
#include <optional>
#include "base/json.h"
#include "conductor/io.h"
#include "planner/shard_sql.h"
#include "topology/store.h"

namespace bd {
namespace {

const char* affinity_name(Affinity a) {
  switch (a) {
    case Affinity::Integer: return "INTEGER";
    case Affinity::Real: return "REAL";
    case Affinity::Text: return "TEXT";
    case Affinity::Numeric: return "NUMERIC";
    default: return "BLOB";
  }
}

}  // namespace

Task<Result<QueryOutput>> topology_report(Conductor& c, Session& s, uint32_t nodes_if_create) {
  // Row counts per table and database size, per node: one request per node. While a resize
  // switches over, nodes refuse the old epoch for a moment: re-read the topology and retry.
  std::shared_ptr<const Topology> topo;
  std::vector<storage::Response> counts;
  for (int attempt = 0;; attempt++) {
    if (attempt >= 2) co_await sleep_ms(s, 50);
    auto topo_r = co_await load_topology(c, s, nodes_if_create, /*refresh=*/true);
    if (!topo_r.ok()) co_return topo_r.error();
    topo = *topo_r;
    std::vector<NodeRequest> reqs;
    for (uint32_t n = 0; n < topo->nodes; n++) {
      NodeRequest nr;
      nr.node = n;
      nr.request.epoch = topo->epoch;
      nr.request.catalog_version = topo->version;
      nr.request.want_size = true;
      nr.request.want_load = true;  // hot spots: the node's request counters per virtual shard
      for (auto& t : topo->tables)
        if (t.kind == TableKind::Sharded || t.kind == TableKind::Reference)
          nr.request.statements.push_back({"SELECT count(*) FROM " + quoted_identifier(t.name), {}, false});
      reqs.push_back(std::move(nr));
    }
    auto counts_r = co_await fan_out(s, std::move(reqs));
    if (counts_r.ok()) {
      counts = std::move(*counts_r);
      break;
    }
    if (counts_r.error().code != ErrorCode::Retryable || attempt >= 40) co_return counts_r.error();
  }
  std::optional<topology::ReshardJob> job;
  if (auto reply = co_await topology_call(s, topology::job_get_request()); reply.ok())
    if (auto decoded = topology::decode_job_response(*reply); decoded.ok()) job = std::move(*decoded);
  auto moving = [&](uint32_t vshard) {
    if (!job || !job->active()) return false;
    for (auto& m : job->moves)
      if (m.vshard == vshard) return true;
    return false;
  };

  JsonWriter j;
  j.begin_object();
  j.key("database").str(topo->database);
  j.key("version").unum(topo->version);
  j.key("epoch").unum(topo->epoch);
  j.key("nodes").begin_array();
  for (uint32_t n = 0; n < topo->nodes; n++) {
    int64_t total = 0, vshards = 0;
    for (auto& v : topo->vshards) vshards += v.node == n;
    j.begin_object();
    j.key("node").unum(n);
    j.key("status").str("up");
    j.key("vshards").num(vshards);
    j.key("tables").begin_object();
    size_t k = 0;
    for (auto& t : topo->tables) {
      if (t.kind != TableKind::Sharded && t.kind != TableKind::Reference) continue;
      int64_t rows = counts[n].results[k++].rows[0][0].i;
      total += rows;
      j.key(t.name).begin_object().key("rows").num(rows).end_object();
    }
    j.end_object();
    if (counts[n].database_bytes >= 0)
      j.key("bytes").num(counts[n].database_bytes);
    else
      j.key("bytes").null();
    j.key("rows").num(total);
    // Requests the node served since its counters started (it started, or a rebalance reset them),
    // and of those the scatters (every shard at once); null when the node keeps no counters.
    if (counts[n].has_load)
      j.key("requests").unum(counts[n].load.total).key("scatterRequests").unum(counts[n].load.scatter);
    else
      j.key("requests").null().key("scatterRequests").null();
    j.end_object();
  }
  j.end_array();
  // Rows per table counted once (a reference table's copies are not more rows), and the totals.
  std::vector<int64_t> table_rows(topo->tables.size(), 0);
  int64_t rows_total = 0, bytes_total = 0;
  {
    size_t k = 0;
    for (size_t ti = 0; ti < topo->tables.size(); ti++) {
      auto& t = topo->tables[ti];
      if (t.kind != TableKind::Sharded && t.kind != TableKind::Reference) continue;
      for (uint32_t n = 0; n < topo->nodes; n++) {
        int64_t rows = counts[n].results[k].rows[0][0].i;
        if (t.kind == TableKind::Sharded || n == 0) table_rows[ti] += rows;
      }
      rows_total += table_rows[ti];
      k++;
    }
    for (uint32_t n = 0; n < topo->nodes; n++) bytes_total += std::max<int64_t>(0, counts[n].database_bytes);
  }
  j.key("rows").num(rows_total);
  j.key("bytes").num(bytes_total);
  j.key("tables").begin_array();
  for (size_t ti = 0; ti < topo->tables.size(); ti++) {
    auto& t = topo->tables[ti];
    if (t.kind == TableKind::Index) continue;
    j.begin_object();
    j.key("name").str(t.name);
    j.key("kind").str(t.kind == TableKind::Reference ? "reference" : t.kind == TableKind::View ? "view" : "sharded");
    if (t.kind != TableKind::Sharded)
      j.key("shardKey").null();
    else if (t.shard_key < 0)
      j.key("shardKey").str("rowid");
    else
      j.key("shardKey").str(t.columns[t.shard_key].name);
    j.key("columns").begin_array();
    for (auto& col : t.columns)
      j.begin_object()
          .key("name")
          .str(col.name)
          .key("type")
          .str(col.decl_type)
          .key("affinity")
          .str(affinity_name(col.affinity))
          .end_object();
    j.end_array();
    j.key("sql").str(t.create_sql);
    if (t.kind == TableKind::Sharded || t.kind == TableKind::Reference) j.key("rows").num(table_rows[ti]);
    j.end_object();
  }
  j.end_array();
  // Requests routed to each virtual shard, summed over the nodes that counted them.
  std::map<uint32_t, uint64_t> vshard_requests;
  uint64_t routed = 0;
  for (auto& r : counts)
    for (auto& [v, k] : r.load.vshards) {
      vshard_requests[v] += k;
      routed += k;
    }
  auto requests_of = [&](uint32_t v) {
    auto it = vshard_requests.find(v);
    return it == vshard_requests.end() ? uint64_t{0} : it->second;
  };
  j.key("vshards").begin_array();
  for (auto& v : topo->vshards)
    j.begin_object()
        .key("requests")
        .unum(requests_of(v.id))
        .key("id")
        .unum(v.id)
        .key("lo")
        .ustr(v.lo)
        .key("hi")
        .ustr(v.hi)
        .key("node")
        .unum(v.node)
        .key("status")
        .str(moving(v.id) ? "moving" : "serving")
        .end_object();
  j.end_array();
  // The hottest virtual shards (at most 10): requests and their share of all routed requests (in
  // thousandths), so a hot spot shows before it hurts; PRAGMA bigdaddy_rebalance moves them apart.
  std::vector<std::pair<uint64_t, uint32_t>> hot;
  for (auto& v : topo->vshards)
    if (uint64_t k = requests_of(v.id)) hot.emplace_back(k, v.id);
  std::sort(hot.begin(), hot.end(), [](auto& a, auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  if (hot.size() > 10) hot.resize(10);
  j.key("hotShards").begin_array();
  for (auto& [k, id] : hot) {
    uint32_t node = 0;
    for (auto& v : topo->vshards)
      if (v.id == id) node = v.node;
    j.begin_object().key("vshard").unum(id).key("node").unum(node).key("requests").unum(k);
    j.key("permille").unum(routed ? (k * 1000 + routed / 2) / routed : 0).end_object();
  }
  j.end_array();
  j.key("indexes").begin_array();
  for (auto& t : topo->tables) {
    if (t.kind != TableKind::Index) continue;
    j.begin_object().key("name").str(t.name).key("table").str(t.base_table).key("unique").boolean(t.unique).key("global").boolean(true);
    j.key("columns").begin_array();
    for (auto& col : t.columns) j.str(col.name);
    j.end_array().key("sql").str(t.create_sql).end_object();
  }
  j.end_array();
  // The resize job (phase, rows copied of total, last error), or null; also listed in `jobs`.
  j.key("resize").raw(job ? job->json() : std::string("null"));
  j.key("jobs").begin_array();
  if (job) {
    j.begin_object().key("kind").str("resize " + std::to_string(job->from_nodes) + " → " + std::to_string(job->to_nodes) + " nodes");
    std::string status = topology::phase_name(job->phase);
    if (job->active() && job->waves() > 1)
      status +=
          " · wave " + std::to_string(job->wave_begin / std::max<uint32_t>(1, job->wave_size) + 1) + " of " + std::to_string(job->waves());
    j.key("id").num(static_cast<int64_t>(job->id)).key("status").str(status);
    j.key("total")
        .num(static_cast<int64_t>(job->rows_total))
        .key("done")
        .num(static_cast<int64_t>(std::min(job->rows_copied, job->rows_total)));
    if (!job->last_error.empty()) j.key("error").str(job->last_error);
    j.end_object();
  }
  j.end_array();
  j.end_object();

  QueryOutput out;
  out.meta_json = j.take();
  co_return out;
}

}  // namespace bd
