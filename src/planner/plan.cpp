#include "planner/plan.h"

#include <algorithm>
#include <cmath>

namespace bd::planner {

const char* op_name(OpKind k) {
  switch (k) {
    case OpKind::Shard: return "shard";
    case OpKind::IndexRoute: return "index-route";
    case OpKind::Concat: return "concat";
    case OpKind::CountSum: return "count-sum";
    case OpKind::OrderedMerge: return "ordered-merge";
    case OpKind::Distinct: return "distinct";
    case OpKind::Limit: return "limit";
    case OpKind::GroupMerge: return "group-merge";
    case OpKind::CountDistinct: return "count-distinct";
    case OpKind::Gather: return "gather";
    case OpKind::LookupGather: return "lookup-gather";
    case OpKind::Combine: return "combine";
    case OpKind::Repartition: return "repartition";
  }
  return "?";
}

namespace {

std::string rows_text(double est) {
  if (est < 0) return "";
  return " (est. " + std::to_string(static_cast<long long>(std::llround(est))) + " rows)";
}

void explain_node(const PlanNode& n, int depth, std::vector<Row>& out) {
  for (auto& c : n.children) explain_node(c, depth + 1, out);
  std::string indent(static_cast<size_t>(depth) * 2, ' ');
  if (n.kind == OpKind::Shard) {
    if (n.nodes_at_run_time) {
      bool keys = n.sql.size() >= 4 && n.sql.compare(n.sql.size() - 4, 4, "IN (") == 0;
      out.push_back(
          {Value::text("shard"), Value::null(),
           Value::text(indent + n.sql +
                       (keys ? "<keys>) -- with the keys found, on the nodes that can hold them" : " -- on the nodes the index names"))});
      return;
    }
    for (auto node : n.nodes)
      out.push_back({Value::text("shard"), Value::integer(node), Value::text(indent + n.sql + rows_text(n.est_rows))});
    return;
  }
  std::string text = n.detail;
  if (text.empty()) text = op_name(n.kind);
  if (n.kind == OpKind::Combine && !n.sql.empty()) text += ": " + n.sql;
  out.push_back({Value::text(op_name(n.kind)), Value::null(), Value::text(indent + text + rows_text(n.est_rows))});
}

void collect_nodes(const PlanNode& n, std::vector<uint32_t>& out) {
  if (n.kind == OpKind::Shard)
    for (auto node : n.nodes)
      if (std::find(out.begin(), out.end(), node) == out.end()) out.push_back(node);
  for (auto& c : n.children) collect_nodes(c, out);
}

}  // namespace

std::vector<Row> explain_rows(const Plan& p) {
  std::vector<Row> out;
  explain_node(p.root, 1, out);
  std::string conductor = p.name == "combine" ? "combine engine runs the query over the gathered rows"
                          : p.name == "scatter-merge" || p.name == "route-subset-merge" ? "k-way ordered merge, DISTINCT, OFFSET/LIMIT"
                          : p.name == "scatter-count"                                   ? "sum of the shards' counts"
                          : p.name == "scatter-aggregate"                               ? "partial aggregates merged per group"
                          : p.name == "scatter-count-distinct"                          ? "distinct values merged and counted"
                          : p.name == "lookup"                                          ? "rows from the nodes the global index names"
                          : p.name == "repartition" ? "staged rows joined on every node, merged; staging dropped"
                          : p.name == "scatter" || p.name == "colocated-scatter" || p.name == "route-subset" ? "concatenate shard results"
                                                                                                             : "return the shard's result";
  out.push_back({Value::text(p.name), Value::null(), Value::text(conductor)});
  return out;
}

namespace {

// Round trips of `n`; its reads appended to `reads`.
int cost_of(const PlanNode& n, std::vector<ReadCost>& reads) {
  switch (n.kind) {
    case OpKind::Shard:
    case OpKind::Gather:
    case OpKind::LookupGather:
      reads.push_back({n.kind, n.table, n.nodes_at_run_time ? size_t{1} : n.nodes.size(), n.nodes_at_run_time, n.est_rows});
      return 1;
    case OpKind::IndexRoute: {
      // The probes in one round trip, then the statement on the nodes they name: the one-node
      // child or the several-node one, whichever costs more.
      for (size_t i = 2; i < n.children.size(); i++) cost_of(n.children[i], reads);
      int most = 0;
      for (size_t i = 0; i < 2 && i < n.children.size(); i++) most = std::max(most, cost_of(n.children[i], reads));
      return 1 + most;
    }
    case OpKind::Combine: {
      // Rounds: the gathers, then each lookup gather once the gather it takes its keys from is in.
      std::vector<int> round(n.children.size(), 0);
      int rounds = 0;
      for (size_t i = 0; i < n.children.size(); i++) {
        const PlanNode& g = n.children[i];
        cost_of(g, reads);
        int src = g.lookup ? g.lookup->source : -1;
        round[i] = src >= 0 && static_cast<size_t>(src) < i ? round[src] + 1 : 1;
        rounds = std::max(rounds, round[i]);
      }
      return rounds;
    }
    case OpKind::Repartition: {
      // Create the staging tables; read a page of the source and append it; the query; drop.
      int child = n.children.empty() ? 0 : cost_of(n.children[0], reads);
      if (n.children.size() > 1) cost_of(n.children[1], reads);
      return 1 + 2 + child + 1;
    }
    default: {
      // Merges run on the conductor over their child's rows.
      int most = 0;
      for (auto& c : n.children) most = std::max(most, cost_of(c, reads));
      return most;
    }
  }
}

}  // namespace

PlanCost plan_cost(const PlanNode& root) {
  PlanCost c;
  c.round_trips = cost_of(root, c.reads);
  return c;
}

std::vector<uint32_t> plan_nodes(const PlanNode& n) {
  std::vector<uint32_t> out;
  collect_nodes(n, out);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace bd::planner
