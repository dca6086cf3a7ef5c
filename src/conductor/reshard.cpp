// The resize job runner. Each call runs the next step of the job the topology object holds, and
// saves the job's next state there; every step is idempotent, so a step cut short by a restart is
// simply run again. What moves: every row of a moving virtual shard, in every sharded table and
// every global index's lookup table (index entries are keyed by keyspace id, so they stay valid
// wherever they live). How (per source node S, target T, moving shards V):
//   capture   S logs the rowid of every row of V that a write touches (_bd_changes), by triggers
//             that run in the write's own transaction; T gets staging tables (invisible to queries)
//   copy      rows of V, in rowid order, ConductorOptions::copy_batch_rows per round trip, into T's staging
//   catch-up  logged rows are re-read from S and replaced in staging
//   fence     S refuses writes to V (conductors back off and retry); a final catch-up and a full
//             rowid comparison of S against staging make staging exact
//   switch    T moves staging into its tables and owns V, S deletes V's rows and stops owning
//             them (both refuse older epochs from then on), then the topology assigns V to T.
#include "conductor/reshard.h"
#include "base/limits.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include "base/json.h"
#include "conductor/io.h"
#include "conductor/lookup_index.h"
#include "planner/shard_sql.h"
#include "storage/ops.h"
#include "topology/store.h"

