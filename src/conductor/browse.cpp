#include "conductor/browse.h"

#include "base/json.h"
#include "conductor/executor.h"
#include "conductor/io.h"
#include "planner/shard_sql.h"
#include "value/text.h"

namespace bd {

Task<Result<QueryOutput>> browse_table(Conductor& c, Session& s, QueryInput input) {
  if (input.params.size() != 4) co_return Error::internal("browse needs [sort column, descending, limit, offset]");
  const Value& sort = input.params[0];
  bool desc = input.params[1].type == ValueType::Integer && input.params[1].i != 0;
  int64_t limit = input.params[2].i, offset = input.params[3].i;
  if (input.params[2].type != ValueType::Integer || limit < 1 || limit > 1000)
    co_return Error::sql("browse: the page size must be from 1 to 1000 rows");
  if (input.params[3].type != ValueType::Integer || offset < 0) co_return Error::sql("browse: the offset must be 0 or more");
  auto topo = co_await load_topology(c, s, 0, false);
  if (!topo.ok()) co_return topo.error();
  const TableInfo* t = (*topo)->find_table(input.sql);
  if (!t) co_return Error::sql("no such table: " + input.sql);
  std::string name = t->name;
  TableKind kind = t->kind;
  int shard_key = t->shard_key;
  bool rowid_key = kind == TableKind::Sharded && shard_key < 0 && !t->without_rowid;
  std::string key_collation = shard_key >= 0 ? t->columns[shard_key].collation : std::string();
  Affinity key_affinity = shard_key >= 0 ? t->columns[shard_key].affinity : Affinity::Integer;

  std::string order;
  if (sort.type == ValueType::Text) {
    if (t->kind != TableKind::View && t->column_index(sort.s) < 0) co_return Error::sql("no such column: " + sort.s);
    order = quoted_identifier(sort.s) + (desc ? " DESC" : "");
  }
  // Ties broken by the shard key (or the rowid), so that pages do not overlap.
  std::string tie = shard_key >= 0 ? quoted_identifier(t->columns[shard_key].name) : rowid_key ? "rowid" : "";
  if (!tie.empty() && !(sort.type == ValueType::Text && shard_key >= 0 && iequals(sort.s, t->columns[shard_key].name)))
    order += (order.empty() ? "" : ", ") + tie;
  QueryInput q;
  q.database = input.database;
  q.sql = "SELECT *" + std::string(rowid_key ? ", rowid" : "") + " FROM " + quoted_identifier(name) +
          (order.empty() ? "" : " ORDER BY " + order) + " LIMIT ? OFFSET ?";
  q.params = {Value::integer(limit), Value::integer(offset)};
  q.nodes = 0;
  auto r = co_await run_request(c, s, std::move(q));
  if (!r.ok()) co_return r.error();
  // The node of each row: where its shard key's keyspace id is placed now.
  auto now = c.cached(input.database);
  int key_col = -1;
  if (rowid_key)
    key_col = static_cast<int>(r->rs.columns.size()) - 1;
  else if (shard_key >= 0)
    for (size_t i = 0; i < r->rs.columns.size(); i++)
      if (iequals(r->rs.columns[i], t->columns[shard_key].name)) key_col = static_cast<int>(i);
  JsonWriter nodes;
  nodes.begin_array();
  for (auto& row : r->rs.rows) {
    if (kind != TableKind::Sharded || key_col < 0 || !now) {
      nodes.null();
      continue;
    }
    Value key = apply_affinity(row[key_col], key_affinity);
    uint64_t ksid = shard_key >= 0 ? keyspace_id(key, key_collation) : keyspace_id(key);
    nodes.unum(now->vshard_for(ksid).node);
  }
  nodes.end_array();
  if (rowid_key) {
    r->rs.columns.pop_back();
    for (auto& row : r->rs.rows) row.pop_back();
  }
  std::string meta = r->meta_json.empty() ? std::string("{}") : r->meta_json;
  meta.pop_back();
  meta += std::string(meta.size() > 1 ? "," : "") + "\"rowNodes\":" + nodes.take() + ",\"kind\":\"" +
          (kind == TableKind::Reference ? "reference"
           : kind == TableKind::View    ? "view"
                                        : "sharded") +
          "\"}";
  r->meta_json = std::move(meta);
  co_return std::move(*r);
}

}  // namespace bd
