#include "topology/reshard.h"

#include <algorithm>
#include <map>
#include "base/json.h"

namespace bd::topology {

const char* phase_name(Phase p) {
  switch (p) {
    case Phase::Join: return "join";
    case Phase::Capture: return "capture";
    case Phase::Copy: return "copy";
    case Phase::CatchUp: return "catch-up";
    case Phase::Fence: return "fence";
    case Phase::FinalCatchUp: return "final-catch-up";
    case Phase::Activate: return "activate";
    case Phase::Cleanup: return "cleanup";
    case Phase::Switch: return "switch";
    case Phase::Finish: return "finish";
    case Phase::Done: return "done";
    case Phase::Abort: return "abort";
    case Phase::Cancelled: return "cancelled";
  }
  return "unknown";
}

std::vector<Move> ReshardJob::wave() const {
  uint32_t b = std::min<uint32_t>(wave_begin, moves.size()), e = std::min<uint32_t>(std::max(wave_end, b), moves.size());
  return std::vector<Move>(moves.begin() + b, moves.begin() + e);
}

uint32_t ReshardJob::waves() const {
  uint32_t per = std::max<uint32_t>(1, wave_size);
  return moves.empty() ? 0 : static_cast<uint32_t>((moves.size() + per - 1) / per);
}

namespace {
// The distinct nodes on one side (Move::from or Move::to) of a wave's moves, sorted.
std::vector<uint32_t> wave_nodes(const std::vector<Move>& wave, uint32_t Move::*side) {
  std::vector<uint32_t> out;
  for (auto& m : wave) out.push_back(m.*side);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}
}  // namespace

RebalancePlan plan_rebalance(const Topology& topo, const std::map<uint32_t, uint64_t>& load, double tolerance, size_t max_moves) {
  RebalancePlan plan;
  uint32_t n = topo.nodes;
  if (n == 0) return plan;
  plan.node_load_before.assign(n, 0);
  struct Shard {
    uint32_t id, node;
    uint64_t load;
    bool fixed;  // split, or already moved: stays where it is in this plan
  };
  std::vector<Shard> shards;
  uint64_t total = 0;
  for (auto& v : topo.vshards) {
    if (v.node >= n) continue;
    auto it = load.find(v.id);
    uint64_t l = it == load.end() ? 0 : it->second;
    shards.push_back({v.id, v.node, l, false});
    plan.node_load_before[v.node] += l;
    total += l;
  }
  plan.node_load_after = plan.node_load_before;
  if (total == 0 || n == 1) return plan;
  double mean = static_cast<double>(total) / n;
  for (auto& sh : shards) {
    const VShard* v = nullptr;
    for (auto& x : topo.vshards)
      if (x.id == sh.id) v = &x;
    if (static_cast<double>(sh.load) > mean && v && v->hi > v->lo) {
      plan.splits.push_back(sh.id);
      sh.fixed = true;
    }
  }
  auto& node_load = plan.node_load_after;
  while (plan.moves.size() < max_moves) {
    uint32_t hot = 0, cold = 0;
    for (uint32_t i = 1; i < n; i++) {
      if (node_load[i] > node_load[hot]) hot = i;
      if (node_load[i] < node_load[cold]) cold = i;
    }
    if (static_cast<double>(node_load[hot]) <= mean * (1 + tolerance)) break;
    uint64_t gap = node_load[hot] - node_load[cold];
    Shard* best = nullptr;
    for (auto& sh : shards) {
      if (sh.node != hot || sh.fixed || sh.load == 0 || sh.load >= gap) continue;
      auto off = [&](const Shard& x) { return x.load * 2 > gap ? x.load * 2 - gap : gap - x.load * 2; };
      if (!best || off(sh) < off(*best)) best = &sh;
    }
    if (!best) break;
    plan.moves.push_back({best->id, hot, cold});
    node_load[hot] -= best->load;
    node_load[cold] += best->load;
    best->node = cold;
    best->fixed = true;
  }
  return plan;
}

std::vector<uint32_t> ReshardJob::sources() const { return wave_nodes(wave(), &Move::from); }
std::vector<uint32_t> ReshardJob::targets() const { return wave_nodes(wave(), &Move::to); }

void ReshardJob::encode(wire::Writer& w) const {
  w.u32(2);  // record format
  w.i64(static_cast<int64_t>(id));
  w.i64(static_cast<int64_t>(rev));
  w.u32(from_nodes);
  w.u32(to_nodes);
  w.u8(static_cast<uint8_t>(phase));
  w.u32(static_cast<uint32_t>(moves.size()));
  for (auto& m : moves) {
    w.u32(m.vshard);
    w.u32(m.from);
    w.u32(m.to);
  }
  w.u32(wave_begin);
  w.u32(wave_end);
  w.u32(wave_size);
  w.u32(static_cast<uint32_t>(cursors.size()));
  for (auto& c : cursors) {
    w.u32(c.source);
    w.str(c.table);
    w.i64(c.after);
    w.u8(c.done);
  }
  w.u32(static_cast<uint32_t>(log_applied.size()));
  for (auto v : log_applied) w.i64(v);
  w.i64(static_cast<int64_t>(rows_total));
  w.i64(static_cast<int64_t>(rows_copied));
  w.i64(static_cast<int64_t>(changes_replayed));
  w.u32(catchup_rounds);
  w.i64(static_cast<int64_t>(catalog_version));
  w.u8(cancel_requested);
  w.str(last_error);
  w.u32(failures);
}

Result<ReshardJob> ReshardJob::decode(wire::Reader& r) {
  ReshardJob j;
  if (r.u32() != 2) return Error::internal("unknown resize job record format");
  j.id = static_cast<uint64_t>(r.i64());
  j.rev = static_cast<uint64_t>(r.i64());
  j.from_nodes = r.u32();
  j.to_nodes = r.u32();
  j.phase = static_cast<Phase>(r.u8());
  uint32_t nm = r.count();
  for (uint32_t i = 0; i < nm && r.ok(); i++) {
    Move m;
    m.vshard = r.u32();
    m.from = r.u32();
    m.to = r.u32();
    j.moves.push_back(m);
  }
  j.wave_begin = r.u32();
  j.wave_end = r.u32();
  j.wave_size = r.u32();
  uint32_t nc = r.count();
  for (uint32_t i = 0; i < nc && r.ok(); i++) {
    Cursor c;
    c.source = r.u32();
    c.table = r.str();
    c.after = r.i64();
    c.done = r.u8() != 0;
    j.cursors.push_back(std::move(c));
  }
  uint32_t nl = r.count();
  for (uint32_t i = 0; i < nl && r.ok(); i++) j.log_applied.push_back(r.i64());
  j.rows_total = static_cast<uint64_t>(r.i64());
  j.rows_copied = static_cast<uint64_t>(r.i64());
  j.changes_replayed = static_cast<uint64_t>(r.i64());
  j.catchup_rounds = r.u32();
  j.catalog_version = static_cast<uint64_t>(r.i64());
  j.cancel_requested = r.u8() != 0;
  j.last_error = r.str();
  j.failures = r.u32();
  if (!r.ok() || j.phase > Phase::Cancelled) return Error::internal("corrupt resize job record");
  return j;
}

std::string ReshardJob::json() const {
  JsonWriter j;
  j.begin_object();
  j.key("id").num(static_cast<int64_t>(id));
  j.key("phase").str(phase_name(phase));
  j.key("active").boolean(active());
  j.key("fromNodes").num(static_cast<int64_t>(from_nodes));
  j.key("toNodes").num(static_cast<int64_t>(to_nodes));
  j.key("vshardsMoving").num(static_cast<int64_t>(moves.size()));
  j.key("wave").num(moves.empty() ? 0 : static_cast<int64_t>(wave_begin / std::max<uint32_t>(1, wave_size) + 1));
  j.key("waves").num(static_cast<int64_t>(waves()));
  j.key("rowsTotal").num(static_cast<int64_t>(rows_total));
  j.key("rowsCopied").num(static_cast<int64_t>(rows_copied));
  j.key("changesReplayed").num(static_cast<int64_t>(changes_replayed));
  j.key("cancelRequested").boolean(cancel_requested);
  j.key("failures").num(static_cast<int64_t>(failures));
  if (!last_error.empty()) j.key("lastError").str(last_error);
  j.end_object();
  return j.take();
}

Result<std::vector<Move>> plan_moves(const Topology& topo, uint32_t nodes) {
  // Growing: new nodes start empty. Shrinking: nodes from `nodes` on must give up everything.
  const uint32_t span = std::max(nodes, topo.nodes);
  std::vector<std::vector<uint32_t>> owned(span);
  for (auto& v : topo.vshards) {
    if (v.node >= span) return Error::internal("virtual shard on a node beyond the node count");
    owned[v.node].push_back(v.id);
  }
  const size_t total = topo.vshards.size(), base = total / nodes, extra = total % nodes;
  auto want = [&](uint32_t n) -> size_t { return n >= nodes ? 0 : base + (n < extra ? 1 : 0); };
  std::vector<Move> moves;
  // Surplus shards (the highest ids of each over-full node) go to under-full nodes in order.
  std::vector<std::pair<uint32_t, uint32_t>> surplus;  // (vshard, from)
  for (uint32_t n = 0; n < span; n++) {
    auto& o = owned[n];
    std::sort(o.begin(), o.end());
    while (o.size() > want(n)) {
      surplus.push_back({o.back(), n});
      o.pop_back();
    }
  }
  // Interleave sources so that every target takes from every source.
  std::sort(surplus.begin(), surplus.end(), [](auto& a, auto& b) { return a.first < b.first; });
  size_t k = 0;
  for (uint32_t n = 0; n < nodes && k < surplus.size(); n++)
    while (owned[n].size() < want(n) && k < surplus.size()) {
      moves.push_back({surplus[k].first, surplus[k].second, n});
      owned[n].push_back(surplus[k].first);
      k++;
    }
  return moves;
}

}  // namespace bd::topology