namespace bd {
namespace {

using topology::Phase;
using topology::ReshardJob;

// Catch-up rounds end (and the fence begins) once a round replays fewer changes than this.
constexpr uint64_t kQuietChanges = 200;
constexpr uint32_t kMaxCatchUpRounds = 8;
// Bounds on one round trip's data: a copy batch (and a replay round) stops after this many bytes
// of values, a replay round takes at most this many log entries per source.
constexpr int64_t kCopyBatchBytes = 8 << 20;
constexpr int64_t kReplayEntries = 2000;

// A table as the nodes hold it.
struct NodeTable {
  std::string name;
  std::vector<std::string> cols;  // insertable columns; _bd_ksid last
  bool keep_rowid = false;        // the rowid is the row's identity (tables sharded by rowid)
  // Whether the final check compares every rowid. Needed where INSERT OR REPLACE can delete a row
  // under another rowid (deletes by conflict resolution fire no trigger): tables whose rowid is not
  // an INTEGER PRIMARY KEY. Elsewhere every change reaches the log, and the check is skipped to
  // keep the fence short.
  bool sweep = false;
  // A global index's entries: they move with their shards but are not rows (the job's rows
  // total and rows copied count the tables' rows only).
  bool index_entries = false;
};

std::vector<NodeTable> moving_tables(const Topology& topo) {
  std::vector<NodeTable> out;
  for (auto& t : topo.tables) {
    if (t.kind == TableKind::Sharded) {
      NodeTable n{t.name, planner::gathered_columns(t), planner::gathers_rowid(t), t.rowid_alias < 0};
      n.cols.push_back(std::string(kKsidColumn));
      out.push_back(std::move(n));
    } else if (t.kind == TableKind::Index) {
      out.push_back({lookup_table_name(t.name), lookup_table_columns(t), false, false, true});
    }
  }
  return out;
}

std::string q(std::string_view name) { return quoted_identifier(name); }

// The virtual shards of the current wave leaving (from) or reaching (to) a node.
std::vector<uint32_t> wave_vshards(const ReshardJob& j, uint32_t node, uint32_t topology::Move::*side) {
  std::vector<uint32_t> v;
  for (auto& m : j.wave())
    if (m.*side == node) v.push_back(m.vshard);
  return v;
}
std::vector<uint32_t> moving_from(const ReshardJob& j, uint32_t node) { return wave_vshards(j, node, &topology::Move::from); }
std::vector<uint32_t> moving_to(const ReshardJob& j, uint32_t node) { return wave_vshards(j, node, &topology::Move::to); }

// The keyspace ranges of a set of virtual shards.
std::vector<storage::KsidRange> ksid_ranges(const Topology& topo, const std::vector<uint32_t>& ids) {
  std::vector<storage::KsidRange> out;
  for (auto& v : topo.vshards)
    if (std::find(ids.begin(), ids.end(), v.id) != ids.end()) out.push_back({v.lo, v.hi});
  return out;
}

storage::Statement stmt(std::string sql, std::vector<Value> params = {}, bool write = true) {
  return storage::Statement{std::move(sql), std::move(params), write};
}

// The node's own state, as typed operations (storage/ops.h).
storage::Statement node_op(storage::OpKind kind, std::vector<uint32_t> vshards = {}, int64_t number = 0) {
  storage::NodeOp op;
  op.kind = kind;
  op.vshards = std::move(vshards);
  op.number = number;
  return storage::op_statement(std::move(op));
}
storage::Statement set_owned(std::vector<uint32_t> vshards) { return node_op(storage::OpKind::SetOwned, std::move(vshards)); }
storage::Statement raise_epoch(uint64_t epoch) { return node_op(storage::OpKind::RaiseEpoch, {}, static_cast<int64_t>(epoch)); }
storage::Statement raise_catalog(uint64_t version) { return node_op(storage::OpKind::RaiseCatalog, {}, static_cast<int64_t>(version)); }

using PerNode = std::map<uint32_t, std::vector<storage::Statement>>;

// Admin requests (they bypass the epoch/ownership/fence checks), all nodes at once; responses come
// in node order, one per entry of `per_node` (an entry without statements still gets one).
Task<Result<std::vector<storage::Response>>> admin(Session& s, PerNode per_node) {
  std::vector<NodeRequest> reqs;
  for (auto& [node, stmts] : per_node) {
    NodeRequest r;
    r.node = node;
    r.request.admin = true;
    r.request.epoch = ~uint64_t{0};
    r.request.catalog_version = ~uint64_t{0};
    r.request.statements = std::move(stmts);
    reqs.push_back(std::move(r));
  }
  if (reqs.empty()) co_return std::vector<storage::Response>{};
  co_return co_await fan_out(s, std::move(reqs));
}

Result<Row> decode_exact(const Row& row, size_t first, size_t ncols) { return storage::decode_exact_values(row, first, ncols); }

int64_t int_of(const Value& v) { return v.type == ValueType::Integer ? v.i : std::strtoll(v.s.c_str(), nullptr, 10); }

// A move's reads and deletes of a table's rows in keyspace ranges (storage/ops.h).
storage::Statement range_op(storage::OpKind kind, const NodeTable& t, std::vector<storage::KsidRange> ranges) {
  storage::NodeOp op;
  op.kind = kind;
  op.table = t.name;
  op.columns = t.cols;
  op.ranges = std::move(ranges);
  return storage::op_statement(std::move(op), kind == storage::OpKind::RangeDelete);
}

// One copy batch of `t`'s rows with rowid >= `after` (inclusive: a cursor starts at the smallest
// integer, which is a valid rowid, and goes on at the last rowid copied + 1) in `ranges`: up to
// `limit` rows, cut where they pass kCopyBatchBytes of values (at least one row), so that a batch of
// large rows fits the isolates' memory. Columns: rowid (text), the exact values, then rowid, size,
// running size, row number and last how many rows the LIMIT found.
storage::Statement batch_select(const NodeTable& t, std::vector<storage::KsidRange> ranges, int64_t after, int64_t limit) {
  storage::NodeOp op;
  op.kind = storage::OpKind::RangeBatch;
  op.table = t.name;
  op.columns = t.cols;
  op.ranges = std::move(ranges);
  op.after = after;
  op.limit = limit;
  op.bytes = kCopyBatchBytes;
  return storage::op_statement(std::move(op), false);
}

storage::Statement fetch_rows(storage::OpKind kind, const NodeTable& t, std::vector<int64_t> rowids,
                              std::vector<storage::KsidRange> ranges) {
  storage::NodeOp op;
  op.kind = kind;
  op.table = t.name;
  op.columns = t.cols;
  op.rowids = std::move(rowids);
  op.ranges = std::move(ranges);
  return storage::op_statement(std::move(op), false);
}

// Whether a batch was the last: the LIMIT found fewer rows than asked, and all of them came back.
bool last_batch(const std::vector<Row>& rows, int64_t limit) {
  int64_t found = rows.empty() ? 0 : int_of(rows.back().back());
  return rows.empty() || (found < limit && static_cast<int64_t>(rows.size()) == found);
}

// Staging on a move's target (storage/ops.h): rows are (source, rowid, cols...).
storage::Statement stage_op(storage::OpKind kind, const NodeTable& t) {
  storage::NodeOp op;
  op.kind = kind;
  op.table = t.name;
  op.columns = t.cols;
  op.keep_rowid = t.keep_rowid;
  return storage::op_statement(std::move(op), kind != storage::OpKind::StageRowids);
}

void stage_inserts(std::vector<storage::Statement>& out, const NodeTable& t, uint32_t source, std::vector<std::pair<int64_t, Row>>& rows) {
  storage::NodeOp op;
  op.kind = storage::OpKind::StageUpsert;
  op.table = t.name;
  op.columns = t.cols;
  op.source = source;
  for (auto& [rid, vals] : rows) {
    Row r;
    r.reserve(vals.size() + 1);
    r.push_back(Value::integer(rid));
    for (auto& v : vals) r.push_back(std::move(v));
    op.rows.push_back(std::move(r));
  }
  out.push_back(storage::op_statement(std::move(op)));
}

void stage_deletes(std::vector<storage::Statement>& out, const NodeTable& t, uint32_t source, const std::vector<int64_t>& rids) {
  storage::NodeOp op;
  op.kind = storage::OpKind::StageDelete;
  op.table = t.name;
  op.source = source;
  op.rowids = rids;
  out.push_back(storage::op_statement(std::move(op)));
}

struct Runner {
  Conductor& c;
  Session& s;
  std::shared_ptr<const Topology> topo;
  ReshardJob job;
  std::vector<NodeTable> tables;

