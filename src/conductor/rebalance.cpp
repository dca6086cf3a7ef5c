#include "conductor/rebalance.h"

#include "conductor/io.h"
#include "conductor/reshard.h"
#include "topology/store.h"

namespace bd {

Task<Result<MeasuredLoad>> read_load(Conductor& c, Session& s, const Topology& topo, bool reset) {
  (void)c;
  std::vector<NodeRequest> reqs;
  for (uint32_t n = 0; n < topo.nodes; n++) {
    NodeRequest nr;
    nr.node = n;
    nr.request.epoch = topo.epoch;
    nr.request.catalog_version = topo.version;
    nr.request.want_load = true;
    nr.request.reset_load = reset;
    reqs.push_back(std::move(nr));
  }
  auto resp = co_await fan_out(s, std::move(reqs));
  if (!resp.ok()) co_return resp.error();
  MeasuredLoad load;
  for (auto& r : *resp) {
    load.counted |= r.has_load;
    for (auto& [v, n] : r.load.vshards) load.vshards[v] += n;
    load.node_total.push_back(r.load.total);
    load.node_scatter.push_back(r.load.scatter);
  }
  co_return load;
}

namespace {

Row plan_row(const char* action, uint32_t vshard, int64_t from, int64_t to, uint64_t requests) {
  Row row;
  row.push_back(Value::text(action));
  row.push_back(Value::integer(vshard));
  row.push_back(Value::integer(from));
  row.push_back(to < 0 ? Value::null() : Value::integer(to));
  row.push_back(Value::integer(static_cast<int64_t>(requests)));
  return row;
}

}  // namespace

Task<Result<QueryOutput>> rebalance(Conductor& c, Session& s, bool apply) {
  auto topo = co_await load_topology(c, s, 0, true);
  if (!topo.ok()) co_return topo.error();
  if ((*topo)->resizing) co_return Error::sql("a resize is in progress; rebalance when it has finished (PRAGMA bigdaddy_resize shows it)");
  if (auto job = co_await topology_call(s, topology::job_get_request()); job.ok())
    if (auto j = topology::decode_job_response(*job); j.ok() && *j && (*j)->active())
      co_return Error::sql(std::string("a resize is in progress (phase ") + topology::phase_name((*j)->phase) +
                           "); rebalance when it has finished");
  // Counters are read (and, to apply, restarted) before the plan: the next rebalance measures the
  // placement this one leaves.
  auto load = co_await read_load(c, s, **topo, apply);
  if (!load.ok()) co_return load.error();
  topology::RebalancePlan plan = topology::plan_rebalance(**topo, load->vshards);
  auto node_of = [&](uint32_t vshard) -> int64_t {
    for (auto& v : (*topo)->vshards)
      if (v.id == vshard) return v.node;
    return -1;
  };
  auto requests = [&](uint32_t vshard) {
    auto it = load->vshards.find(vshard);
    return it == load->vshards.end() ? uint64_t{0} : it->second;
  };
  QueryOutput out;
  out.rs.columns = {"action", "vshard", "from_node", "to_node", "requests"};
  for (uint32_t v : plan.splits) out.rs.rows.push_back(plan_row("split", v, node_of(v), node_of(v), requests(v)));
  for (auto& m : plan.moves) out.rs.rows.push_back(plan_row("move", m.vshard, m.from, m.to, requests(m.vshard)));
  if (!apply) co_return out;
  for (uint32_t v : plan.splits)
    if (auto r = co_await split_vshard(c, s, v); !r.ok()) co_return r.error();
  if (!plan.moves.empty()) {
    auto reply = co_await topology_call(s, topology::move_vshards_request(plan.moves));
    if (!reply.ok()) co_return reply.error();
    auto job = topology::decode_job_response(*reply);
    if (!job.ok()) co_return job.error();
  }
  co_return out;
}

}  // namespace bd
