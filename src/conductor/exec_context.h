// Shared state of one statement's execution (internal to the conductor's executor files).
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include "conductor/combine.h"
#include "conductor/io.h"
#include "sql/ast.h"

namespace bd {

struct Exec {
  Conductor& c;
  Session& s;
  std::shared_ptr<const Topology> topo;
  const std::vector<Value>& params;
  uint32_t nodes_if_create;
  std::string plan = "none";
  std::unique_ptr<CombineDb> scratch;  // for evaluating constant expressions
  std::string_view source;             // the statement as the user wrote it
  // DDL: the logical schema once the statement has run (introspection.h), recorded with the
  // statement's catalog change.
  std::optional<std::vector<SchemaRow>> new_schema;
  std::unique_ptr<CombineDb> next_mirror;  // the schema mirror with the statement applied
  bool schema_recorded = false;
  int fk_depth = 0;  // foreign key actions (CASCADE, SET NULL, SET DEFAULT) this statement runs inside

  uint32_t node_of(const Value& key) const { return topo->vshard_for(keyspace_id(key)).node; }
  // The node owning rows of `t` whose shard key is `key` (the key's collation applies).
  uint32_t node_of(const TableInfo& t, const Value& key) const { return topo->vshard_for(t.key_ksid(key)).node; }
  std::vector<uint32_t> all_nodes() const {
    std::vector<uint32_t> n(topo->nodes);
    for (uint32_t i = 0; i < topo->nodes; i++) n[i] = i;
    return n;
  }
  // The virtual shard holding rows of `t` whose shard key is `key`.
  uint32_t vshard_of(const TableInfo& t, const Value& key) const { return topo->vshard_for(t.key_ksid(key)).id; }
  // A request planned on this topology; `vshards`: the virtual shards it is routed by (empty: a
  // scatter over everything the node owns).
  storage::Request request(std::vector<storage::Statement> stmts, std::vector<uint32_t> vshards = {}) const {
    storage::Request r;
    r.epoch = topo->epoch;
    r.catalog_version = topo->version;
    r.statements = std::move(stmts);
    r.vshards = std::move(vshards);
    return r;
  }
  // Re-reads the topology (after this isolate's cache proved stale or the catalog changed).
  Task<Status> refresh();
};

// Builders used instead of braced lists inside co_await expressions (GCC 12 miscompiles those).
inline std::vector<storage::Statement> one_statement(std::string sql, std::vector<Value> params = {}, bool write = true) {
  std::vector<storage::Statement> v;
  v.push_back({std::move(sql), std::move(params), write});
  return v;
}
inline std::vector<NodeRequest> one_request(uint32_t node, storage::Request r) {
  std::vector<NodeRequest> v;
  v.push_back({node, std::move(r)});
  return v;
}

Result<Value> evaluate_constant(Exec& x, const sql::Expr& e);
Task<Result<QueryOutput>> run_select(Exec& x, const sql::Select& sel);
Task<Result<QueryOutput>> run_write_or_ddl(Exec& x, const sql::Stmt& st);
// A trigger whose body writes to a table that is not a reference table (its rows may be on other
// nodes): it lives in the catalog only and the conductor runs it (conductor/write.cpp).
bool trigger_writes_elsewhere(const Topology& topo, const sql::CreateTrigger& tr);

}  // namespace bd