  std::vector<storage::KsidRange> moving_ranges(uint32_t source) const { return ksid_ranges(*topo, moving_from(job, source)); }
  std::vector<std::string> table_names() const {
    std::vector<std::string> out;
    for (auto& t : tables) out.push_back(t.name);
    return out;
  }
  // The target of a row (by keyspace id) moving from `source`, or -1.
  int64_t target_of(uint32_t source, uint64_t ksid) const {
    uint32_t id = topo->vshard_for(ksid).id;
    for (auto& m : job.wave())
      if (m.vshard == id && m.from == source) return m.to;
    return -1;
  }

  // ---- join: schema and reference tables on the new nodes, then the bigger topology ----
  Task<Status> join() {
    const uint64_t next_epoch = topo->epoch + 1;
    PerNode read;
    read[0].push_back(node_op(storage::OpKind::SchemaRead));
    read[0].back().write = false;
    auto schema = co_await admin(s, std::move(read));
    if (!schema.ok()) co_return schema.error();
    std::vector<storage::Statement> ddl;
    storage::NodeOp apply;
    apply.kind = storage::OpKind::SchemaApply;
    apply.rows = std::move((*schema)[0].results[0].rows);
    ddl.push_back(storage::op_statement(std::move(apply)));
    ddl.push_back(raise_catalog(topo->version));
    ddl.push_back(raise_epoch(next_epoch));
    ddl.push_back(set_owned({}));
    PerNode fresh;
    for (uint32_t n = job.from_nodes; n < job.to_nodes; n++) fresh[n] = ddl;
    if (auto r = co_await admin(s, std::move(fresh)); !r.ok()) co_return r.error();

    // Old nodes stop taking work planned before the join (reference-table writes would miss the
    // new nodes) and learn which virtual shards they own.
    PerNode claim;
    for (uint32_t n = 0; n < job.from_nodes; n++) {
      std::vector<uint32_t> own;
      for (auto& v : topo->vshards)
        if (v.node == n) own.push_back(v.id);
      claim[n].push_back(raise_epoch(next_epoch));
      claim[n].push_back(set_owned(own));
    }
    if (auto r = co_await admin(s, std::move(claim)); !r.ok()) co_return r.error();

    // Reference tables: node 0's rows, as they are now that nobody can write them.
    std::vector<NodeTable> refs;
    for (auto& t : topo->tables)
      if (t.kind == TableKind::Reference) {
        NodeTable n{t.name, planner::gathered_columns(t), true};
        n.cols.push_back(std::string(kKsidColumn));
        refs.push_back(std::move(n));
      }
    // In batches (bounded like the copy), all within this step: nobody can write them meanwhile.
    for (auto& t : refs) {
      PerNode clear;
      for (uint32_t n = job.from_nodes; n < job.to_nodes; n++) clear[n].push_back(stmt("DELETE FROM " + q(t.name)));
      if (auto r = co_await admin(s, std::move(clear)); !r.ok()) co_return r.error();
      std::vector<std::string> cols;
      cols.push_back("rowid");
      for (auto& c2 : t.cols) cols.push_back(c2);
      for (int64_t from = INT64_MIN;;) {
        PerNode rd;
        rd[0].push_back(batch_select(t, {{0, ~uint64_t{0}}}, from, c.options().copy_batch_rows));  // every row
        auto got = co_await admin(s, std::move(rd));
        if (!got.ok()) co_return got.error();
        auto& rows = (*got)[0].results[0].rows;
        std::vector<Row> data;
        int64_t last = from;
        for (auto& row : rows) {
          auto vals = decode_exact(row, 1, t.cols.size());
          if (!vals.ok()) co_return vals.error();
          Row r;
          int64_t rid = int_of(row[0]);
          r.push_back(Value::integer(rid));
          last = rid;
          for (auto& v : *vals) r.push_back(std::move(v));
          data.push_back(std::move(r));
        }
        bool done = last_batch(rows, c.options().copy_batch_rows) || last == INT64_MAX;
        from = last + (rows.empty() || last == INT64_MAX ? 0 : 1);
        if (!data.empty()) {
          auto fill = chunked_inserts(t.name, cols, std::move(data));
          PerNode wr;
          for (uint32_t n = job.from_nodes; n < job.to_nodes; n++) wr[n] = fill;
          if (auto r = co_await admin(s, std::move(wr)); !r.ok()) co_return r.error();
        }
        if (done) break;
      }
    }
    ReshardJob next = job;
    next.phase = Phase::Capture;
    co_return co_await save(next, topology::Op::Join);
  }

