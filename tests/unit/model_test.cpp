// The scale-out model (native/model): a brief run on 1 and 8 nodes. Every object serves one request
// at a time, so throughput can only grow with nodes if requests really spread over them.
#include <catch2/catch.hpp>

#include "native/model/model.h"

using namespace bd;
using namespace bd::native::model;

namespace {

std::unique_ptr<Model> open_model(int nodes, int rows = 5000) {
  Options o;
  o.nodes = nodes;
  o.rows = rows;
  o.warmup_ms = 20;
  o.measure_ms = 200;
  auto m = Model::open(o);
  if (!m.ok()) FAIL(m.error().message);
  return std::move(*m);
}

Report run(Model& m, Workload w) {
  auto r = m.run(w);
  if (!r.ok()) FAIL(r.error().message);
  INFO(workload_name(w) << " on " << r->nodes << " nodes: " << r->first_error);
  CHECK(r->errors == 0);
  CHECK(r->completed > 0);
  return *r;
}

}  // namespace

TEST_CASE("model: point reads scale from 1 to 8 nodes", "[model]") {
  auto one = open_model(1);
  auto eight = open_model(8);
  Report a = run(*one, Workload::PointRead);
  Report b = run(*eight, Workload::PointRead);
  INFO("1 node: " << a.throughput << "/s, 8 nodes: " << b.throughput << "/s");
  CHECK(b.throughput >= 5 * a.throughput);
  // A point read is one request to one node, and none to the topology object once caches are warm.
  CHECK(b.requests_per_statement == Approx(1.0).epsilon(0.02));  // (requests and answers at the window's edges)
  CHECK(b.topology_rps == 0);
  // Every node takes part; none carries much more than its share.
  REQUIRE(b.node_rps.size() == 8);
  for (double x : b.node_rps) CHECK(x > 0);
  CHECK(b.node_max_rps() <= 1.5 * b.node_mean_rps());
}

TEST_CASE("model: writes, index lookups and transfers spread too, and stay correct", "[model]") {
  auto m = open_model(8);
  Report w = run(*m, Workload::PointWrite);
  CHECK(w.requests_per_statement < 1.05);  // an id block from the topology object now and then
  Report idx = run(*m, Workload::IndexedLookup);
  CHECK(idx.requests_per_statement == Approx(2.0).epsilon(0.02));  // the index's shard, then the row's node
  CHECK(idx.index_shard_max_rps > 0);
  CHECK(idx.index_shard_max_rps < 0.1 * idx.throughput);  // no single index shard takes the lookups
  Report t = run(*m, Workload::Transfer);
  // Atomic over its two nodes: one request each (write + prepare, write + commit), then phase two
  // to the prepared one after the answer; lock conflicts between transfers retry now and then.
  CHECK(t.requests_per_statement <= 3.0);
  // Every transfer moved 1 from one account to another: the total is unchanged, and the inserts
  // all arrived.
  auto sum = m->execute("SELECT sum(balance), count(*) FROM accounts");
  REQUIRE(sum.ok());
  CHECK(sum->rs.rows[0][0].i == 5000 * 1000);
  auto events = m->execute("SELECT count(*) FROM events");
  REQUIRE(events.ok());
  CHECK(events->rs.rows[0][0].i >= static_cast<int64_t>(w.completed));
}

TEST_CASE("model: a Zipf-skewed load on 8 nodes, rebalanced online, leaves no node above 1.3x the mean", "[model][rebalance]") {
  Options o;
  o.nodes = 8;
  o.rows = 20000;
  o.zipf = 1.0;  // the hottest row alone takes about a tenth of all reads
  o.warmup_ms = 20;
  o.measure_ms = 300;
  auto opened = Model::open(o);
  if (!opened.ok()) FAIL(opened.error().message);
  auto& m = **opened;
  Report before = run(m, Workload::PointRead);
  INFO("before: busiest node " << before.node_max_rps() << "/s, mean " << before.node_mean_rps() << "/s");
  CHECK(before.node_max_rps() > 1.3 * before.node_mean_rps());  // the skew is real

  // The plan comes from the nodes' own counters of the run above; applying it starts a job.
  auto plan = m.execute("PRAGMA bigdaddy_rebalance = 'plan'");
  REQUIRE(plan.ok());
  REQUIRE(!plan->rs.rows.empty());
  auto applied = m.execute("PRAGMA bigdaddy_rebalance");
  REQUIRE(applied.ok());
  CHECK(applied->rs.rows.size() == plan->rs.rows.size());
  auto job = m.run_job();
  REQUIRE(job.ok());
  CHECK(job->find("\"phase\":\"done\"") != std::string::npos);

  Report after = run(m, Workload::PointRead);
  INFO("after: busiest node " << after.node_max_rps() << "/s, mean " << after.node_mean_rps() << "/s; throughput " << before.throughput
                              << " -> " << after.throughput);
  CHECK(after.node_max_rps() <= 1.3 * after.node_mean_rps());
  CHECK(after.throughput > 1.1 * before.throughput);
  // Nothing was lost in the moves.
  auto count = m.execute("SELECT count(*), sum(length(v)) FROM kv");
  REQUIRE(count.ok());
  CHECK(count->rs.rows[0][0].i == 20000);
}
