// Hot spots and rebalancing: the plan (topology::plan_rebalance) on synthetic loads, and the whole
// path on the native cluster (the nodes' counters, the topology report's hot shards, the PRAGMA and
// its job).
#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include "cluster_helpers.h"
#include "topology/reshard.h"

using namespace bd;

namespace {

// `shards` virtual shards dealt round-robin over `nodes` nodes, each covering an equal range.
Topology synthetic(uint32_t nodes, uint32_t shards) {
  Topology t;
  t.nodes = nodes;
  uint64_t width = UINT64_MAX / shards;
  for (uint32_t i = 0; i < shards; i++) t.vshards.push_back({i, i * width, i + 1 == shards ? UINT64_MAX : (i + 1) * width - 1, i % nodes});
  return t;
}

double max_over_mean(const std::vector<uint64_t>& load) {
  double total = std::accumulate(load.begin(), load.end(), 0.0);
  return *std::max_element(load.begin(), load.end()) / (total / load.size());
}

}  // namespace

TEST_CASE("rebalance plan: moves even out a skewed load", "[rebalance]") {
  Topology t = synthetic(8, 256);
  std::map<uint32_t, uint64_t> load;
  // Zipf-like: shard i gets 10000 / (i + 2) requests (shard 0 alone is 10% of the total).
  for (uint32_t i = 0; i < 256; i++) load[i] = 10000 / (i + 2);
  auto plan = topology::plan_rebalance(t, load);
  INFO("before " << max_over_mean(plan.node_load_before) << ", after " << max_over_mean(plan.node_load_after));
  CHECK(max_over_mean(plan.node_load_before) > 1.4);
  CHECK(max_over_mean(plan.node_load_after) <= 1.1);
  CHECK(!plan.moves.empty());
  CHECK(plan.moves.size() <= 64);
  for (auto& m : plan.moves) {
    CHECK(m.from != m.to);
    CHECK(t.vshards[m.vshard].node == m.from);
  }
}

TEST_CASE("rebalance plan: a shard hotter than a node's share is split, balanced loads stay", "[rebalance]") {
  Topology t = synthetic(4, 16);
  std::map<uint32_t, uint64_t> load;
  for (uint32_t i = 0; i < 16; i++) load[i] = 10;
  auto balanced = topology::plan_rebalance(t, load);
  CHECK(balanced.moves.empty());
  CHECK(balanced.splits.empty());
  load[5] = 1000;  // more than the mean per node (1150 / 4) on its own
  auto hot = topology::plan_rebalance(t, load);
  REQUIRE(hot.splits.size() == 1);
  CHECK(hot.splits[0] == 5);
  for (auto& m : hot.moves) CHECK(m.vshard != 5);
  CHECK(topology::plan_rebalance(t, {}).moves.empty());  // nothing measured: nothing to do
}

namespace {

std::string topology_json(native::Cluster& c) {
  int t = c.begin(0, "", {}, bd::RequestMode::Topology);
  while (!c.advance(t)) {
  }
  auto r = c.finish(t);
  if (!r.ok()) FAIL(r.error().message);
  return r->meta_json;
}

// The number after `"key":` at or after `from` in `json` (-1 if absent).
int64_t number_after(const std::string& json, const std::string& key, size_t from = 0) {
  size_t p = json.find("\"" + key + "\":", from);
  return p == std::string::npos ? -1 : std::atoll(json.c_str() + p + key.size() + 3);
}

}  // namespace