  // ---- capture: change log and triggers on the sources, staging tables on the targets ----
  Task<Status> capture() {
    PerNode per;
    for (auto src : job.sources()) {
      auto& v = per[src];
      storage::NodeOp op;
      op.kind = storage::OpKind::CaptureStart;
      op.tables = table_names();
      op.ranges = moving_ranges(src);
      v.push_back(storage::op_statement(std::move(op)));
    }
    // The first wave counts the rows of every wave (progress: rows copied of the total).
    if (job.wave_begin == 0) {
      std::map<uint32_t, std::vector<uint32_t>> all;
      for (auto& m : job.moves) all[m.from].push_back(m.vshard);
      for (auto& [src, ids] : all)
        for (auto& t : tables) per[src].push_back(range_op(storage::OpKind::RangeCount, t, ksid_ranges(*topo, ids)));
    }
    for (auto dst : job.targets()) {
      auto& v = per[dst];
      for (auto& t : tables) v.push_back(stage_op(storage::OpKind::StageCreate, t));
    }
    std::vector<uint32_t> order;
    for (auto& [n, _] : per) order.push_back(n);
    auto resp = co_await admin(s, std::move(per));
    if (!resp.ok()) co_return resp.error();
    ReshardJob next = job;
    if (job.wave_begin == 0) {
      next.rows_total = 0;
      next.rows_copied = 0;
    }
    next.cursors.clear();
    next.log_applied.assign(std::max(job.from_nodes, job.to_nodes), 0);
    std::set<uint32_t> counted;
    for (auto& m : job.moves) counted.insert(m.from);
    for (size_t k = 0; k < order.size(); k++) {
      uint32_t n = order[k];
      auto& results = (*resp)[k].results;
      if (job.wave_begin == 0 && counted.count(n)) {
        // After the source's CaptureStart; a node that is also a target (a rebalance moves
        // between existing nodes) has its StageCreates after the counts.
        const size_t first_count = 1;
        for (size_t i = 0; i < tables.size() && first_count + i < results.size(); i++) {
          const auto& rows = results[first_count + i].rows;
          if (!tables[i].index_entries && !rows.empty() && !rows[0].empty()) next.rows_total += static_cast<uint64_t>(int_of(rows[0][0]));
        }
      }
      if (moving_from(job, n).empty()) continue;
      for (auto& t : tables) next.cursors.push_back({n, t.name, INT64_MIN, false});
    }
    next.phase = next.cancel_requested ? Phase::Abort : Phase::Copy;
    co_return co_await save(next);
  }

  // ---- copy: one batch per source node per call ----
  Task<Status> copy() {
    ReshardJob next = job;
    PerNode reads;
    std::vector<std::pair<uint32_t, size_t>> which;  // (source, cursor index) per read request
    for (size_t ci = 0; ci < next.cursors.size(); ci++) {
      auto& cur = next.cursors[ci];
      if (cur.done || reads.count(cur.source)) continue;
      const NodeTable* t = find(cur.table);
      if (!t) {
        cur.done = true;
        continue;
      }
      reads[cur.source].push_back(batch_select(*t, moving_ranges(cur.source), cur.after, c.options().copy_batch_rows));
      which.push_back({cur.source, ci});
    }
    std::sort(which.begin(), which.end());  // responses come in node order
    if (!which.empty()) {
      auto resp = co_await admin(s, std::move(reads));
      if (!resp.ok()) co_return resp.error();
      PerNode writes;
      for (size_t k = 0; k < which.size(); k++) {
        auto [src, ci] = which[k];
        auto& cur = next.cursors[ci];
        const NodeTable& t = *find(cur.table);
        auto& rows = (*resp)[k].results[0].rows;
        std::map<uint32_t, std::vector<std::pair<int64_t, Row>>> per_target;
        for (auto& row : rows) {
          auto vals = decode_exact(row, 1, t.cols.size());
          if (!vals.ok()) co_return vals.error();
          int64_t rid = int_of(row[0]);
          int64_t to = target_of(src, static_cast<uint64_t>(vals->back().i));
          cur.after = rid == INT64_MAX ? rid : rid + 1;  // the next batch starts after it
          if (rid == INT64_MAX) cur.done = true;
          if (to < 0) continue;
          per_target[static_cast<uint32_t>(to)].push_back({rid, std::move(*vals)});
        }
        for (auto& [to, list] : per_target) stage_inserts(writes[to], t, src, list);
        if (!t.index_entries) next.rows_copied += rows.size();
        if (last_batch(rows, c.options().copy_batch_rows)) cur.done = true;
      }
      if (auto w = co_await admin(s, std::move(writes)); !w.ok()) co_return w.error();
    }
    bool all_done = std::all_of(next.cursors.begin(), next.cursors.end(), [](auto& c2) { return c2.done; });
    if (next.cancel_requested)
      next.phase = Phase::Abort;
    else if (all_done)
      next.phase = Phase::CatchUp;
    co_return co_await save(next);
  }

