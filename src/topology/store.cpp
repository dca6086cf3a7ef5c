#include "topology/store.h"

#include <algorithm>
#include <cstdlib>
#include "topology/insights.h"
#include "wire/codec.h"
#include "topology/fts_table.h"

namespace bd::topology {
namespace {

std::string error_response(const Error& e) {
  wire::Writer w;
  w.u8(static_cast<uint8_t>(e.code));
  w.str(e.message);
  return w.take();
}

Status exec(SqlHost& sql, std::string_view q, std::vector<Value> params = {}) {
  auto r = sql.exec(q, params);
  if (!r.ok()) return r.error();
  return ok_status();
}

Status init_schema(SqlHost& sql) {
  const char* ddl[] = {
      "CREATE TABLE IF NOT EXISTS _bd_meta(k TEXT PRIMARY KEY, v ANY) STRICT",
      "CREATE TABLE IF NOT EXISTS _bd_vshards(id INTEGER PRIMARY KEY, lo TEXT NOT NULL, hi TEXT NOT NULL, node INTEGER NOT NULL)",
      "CREATE TABLE IF NOT EXISTS _bd_tables(name TEXT PRIMARY KEY COLLATE NOCASE, info BLOB NOT NULL)",
      "CREATE TABLE IF NOT EXISTS _bd_sequences(name TEXT PRIMARY KEY COLLATE NOCASE, next INTEGER NOT NULL)",
  };
  for (auto* q : ddl) {
    auto s = exec(sql, q);
    if (!s.ok()) return s;
  }
  return ok_status();
}

Result<int64_t> meta_int(SqlHost& sql, const char* key) {
  auto r = sql.exec("SELECT v FROM _bd_meta WHERE k = ?", {Value::text(key)});
  if (!r.ok()) return r.error();
  if (r->rows.empty()) return int64_t{-1};
  return r->rows[0][0].i;
}

Status set_meta(SqlHost& sql, const char* key, Value v) {
  return exec(sql, "INSERT INTO _bd_meta(k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
              {Value::text(key), std::move(v)});
}

Result<Topology> load(SqlHost& sql) {
  Topology t;
  auto meta = sql.exec("SELECT k, v FROM _bd_meta", {});
  if (!meta.ok()) return meta.error();
  for (auto& row : meta->rows) {
    auto& k = row[0].s;
    if (k == "database")
      t.database = row[1].s;
    else if (k == "version")
      t.version = static_cast<uint64_t>(row[1].i);
    else if (k == "epoch")
      t.epoch = static_cast<uint64_t>(row[1].i);
    else if (k == "nodes")
      t.nodes = static_cast<uint32_t>(row[1].i);
    else if (k == "schema") {
      wire::Reader sr(row[1].s);
      auto rows = decode_schema(sr);
      if (!rows.ok()) return rows.error();
      t.schema = std::move(*rows);
      t.has_schema = true;
    } else if (k == "user_version")
      t.user_version = row[1].i;
    else if (k == "job") {
      wire::Reader jr(row[1].s);
      auto job = ReshardJob::decode(jr);
      if (job.ok() && job->active()) t.resizing = true;
    }
  }
  auto vs = sql.exec("SELECT id, lo, hi, node FROM _bd_vshards ORDER BY id", {});
  if (!vs.ok()) return vs.error();
  for (auto& row : vs->rows)
    // Keyspace bounds are unsigned 64-bit: kept as decimal text, since a Durable Object's SQL API
    // carries integers through JavaScript numbers (exact only to 2^53).
    t.vshards.push_back({static_cast<uint32_t>(row[0].i), std::strtoull(row[1].s.c_str(), nullptr, 10),
                         std::strtoull(row[2].s.c_str(), nullptr, 10), static_cast<uint32_t>(row[3].i)});
  std::sort(t.vshards.begin(), t.vshards.end(), [](const VShard& a, const VShard& b) { return a.lo < b.lo; });
  auto tables = sql.exec("SELECT info FROM _bd_tables ORDER BY rowid", {});
  if (!tables.ok()) return tables.error();
  for (auto& row : tables->rows) {
    wire::Reader r(row[0].s);
    if (r.u32() != 2) return Error::internal("unknown table record format in topology");
    auto ti = decode_table(r);
    if (!ti.ok()) return ti.error();
    t.tables.push_back(std::move(*ti));
  }
  return t;
}

std::string encode_table_record(const TableInfo& ti) {
  wire::Writer w;
  w.u32(2);  // record format version
  encode_table(w, ti);
  return w.take();
}

Status bump_version(SqlHost& sql, bool placement) {
  auto v = meta_int(sql, "version");
  if (!v.ok()) return v.error();
  auto s = set_meta(sql, "version", Value::integer(*v + 1));
  if (!s.ok() || !placement) return s;
  auto e = meta_int(sql, "epoch");
  if (!e.ok()) return e.error();
  return set_meta(sql, "epoch", Value::integer(*e + 1));
}

std::string topology_response(SqlHost& sql) {
  auto t = load(sql);
  if (!t.ok()) return error_response(t.error());
  wire::Writer w;
  w.u8(0);
  t->encode(w);
  return w.take();
}

Status create(SqlHost& sql, std::string_view database, uint32_t nodes) {
  if (nodes < 1 || nodes > limits::kMaxNodes)
    return Error::sql("nodes must be between 1 and " + std::to_string(limits::kMaxNodes) + ", got " + std::to_string(nodes));
  // A database deleted under this name left its high-water marks: start above them, so that nodes
  // refuse requests planned on the deleted database's catalog or placement.
  auto dv = meta_int(sql, "dropped_version");
  if (!dv.ok()) return dv.error();
  auto de = meta_int(sql, "dropped_epoch");
  if (!de.ok()) return de.error();
  for (auto [k, v] : {std::pair<const char*, Value>{"database", Value::text(database)},
                      {"version", Value::integer(std::max<int64_t>(1, *dv + 1))},
                      {"epoch", Value::integer(std::max<int64_t>(1, *de + 1))},
                      {"nodes", Value::integer(nodes)},
                      {"nodes_max", Value::integer(nodes)}}) {
    auto s = set_meta(sql, k, v);
    if (!s.ok()) return s;
  }
  // Equal keyspace ranges, dealt round-robin so that every node owns shards from the start.
  const uint64_t width = (~uint64_t{0}) / kDefaultVShards + 1;
  for (uint32_t i = 0; i < kDefaultVShards; i++) {
    uint64_t lo = width * i, hi = i + 1 == kDefaultVShards ? ~uint64_t{0} : width * (i + 1) - 1;
    auto s = exec(sql, "INSERT INTO _bd_vshards(id, lo, hi, node) VALUES (?, ?, ?, ?)",
                  {Value::integer(i), Value::text(std::to_string(lo)), Value::text(std::to_string(hi)), Value::integer(i % nodes)});
    if (!s.ok()) return s;
  }
  return ok_status();
}

Result<std::optional<ReshardJob>> load_job(SqlHost& sql) {
  auto r = sql.exec("SELECT v FROM _bd_meta WHERE k = 'job'", {});
  if (!r.ok()) return r.error();
  if (r->rows.empty()) return std::optional<ReshardJob>();
  wire::Reader jr(r->rows[0][0].s);
  auto job = ReshardJob::decode(jr);
  if (!job.ok()) return job.error();
  return std::optional<ReshardJob>(std::move(*job));
}

Status store_job(SqlHost& sql, ReshardJob& job) {
  job.rev++;
  wire::Writer w;
  job.encode(w);
  return set_meta(sql, "job", Value::blob(w.take()));
}

std::string job_response(const std::optional<ReshardJob>& job) {
  wire::Writer w;
  w.u8(0);
  w.u8(job.has_value());
  if (job) job->encode(w);
  return w.take();
}

// Moving rows between nodes copies plain tables; an FTS5 table's index is not copied yet.
Status refuse_moving_fts(const Topology& t) {
  for (auto& ti : t.tables)
    if (is_fts5(ti))
      return Error::unsupported("resizing or moving virtual shards of a database with FTS5 tables is not supported yet (table " + ti.name +
                                ")");
  return ok_status();
}

Status refuse_during_resize(SqlHost& sql) {
  auto job = load_job(sql);
  if (!job.ok()) return job.error();
  if (*job && (*job)->active())
    return Error::sql("the schema cannot change while the database is being resized (phase " + std::string(phase_name((*job)->phase)) +
                      "); retry when the resize has finished");
  return ok_status();
}

// Saves a new job that runs `moves` (and grows the topology to `nodes`).
std::string start_job(SqlHost& sql, const Topology& t, const std::optional<ReshardJob>& last, std::vector<Move> moves, uint32_t nodes,
                      uint32_t wave_vshards) {
  for (auto& ti : t.tables)
    if (ti.kind == TableKind::Sharded && ti.without_rowid)
      return error_response(Error::unsupported("moving data of a sharded WITHOUT ROWID table (" + ti.name + ") is not supported yet"));
  ReshardJob nj;
  nj.id = last ? last->id + 1 : 1;
  nj.rev = last ? last->rev : 0;
  nj.from_nodes = t.nodes;
  nj.to_nodes = nodes;
  nj.phase = Phase::Join;
  nj.moves = std::move(moves);
  // Waves of about equal size, at most wave_vshards virtual shards each.
  uint32_t per = std::max<uint32_t>(1, wave_vshards);
  uint32_t waves = static_cast<uint32_t>((nj.moves.size() + per - 1) / per);
  nj.wave_size = waves ? static_cast<uint32_t>((nj.moves.size() + waves - 1) / waves) : 0;
  nj.wave_end = nj.wave_size;
  nj.log_applied.assign(std::max(nodes, t.nodes), 0);
  nj.catalog_version = t.version;
  if (auto s = store_job(sql, nj); !s.ok()) return error_response(s.error());
  return job_response(nj);
}

Status raise_nodes_max(SqlHost& sql, uint32_t nodes) {
  auto m = meta_int(sql, "nodes_max");
  if (!m.ok()) return m.error();
  if (*m >= static_cast<int64_t>(nodes)) return ok_status();
  return set_meta(sql, "nodes_max", Value::integer(nodes));
}

std::string drop(SqlHost& sql, const std::string& database, DropStage stage) {
  auto t = load(sql);
  if (!t.ok()) return error_response(t.error());
  auto dropping = meta_int(sql, "dropping");
  if (!dropping.ok()) return error_response(dropping.error());
  if (t->version == 0 && *dropping <= 0) return error_response(Error::not_found("no such database: " + database));
  if (stage == DropStage::Begin) {
    auto job = load_job(sql);
    if (!job.ok()) return error_response(job.error());
    if (*job && (*job)->active())
      return error_response(Error::sql(std::string("a resize is in progress (phase ") + phase_name((*job)->phase) +
                                       "); cancel it or wait for it to finish before deleting the database"));
    // Every node that ever held a part: a shrink leaves the nodes beyond the new count with copies
    // of the reference tables.
    auto m = meta_int(sql, "nodes_max");
    if (!m.ok()) return error_response(m.error());
    uint32_t nodes = std::max<uint32_t>(t->nodes, static_cast<uint32_t>(std::max<int64_t>(0, *m)));
    if (*job) nodes = std::max({nodes, (*job)->from_nodes, (*job)->to_nodes});
    if (auto s = set_meta(sql, "dropping", Value::integer(1)); !s.ok()) return error_response(s.error());
    if (auto s = set_meta(sql, "nodes_max", Value::integer(nodes)); !s.ok()) return error_response(s.error());
    wire::Writer w;
    w.u8(0);
    w.u32(nodes);
    return w.take();
  }
  if (*dropping <= 0) return error_response(Error::internal("finishing a drop that was not begun"));
  // Keep what a later database of the same name must start above: catalog version, placement
  // epoch (nodes compare both) and the id sequences (conductors may still hold id blocks).
  auto s = set_meta(sql, "dropped_version", Value::integer(static_cast<int64_t>(t->version)));
  if (s.ok()) s = set_meta(sql, "dropped_epoch", Value::integer(static_cast<int64_t>(t->epoch)));
  if (s.ok()) s = exec(sql, "DELETE FROM _bd_meta WHERE k NOT IN ('dropped_version', 'dropped_epoch')");
  if (s.ok()) s = exec(sql, "DELETE FROM _bd_vshards");
  if (s.ok()) s = exec(sql, "DELETE FROM _bd_tables");
  if (s.ok()) s = insights::forget(sql);
  if (!s.ok()) return error_response(s.error());
  wire::Writer w;
  w.u8(0);
  w.u32(0);
  return w.take();
}

std::string handle_impl(SqlHost& sql, wire::Reader& r) {
  auto op = static_cast<Op>(r.u8());
  if (auto s = init_schema(sql); !s.ok()) return error_response(s.error());
  switch (op) {
    case Op::Init: {
      wire::Writer w;
      w.u8(0);
      return w.take();
    }
    case Op::GetOrCreate: {
      std::string database(r.str());
      uint32_t nodes = r.u32();
      if (!r.ok()) return error_response(Error::internal("corrupt topology request"));
      auto v = meta_int(sql, "version");
      if (!v.ok()) return error_response(v.error());
      auto dropping = meta_int(sql, "dropping");
      if (!dropping.ok()) return error_response(dropping.error());
      if (*dropping > 0) {
        if (nodes == 0) return error_response(Error::not_found("no such database: " + database + " (it is being deleted)"));
        return error_response(Error::sql("database " + database + " is being deleted; delete it again to finish, then create it"));
      }
      if (*v < 0) {
        if (nodes == 0) return error_response(Error::not_found("no such database: " + database));
        if (auto s = create(sql, database, nodes); !s.ok()) return error_response(s.error());
      }
      return topology_response(sql);
    }
    case Op::PutTable: {
      uint64_t expected = static_cast<uint64_t>(r.i64());
      auto ti = decode_table(r);
      if (!ti.ok()) return error_response(ti.error());
      if (auto s = refuse_during_resize(sql); !s.ok()) return error_response(s.error());
      auto v = meta_int(sql, "version");
      if (!v.ok()) return error_response(v.error());
      if (expected && static_cast<uint64_t>(*v) != expected)
        return error_response(Error::retryable("catalog changed concurrently (version " + std::to_string(*v) + ")"));
      auto s = exec(sql, "INSERT INTO _bd_tables(name, info) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET info = excluded.info",
                    {Value::text(ti->name), Value::blob(encode_table_record(*ti))});
      if (!s.ok()) return error_response(s.error());
      if (auto b = bump_version(sql, false); !b.ok()) return error_response(b.error());
      return topology_response(sql);
    }
    case Op::DropTable: {
      uint64_t expected = static_cast<uint64_t>(r.i64());
      std::string name(r.str());
      if (auto s = refuse_during_resize(sql); !s.ok()) return error_response(s.error());
      auto v = meta_int(sql, "version");
      if (!v.ok()) return error_response(v.error());
      if (expected && static_cast<uint64_t>(*v) != expected)
        return error_response(Error::retryable("catalog changed concurrently (version " + std::to_string(*v) + ")"));
      auto s = exec(sql, "DELETE FROM _bd_tables WHERE name = ?", {Value::text(name)});
      if (!s.ok()) return error_response(s.error());
      if (auto b = bump_version(sql, false); !b.ok()) return error_response(b.error());
      return topology_response(sql);
    }
    case Op::Catalog: {
      uint64_t expected = static_cast<uint64_t>(r.i64());
      CatalogChange c;
      uint32_t np = r.count();
      for (uint32_t i = 0; i < np && r.ok(); i++) {
        auto ti = decode_table(r);
        if (!ti.ok()) return error_response(ti.error());
        c.puts.push_back(std::move(*ti));
      }
      uint32_t nd = r.count();
      for (uint32_t i = 0; i < nd && r.ok(); i++) c.drops.emplace_back(r.str());
      if (r.u8()) {
        auto rows = decode_schema(r);
        if (!rows.ok()) return error_response(rows.error());
        c.schema = std::move(*rows);
      }
      if (r.u8()) c.user_version = r.i64();
      if (!r.ok()) return error_response(Error::internal("corrupt catalog request"));
      if (!c.puts.empty() || !c.drops.empty() || c.schema)
        if (auto s = refuse_during_resize(sql); !s.ok()) return error_response(s.error());
      auto v = meta_int(sql, "version");
      if (!v.ok()) return error_response(v.error());
      if (expected && static_cast<uint64_t>(*v) != expected)
        return error_response(Error::retryable("catalog changed concurrently (version " + std::to_string(*v) + ")"));
      for (auto& name : c.drops)
        if (auto s = exec(sql, "DELETE FROM _bd_tables WHERE name = ?", {Value::text(name)}); !s.ok()) return error_response(s.error());
      for (auto& ti : c.puts)
        if (auto s = exec(sql, "INSERT INTO _bd_tables(name, info) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET info = excluded.info",
                          {Value::text(ti.name), Value::blob(encode_table_record(ti))});
            !s.ok())
          return error_response(s.error());
      if (c.schema) {
        wire::Writer sw;
        encode_schema(sw, *c.schema);
        if (auto s = set_meta(sql, "schema", Value::blob(sw.take())); !s.ok()) return error_response(s.error());
      }
      if (c.user_version)
        if (auto s = set_meta(sql, "user_version", Value::integer(*c.user_version)); !s.ok()) return error_response(s.error());
      if (auto b = bump_version(sql, false); !b.ok()) return error_response(b.error());
      return topology_response(sql);
    }
    case Op::AllocIds: {
      std::string name(r.str());
      uint32_t count = r.u32();
      int64_t floor = r.i64();
      if (!r.ok()) return error_response(Error::internal("corrupt id allocation request"));
      auto cur = sql.exec("SELECT next FROM _bd_sequences WHERE name = ?", {Value::text(name)});
      if (!cur.ok()) return error_response(cur.error());
      int64_t next = cur->rows.empty() ? 1 : cur->rows[0][0].i;
      next = std::max(next, floor);
      if (next > INT64_MAX - count) return error_response(Error::sql("database or disk is full"));
      auto s = exec(sql, "INSERT INTO _bd_sequences(name, next) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET next = excluded.next",
                    {Value::text(name), Value::integer(next + count)});
      if (!s.ok()) return error_response(s.error());
      wire::Writer w;
      w.u8(0);
      w.i64(next);
      return w.take();
    }
    case Op::Resize: {
      uint32_t nodes = r.u32();
      uint32_t wave_vshards = r.u32();
      if (!r.ok()) return error_response(Error::internal("corrupt resize request"));
      auto t = load(sql);
      if (!t.ok()) return error_response(t.error());
      if (t->version == 0) return error_response(Error::sql("no such database"));
      if (auto s = refuse_moving_fts(*t); !s.ok()) return error_response(s.error());
      auto job = load_job(sql);
      if (!job.ok()) return error_response(job.error());
      if (*job && (*job)->active()) {
        if ((*job)->to_nodes == nodes) return job_response(*job);
        return error_response(Error::sql("a resize to " + std::to_string((*job)->to_nodes) + " nodes is in progress (phase " +
                                         phase_name((*job)->phase) + "); cancel it or wait for it to finish"));
      }
      if (nodes < 1 || nodes > limits::kMaxNodes)
        return error_response(
            Error::sql("nodes must be between 1 and " + std::to_string(limits::kMaxNodes) + ", got " + std::to_string(nodes)));

      auto moves = plan_moves(*t, nodes);
      if (!moves.ok()) return error_response(moves.error());
      if (moves->empty() && nodes == t->nodes) return job_response(*job);  // balanced already: nothing to do
      return start_job(sql, *t, *job, std::move(*moves), nodes, wave_vshards);
    }
    case Op::MoveVShard: {
      uint32_t vshard = r.u32(), node = r.u32();
      if (!r.ok()) return error_response(Error::internal("corrupt move request"));
      auto t = load(sql);
      if (!t.ok()) return error_response(t.error());
      if (t->version == 0) return error_response(Error::sql("no such database"));
      if (auto s = refuse_moving_fts(*t); !s.ok()) return error_response(s.error());
      auto job = load_job(sql);
      if (!job.ok()) return error_response(job.error());
      if (*job && (*job)->active())
        return error_response(
            Error::sql(std::string("a resize is in progress (phase ") + phase_name((*job)->phase) + "); wait for it to finish"));
      const VShard* v = nullptr;
      for (auto& x : t->vshards)
        if (x.id == vshard) v = &x;
      if (!v) return error_response(Error::sql("no such virtual shard: " + std::to_string(vshard)));
      if (node >= t->nodes)
        return error_response(Error::sql("no such node: " + std::to_string(node) + " (the database has " + std::to_string(t->nodes) +
                                         " nodes; PRAGMA bigdaddy_resize adds nodes)"));
      if (v->node == node)
        return error_response(Error::sql("virtual shard " + std::to_string(vshard) + " is already on node " + std::to_string(node)));
      std::vector<Move> moves;
      moves.push_back({vshard, v->node, node});
      return start_job(sql, *t, *job, std::move(moves), t->nodes, 1);
    }
    case Op::MoveVShards: {
      uint32_t count = r.count();
      std::vector<Move> moves;
      for (uint32_t i = 0; i < count && r.ok(); i++) {
        Move m;
        m.vshard = r.u32();
        m.to = r.u32();
        moves.push_back(m);
      }
      if (!r.ok() || moves.empty()) return error_response(Error::internal("corrupt move request"));
      auto t = load(sql);
      if (!t.ok()) return error_response(t.error());
      if (t->version == 0) return error_response(Error::sql("no such database"));
      if (auto s = refuse_moving_fts(*t); !s.ok()) return error_response(s.error());
      auto job = load_job(sql);
      if (!job.ok()) return error_response(job.error());
      if (*job && (*job)->active())
        return error_response(
            Error::sql(std::string("a resize is in progress (phase ") + phase_name((*job)->phase) + "); wait for it to finish"));
      for (auto& m : moves) {
        const VShard* v = nullptr;
        for (auto& x : t->vshards)
          if (x.id == m.vshard) v = &x;
        if (!v) return error_response(Error::sql("no such virtual shard: " + std::to_string(m.vshard)));
        if (m.to >= t->nodes) return error_response(Error::sql("no such node: " + std::to_string(m.to)));
        for (auto& o : moves)
          if (&o != &m && o.vshard == m.vshard)
            return error_response(Error::sql("virtual shard " + std::to_string(m.vshard) + " is moved twice"));
        m.from = v->node;
      }
      std::erase_if(moves, [](const Move& m) { return m.from == m.to; });
      if (moves.empty()) return job_response(*job);
      uint32_t wave = static_cast<uint32_t>(moves.size());
      return start_job(sql, *t, *job, std::move(moves), t->nodes, wave);
    }
    case Op::SplitVShard: {
      uint32_t vshard = r.u32();
      uint64_t expected_epoch = static_cast<uint64_t>(r.i64());
      if (!r.ok()) return error_response(Error::internal("corrupt split request"));
      auto t = load(sql);
      if (!t.ok()) return error_response(t.error());
      if (t->resizing) return error_response(Error::sql("a resize is in progress; split virtual shards when it has finished"));
      if (t->epoch != expected_epoch) return error_response(Error::retryable("the placement changed concurrently"));
      const VShard* v = nullptr;
      uint32_t next_id = 0;
      for (auto& x : t->vshards) {
        if (x.id == vshard) v = &x;
        next_id = std::max(next_id, x.id + 1);
      }
      if (!v) return error_response(Error::sql("no such virtual shard: " + std::to_string(vshard)));
      if (v->hi - v->lo < 1)
        return error_response(Error::sql("virtual shard " + std::to_string(vshard) + " covers one keyspace id: it cannot split"));
      uint64_t mid = v->lo + (v->hi - v->lo) / 2;
      auto s1 = exec(sql, "UPDATE _bd_vshards SET hi = ? WHERE id = ?", {Value::text(std::to_string(mid)), Value::integer(vshard)});
      if (!s1.ok()) return error_response(s1.error());
      auto s2 = exec(
          sql, "INSERT INTO _bd_vshards(id, lo, hi, node) VALUES (?, ?, ?, ?)",
          {Value::integer(next_id), Value::text(std::to_string(mid + 1)), Value::text(std::to_string(v->hi)), Value::integer(v->node)});
      if (!s2.ok()) return error_response(s2.error());
      if (auto b = bump_version(sql, true); !b.ok()) return error_response(b.error());
      return topology_response(sql);
    }
    case Op::JobGet: {
      auto job = load_job(sql);
      if (!job.ok()) return error_response(job.error());
      return job_response(*job);
    }
    case Op::Cancel: {
      auto job = load_job(sql);
      if (!job.ok()) return error_response(job.error());
      if (!*job || !(*job)->active()) return error_response(Error::sql("no resize is in progress"));
      auto& j = **job;
      if (j.phase >= Phase::Fence && j.phase != Phase::Abort)
        return error_response(
            Error::sql(std::string("too late to cancel the resize: it is switching over (phase ") + phase_name(j.phase) + ")"));
      j.cancel_requested = true;
      if (auto s = store_job(sql, j); !s.ok()) return error_response(s.error());
      return job_response(j);
    }
    case Op::JobSave:
    case Op::Join:
    case Op::Switch: {
      auto next = ReshardJob::decode(r);
      if (!next.ok()) return error_response(next.error());
      auto job = load_job(sql);
      if (!job.ok()) return error_response(job.error());
      if (!*job || (*job)->id != next->id || (*job)->rev != next->rev)
        return error_response(Error::retryable("the resize job changed concurrently"));
      // A cancel that arrived meanwhile is kept.
      if ((*job)->cancel_requested) next->cancel_requested = true;
      if (op != Op::JobSave) {
        auto t = load(sql);
        if (!t.ok()) return error_response(t.error());
        if (op == Op::Join) {
          if (t->version != next->catalog_version)
            return error_response(Error::retryable("the catalog changed while new nodes were joining"));
          if (auto s = set_meta(sql, "nodes", Value::integer(std::max(t->nodes, next->to_nodes))); !s.ok())
            return error_response(s.error());
          if (auto s = raise_nodes_max(sql, std::max(t->nodes, next->to_nodes)); !s.ok()) return error_response(s.error());
          next->catalog_version = t->version + 1;  // the bump below
        } else {
          for (auto& m : (*job)->wave()) {  // the wave that has just moved
            auto s = exec(sql, "UPDATE _bd_vshards SET node = ? WHERE id = ?", {Value::integer(m.to), Value::integer(m.vshard)});
            if (!s.ok()) return error_response(s.error());
          }
          // Shrinking: after the last wave the nodes beyond the new count own nothing and leave.
          if ((*job)->wave_end >= (*job)->moves.size() && next->to_nodes < t->nodes)
            if (auto s = set_meta(sql, "nodes", Value::integer(next->to_nodes)); !s.ok()) return error_response(s.error());
        }
        if (auto b = bump_version(sql, true); !b.ok()) return error_response(b.error());
      }
      if (auto s = store_job(sql, *next); !s.ok()) return error_response(s.error());
      return job_response(*next);
    }
    case Op::Drop: {
      std::string database(r.str());
      auto stage = static_cast<DropStage>(r.u8());
      if (!r.ok()) return error_response(Error::internal("corrupt drop request"));
      return drop(sql, database, stage);
    }
  }
  return error_response(Error::internal("unknown topology op"));
}

}  // namespace

std::string handle(SqlHost& sql, std::string_view request) {
  wire::Reader r(request);
  return handle_impl(sql, r);
}

Result<bool> exists(SqlHost& sql) {
  if (auto s = init_schema(sql); !s.ok()) return s.error();
  auto v = meta_int(sql, "version");
  if (!v.ok()) return v.error();
  auto d = meta_int(sql, "dropping");
  if (!d.ok()) return d.error();
  return *v > 0 && *d <= 0;
}

std::string get_or_create_request(std::string_view database, uint32_t nodes) {
  wire::Writer w;
  w.u8(static_cast<uint8_t>(Op::GetOrCreate));
  w.str(database);
  w.u32(nodes);
  return w.take();
}

std::string put_table_request(const TableInfo& t, uint64_t expected_version) {
  wire::Writer w;
  w.u8(static_cast<uint8_t>(Op::PutTable));
  w.i64(static_cast<int64_t>(expected_version));
  encode_table(w, t);
  return w.take();
}

std::string drop_table_request(std::string_view name, uint64_t expected_version) {
  wire::Writer w;
  w.u8(static_cast<uint8_t>(Op::DropTable));
  w.i64(static_cast<int64_t>(expected_version));
  w.str(name);
  return w.take();
}

std::string catalog_request(const CatalogChange& change, uint64_t expected_version) {
  wire::Writer w;
  w.u8(static_cast<uint8_t>(Op::Catalog));
  w.i64(static_cast<int64_t>(expected_version));
  w.u32(static_cast<uint32_t>(change.puts.size()));
  for (auto& t : change.puts) encode_table(w, t);
  w.u32(static_cast<uint32_t>(change.drops.size()));
  for (auto& d : change.drops) w.str(d);
  w.u8(change.schema.has_value());
  if (change.schema) encode_schema(w, *change.schema);
  w.u8(change.user_version.has_value());
  if (change.user_version) w.i64(*change.user_version);
  return w.take();
}

std::string alloc_ids_request(std::string_view table, uint32_t count, int64_t floor) {
  wire::Writer w;
  w.u8(static_cast<uint8_t>(Op::AllocIds));
  w.str(table);
  w.u32(count);
  w.i64(floor);
  return w.take();
}

std::string resize_request(uint32_t nodes, uint32_t wave_vshards) {
  wire::Writer w;
  w.u8(static_cast<uint8_t>(Op::Resize));
  w.u32(nodes);
  w.u32(wave_vshards);
  return w.take();
}

std::string move_vshard_request(uint32_t vshard, uint32_t node) {
  wire::Writer w;
  w.u8(static_cast<uint8_t>(Op::MoveVShard));
  w.u32(vshard);
  w.u32(node);
  return w.take();
}

std::string move_vshards_request(const std::vector<Move>& moves) {
  wire::Writer w;
  w.u8(static_cast<uint8_t>(Op::MoveVShards));
  w.u32(static_cast<uint32_t>(moves.size()));
  for (auto& m : moves) {
    w.u32(m.vshard);
    w.u32(m.to);
  }
  return w.take();
}

std::string split_vshard_request(uint32_t vshard, uint64_t expected_epoch) {
  wire::Writer w;
  w.u8(static_cast<uint8_t>(Op::SplitVShard));
  w.u32(vshard);
  w.i64(static_cast<int64_t>(expected_epoch));
  return w.take();
}

std::string job_get_request() { return std::string(1, static_cast<char>(Op::JobGet)); }
std::string cancel_request() { return std::string(1, static_cast<char>(Op::Cancel)); }

std::string drop_request(std::string_view database, DropStage stage) {
  wire::Writer w;
  w.u8(static_cast<uint8_t>(Op::Drop));
  w.str(database);
  w.u8(static_cast<uint8_t>(stage));
  return w.take();
}

std::string job_save_request(const ReshardJob& job, Op op) {
  wire::Writer w;
  w.u8(static_cast<uint8_t>(op));
  job.encode(w);
  return w.take();
}

namespace {
Error decode_error(wire::Reader& r, uint8_t status) {
  std::string msg(r.str());
  return Error{static_cast<ErrorCode>(status), msg.empty() ? "topology error" : msg};
}
}  // namespace

Result<Topology> decode_topology_response(std::string_view response) {
  wire::Reader r(response);
  uint8_t status = r.u8();
  if (status != 0) return decode_error(r, status);
  return Topology::decode(r);
}

Result<uint32_t> decode_drop_response(std::string_view response) {
  wire::Reader r(response);
  uint8_t status = r.u8();
  if (status != 0) return decode_error(r, status);
  uint32_t nodes = r.u32();
  if (!r.ok()) return Error::internal("corrupt drop response");
  return nodes;
}

Result<int64_t> decode_alloc_response(std::string_view response) {
  wire::Reader r(response);
  uint8_t status = r.u8();
  if (status != 0) return decode_error(r, status);
  int64_t first = r.i64();
  if (!r.ok()) return Error::internal("corrupt id allocation response");
  return first;
}

}  // namespace bd::topology

namespace bd::topology {
Result<std::optional<ReshardJob>> decode_job_response(std::string_view response) {
  wire::Reader r(response);
  uint8_t status = r.u8();
  if (status != 0) return decode_error(r, status);
  if (r.u8() == 0) return std::optional<ReshardJob>();
  auto j = ReshardJob::decode(r);
  if (!j.ok()) return j.error();
  return std::optional<ReshardJob>(std::move(*j));
}
}  // namespace bd::topology
