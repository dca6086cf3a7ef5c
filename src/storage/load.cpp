#include "storage/load.h"

#include <vector>

namespace bd::storage {
namespace {

struct NodeLoad {
  std::vector<uint64_t> vshards;  // requests per virtual shard id
  uint64_t scatter = 0, total = 0;
};

NodeLoad* node_load(SqlHost& sql) {
  auto* slot = sql.object_memory();
  if (!slot) return nullptr;
  if (!*slot) *slot = std::make_shared<NodeLoad>();
  return static_cast<NodeLoad*>(slot->get());
}

// Virtual shard ids grow past 256 only by splits; a corrupt id must not make the counters huge.
constexpr uint32_t kMaxVShardId = 1u << 20;

}  // namespace

void count_request(SqlHost& sql, const Request& req) {
  if (req.admin || req.check_only) return;
  NodeLoad* load = node_load(sql);
  if (!load) return;
  load->total++;
  if (req.vshards.empty()) {
    load->scatter++;
    return;
  }
  for (uint32_t v : req.vshards) {
    if (v >= kMaxVShardId) continue;
    if (load->vshards.size() <= v) load->vshards.resize(v + 1);
    load->vshards[v]++;
  }
}

void report_load(SqlHost& sql, Response& resp, bool reset) {
  NodeLoad* load = node_load(sql);
  if (!load) return;
  resp.has_load = true;
  for (uint32_t v = 0; v < load->vshards.size(); v++)
    if (load->vshards[v]) resp.load.vshards.emplace_back(v, load->vshards[v]);
  resp.load.scatter = load->scatter;
  resp.load.total = load->total;
  if (reset) *load = NodeLoad{};
}

}  // namespace bd::storage