  // ---- catch-up: replays a slice of the logged rows into staging ----
  struct Replayed {
    uint64_t rows = 0;    // rows re-read and replaced
    bool drained = true;  // the whole log has been replayed
  };
  Task<Result<Replayed>> replay(ReshardJob& next) {
    // Round trip 1, per source: this round's slice of the log (the next kReplayEntries entries),
    // how many entries remain after it, and per table the rows it names with their first entry and
    // their size now (0: deleted, or moved out of the moving ranges).
    PerNode lists;
    std::vector<uint32_t> sources = job.sources();
    for (auto src : sources) {
      auto& v = lists[src];
      storage::NodeOp slice;
      slice.kind = storage::OpKind::ChangeSlice;
      slice.number = next.log_applied[src];
      slice.limit = kReplayEntries;
      v.push_back(storage::op_statement(std::move(slice), false));
      for (auto& t : tables) {
        storage::NodeOp rows;
        rows.kind = storage::OpKind::ChangedRows;
        rows.number = next.log_applied[src];
        rows.limit = kReplayEntries;
        rows.table = t.name;
        rows.columns = t.cols;
        rows.ranges = moving_ranges(src);
        v.push_back(storage::op_statement(std::move(rows), false));
      }
    }
    auto listed = co_await admin(s, std::move(lists));
    if (!listed.ok()) co_return listed.error();
    // Per source, the rows to replay now: in order of their first log entry, until kCopyBatchBytes
    // (at least one). The log is replayed up to just before the first row left for later.
    struct Entry {
      int64_t first;
      size_t table;
      int64_t rid;
    };
    std::vector<std::vector<std::vector<int64_t>>> chosen(sources.size(), std::vector<std::vector<int64_t>>(tables.size()));
    std::vector<int64_t> applied_to(sources.size());
    bool drained = true;
    PerNode fetches;
    for (size_t k = 0; k < sources.size(); k++) {
      auto& results = (*listed)[k].results;
      int64_t hi = int_of(results[0].rows[0][0]);
      if (int_of(results[0].rows[0][1]) > 0) drained = false;
      std::vector<std::pair<Entry, int64_t>> entries;  // (entry, bytes)
      for (size_t i = 0; i < tables.size(); i++)
        for (auto& row : results[1 + i].rows) entries.push_back({{int_of(row[1]), i, int_of(row[0])}, int_of(row[2])});
      std::sort(entries.begin(), entries.end(), [](auto& a, auto& b) { return a.first.first < b.first.first; });
      int64_t bytes = 0;
      applied_to[k] = hi;
      for (size_t e = 0; e < entries.size(); e++) {
        bytes += entries[e].second;
        if (e > 0 && bytes > kCopyBatchBytes) {
          applied_to[k] = entries[e].first.first - 1;
          drained = false;
          break;
        }
        chosen[k][entries[e].first.table].push_back(entries[e].first.rid);
      }
      // Round trip 2: the chosen rows as they are now.
      for (size_t i = 0; i < tables.size(); i++)
        fetches[sources[k]].push_back(fetch_rows(storage::OpKind::FetchLogged, tables[i], chosen[k][i], moving_ranges(sources[k])));
    }
    auto fetched = co_await admin(s, std::move(fetches));
    if (!fetched.ok()) co_return fetched.error();
    PerNode writes;
    uint64_t replayed = 0;
    // No sharded table (only reference tables move): nothing was fetched, and there are no answers.
    for (size_t k = 0; k < sources.size() && k < fetched->size(); k++) {
      uint32_t src = sources[k];
      auto& results = (*fetched)[k].results;
      for (size_t i = 0; i < tables.size(); i++) {
        auto& rows = results[i].rows;
        if (rows.empty()) continue;
        replayed += rows.size();
        std::vector<int64_t> rids;
        std::map<uint32_t, std::vector<std::pair<int64_t, Row>>> per_target;
        for (auto& row : rows) {
          int64_t rid = int_of(row[0]);
          rids.push_back(rid);
          if (int_of(row[1]) == 0) continue;
          auto vals = decode_exact(row, 2, tables[i].cols.size());
          if (!vals.ok()) co_return vals.error();
          int64_t to = target_of(src, static_cast<uint64_t>(vals->back().i));
          if (to >= 0) per_target[static_cast<uint32_t>(to)].push_back({rid, std::move(*vals)});
        }
        // A row's old copy may sit at any target of this source (its key can have changed).
        for (auto dst : targets_of(src)) stage_deletes(writes[dst], tables[i], src, rids);
        for (auto& [to, list] : per_target) stage_inserts(writes[to], tables[i], src, list);
      }
      next.log_applied[src] = std::max(next.log_applied[src], applied_to[k]);
    }
    if (auto w = co_await admin(s, std::move(writes)); !w.ok()) co_return w.error();
    next.changes_replayed += replayed;
    co_return Replayed{replayed, drained};
  }

  Task<Status> catch_up() {
    ReshardJob next = job;
    auto n = co_await replay(next);
    if (!n.ok()) co_return n.error();
    next.catchup_rounds++;
    if (next.cancel_requested)
      next.phase = Phase::Abort;
    else if ((n->drained && n->rows < kQuietChanges) || next.catchup_rounds >= kMaxCatchUpRounds)
      next.phase = Phase::Fence;
    co_return co_await save(next);
  }

  Task<Status> fence() {
    PerNode per;
    for (auto src : job.sources()) per[src].push_back(node_op(storage::OpKind::SetFence, moving_from(job, src)));
    if (auto r = co_await admin(s, std::move(per)); !r.ok()) co_return r.error();
    ReshardJob next = job;
    next.phase = Phase::FinalCatchUp;
    co_return co_await save(next);
  }

