#include "conductor/report.h"

#include "base/json.h"
#include "conductor/io.h"
#include "planner/shard_sql.h"

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
  auto topo_r = co_await load_topology(c, s, nodes_if_create, /*refresh=*/true);
  if (!topo_r.ok()) co_return topo_r.error();
  auto topo = *topo_r;

  // Row counts per table per node: one request per node, one count(*) per table.
  std::vector<NodeRequest> reqs;
  for (uint32_t n = 0; n < topo->nodes; n++) {
    NodeRequest nr;
    nr.node = n;
    nr.request.epoch = topo->epoch;
    nr.request.catalog_version = topo->version;
    for (auto& t : topo->tables) nr.request.statements.push_back({"SELECT count(*) FROM " + planner::quote_ident(t.name), {}, false});
    reqs.push_back(std::move(nr));
  }
  std::vector<storage::Response> counts;
  if (!topo->tables.empty()) {
    auto r = co_await fan_out(s, std::move(reqs));
    if (!r.ok()) co_return r.error();
    counts = std::move(*r);
  }

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
    for (size_t t = 0; t < topo->tables.size(); t++) {
      int64_t rows = counts.empty() ? 0 : counts[n].results[t].rows[0][0].i;
      total += rows;
      j.key(topo->tables[t].name).begin_object().key("rows").num(rows).end_object();
    }
    j.end_object();
    j.key("rows").num(total);
    j.end_object();
  }
  j.end_array();
  j.key("tables").begin_array();
  for (auto& t : topo->tables) {
    j.begin_object();
    j.key("name").str(t.name);
    j.key("kind").str(t.kind == TableKind::Reference ? "reference" : "sharded");
    if (t.kind == TableKind::Reference) j.key("shardKey").null();
    else if (t.shard_key < 0) j.key("shardKey").str("rowid");
    else j.key("shardKey").str(t.columns[t.shard_key].name);
    j.key("columns").begin_array();
    for (auto& col : t.columns)
      j.begin_object().key("name").str(col.name).key("type").str(col.decl_type).key("affinity").str(affinity_name(col.affinity)).end_object();
    j.end_array();
    j.key("sql").str(t.create_sql);
    j.end_object();
  }
  j.end_array();
  j.key("vshards").begin_array();
  for (auto& v : topo->vshards)
    j.begin_object().key("id").unum(v.id).key("lo").ustr(v.lo).key("hi").ustr(v.hi).key("node").unum(v.node).key("status").str("serving").end_object();
  j.end_array();
  j.key("indexes").begin_array().end_array();
  j.key("jobs").begin_array().end_array();
  j.end_object();

  QueryOutput out;
  out.meta_json = j.take();
  co_return out;
}

}  // namespace bd