TEST_CASE("hot spots: nodes count requests per virtual shard, the report shows the hottest, the PRAGMA splits and moves it apart",
          "[rebalance]") {
  auto c = testing::cluster(4, "hot");
  testing::run(*c, "CREATE TABLE kv (id INTEGER PRIMARY KEY, v TEXT)");
  std::string insert = "INSERT INTO kv (id, v) VALUES ";
  for (int i = 1; i <= 400; i++) insert += (i > 1 ? ", (" : "(") + std::to_string(i) + ", 'v" + std::to_string(i) + "')";
  testing::run(*c, insert);
  for (int i = 0; i < 600; i++) testing::run(*c, "SELECT v FROM kv WHERE id = ?", {Value::integer(7)});
  for (int i = 1; i <= 400; i++) testing::run(*c, "UPDATE kv SET v = v || '!' WHERE id = ?", {Value::integer(i)});

  std::string json = topology_json(*c);
  INFO(json.substr(json.find("\"hotShards\""), 400));
  size_t hot = json.find("\"hotShards\":[{");
  REQUIRE(hot != std::string::npos);
  int64_t hot_vshard = number_after(json, "vshard", hot);
  int64_t hot_node = number_after(json, "node", hot);
  // id 7's shard: 600 reads, its own update and the insert, far ahead of any other.
  CHECK(number_after(json, "requests", hot) >= 601);
  CHECK(number_after(json, "permille", hot) >= 500);
  CHECK(json.find("\"scatterRequests\":") != std::string::npos);

  auto plan = testing::run(*c, "PRAGMA bigdaddy_rebalance = 'plan'");
  REQUIRE(plan.rs.columns == std::vector<std::string>{"action", "vshard", "from_node", "to_node", "requests"});
  REQUIRE(!plan.rs.rows.empty());
  // More than a node's fair share on its own: it splits (same node); other shards leave its node.
  CHECK(plan.rs.rows[0][0].s == "split");
  CHECK(plan.rs.rows[0][1].i == hot_vshard);
  for (size_t i = 1; i < plan.rs.rows.size(); i++) {
    CHECK(plan.rs.rows[i][0].s == "move");
    CHECK(plan.rs.rows[i][1].i != hot_vshard);
    CHECK(plan.rs.rows[i][2].i == hot_node);
  }
  // 'plan' changed nothing: the counters are still there.
  CHECK(number_after(topology_json(*c), "requests", topology_json(*c).find("\"hotShards\":[{")) >= 601);

  auto applied = testing::run(*c, "PRAGMA bigdaddy_rebalance");
  CHECK(applied.rs.rows.size() == plan.rs.rows.size());
  auto job = c->run_resize();
  REQUIRE(job.ok());
  CHECK(job->find("\"phase\":\"done\"") != std::string::npos);
  // Every row is where the topology says and answers as before; the split added one shard; the
  // counters started again.
  auto all = testing::run(*c, "SELECT count(*), sum(length(v)) FROM kv");
  CHECK(all.rs.rows[0][0].i == 400);
  for (int i = 1; i <= 400; i += 37) {
    auto r = testing::run(*c, "SELECT v FROM kv WHERE id = ?", {Value::integer(i)});
    REQUIRE(r.rs.rows.size() == 1);
    CHECK(r.rs.rows[0][0].s == "v" + std::to_string(i) + "!");
  }
  std::string after = topology_json(*c);
  size_t shards = 0;
  for (size_t p = 0; (p = after.find("\"lo\":", p)) != std::string::npos; p++) shards++;
  CHECK(shards == 257);
  size_t hot_after = after.find("\"hotShards\":[{");
  CHECK((hot_after == std::string::npos || number_after(after, "requests", hot_after) < 50));
  // The moved shards left the hot node.
  for (size_t i = 1; i < plan.rs.rows.size(); i++) {
    size_t at = after.find("{\"requests\":");
    bool found = false;
    for (; at != std::string::npos; at = after.find("{\"requests\":", at + 1))
      if (number_after(after, "id", at) == plan.rs.rows[i][1].i) {
        found = true;
        CHECK(number_after(after, "node", at) == plan.rs.rows[i][3].i);
        break;
      }
    CHECK(found);
  }
  // A rebalance during a resize is refused with the reason.
  testing::run(*c, "PRAGMA bigdaddy_resize = 5");
  auto refused = c->execute("PRAGMA bigdaddy_rebalance");
  REQUIRE(!refused.ok());
  CHECK(refused.error().message.find("a resize is in progress") != std::string::npos);
  REQUIRE(c->run_resize().ok());
}