  // ---- final catch-up under the fence, then a rowid-by-rowid check of staging against S ----
  // Whether a transaction still holds rows (undo, locks) of the moving shards on a source: the
  // switch waits for it to commit or roll back (the fence keeps new writes out meanwhile; its
  // undo, ordinary writes, reaches the change log like any other).
  Task<Result<bool>> transactions_on_moving() {
    PerNode probe;
    for (auto src : job.sources()) {
      storage::NodeOp op;
      op.kind = storage::OpKind::TxnsInRanges;
      op.ranges = moving_ranges(src);
      probe[src].push_back(storage::op_statement(std::move(op), false));
    }
    auto r = co_await admin(s, std::move(probe));
    if (!r.ok()) co_return r.error();
    for (auto& resp : *r)
      if (resp.results[0].rows[0][0].i > 0) co_return true;
    co_return false;
  }

  Task<Status> final_catch_up() {
    ReshardJob next = job;
    auto n = co_await replay(next);
    if (!n.ok()) co_return n.error();
    if (!n->drained) co_return co_await save(next);  // more of the log next time, still fenced
    auto busy = co_await transactions_on_moving();
    if (!busy.ok()) co_return busy.error();
    if (*busy) co_return co_await save(next);  // a transaction holds moving rows: fenced, it ends first
    std::vector<uint32_t> sources = job.sources(), targets = job.targets();
    PerNode reads;
    for (auto src : sources)
      for (auto& t : tables)
        reads[src].push_back(t.sweep ? range_op(storage::OpKind::RangeRowids, t, moving_ranges(src)) : stmt("SELECT 1 WHERE 0", {}, false));
    for (auto dst : targets)
      for (auto& t : tables)
        reads[dst].push_back(t.sweep ? stage_op(storage::OpKind::StageRowids, t) : stmt("SELECT 1, 1 WHERE 0", {}, false));
    std::vector<uint32_t> order;
    for (auto& [node, _] : reads) order.push_back(node);
    auto resp = co_await admin(s, std::move(reads));
    if (!resp.ok()) co_return resp.error();
    auto results_of = [&](uint32_t node) -> std::vector<ResultSet>& {
      size_t k = std::find(order.begin(), order.end(), node) - order.begin();
      return (*resp)[k].results;
    };
    PerNode fixes, fetch;
    std::vector<std::pair<uint32_t, size_t>> fetched;  // (source, table) per fetch statement
    for (size_t i = 0; i < tables.size(); i++) {
      for (auto src : sources) {
        // (A growing database's sources are over-full and its targets under-full: never both.)
        std::set<int64_t> expected;
        for (auto& row : results_of(src)[i].rows) expected.insert(int_of(row[0]));
        std::set<int64_t> staged;
        for (auto dst : targets) {
          std::vector<int64_t> extra;
          for (auto& row : results_of(dst)[i].rows) {
            if (static_cast<uint32_t>(int_of(row[0])) != src) continue;
            int64_t rid = int_of(row[1]);
            if (!expected.count(rid))
              extra.push_back(rid);
            else
              staged.insert(rid);
          }
          if (!extra.empty()) stage_deletes(fixes[dst], tables[i], src, extra);
        }
        std::vector<int64_t> missing;
        for (auto rid : expected)
          if (!staged.count(rid)) missing.push_back(rid);
        if (!missing.empty()) {
          fetch[src].push_back(fetch_rows(storage::OpKind::FetchRows, tables[i], std::move(missing), {}));
          fetched.push_back({src, i});
        }
      }
    }
    if (!fetched.empty()) {
      std::vector<uint32_t> forder;
      for (auto& [node, _] : fetch) forder.push_back(node);
      auto got = co_await admin(s, std::move(fetch));
      if (!got.ok()) co_return got.error();
      std::map<uint32_t, size_t> next_stmt;
      for (auto [src, i] : fetched) {
        size_t k = std::find(forder.begin(), forder.end(), src) - forder.begin();
        auto& rows = (*got)[k].results[next_stmt[src]++].rows;
        std::map<uint32_t, std::vector<std::pair<int64_t, Row>>> per_target;
        for (auto& row : rows) {
          auto vals = decode_exact(row, 1, tables[i].cols.size());
          if (!vals.ok()) co_return vals.error();
          int64_t to = target_of(src, static_cast<uint64_t>(vals->back().i));
          if (to >= 0) per_target[static_cast<uint32_t>(to)].push_back({int_of(row[0]), std::move(*vals)});
        }
        for (auto& [to, list] : per_target) stage_inserts(fixes[to], tables[i], src, list);
        next.changes_replayed += rows.size();
      }
    }
    if (auto w = co_await admin(s, std::move(fixes)); !w.ok()) co_return w.error();
    next.phase = Phase::Activate;
    co_return co_await save(next);
  }

  std::vector<uint32_t> owned_by(uint32_t node) const {
    std::vector<uint32_t> own;
    for (auto& v : topo->vshards)
      if (v.node == node) own.push_back(v.id);
    return own;
  }

