#include "conductor/lookup_index.h"
#include "base/limits.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <map>
#include "planner/analysis.h"
#include "planner/shard_sql.h"

namespace bd {
namespace {

constexpr int64_t kBackfillRows = 5000;  // rows of each node read per round when an index is built

std::string vcol(size_t i) { return "v" + std::to_string(i + 1); }

// Keyspace ids are read back as text (planner::index_probe): a Durable Object's SQL API returns
// integers as JavaScript numbers, exact only to 2^53.
uint64_t ksid_of(const Value& v) {
  if (v.type == ValueType::Integer) return static_cast<uint64_t>(v.i);
  return static_cast<uint64_t>(std::strtoll(v.s.c_str(), nullptr, 10));
}

// A node's UNIQUE failure on the entries' table, in the user's words (unique_violation).
Error unique_error(const TableInfo& index, const Error& e) {
  if (e.message.find("UNIQUE constraint failed") == std::string::npos) return e;
  return unique_violation(index);
}

// The locks of a request to an index's entries: the entries' keys.
std::vector<storage::LockSpec> entry_locks(const TableInfo& index, bool write, const std::vector<Value>& first_values) {
  storage::LockSpec spec{lookup_table_name(index.name), write, {}};
  for (auto& v : first_values) spec.ksids.push_back(index.entry_ksid(v));
  return {spec};
}

}  // namespace

Error unique_violation(const TableInfo& index) {
  std::string msg = "UNIQUE constraint failed: ";
  for (size_t i = 0; i < index.columns.size(); i++) msg += (i ? ", " : "") + index.base_table + "." + index.columns[i].name;
  bool pk = iequals(index.name, global_pk_name(index.base_table));
  return Error::sql(msg).with_code(pk ? "SQLITE_CONSTRAINT_PRIMARYKEY" : "SQLITE_CONSTRAINT_UNIQUE");
}

std::vector<storage::Statement> chunked_inserts(const std::string& table, const std::vector<std::string>& cols, std::vector<Row> rows,
                                                const char* verb) {
  std::vector<storage::Statement> out;
  size_t per = std::max<size_t>(1, limits::kMaxBoundParameters / cols.size());
  for (size_t i = 0; i < rows.size(); i += per) {
    std::string sql = std::string(verb) + " INTO " + quoted_identifier(table) + "(";
    for (size_t c = 0; c < cols.size(); c++) sql += (c ? "," : "") + quoted_identifier(cols[c]);
    sql += ") VALUES ";
    std::vector<Value> params;
    for (size_t r = i; r < std::min(rows.size(), i + per); r++) {
      sql += r > i ? ",(" : "(";
      for (size_t c = 0; c < cols.size(); c++) sql += c ? ",?" : "?";
      sql += ")";
      for (auto& v : rows[r]) params.push_back(std::move(v));
    }
    out.push_back({sql, std::move(params), true});
  }
  return out;
}

std::vector<std::string> lookup_table_columns(const TableInfo& index) {
  std::vector<std::string> cols;
  for (size_t i = 0; i < index.columns.size(); i++) cols.push_back(vcol(i));
  cols.push_back("ksid");
  cols.push_back(std::string(kKsidColumn));
  return cols;
}

std::vector<std::string> lookup_table_ddl(const TableInfo& index) {
  std::string name = quoted_identifier(lookup_table_name(index.name));
  std::string cols, keys;
  for (size_t i = 0; i < index.columns.size(); i++) {
    // The indexed column's type and collation: entries compare (UNIQUE, probes) as its values do.
    const ColumnInfo& c = index.columns[i];
    cols += quoted_identifier(vcol(i)) + (c.decl_type.empty() ? "" : " " + c.decl_type);
    if (!c.collation.empty() && !iequals(c.collation, "BINARY")) cols += " COLLATE " + c.collation;
    cols += ", ";
    keys += (i ? ", " : "") + quoted_identifier(vcol(i));
  }
  std::vector<std::string> ddl;
  if (index.unique) {
    ddl.push_back("CREATE TABLE " + name + " (" + cols + "ksid INTEGER NOT NULL, " + std::string(kKsidColumn) + " INTEGER, UNIQUE (" +
                  keys + "))");
  } else {
    ddl.push_back("CREATE TABLE " + name + " (" + cols + "ksid INTEGER NOT NULL, " + std::string(kKsidColumn) + " INTEGER)");
    ddl.push_back("CREATE INDEX " + quoted_identifier(lookup_table_name(index.name) + "_v") + " ON " + name + " (" + keys + ", ksid)");
  }
  return ddl;
}

Task<Status> add_index_entries(Exec& x, const TableInfo& index, std::vector<IndexedRow> rows) {
  std::map<uint32_t, std::vector<Row>> per_node;
  std::map<uint32_t, std::vector<uint32_t>> node_vshards;  // entries name their virtual shards
  for (auto& r : rows) {
    uint64_t entry_ksid = index.entry_ksid(r.values[0]);
    Row row = std::move(r.values);
    row.push_back(Value::integer(static_cast<int64_t>(r.ksid)));
    row.push_back(Value::integer(static_cast<int64_t>(entry_ksid)));
    const VShard& vs = x.topo->vshard_for(entry_ksid);
    auto& named = node_vshards[vs.node];
    if (std::find(named.begin(), named.end(), vs.id) == named.end()) named.push_back(vs.id);
    per_node[vs.node].push_back(std::move(row));
  }
  std::vector<std::string> cols = lookup_table_columns(index);
  std::vector<NodeRequest> reqs;
  for (auto& [node, node_rows] : per_node) {
    std::vector<Value> firsts;
    for (auto& row : node_rows) firsts.push_back(row[0]);
    reqs.push_back({node, x.request(chunked_inserts(lookup_table_name(index.name), cols, std::move(node_rows)), node_vshards[node])});
    reqs.back().request.footprint = entry_locks(index, true, firsts);
  }
  if (reqs.empty()) co_return ok_status();
  auto r = co_await fan_out(x.s, std::move(reqs));
  if (!r.ok()) co_return unique_error(index, r.error());
  co_return ok_status();
}

Task<Status> remove_index_entries(Exec& x, const TableInfo& index, std::vector<IndexedRow> rows) {
  std::map<uint32_t, std::vector<storage::Statement>> per_node;
  std::string table = quoted_identifier(lookup_table_name(index.name));
  std::string where;
  for (size_t i = 0; i < index.columns.size(); i++) where += quoted_identifier(vcol(i)) + " IS ? AND ";
  where += "ksid = ?";
  // One entry per row: rows that share values and keyspace id have one entry each.
  std::string sql = "DELETE FROM " + table + " WHERE rowid = (SELECT rowid FROM " + table + " WHERE " + where + " LIMIT 1)";
  std::map<uint32_t, std::vector<uint32_t>> node_vshards;
  std::map<uint32_t, std::vector<Value>> firsts;
  for (auto& r : rows) {
    uint64_t entry_ksid = index.entry_ksid(r.values[0]);
    std::vector<Value> params = std::move(r.values);
    firsts[x.topo->vshard_for(entry_ksid).node].push_back(params[0]);
    params.push_back(Value::integer(static_cast<int64_t>(r.ksid)));
    const VShard& vs = x.topo->vshard_for(entry_ksid);
    auto& named = node_vshards[vs.node];
    if (std::find(named.begin(), named.end(), vs.id) == named.end()) named.push_back(vs.id);
    per_node[vs.node].push_back({sql, std::move(params), true});
  }
  std::vector<NodeRequest> reqs;
  for (auto& [node, stmts] : per_node) {
    reqs.push_back({node, x.request(std::move(stmts), node_vshards[node])});
    reqs.back().request.footprint = entry_locks(index, true, firsts[node]);
  }
  if (reqs.empty()) co_return ok_status();
  auto r = co_await fan_out(x.s, std::move(reqs));
  if (!r.ok()) co_return r.error();
  co_return ok_status();
}

Task<Result<std::optional<std::vector<uint32_t>>>> route_by_index(Exec& x, const TableInfo& t, const sql::Expr* where,
                                                                  const std::string& alias) {
  if (!where) co_return std::optional<std::vector<uint32_t>>{};
  for (auto* index : x.topo->indexes_of(t.name)) {
    // Pins on the index's first column, found as if it were the shard key.
    TableInfo probe = t;
    probe.kind = TableKind::Sharded;
    probe.shard_key = t.column_index(index->columns[0].name);
    if (probe.shard_key < 0) continue;
    auto pins = planner::shard_key_pins(where, probe, alias, x.params);
    if (!pins) continue;
    std::map<uint32_t, std::vector<Value>> per_node;
    std::map<uint32_t, std::vector<uint32_t>> node_vshards;  // the index's shards it reads (counted per shard on the node)
    for (auto& v : *pins) {
      const VShard& vs = x.topo->vshard_for(index->entry_ksid(v));
      per_node[vs.node].push_back(v);
      auto& named = node_vshards[vs.node];
      if (std::find(named.begin(), named.end(), vs.id) == named.end()) named.push_back(vs.id);
    }
    std::vector<NodeRequest> reqs;
    for (auto& [node, values] : per_node) {
      planner::IndexProbe probe = planner::index_probe(*index, values);
      reqs.push_back({node, x.request(one_statement(probe.sql, std::move(probe.params), false), node_vshards[node])});
      reqs.back().request.footprint = entry_locks(*index, false, values);
    }
    auto resp = co_await fan_out(x.s, std::move(reqs));
    if (!resp.ok()) co_return resp.error();
    std::vector<uint32_t> nodes;
    for (auto& r : *resp)
      for (auto& row : r.results[0].rows) {
        uint32_t n = x.topo->vshard_for(ksid_of(row[0])).node;
        if (std::find(nodes.begin(), nodes.end(), n) == nodes.end()) nodes.push_back(n);
      }
    co_return std::optional<std::vector<uint32_t>>(std::move(nodes));
  }
  co_return std::optional<std::vector<uint32_t>>{};
}

Task<Status> build_lookup_index(Exec& x, const TableInfo& table, const TableInfo& index) {
  std::vector<storage::Statement> ddl;
  for (auto& q : lookup_table_ddl(index)) ddl.push_back({q, {}, true});
  std::vector<NodeRequest> creates;
  for (auto n : x.all_nodes()) creates.push_back({n, x.request(ddl)});
  auto c = co_await fan_out(x.s, std::move(creates));
  if (!c.ok()) co_return c.error();
  // Backfill from the rows that exist now, a bounded page of each node's rows per round (in rowid
  // order), so that neither the conductor nor a node holds a large table's entries at once.
  std::string sql = "SELECT ";
  for (auto& col : index.columns) sql += quoted_identifier(col.name) + ", ";
  sql += "CAST(" + std::string(kKsidColumn) + " AS TEXT)";
  const bool paged = !table.without_rowid;
  if (paged) sql += ", rowid";
  sql += " FROM " + quoted_identifier(table.name);
  if (paged) sql += " WHERE rowid >= ?1 ORDER BY rowid LIMIT " + std::to_string(kBackfillRows);
  // Per node still being read: the first rowid not read yet (inclusive, so that a row whose rowid
  // is the smallest integer is read too).
  std::map<uint32_t, int64_t> after;
  for (auto n : x.all_nodes()) after[n] = std::numeric_limits<int64_t>::min();
  while (!after.empty()) {
    std::vector<NodeRequest> reads;
    for (auto& [n, last] : after) {
      std::vector<Value> params;
      if (paged) params.push_back(Value::integer(last));
      reads.push_back({n, x.request(one_statement(sql, std::move(params), false))});
    }
    auto rows = co_await fan_out(x.s, std::move(reads));
    if (!rows.ok()) co_return rows.error();
    std::vector<IndexedRow> entries;
    size_t i = 0;
    for (auto it = after.begin(); it != after.end(); i++) {
      auto& got = (*rows)[i].results[0].rows;
      for (auto& row : got) {
        IndexedRow e;
        e.ksid = ksid_of(row[index.columns.size()]);
        e.values.assign(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(index.columns.size()));
        entries.push_back(std::move(e));
      }
      if (paged && got.size() == static_cast<size_t>(kBackfillRows) && got.back().back().i < std::numeric_limits<int64_t>::max()) {
        it->second = got.back().back().i + 1;
        ++it;
      } else {
        it = after.erase(it);
      }
    }
    if (auto s = co_await add_index_entries(x, index, std::move(entries)); !s.ok()) co_return s;
  }
  co_return ok_status();
}

}  // namespace bd
