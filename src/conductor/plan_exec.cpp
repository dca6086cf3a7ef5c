#include "conductor/plan_exec.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <map>
#include <unordered_map>
#include "conductor/introspection.h"
#include "conductor/lookup_index.h"
#include "conductor/merge/concat.h"
#include "conductor/merge/distinct.h"
#include "conductor/merge/group_combine.h"
#include "conductor/merge/limit.h"
#include "conductor/merge/ordered_merge.h"
#include "conductor/stream.h"
#include "host/host.h"
#include "planner/lookup_join.h"
#include "storage/staging.h"
#include "planner/params.h"
#include "planner/shard_sql.h"
#include "sql/printer.h"

namespace bd {

using planner::OpKind;
using planner::PlanNode;

planner::PlanEnv plan_env(Exec& x) {
  using LimitPair = std::optional<std::pair<int64_t, int64_t>>;
  return planner::PlanEnv{
      *x.topo,
      x.params,
      [&x](const sql::Expr& e) { return evaluate_constant(x, e); },
      [&x](const sql::Limit& l) -> Result<LimitPair> {
        auto lv = evaluate_constant(x, *l.count);
        Result<Value> ov = l.offset ? evaluate_constant(x, *l.offset) : Result<Value>(Value::integer(0));
        if (!lv.ok() || !ov.ok()) return LimitPair{};
        auto spec = merge::limit_from_values(*lv, l.offset ? &*ov : nullptr);
        if (!spec.ok()) return spec.error();
        return LimitPair(std::make_pair(spec->limit, spec->offset));
      },
      [&x]() -> std::string { return staging_table_name(x); },
      [&x](const TableInfo& t) { return x.c.table_rows(x.s.database(), t.name, x.topo->version, bd::clock().now_ms()); },
      gather_small_rows(x)};
}

int64_t gather_small_rows(const Exec& x) {
  // Well inside the gather cap, so that a table somewhat larger than its count holds still fits.
  return static_cast<int64_t>(std::min<uint64_t>(kGatherBeatsStagingRows, x.c.options().max_gather_rows / 2));
}

Task<bool> learn_table_rows(Exec& x, const sql::Select& sel) {
  // Inside a transaction a count would lock whole tables: plan without.
  if (x.s.txn || x.s.dry_run) co_return false;
  auto env = plan_env(x);
  auto unknown = planner::tables_without_rows(sel, env);
  if (unknown.empty()) co_return false;
  std::vector<storage::Statement> counts;
  for (auto* t : unknown) counts.push_back({"SELECT count(*) FROM " + quoted_identifier(t->name), {}, false});
  std::vector<NodeRequest> reqs;
  for (auto n : x.all_nodes()) reqs.push_back({n, x.request(counts)});
  auto resp = co_await fan_out(x.s, std::move(reqs));
  if (!resp.ok()) co_return false;  // planned without; the query itself reports what is wrong
  std::vector<int64_t> total(unknown.size(), 0);
  for (auto& r : *resp)
    for (size_t i = 0; i < unknown.size() && i < r.results.size(); i++)
      if (!r.results[i].rows.empty() && r.results[i].rows[0][0].type == ValueType::Integer) total[i] += r.results[i].rows[0][0].i;
  double now = bd::clock().now_ms();
  for (size_t i = 0; i < unknown.size(); i++) x.c.note_table_rows(x.s.database(), unknown[i]->name, total[i], x.topo->version, now);
  co_return true;
}

void forget_table_rows(Exec& x, const sql::Select& sel) {
  for (auto& name : planner::analyze_select(sel).tables) {
    const TableInfo* t = x.topo->find_table(name);
    if (t) x.c.forget_table_rows(x.s.database(), t->name);
  }
}

std::string staging_table_name(Exec& x) {
  // SQLite's randomness (the host's random source): names never meet across isolates.
  if (!x.scratch) {
    auto db = CombineDb::open();
    if (!db.ok()) return {};
    x.scratch = std::move(*db);
  }
  auto r = x.scratch->query("SELECT lower(hex(randomblob(8)))", {});
  if (!r.ok() || r->rows.empty()) return {};
  return "_bd_stage_" + r->rows[0][0].s;
}

namespace {

// Integral REALs come back from a Durable Object as plain numbers; a trailing bitmask column says
// which of the listed columns held a REAL.
void restore_reals(std::vector<Row>& rows, const std::vector<int>& cols) {
  if (cols.empty()) return;
  for (auto& row : rows) {
    if (row.empty()) continue;
    int64_t mask = row.back().type == ValueType::Integer ? row.back().i : 0;
    row.pop_back();
    for (size_t b = 0; b < cols.size(); b++)
      if ((mask >> b & 1) && row[cols[b]].type == ValueType::Integer) row[cols[b]] = Value::real(static_cast<double>(row[cols[b]].i));
  }
}

// The Shard leaf's statement on each of `nodes` (its own nodes when empty), one round trip.
Task<Result<std::vector<ResultSet>>> fetch(Exec& x, const PlanNode& leaf, const std::vector<uint32_t>* nodes) {
  const auto& targets = nodes ? *nodes : leaf.nodes;
  std::vector<NodeRequest> reqs;
  for (auto n : targets)
    reqs.push_back({n, x.request(one_statement(leaf.sql, leaf.has_bound ? leaf.bound : planner::params_for(x.params, leaf.params), false),
                                 targets.size() == 1 ? leaf.vshards : std::vector<uint32_t>{})});
  auto resp = co_await fan_out(x.s, std::move(reqs));
  if (!resp.ok()) co_return resp.error();
  std::vector<ResultSet> out;
  for (auto& r : *resp) out.push_back(std::move(r.results[0]));
  co_return out;
}

// The statements of one lookup gather: the values its source gather returned (now in the combine
// database), routed to the nodes owning them or sent to every node, within the parameter limit.
Result<std::map<uint32_t, std::vector<storage::Statement>>> lookup_statements(Exec& x, CombineDb& db, const PlanNode& comb,
                                                                              const PlanNode& lg) {
  std::map<uint32_t, std::vector<storage::Statement>> per_node;
  const auto& k = *lg.lookup;
  const TableInfo* t = x.topo->find_table(lg.table);
  const TableInfo* src = x.topo->find_table(comb.children[k.source].table);
  if (!t || !src) return Error::internal("gathered table left the catalog");
  auto values = db.query("SELECT DISTINCT " + quoted_identifier(k.source_column) + " FROM " + quoted_identifier(src->name) + " WHERE " +
                             quoted_identifier(k.source_column) + " IS NOT NULL",
                         {});
  if (!values.ok()) return values.error();
  const auto& filter = lg.children[0].bound;
  size_t room = planner::kLookupParams - filter.size();
  std::map<uint32_t, std::vector<Value>> keys;
  int col = t->column_index(k.column);
  for (auto& row : values->rows) {
    if (k.by_shard_key)
      keys[x.node_of(*t, apply_affinity(row[0], t->columns[col].affinity))].push_back(row[0]);
    else
      for (auto n : x.all_nodes()) keys[n].push_back(row[0]);
  }
  for (auto& [node, list] : keys)
    for (size_t i = 0; i < list.size(); i += room) {
      size_t count = std::min(room, list.size() - i);
      std::vector<Value> params = filter;
      params.insert(params.end(), list.begin() + static_cast<long>(i), list.begin() + static_cast<long>(i + count));
      per_node[node].push_back({planner::lookup_sql(lg, count), std::move(params), false});
    }
  return per_node;
}

// Gathers the tables (filtered on the shards; lookup gathers after the gathers they take their
// keys from, in rounds), loads them into a fresh combine database and runs the statement there.
}  // namespace

Task<Result<QueryOutput>> run_combine_on(Exec& x, const PlanNode& comb, std::unique_ptr<CombineDb> db) {
  if (!db) {
    auto db_r = comb.on_schema ? open_schema_mirror(*x.topo) : CombineDb::open();
    if (!db_r.ok()) co_return db_r.error();
    db = std::move(*db_r);
  }
  for (auto& ddl : comb.combine_tables)
    if (auto s = db->exec(ddl); !s.ok()) co_return s.error();
  std::vector<bool> loaded(comb.children.size(), false);
  uint64_t rows = 0, bytes = 0;
  size_t asked = 0;
  while (std::find(loaded.begin(), loaded.end(), false) != loaded.end()) {
    // This round: every gather whose keys are known. One request per node carries them all.
    std::map<uint32_t, std::vector<storage::Statement>> per_node;
    std::map<uint32_t, std::vector<size_t>> which;
    std::vector<size_t> round;
    for (size_t gi = 0; gi < comb.children.size(); gi++) {
      const auto& g = comb.children[gi];
      if (loaded[gi]) continue;
      if (g.kind == OpKind::LookupGather) {
        if (!loaded[g.lookup->source]) continue;
        auto stmts = lookup_statements(x, *db, comb, g);
        if (!stmts.ok()) co_return stmts.error();
        for (auto& [node, list] : *stmts)
          for (auto& st : list) {
            per_node[node].push_back(std::move(st));
            which[node].push_back(gi);
          }
      } else {
        const auto& leaf = g.children[0];
        for (auto n : leaf.nodes) {
          per_node[n].push_back({leaf.sql, leaf.has_bound ? leaf.bound : planner::params_for(x.params, leaf.params), false});
          which[n].push_back(gi);
        }
      }
      round.push_back(gi);
    }
    if (round.empty()) co_return Error::internal("lookup gathers wait on each other");
    std::vector<NodeRequest> reqs;
    std::vector<uint32_t> req_nodes;
    const uint64_t max_rows = x.c.options().max_gather_rows, max_bytes = x.c.options().max_gather_bytes;
    for (auto& [node, stmts] : per_node) {
      storage::Request r = x.request(std::move(stmts));
      // Each read stops once it passes what the cap leaves (`more`: it was cut), so a gather over
      // the cap is refused without its rows ever reaching the conductor whole.
      r.page_rows = static_cast<uint32_t>(std::min<uint64_t>(max_rows - std::min(rows, max_rows) + 1, 0xffffffffu));
      r.page_bytes = static_cast<uint32_t>(std::min<uint64_t>(max_bytes - std::min(bytes, max_bytes), 0xffffffffu));
      r.page_cut = true;
      reqs.push_back({node, std::move(r)});
      req_nodes.push_back(node);
    }
    asked = std::max(asked, reqs.size());
    if (!reqs.empty()) {
      auto resp = co_await fan_out(x.s, std::move(reqs));
      if (!resp.ok()) co_return resp.error();
      bool cut = false;
      for (auto& r : *resp) cut |= r.more;
      for (auto& r : *resp)
        for (auto& rs : r.results) {
          rows += rs.rows.size();
          for (auto& row : rs.rows)
            for (auto& v : row) bytes += 9 + v.s.size();
        }
      if (cut || rows > max_rows || bytes > max_bytes) {
        // Name the largest table gathered: that is what a predicate should narrow.
        std::map<size_t, uint64_t> per_gather;
        for (size_t i = 0; i < resp->size(); i++)
          for (size_t k = 0; k < (*resp)[i].results.size(); k++) per_gather[which[req_nodes[i]][k]] += (*resp)[i].results[k].rows.size();
        size_t worst = per_gather.begin()->first;
        for (auto& [gi, n] : per_gather)
          if (n > per_gather[worst]) worst = gi;
        co_return Error::limit(std::string(kGatherCapError) + std::to_string(x.c.options().max_gather_rows) + " rows or " +
                               std::to_string(x.c.options().max_gather_bytes >> 20) + " MB from " + std::to_string(asked) + " nodes (" +
                               (cut ? "at least " : "") + std::to_string(per_gather[worst]) + " rows of " + comb.children[worst].table +
                               "); add a shard-key predicate");
      }
      for (size_t i = 0; i < resp->size(); i++) {
        auto& results = (*resp)[i].results;
        for (size_t k = 0; k < results.size(); k++) {
          const TableInfo* t = x.topo->find_table(comb.children[which[req_nodes[i]][k]].table);
          if (!t) co_return Error::internal("gathered table left the catalog");
          auto& rs = results[k];
          restore_reals(rs.rows, planner::gather_real_mask_columns(*t));
          if (auto s = db->load(t->name, planner::gathered_columns(*t), rs.rows, planner::gathers_rowid(*t)); !s.ok()) co_return s.error();
        }
      }
    }
    for (auto gi : round) loaded[gi] = true;
  }
  for (auto& ddl : comb.combine_views)
    if (auto s = db->exec(ddl); !s.ok()) co_return s.error();
  auto rs = db->query(comb.sql, planner::params_for(x.params, comb.params));
  if (!rs.ok()) co_return rs.error();
  if (!comb.on_schema || !comb.children.empty()) x.plan = "combine";
  QueryOutput out;
  out.rs = std::move(*rs);
  out.rs.changes = 0;
  out.rs.last_insert_rowid = 0;
  co_return out;
}

namespace {

Task<Result<QueryOutput>> run_combine(Exec& x, const PlanNode& comb) { co_return co_await run_combine_on(x, comb, nullptr); }

// SQLite's names for the result columns of a statement, by the tables' DDL and the statement's text
// (planner GroupMerge nodes' names_ddl and names_sql), kept per isolate and bounded.
std::unordered_map<std::string, std::vector<std::string>>& result_names_cache() {
  static std::unordered_map<std::string, std::vector<std::string>> cache;
  return cache;
}

const std::vector<std::string>* cached_result_names(const std::string& key) {
  auto& cache = result_names_cache();
  auto it = cache.find(key);
  return it == cache.end() ? nullptr : &it->second;
}

void cache_result_names(std::string key, const std::vector<std::string>& columns) {
  constexpr size_t kMaxEntries = 256, kMaxKeyBytes = 16 * 1024;
  if (key.size() > kMaxKeyBytes) return;
  auto& cache = result_names_cache();
  if (cache.size() >= kMaxEntries) cache.clear();
  cache.emplace(std::move(key), columns);
}

// The final step of a GROUP BY that only picks _bd_agg columns, as SQLite would read them back
// from that table in the order they were loaded (a NaN it stores as NULL).
QueryOutput project_groups(const std::vector<Row>& groups, const std::vector<uint32_t>& picks, const std::vector<std::string>& columns) {
  QueryOutput out;
  out.rs.columns = columns;
  out.rs.rows.reserve(groups.size());
  for (auto& g : groups) {
    Row row;
    row.reserve(picks.size());
    for (uint32_t k : picks) {
      const Value& v = g[k];
      row.push_back(v.type == ValueType::Real && std::isnan(v.r) ? Value::null() : v);
    }
    out.rs.rows.push_back(std::move(row));
  }
  out.rs.changes = 0;
  out.rs.last_insert_rowid = 0;
  return out;
}

Task<Result<QueryOutput>> run_group_merge(Exec& x, const PlanNode& g, const std::vector<uint32_t>* nodes) {
  const auto& ap = *g.aggregate;
  auto resp = co_await fetch(x, g.children[0], nodes);
  // Whether an integer sum overflows depends on the order rows are added; when a shard or the
  // combination overflows, the combine engine decides over all rows, as SQLite would.
  bool overflow = !resp.ok() && resp.error().message == "integer overflow";
  if (!resp.ok() && !overflow) co_return resp.error();
  Result<std::vector<Row>> groups = std::vector<Row>{};
  if (!overflow) {
    std::vector<merge::RowSourcePtr> inputs;
    for (auto& rs : *resp) {
      auto& rows = rs.rows;
      if (ap.real_mask)
        for (auto& row : rows) {
          int64_t mask = row.back().type == ValueType::Integer ? row.back().i : 0;
          row.pop_back();
          for (size_t k = 0; k < row.size(); k++)
            if ((mask >> k & 1) && row[k].type == ValueType::Integer) row[k] = Value::real(static_cast<double>(row[k].i));
        }
      inputs.push_back(std::make_unique<merge::VectorSource>(std::move(rows)));
    }
    merge::GroupCombineSpec spec;
    spec.keys = ap.keys;
    spec.aggregates = ap.aggs;
    merge::GroupCombine combined(std::make_unique<merge::Concat>(std::move(inputs)), std::move(spec));
    groups = merge::drain(combined);
    overflow = !groups.ok() && groups.error().message == "integer overflow";
    if (!groups.ok() && !overflow) co_return groups.error();
  }
  if (overflow) co_return co_await run_combine(x, *g.fallback);
  // The final expressions run in SQLite over one row per group; the user's table, empty, gives
  // the result columns SQLite's own names. A final step that only picks columns is done here, with
  // the names SQLite gave the same statement over the same tables before (they depend on nothing else).
  const bool project = !ap.final_columns.empty();
  std::string names_key;
  if (project) {
    for (auto& ddl : g.names_ddl) names_key += ddl + '\n';
    names_key += '\1';
    names_key += g.names_sql;
    if (const auto* columns = cached_result_names(names_key)) co_return project_groups(*groups, ap.final_columns, *columns);
  }
  auto db = CombineDb::open();
  if (!db.ok()) co_return db.error();
  for (auto& ddl : g.names_ddl)
    if (auto st = (*db)->exec(ddl); !st.ok()) co_return st.error();
  auto names = (*db)->query(g.names_sql, planner::params_for(x.params, g.params));
  if (!names.ok()) co_return names.error();
  if (project) {
    cache_result_names(std::move(names_key), names->columns);
    co_return project_groups(*groups, ap.final_columns, names->columns);
  }
  if (auto st = (*db)->exec(ap.agg_table_ddl); !st.ok()) co_return st.error();
  std::vector<std::string> cols;
  for (size_t j = 0; j < ap.keys.size(); j++) cols.push_back("k" + std::to_string(j));
  for (size_t i = 0; i < ap.aggs.size(); i++) cols.push_back("a" + std::to_string(i));
  if (auto st = (*db)->load("_bd_agg", cols, *groups, false); !st.ok()) co_return st.error();
  auto rs = (*db)->query(ap.final_sql, planner::params_for(x.params, ap.final_params));
  if (!rs.ok()) co_return rs.error();
  QueryOutput out;
  out.rs = std::move(*rs);
  out.rs.columns = names->columns;
  out.rs.changes = 0;
  out.rs.last_insert_rowid = 0;
  co_return out;
}

// The bottom of a merge chain (Limit over Distinct over OrderedMerge/Concat over a Shard).
const PlanNode& merge_leaf(const PlanNode& n) { return n.children.empty() ? n : merge_leaf(n.children[0]); }

size_t targets(const PlanNode& leaf, const std::vector<uint32_t>* nodes) { return nodes ? nodes->size() : leaf.nodes.size(); }

// The shards' rows, page by page, through `src` (built over the paged sources) into the result.
template <class Build>
Task<Result<QueryOutput>> run_paged(Exec& x, const PlanNode& leaf, const std::vector<uint32_t>* nodes, size_t width, Build build) {
  auto read = co_await PagedRead::open(x, leaf, nodes, result_pages(x, targets(leaf, nodes)));
  if (!read.ok()) co_return read.error();
  QueryOutput out;
  const auto& cols = (*read)->columns();
  out.rs.columns.assign(cols.begin(), cols.begin() + static_cast<long>(width ? std::min(cols.size(), width) : cols.size()));
  merge::RowSourcePtr src = build((*read)->sources());
  auto st = co_await pump(x, *src, read->get(), out, width);
  auto closed = co_await (*read)->close(x);
  if (!st.ok()) co_return st.error();
  if (!closed.ok()) co_return closed.error();
  co_return out;
}

Task<Result<QueryOutput>> run_merge(Exec& x, const PlanNode& lim, const std::vector<uint32_t>* nodes) {
  const auto& m = *lim.merge;
  co_return co_await run_paged(x, merge_leaf(lim), nodes, m.visible_columns, [&m](std::vector<merge::RowSourcePtr> inputs) {
    merge::RowSourcePtr src;
    if (m.keys.empty())
      src = std::make_unique<merge::Concat>(std::move(inputs));
    else
      src = std::make_unique<merge::OrderedMerge>(std::move(inputs), m.keys);
    if (m.distinct) src = std::make_unique<merge::Distinct>(std::move(src), m.distinct_collations);
    return merge::RowSourcePtr(std::make_unique<merge::Limit>(std::move(src), merge::LimitSpec{m.limit, m.offset}));
  });
}

// count(DISTINCT x): the merged, de-duplicated stream is counted as it passes (nothing kept but a
// page per node).
Task<Result<QueryOutput>> run_count_distinct(Exec& x, const PlanNode& cd, const std::vector<uint32_t>* nodes) {
  const auto& m = *cd.merge;
  const PlanNode& leaf = merge_leaf(cd);
  auto read = co_await PagedRead::open(x, leaf, nodes, window_pages(targets(leaf, nodes)));
  if (!read.ok()) co_return read.error();
  merge::RowSourcePtr src = std::make_unique<merge::OrderedMerge>((*read)->sources(), m.keys);
  src = std::make_unique<merge::Distinct>(std::move(src), m.distinct_collations);
  int64_t count = 0;
  Row row;
  Status st = ok_status();
  for (;;) {
    auto more = src->next(&row);
    if (!more.ok()) {
      if (merge::is_pending(more.error())) {
        st = co_await (*read)->refill(x);
        if (st.ok()) continue;
      } else {
        st = more.error();
      }
      break;
    }
    if (!*more) break;
    count++;
  }
  auto closed = co_await (*read)->close(x);
  if (!st.ok()) co_return st.error();
  if (!closed.ok()) co_return closed.error();
  // The result column as SQLite names it: the query over the empty tables.
  auto db = CombineDb::open();
  if (!db.ok()) co_return db.error();
  for (auto& ddl : cd.names_ddl)
    if (auto s2 = (*db)->exec(ddl); !s2.ok()) co_return s2.error();
  auto names = (*db)->query(cd.names_sql, planner::params_for(x.params, cd.params));
  if (!names.ok()) co_return names.error();
  QueryOutput out;
  out.rs.columns = names->columns;
  out.rs.rows.push_back({Value::integer(count)});
  co_return out;
}

Task<Result<QueryOutput>> run_node(Exec& x, const PlanNode& n, const std::vector<uint32_t>* nodes);

// The staging operation `action` for the repartition's table on every node.
std::vector<std::pair<uint32_t, std::string>> staging_on_all(Exec& x, const PlanNode& rp, storage::StagingAction action) {
  storage::StagingRequest req;
  req.action = action;
  req.name = rp.staged;
  if (action == storage::StagingAction::Create)
    if (const TableInfo* t = x.topo->find_table(rp.table))
      for (auto& c : t->columns) req.columns.push_back({c.name, c.decl_type, c.collation});
  std::vector<std::pair<uint32_t, std::string>> out;
  for (auto n : x.all_nodes()) out.push_back({n, storage::encode_staging(req)});
  return out;
}

// Pages through the source table on every node and appends each row to the staging table on the
// node owning its join value (under the target table's sharding, or by the value itself when the
// repartition has no target).
// `saw_null`: with rp.null_stops, set when a source row's column is NULL (such rows are not staged).
Task<Status> stage_rows(Exec& x, const PlanNode& rp, bool* saw_null) {
  const TableInfo* src = x.topo->find_table(rp.table);
  const TableInfo* target = rp.target_table.empty() ? nullptr : x.topo->find_table(rp.target_table);
  if (!src || (!rp.target_table.empty() && (!target || target->shard_key < 0)))
    co_return Error::internal("repartitioned table left the catalog");
  int col = rp.broadcast ? -1 : src->column_index(rp.stage_column);
  if (col < 0 && !rp.broadcast) co_return Error::internal("repartitioned column left the catalog");
  Affinity key_affinity = target ? target->columns[target->shard_key].affinity : col >= 0 ? src->columns[col].affinity : Affinity::Blob;
  auto mask = planner::gather_real_mask_columns(*src);
  const PlanNode& read = rp.children[1];
  std::map<uint32_t, Value> last;
  // Below every rowid (a row may have rowid -2^63, which `rowid > -2^63` would skip).
  for (auto n : x.all_nodes()) last[n] = Value::real(-1e19);
  while (!last.empty()) {
    std::vector<NodeRequest> reqs;
    std::vector<uint32_t> order;
    for (auto& [n, v] : last) {
      // The read's own parameters (the source's filter), then the last rowid read.
      std::vector<Value> binds = read.bound;
      binds.push_back(v);
      reqs.push_back({n, x.request(one_statement(read.sql, std::move(binds), false))});
      order.push_back(n);
    }
    auto resp = co_await fan_out(x.s, std::move(reqs));
    if (!resp.ok()) co_return resp.error();
    std::map<uint32_t, std::vector<Row>> per_node;
    for (size_t i = 0; i < resp->size(); i++) {
      auto& rows = (*resp)[i].results[0].rows;
      if (static_cast<int64_t>(rows.size()) < rp.page_rows)
        last.erase(order[i]);
      else
        last[order[i]] = rows.back().back();
      for (auto& row : rows) {
        row.pop_back();  // the page key
        std::vector<Row> one;
        one.push_back(std::move(row));
        restore_reals(one, mask);
        Row& r = one[0];
        if (rp.broadcast) {
          for (auto n : x.all_nodes()) per_node[n].push_back(r);
          continue;
        }
        if (rp.null_stops && r[col].type == ValueType::Null) {
          *saw_null = true;
          continue;
        }
        Value key = apply_affinity(r[col], key_affinity);
        uint32_t node = target ? x.node_of(*target, key) : x.node_of(key);
        per_node[node].push_back(std::move(r));
      }
    }
    std::vector<std::pair<uint32_t, std::string>> appends;
    for (auto& [node, rows] : per_node) {
      storage::StagingRequest req;
      req.action = storage::StagingAction::Append;
      req.name = rp.staged;
      req.rows = std::move(rows);
      appends.push_back({node, storage::encode_staging(req)});
    }
    auto r = co_await fan_out_payloads(x.s, std::move(appends));
    if (!r.ok()) co_return r.error();
    if (*saw_null) break;  // the staged rows will not be read
  }
  co_return ok_status();
}

Task<Result<QueryOutput>> run_repartition(Exec& x, const PlanNode& rp) {
  Result<QueryOutput> out = Error::internal("repartition did not run");
  // No staging table: a co-located NOT IN only looks for NULLs first.
  Status created = ok_status();
  if (!rp.staged.empty()) {
    auto made = co_await fan_out_payloads(x.s, staging_on_all(x, rp, storage::StagingAction::Create));
    if (!made.ok()) created = made.error();
  }
  if (!created.ok()) {
    out = created.error();
  } else {
    bool saw_null = false;
    auto staged = co_await stage_rows(x, rp, &saw_null);
    if (!staged.ok())
      out = staged.error();
    else
      out = co_await run_node(x, rp.children[saw_null && rp.children.size() > 2 ? 2 : 0], nullptr);
  }
  // Dropped on every node whatever happened; a node that cannot be reached drops it itself once it
  // expires.
  if (!rp.staged.empty()) co_await fan_out_payloads(x.s, staging_on_all(x, rp, storage::StagingAction::Drop));
  x.plan = rp.staged.empty() ? "not-in-probe" : "repartition";
  co_return out;
}

Task<Result<QueryOutput>> run_index_route(Exec& x, const PlanNode& ir) {
  const PlanNode& multi = ir.children[1];
  std::vector<NodeRequest> reqs;
  for (size_t i = 2; i < ir.children.size(); i++) {
    const auto& p = ir.children[i];
    reqs.push_back({p.nodes[0], x.request(one_statement(p.sql, p.bound, false), p.vshards)});
  }
  auto resp = co_await fan_out(x.s, std::move(reqs));
  if (!resp.ok()) co_return resp.error();
  // Keyspace ids come back as text (exact beyond 2^53).
  std::vector<uint32_t> targets;
  for (auto& r : *resp)
    for (auto& row : r.results[0].rows) {
      uint64_t ksid = row[0].type == ValueType::Integer ? static_cast<uint64_t>(row[0].i)
                                                        : static_cast<uint64_t>(std::strtoll(row[0].s.c_str(), nullptr, 10));
      uint32_t node = x.topo->vshard_for(ksid).node;
      if (std::find(targets.begin(), targets.end(), node) == targets.end()) targets.push_back(node);
    }
  // No entry: no row matches; one node still answers, so the result has its columns.
  if (targets.empty()) targets.push_back(0);
  if (targets.size() == 1) co_return co_await run_node(x, ir.children[0], &targets);
  if (multi.kind == OpKind::Limit) x.plan = targets.size() < x.topo->nodes ? "route-subset-merge" : "scatter-merge";
  co_return co_await run_node(x, multi, &targets);
}

Task<Result<QueryOutput>> run_node(Exec& x, const PlanNode& n, const std::vector<uint32_t>* nodes) {
  switch (n.kind) {
    case OpKind::Shard:
      co_return co_await run_paged(x, n, nodes, 0, [](std::vector<merge::RowSourcePtr> inputs) {
        return merge::RowSourcePtr(std::make_unique<merge::Concat>(std::move(inputs)));
      });
    case OpKind::Concat:
      if (n.merge) co_return co_await run_merge(x, n, nodes);
      co_return co_await run_node(x, n.children[0], nodes);
    case OpKind::CountSum: {
      auto parts = co_await fetch(x, n.children[0], nodes);
      if (!parts.ok()) co_return parts.error();
      QueryOutput out;
      int64_t total = 0;
      for (auto& rs : *parts) {
        if (out.rs.columns.empty()) out.rs.columns = rs.columns;
        if (!rs.rows.empty()) total += rs.rows[0][0].i;
      }
      out.rs.rows.push_back({Value::integer(total)});
      co_return out;
    }
    case OpKind::Limit:
    case OpKind::Distinct:
    case OpKind::OrderedMerge: co_return co_await run_merge(x, n, nodes);
    case OpKind::GroupMerge: co_return co_await run_group_merge(x, n, nodes);
    case OpKind::CountDistinct: co_return co_await run_count_distinct(x, n, nodes);
    case OpKind::IndexRoute: co_return co_await run_index_route(x, n);
    case OpKind::Combine: co_return co_await run_combine(x, n);
    case OpKind::Repartition: co_return co_await run_repartition(x, n);
    case OpKind::Gather:
    case OpKind::LookupGather: break;
  }
  co_return Error::internal(std::string("operator ") + planner::op_name(n.kind) + " cannot run on its own");
}

}  // namespace

Task<Result<QueryOutput>> run_plan(Exec& x, const planner::Plan& plan) {
  x.plan = plan.name;
  co_return co_await run_node(x, plan.root, nullptr);
}

}  // namespace bd