  // The users' triggers on each node (name, table, sql): moving rows is not a user's insert or
  // delete, so activation and cleanup drop them and create them again in the same transaction.
  struct UserTrigger {
    std::string name, table, sql;
  };
  Task<Result<std::map<uint32_t, std::vector<UserTrigger>>>> user_triggers(const std::vector<uint32_t>& nodes) {
    PerNode per;
    for (auto n : nodes) {
      per[n].push_back(node_op(storage::OpKind::UserObjects));
      per[n].back().write = false;
    }
    auto resp = co_await admin(s, std::move(per));
    if (!resp.ok()) co_return resp.error();
    std::map<uint32_t, std::vector<UserTrigger>> out;
    for (size_t k = 0; k < nodes.size(); k++)
      for (auto& row : (*resp)[k].results[0].rows)
        if (row[0].s == "trigger") out[nodes[k]].push_back({row[1].s, row[2].s, row[3].s});
    co_return out;
  }
  static void without_triggers(std::vector<storage::Statement>& v, const std::vector<UserTrigger>& triggers, const std::string& table,
                               std::vector<storage::Statement> work) {
    for (auto& tr : triggers)
      if (iequals(tr.table, table)) v.push_back(stmt("DROP TRIGGER IF EXISTS " + q(tr.name)));
    for (auto& w : work) v.push_back(std::move(w));
    for (auto& tr : triggers)
      if (iequals(tr.table, table)) v.push_back(stmt(tr.sql));
  }

  // ---- activate: staging becomes live on the targets, which own the shards from the next epoch ----
  Task<Status> activate() {
    PerNode per;
    const int64_t next_epoch = static_cast<int64_t>(topo->epoch + 1);
    std::vector<uint32_t> targets = job.targets();
    auto triggers = co_await user_triggers(targets);
    if (!triggers.ok()) co_return triggers.error();
    for (auto dst : targets) {
      auto& v = per[dst];
      // In catalog order: parents are usually created before the tables that reference them.
      for (auto& t : tables) {
        std::vector<storage::Statement> work;
        work.push_back(stage_op(storage::OpKind::StageActivate, t));
        without_triggers(v, (*triggers)[dst], t.name, std::move(work));
      }
      std::vector<uint32_t> own = owned_by(dst);
      for (auto id : moving_to(job, dst)) own.push_back(id);
      v.push_back(set_owned(own));
      v.push_back(raise_epoch(static_cast<uint64_t>(next_epoch)));
    }
    if (auto r = co_await admin(s, std::move(per)); !r.ok()) co_return r.error();
    ReshardJob next = job;
    next.phase = Phase::Cleanup;
    co_return co_await save(next);
  }

  std::vector<storage::Statement> drop_capture() const {
    std::vector<storage::Statement> v;
    storage::NodeOp op;
    op.kind = storage::OpKind::CaptureStop;
    op.tables = table_names();
    v.push_back(storage::op_statement(std::move(op)));
    v.push_back(node_op(storage::OpKind::ClearFence));
    return v;
  }

  // ---- cleanup: the sources delete what moved and stop owning it ----
  Task<Status> cleanup() {
    PerNode per;
    const int64_t next_epoch = static_cast<int64_t>(topo->epoch + 1);
    std::vector<uint32_t> sources = job.sources();
    auto triggers = co_await user_triggers(sources);
    if (!triggers.ok()) co_return triggers.error();
    for (auto src : sources) {
      auto& v = per[src];
      v = drop_capture();
      // Children before parents (reverse catalog order), without the users' triggers.
      for (auto it = tables.rbegin(); it != tables.rend(); ++it) {
        std::vector<storage::Statement> work;
        work.push_back(range_op(storage::OpKind::RangeDelete, *it, moving_ranges(src)));
        without_triggers(v, (*triggers)[src], it->name, std::move(work));
      }
      std::vector<uint32_t> own, moving = moving_from(job, src);
      for (auto id : owned_by(src))
        if (std::find(moving.begin(), moving.end(), id) == moving.end()) own.push_back(id);
      for (auto id : moving_to(job, src)) own.push_back(id);
      v.push_back(set_owned(own));
      v.push_back(raise_epoch(static_cast<uint64_t>(next_epoch)));
    }
    if (auto r = co_await admin(s, std::move(per)); !r.ok()) co_return r.error();
    ReshardJob next = job;
    next.phase = Phase::Switch;
    co_return co_await save(next);
  }

  Task<Status> switch_over() {
    ReshardJob next = job;
    next.phase = Phase::Finish;
    co_return co_await save(next, topology::Op::Switch);
  }

  Task<Status> drop_staging(Phase then) {
    PerNode per;
    for (auto dst : job.targets())
      for (auto& t : tables) per[dst].push_back(stage_op(storage::OpKind::StageDrop, t));
    if (then == Phase::Cancelled)
      for (auto src : job.sources())
        for (auto& st : drop_capture()) per[src].push_back(std::move(st));
    if (auto r = co_await admin(s, std::move(per)); !r.ok()) co_return r.error();
    ReshardJob next = job;
    next.phase = then;
    if (then == Phase::Done && job.wave_end < job.moves.size()) {
      // The next wave.
      next.wave_begin = job.wave_end;
      next.wave_end = std::min<uint32_t>(job.moves.size(), job.wave_end + std::max<uint32_t>(1, job.wave_size));
      next.catchup_rounds = 0;
      next.cursors.clear();
      next.phase = Phase::Capture;
    }
    co_return co_await save(next);
  }

  const NodeTable* find(const std::string& name) const {
    for (auto& t : tables)
      if (t.name == name) return &t;
    return nullptr;
  }
  std::vector<uint32_t> targets_of(uint32_t source) const {
    std::vector<uint32_t> out;
    for (auto& m : job.wave())
      if (m.from == source && std::find(out.begin(), out.end(), m.to) == out.end()) out.push_back(m.to);
    return out;
  }

  Task<Status> save(ReshardJob next, topology::Op op = topology::Op::JobSave) {
    next.failures = 0;
    next.last_error.clear();
    auto reply = co_await topology_call(s, topology::job_save_request(next, op));
    if (!reply.ok()) co_return reply.error();
    auto saved = topology::decode_job_response(*reply);
    if (!saved.ok()) co_return saved.error();
    if (*saved) job = std::move(**saved);
    co_return ok_status();
  }

  Task<Status> step() {
    switch (job.phase) {
      case Phase::Join: co_return co_await join();
      case Phase::Capture: co_return co_await capture();
      case Phase::Copy: co_return co_await copy();
      case Phase::CatchUp: co_return co_await catch_up();
      case Phase::Fence: co_return co_await fence();
      case Phase::FinalCatchUp: co_return co_await final_catch_up();
      case Phase::Activate: co_return co_await activate();
      case Phase::Cleanup: co_return co_await cleanup();
      case Phase::Switch: co_return co_await switch_over();
      case Phase::Finish: co_return co_await drop_staging(Phase::Done);
      case Phase::Abort: co_return co_await drop_staging(Phase::Cancelled);
      case Phase::Done:
      case Phase::Cancelled: co_return ok_status();
    }
    co_return Error::internal("unknown resize phase");
  }
};

}  // namespace

QueryOutput job_output(const std::optional<ReshardJob>& job) {
  QueryOutput out;
  out.rs.columns.push_back("job");
  Row row;
  row.push_back(Value::text(job ? job->json() : std::string("null")));
  out.rs.rows.push_back(std::move(row));
  return out;
}

Task<Result<QueryOutput>> split_vshard(Conductor& c, Session& s, uint32_t vshard) {
  auto topo = co_await load_topology(c, s, 0, true);
  if (!topo.ok()) co_return topo.error();
  if ((*topo)->resizing) co_return Error::sql("a resize is in progress; split virtual shards when it has finished");
  const VShard* v = nullptr;
  uint32_t next_id = 0;
  for (auto& x : (*topo)->vshards) {
    if (x.id == vshard) v = &x;
    next_id = std::max(next_id, x.id + 1);
  }
  if (!v) co_return Error::sql("no such virtual shard: " + std::to_string(vshard));
  std::vector<uint32_t> own;
  for (auto& x : (*topo)->vshards)
    if (x.node == v->node) own.push_back(x.id);
  own.push_back(next_id);
  PerNode per;
  // Only a node that tracks ownership (it took part in a move) needs to learn of the new shard.
  per[v->node].push_back(node_op(storage::OpKind::RetrackOwned, own));
  if (auto r = co_await admin(s, std::move(per)); !r.ok()) co_return r.error();
  auto reply = co_await topology_call(s, topology::split_vshard_request(vshard, (*topo)->epoch));
  if (!reply.ok()) co_return reply.error();
  auto t = topology::decode_topology_response(*reply);
  if (!t.ok()) co_return t.error();
  auto after = adopt_topology(c, std::move(*t));
  QueryOutput out;
  out.rs.columns = {"vshard", "lo", "hi", "node"};
  for (auto& x : after->vshards)
    if (x.id == vshard || x.id == next_id) {
      Row row;
      row.push_back(Value::integer(x.id));
      row.push_back(Value::text(std::to_string(x.lo)));
      row.push_back(Value::text(std::to_string(x.hi)));
      row.push_back(Value::integer(x.node));
      out.rs.rows.push_back(std::move(row));
    }
  co_return out;
}

Task<Result<QueryOutput>> reshard_step(Conductor& c, Session& s) {
  auto reply = co_await topology_call(s, topology::job_get_request());
  if (!reply.ok()) co_return reply.error();
  auto job = topology::decode_job_response(*reply);
  if (!job.ok()) co_return job.error();
  if (!*job || !(*job)->active()) co_return job_output(*job);
  auto topo = co_await load_topology(c, s, 0, true);
  if (!topo.ok()) co_return topo.error();
  Runner run{c, s, *topo, std::move(**job), moving_tables(**topo)};
  if (run.job.cancel_requested && run.job.phase <= Phase::CatchUp && run.job.phase != Phase::Join) run.job.phase = Phase::Abort;
  auto st = co_await run.step();
  if (!st.ok()) {
    // The step failed: record it (the host backs off by `failures`); the next call retries it.
    ReshardJob failed = run.job;
    failed.failures++;
    failed.last_error = std::string(topology::phase_name(failed.phase)) + ": " + st.error().message;
    auto saved = co_await topology_call(s, topology::job_save_request(failed));
    if (saved.ok())
      if (auto j = topology::decode_job_response(*saved); j.ok() && *j) co_return job_output(*j);
    co_return job_output(failed);
  }
  co_return job_output(run.job);
}

}  // namespace bd
