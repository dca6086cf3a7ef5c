#include "conductor/dump.h"

#include <algorithm>
#include <cmath>
#include <map>
#include "base/json.h"
#include "conductor/executor.h"
#include "conductor/io.h"
#include "planner/shard_sql.h"
#include "storage/ops.h"
#include "sql/lexer.h"
#include "sql/parser.h"
#include "topology/catalog.h"
#include "value/numeric.h"
#include "value/text.h"
#include "wire/codec.h"
#include "topology/fts_table.h"

namespace bd {
namespace {

constexpr int64_t kBatchRows = 2000;             // rows per export step
constexpr int64_t kBatchBytes = 2 << 20;         // and about this many bytes of values
constexpr int64_t kFreezeMs = 30'000;            // a pause the nodes lift by themselves
constexpr int64_t kStaleSnapshotMs = 3'600'000;  // snapshots older than this are abandoned
constexpr int kTxnWaitSteps = 200;               // the snapshot waits for transactions in progress
constexpr uint32_t kTxnWaitMs = 50;              // ... 200 x 50 ms at most, writes paused
constexpr size_t kMergedInsertBytes = 64 << 10;  // merged INSERTs stay well under 100 KB
constexpr size_t kMergedInsertRows = 500;

// Snapshot ids: the export's start time (ms since the Unix epoch), 'x', then letters and digits.
bool valid_id(const std::string& id) { return storage::valid_snapshot_id(id); }
int64_t id_time(const std::string& id) { return std::strtoll(id.c_str(), nullptr, 10); }

// The snapshot's tables live on the nodes (storage/ops.h); each request names the snapshot.
storage::Statement snap_op(storage::OpKind kind, const std::string& id, int64_t number = -1) {
  storage::NodeOp op;
  op.kind = kind;
  op.name = id;
  op.number = number;
  bool reads = kind == storage::OpKind::SnapList || kind == storage::OpKind::SnapTables || kind == storage::OpKind::SnapSchema ||
               kind == storage::OpKind::SnapRows;
  return storage::op_statement(std::move(op), !reads);
}

// A value as SQL text that reads back as the same value and storage class in SQLite (REALs with
// 17 significant digits, as sqlite3's .dump writes them).
std::string literal(const Value& v) {
  switch (v.type) {
    case ValueType::Null: return "NULL";
    case ValueType::Integer: return std::to_string(v.i);
    case ValueType::Real: {
      if (std::isnan(v.r)) return "NULL";
      if (std::isinf(v.r)) return v.r > 0 ? "9e999" : "-9e999";
      return real_to_text(v.r);
    }
    case ValueType::Text: return quoted_string(v.s);
    case ValueType::Blob: {
      static const char* hex = "0123456789abcdef";
      std::string t = "X'";
      t.reserve(v.s.size() * 2 + 3);
      for (unsigned char ch : v.s) {
        t += hex[ch >> 4];
        t += hex[ch & 15];
      }
      return t + "'";
    }
  }
  return "NULL";
}

// The columns an INSERT fills (generated columns are computed).
std::vector<const ColumnInfo*> stored_columns(const TableInfo& t) {
  std::vector<const ColumnInfo*> out;
  for (auto& c : t.columns)
    if (!c.generated) out.push_back(&c);
  return out;
}

bool exported(const TableInfo& t) { return t.kind == TableKind::Sharded || t.kind == TableKind::Reference; }

// The placement PRAGMAs that re-create how a table is placed (ignored by plain SQLite).
std::string placement(const TableInfo& t) {
  if (t.kind == TableKind::Reference) return "PRAGMA bigdaddy_reference_table = " + literal(Value::text(t.name)) + ";\n";
  if (t.kind != TableKind::Sharded || t.shard_key < 0) return "";
  auto st = sql::parse_statement(t.create_sql);
  if (st.ok() && (*st)->kind() == sql::StmtKind::CreateTable) {
    auto dflt = planner::table_info_from_create(*(*st)->as<sql::CreateTable>(), t.create_sql);
    if (dflt.ok() && dflt->shard_key == t.shard_key) return "";
  }
  return "PRAGMA bigdaddy_shard_key = " + literal(Value::text(t.name + "." + t.columns[t.shard_key].name)) + ";\n";
}

struct Cursor {
  std::string id;
  uint32_t table = 0, node = 0, nodes = 0, tables = 0;
  int64_t after = 0, rows = 0;
  std::string encode() const {
    return id + "|" + std::to_string(table) + "|" + std::to_string(node) + "|" + std::to_string(after) + "|" + std::to_string(nodes) + "|" +
           std::to_string(tables) + "|" + std::to_string(rows);
  }
  static Result<Cursor> decode(const std::string& s) {
    Cursor c;
    std::vector<std::string> parts;
    size_t p = 0;
    for (;;) {
      auto bar = s.find('|', p);
      parts.push_back(s.substr(p, bar == std::string::npos ? std::string::npos : bar - p));
      if (bar == std::string::npos) break;
      p = bar + 1;
    }
    if (parts.size() != 7 || !valid_id(parts[0])) return Error::sql("export: malformed cursor");
    c.id = parts[0];
    c.table = static_cast<uint32_t>(std::strtoul(parts[1].c_str(), nullptr, 10));
    c.node = static_cast<uint32_t>(std::strtoul(parts[2].c_str(), nullptr, 10));
    c.after = std::strtoll(parts[3].c_str(), nullptr, 10);
    c.nodes = static_cast<uint32_t>(std::strtoul(parts[4].c_str(), nullptr, 10));
    c.tables = static_cast<uint32_t>(std::strtoul(parts[5].c_str(), nullptr, 10));
    c.rows = std::strtoll(parts[6].c_str(), nullptr, 10);
    return c;
  }
};

QueryOutput chunk_row(std::string chunk, std::string next) {
  QueryOutput out;
  out.rs.columns = {"chunk", "next"};
  out.rs.rows.push_back({Value::text(std::move(chunk)), Value::text(std::move(next))});
  return out;
}

NodeRequest admin_request(uint32_t node, std::vector<storage::Statement> stmts) {
  NodeRequest r;
  r.node = node;
  r.request.admin = true;
  r.request.statements = std::move(stmts);
  return r;
}

Task<Status> drop_snapshot(Session& s, const std::string& id, uint32_t nodes) {
  std::vector<NodeRequest> reqs;
  for (uint32_t n = 0; n < nodes; n++) reqs.push_back(admin_request(n, {snap_op(storage::OpKind::SnapDrop, id)}));
  auto r = co_await fan_out(s, std::move(reqs));
  if (!r.ok()) co_return r.error();
  co_return ok_status();
}

// Step 1: the snapshot, then the header and the tables' schema.
Task<Result<QueryOutput>> snapshot(Conductor& c, Session& s, const std::string& id, std::vector<std::string> only) {
  auto topo_r = co_await load_topology(c, s, 0, true);
  if (!topo_r.ok()) co_return topo_r.error();
  auto topo = *topo_r;
  if (topo->resizing) co_return Error::sql("a resize is in progress; export the database when it has finished");
  std::vector<const TableInfo*> tables;
  for (auto& t : topo->tables)
    if (exported(t) && (only.empty() || std::any_of(only.begin(), only.end(), [&](auto& n) { return iequals(n, t.name); })))
      tables.push_back(&t);
  for (auto& n : only)
    if (!std::any_of(tables.begin(), tables.end(), [&](auto* t) { return iequals(t->name, n); }))
      co_return Error::sql("no such table: " + n);
  for (auto* t : tables)
    if (is_fts5(*t)) co_return Error::unsupported("export of FTS5 tables is not supported yet (table " + t->name + ")");
  // Round 1, one request per node: pause writes (a write outside or inside a transaction is
  // refused and retried meanwhile; a transaction's prepare, commit and rollback still go through).
  auto node_op = [](storage::OpKind kind, int64_t number = 0) {
    storage::NodeOp op;
    op.kind = kind;
    op.number = number;
    return storage::op_statement(std::move(op), kind != storage::OpKind::LiveTxns);
  };
  auto lift_all = [&]() -> Task<int> {
    std::vector<NodeRequest> lift;
    for (uint32_t n = 0; n < topo->nodes; n++) lift.push_back(admin_request(n, {node_op(storage::OpKind::Unfreeze)}));
    (void)co_await fan_out(s, std::move(lift));
    co_return 0;
  };
  // Then wait until no node holds a transaction's uncommitted or prepared rows: with writes paused
  // no new one can start writing, and the copies then read only committed rows, all of one moment
  // (a multi-node commit is either finished on every node it wrote, or not begun).
  for (int attempt = 0;; attempt++) {
    std::vector<NodeRequest> freeze;
    for (uint32_t n = 0; n < topo->nodes; n++) {
      std::vector<storage::Statement> st;
      if (attempt == 0) st.push_back(node_op(storage::OpKind::Freeze, kFreezeMs));
      st.push_back(node_op(storage::OpKind::LiveTxns));
      freeze.push_back(admin_request(n, std::move(st)));
    }
    auto frozen = co_await fan_out(s, std::move(freeze));
    if (!frozen.ok()) {
      co_await lift_all();
      co_return Error::sql("export: the snapshot failed: " + frozen.error().message);
    }
    int64_t busy_node = -1;
    for (uint32_t n = 0; n < topo->nodes && busy_node < 0; n++) {
      auto& rows = (*frozen)[n].results.back().rows;
      if (!rows.empty() && rows[0][0].type == ValueType::Integer && rows[0][0].i > 0) busy_node = n;
    }
    if (busy_node < 0) break;
    if (attempt >= kTxnWaitSteps) {
      co_await lift_all();
      co_return Error::sql("export: transactions on node " + std::to_string(busy_node) + " did not end within " +
                           std::to_string(kTxnWaitSteps * kTxnWaitMs / 1000) + " s of pausing writes; export again");
    }
    co_await sleep_ms(s, kTxnWaitMs);
  }
  // Round 2, one request per node: copy every table (reference tables from node 0).
  std::vector<NodeRequest> copies;
  for (uint32_t n = 0; n < topo->nodes; n++) {
    std::vector<storage::Statement> st;
    for (uint32_t i = 0; i < tables.size(); i++) {
      if (tables[i]->kind == TableKind::Reference && n != 0) continue;
      storage::NodeOp copy;
      copy.kind = storage::OpKind::SnapCopy;
      copy.name = id;
      copy.number = i;
      copy.table = tables[i]->name;
      for (auto* col : stored_columns(*tables[i])) copy.columns.push_back(col->name);
      st.push_back(storage::op_statement(std::move(copy)));
    }
    if (n == 0) {
      // The tables' descriptions, and indexes and triggers as the nodes have them (views are in the catalog).
      storage::NodeOp cat;
      cat.kind = storage::OpKind::SnapCatalog;
      cat.name = id;
      for (uint32_t i = 0; i < tables.size(); i++) {
        wire::Writer w;
        encode_table(w, *tables[i]);
        cat.rows.push_back({Value::integer(i), Value::blob(w.take())});
      }
      st.push_back(storage::op_statement(std::move(cat)));
    }
    st.push_back(snap_op(storage::OpKind::SnapList, ""));
    copies.push_back(admin_request(n, std::move(st)));
  }
  auto copied = co_await fan_out(s, std::move(copies));
  // Round 3: writes go on; snapshots abandoned long ago go.
  std::vector<NodeRequest> lift;
  for (uint32_t n = 0; n < topo->nodes; n++) {
    std::vector<storage::Statement> st;
    st.push_back(node_op(storage::OpKind::Unfreeze));
    if (copied.ok())
      for (auto& row : (*copied)[n].results.back().rows) {
        const std::string& other = row[0].s;
        if (other != id && valid_id(other) && id_time(other) < id_time(id) - kStaleSnapshotMs)
          st.push_back(snap_op(storage::OpKind::SnapDrop, other));
      }
    lift.push_back(admin_request(n, std::move(st)));
  }
  auto lifted = co_await fan_out(s, std::move(lift));
  if (!copied.ok()) {
    (void)co_await drop_snapshot(s, id, topo->nodes);
    co_return Error::sql("export: the snapshot failed: " + copied.error().message);
  }
  if (!lifted.ok()) co_return Error::sql("export: writes could not be resumed on every node: " + lifted.error().message);
  // A placement change in the meantime (a resize began) could have moved rows between the copies.
  auto after = co_await load_topology(c, s, 0, true);
  if (!after.ok() || (*after)->epoch != topo->epoch || (*after)->resizing) {
    (void)co_await drop_snapshot(s, id, topo->nodes);
    co_return Error::sql("export: the placement changed while the snapshot was taken (a resize started); export again");
  }
  std::string out = "-- Big Daddy export of " + topo->database + " (" + std::to_string(topo->nodes) +
                    " nodes), consistent as of one moment; restores into sqlite3 or into Big Daddy (bigdaddy import).\n"
                    "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n";
  for (auto* t : tables) out += t->create_sql + ";\n" + placement(*t);
  Cursor next;
  next.id = id;
  next.nodes = topo->nodes;
  next.tables = static_cast<uint32_t>(tables.size());
  co_return chunk_row(std::move(out), next.encode());
}

Task<Result<TableInfo>> snapshot_table_info(Session& s, const Cursor& cur) {
  std::vector<NodeRequest> reqs;
  reqs.push_back(admin_request(0, {snap_op(storage::OpKind::SnapTables, cur.id, cur.table)}));
  auto r = co_await fan_out(s, std::move(reqs));
  if (!r.ok()) co_return Error::sql("export: the snapshot is gone (" + r.error().message + "); export again");
  auto& rows = (*r)[0].results[0].rows;
  if (rows.empty()) co_return Error::internal("export: snapshot table list incomplete");
  wire::Reader rd(rows[0][0].s);
  co_return decode_table(rd);
}

// Step 2: one batch of a table's rows from one node's snapshot.
Task<Result<QueryOutput>> rows_step(Session& s, Cursor cur) {
  auto info = co_await snapshot_table_info(s, cur);
  if (!info.ok()) co_return info.error();
  const TableInfo& t = *info;
  auto cols = stored_columns(t);
  // Values exactly: untyped columns also say which numbers are REALs (the host's API may hand an
  // integral REAL over as an integer); a REAL-affinity column holds only REALs.
  storage::NodeOp batch;
  batch.kind = storage::OpKind::SnapRows;
  batch.name = cur.id;
  batch.number = cur.table;
  batch.after = cur.after;
  batch.limit = kBatchRows;
  batch.bytes = kBatchBytes;
  for (size_t k = 0; k < cols.size(); k++) {
    batch.columns.push_back(cols[k]->name);
    if (cols[k]->affinity == Affinity::Blob) batch.marked.push_back(static_cast<uint32_t>(k));
  }
  std::vector<NodeRequest> reqs;
  reqs.push_back(admin_request(cur.node, {storage::op_statement(std::move(batch), false)}));
  auto r = co_await fan_out(s, std::move(reqs));
  if (!r.ok()) co_return Error::sql("export: reading the snapshot failed (" + r.error().message + ")");
  auto& rows = (*r)[0].results[0].rows;
  std::string head = "INSERT INTO " + quoted_identifier(t.name);
  if (cols.size() != t.columns.size()) {
    head += "(";
    for (size_t k = 0; k < cols.size(); k++) head += (k ? "," : "") + quoted_identifier(cols[k]->name);
    head += ")";
  }
  head += " VALUES(";
  std::string out;
  for (auto& row : rows) {
    out += head;
    size_t p = 1;
    for (size_t k = 0; k < cols.size(); k++) {
      Value v = row[p++];
      if (cols[k]->affinity == Affinity::Blob) {
        bool real = row[p++].i != 0;
        if (real && v.type == ValueType::Integer) v = Value::real(static_cast<double>(v.i));
      } else if (cols[k]->affinity == Affinity::Real && v.type == ValueType::Integer) {
        v = Value::real(static_cast<double>(v.i));
      }
      out += (k ? "," : "") + literal(v);
    }
    out += ");\n";
  }
  int64_t found = rows.empty() ? 0 : rows.back().back().i;
  bool last = rows.empty() || (found < kBatchRows && static_cast<int64_t>(rows.size()) == found);
  cur.rows += static_cast<int64_t>(rows.size());
  if (!rows.empty()) cur.after = rows.back()[0].i;
  if (last) {
    // The next node, or the next table (a reference table is read from node 0 only).
    cur.after = 0;
    if (t.kind == TableKind::Sharded && cur.node + 1 < cur.nodes) {
      cur.node++;
    } else {
      cur.node = 0;
      cur.table++;
    }
  }
  co_return chunk_row(std::move(out), cur.encode());
}

// Step 3: indexes, views and triggers, then COMMIT; the snapshot goes.
Task<Result<QueryOutput>> trailer_step(Conductor& c, Session& s, const Cursor& cur) {
  std::vector<NodeRequest> reqs;
  reqs.push_back(admin_request(0, {snap_op(storage::OpKind::SnapSchema, cur.id), snap_op(storage::OpKind::SnapTables, cur.id)}));
  auto r = co_await fan_out(s, std::move(reqs));
  if (!r.ok()) co_return Error::sql("export: the snapshot is gone (" + r.error().message + "); export again");
  auto topo = co_await load_topology(c, s, 0, false);
  if (!topo.ok()) co_return topo.error();
  std::vector<std::string> names;
  for (auto& row : (*r)[0].results[1].rows) {
    wire::Reader rd(row[0].s);
    auto t = decode_table(rd);
    if (t.ok()) names.push_back(t->name);
  }
  auto is_exported = [&](const std::string& table) {
    return std::any_of(names.begin(), names.end(), [&](auto& n) { return iequals(n, table); });
  };
  std::string out;
  // Indexes: global ones as the catalog has them, local ones (expressions, partial) as the nodes do.
  for (auto& row : (*r)[0].results[0].rows) {
    if (row[0].s != "index" || !is_exported(row[2].s)) continue;
    const TableInfo* global = (*topo)->find_index(row[1].s);
    out += (global ? global->create_sql : row[3].s) + ";\n";
  }
  // Views of the whole database (they may read any table) when every table is exported.
  if (names.size() ==
      static_cast<size_t>(std::count_if((*topo)->tables.begin(), (*topo)->tables.end(), [](auto& t) { return exported(t); })))
    for (auto& t : (*topo)->tables)
      if (t.kind == TableKind::View) out += t.create_sql + ";\n";
  for (auto& row : (*r)[0].results[0].rows)
    if (row[0].s == "trigger" && is_exported(row[2].s)) out += row[3].s + ";\n";
  out += "COMMIT;\n-- Big Daddy export complete: " + std::to_string(cur.tables) + " tables, " + std::to_string(cur.rows) + " rows\n";
  if (auto d = co_await drop_snapshot(s, cur.id, cur.nodes); !d.ok()) co_return d.error();
  co_return chunk_row(std::move(out), "");
}

// ---- import ----

struct Piece {
  size_t begin = 0, end = 0;   // statement text, without the ';'
  size_t first = 0, last = 0;  // its tokens [first, last)
};

std::string dequote(std::string_view s) {
  if (s.size() >= 2 && (s[0] == '"' || s[0] == '`' || s[0] == '[' || s[0] == '\'')) return std::string(s.substr(1, s.size() - 2));
  return std::string(s);
}

struct Skips {
  struct Entry {
    int64_t count = 0;
    std::string example;
  };
  std::map<std::string, Entry> by_reason;
  std::vector<std::string> order;
  void add(const std::string& reason, std::string_view text) {
    auto& e = by_reason[reason];
    if (e.count++ == 0) {
      e.example = std::string(text.substr(0, 120));
      order.push_back(reason);
    }
  }
};

}  // namespace

Task<Result<QueryOutput>> export_step(Conductor& c, Session& s, QueryInput input) {
  if (input.params.empty() || input.params[0].type != ValueType::Text || !valid_id(input.params[0].s))
    co_return Error::internal("export needs a snapshot id");
  if (input.sql.empty()) {
    std::vector<std::string> only;
    for (size_t i = 1; i < input.params.size(); i++)
      if (input.params[i].type == ValueType::Text) only.push_back(input.params[i].s);
    co_return co_await snapshot(c, s, input.params[0].s, std::move(only));
  }
  auto cur = Cursor::decode(input.sql);
  if (!cur.ok()) co_return cur.error();
  if (cur->id != input.params[0].s) co_return Error::sql("export: the cursor belongs to another export");
  if (cur->table < cur->tables) co_return co_await rows_step(s, *cur);
  co_return co_await trailer_step(c, s, *cur);
}

Task<Result<QueryOutput>> export_abandon(Conductor& c, Session& s, QueryInput input) {
  if (input.params.empty() || input.params[0].type != ValueType::Text || !valid_id(input.params[0].s))
    co_return Error::internal("export needs a snapshot id");
  auto topo = co_await load_topology(c, s, 0, false);
  if (!topo.ok()) co_return topo.error();
  // Every table the snapshot has on each node (the node finds them by the snapshot's name).
  if (auto d = co_await drop_snapshot(s, input.params[0].s, (*topo)->nodes); !d.ok()) co_return d.error();
  co_return chunk_row("", "");
}

Task<Result<QueryOutput>> import_chunk(Conductor& c, Session& s, QueryInput input) {
  bool final_chunk = !input.params.empty() && input.params[0].type == ValueType::Integer && input.params[0].i != 0;
  const std::string& text = input.sql;
  std::vector<sql::Token> toks;
  sql::tokenize(text, toks);
  // Complete statements: up to each top-level ';' (inside CREATE TRIGGER ... BEGIN, only "END ;").
  std::vector<Piece> pieces;
  size_t consumed = 0;
  {
    size_t start_tok = 0;
    bool trigger = false, body = false;
    for (size_t i = 0; i < toks.size() && toks[i].kind != sql::Tok::End; i++) {
      auto k = toks[i].kind;
      if (i == start_tok + 1 || i == start_tok + 2) {
        if (toks[start_tok].kind == sql::Tok::K_CREATE && k == sql::Tok::K_TRIGGER) trigger = true;
      }
      if (trigger && k == sql::Tok::K_BEGIN) body = true;
      if (k != sql::Tok::Semi) continue;
      if (body && !(i > 0 && toks[i - 1].kind == sql::Tok::K_END)) continue;
      if (i > start_tok) pieces.push_back({toks[start_tok].offset, toks[i].offset, start_tok, i});
      consumed = toks[i].offset + 1;
      start_tok = i + 1;
      trigger = body = false;
    }
    // The rest: an incomplete statement, or (in the last chunk) a last one without its ';'.
    size_t rest = start_tok;
    bool more = rest < toks.size() && toks[rest].kind != sql::Tok::End;
    if (more && final_chunk) {
      std::string_view tail(text.data() + toks[rest].offset, text.size() - toks[rest].offset);
      if (!sql::parse_statement(tail).ok()) co_return Error::sql("the dump ends inside a statement: " + std::string(tail.substr(0, 120)));
      size_t e = rest;
      while (e < toks.size() && toks[e].kind != sql::Tok::End) e++;
      pieces.push_back({toks[rest].offset, text.size(), rest, e});
    }
    if (final_chunk) consumed = text.size();
  }
  Skips skips;
  int64_t statements = 0, rows = 0;
  std::string merged_head, merged;
  size_t merged_rows = 0;
  auto run = [&](std::string sqltext) -> Task<Status> {
    QueryInput q;
    q.database = input.database;
    q.sql = std::move(sqltext);
    q.nodes = 0;
    auto r = co_await run_request(c, s, q);
    // A write over several nodes leaves its phase-two commits for after the answer; the next
    // statement of this chunk must not find those nodes still prepared, so they go now.
    if (!s.background.empty()) {
      std::vector<OutRequest> phase_two = std::move(s.background);
      s.background.clear();
      s.round_trips++;
      (void)co_await s.io(phase_two);  // a lost one is repeated by the decision holder
    }
    if (!r.ok()) {
      std::string at = q.sql.substr(0, 160);
      co_return Error{r.error().code, r.error().message + " (in: " + at + (q.sql.size() > 160 ? "..." : "") + ")"};
    }
    statements++;
    rows += r->rs.changes;
    co_return ok_status();
  };
  auto flush = [&]() -> Task<Status> {
    if (merged.empty()) co_return ok_status();
    std::string sqltext = std::move(merged);
    merged.clear();
    merged_head.clear();
    merged_rows = 0;
    co_return co_await run(std::move(sqltext));
  };
  for (auto& p : pieces) {
    std::string_view piece(text.data() + p.begin, p.end - p.begin);
    auto tk = [&](size_t j) { return j < p.last ? toks[j].kind : sql::Tok::End; };
    auto word = [&](size_t j) { return j < p.last ? std::string_view(text.data() + toks[j].offset, toks[j].len) : std::string_view(); };
    sql::Tok k0 = tk(p.first);
    // Transaction control: the import commits as it goes.
    if (k0 == sql::Tok::K_BEGIN || k0 == sql::Tok::K_COMMIT || k0 == sql::Tok::K_END || k0 == sql::Tok::K_ROLLBACK ||
        k0 == sql::Tok::K_SAVEPOINT || k0 == sql::Tok::K_RELEASE) {
      skips.add("transaction control (the import commits statement by statement)", piece);
      continue;
    }
    if (k0 == sql::Tok::K_PRAGMA) {
      std::string name = ascii_lower(dequote(word(p.first + 1)));
      if (name.rfind("bigdaddy_", 0) != 0) {
        skips.add("PRAGMA " + name + " (no effect here)", piece);
        continue;
      }
    }
    if (k0 == sql::Tok::K_ANALYZE) {
      skips.add("ANALYZE (statistics are SQLite's own)", piece);
      continue;
    }
    // The table a statement is about: CREATE TABLE x / INSERT INTO x / DELETE FROM x.
    std::string target;
    size_t j = p.first + 1;
    if (k0 == sql::Tok::K_CREATE) {
      while (tk(j) == sql::Tok::K_TEMP || tk(j) == sql::Tok::K_TEMPORARY || tk(j) == sql::Tok::K_VIRTUAL) j++;
      if (tk(j) == sql::Tok::K_TABLE) {
        j++;
        if (tk(j) == sql::Tok::K_IF) j += 3;
        target = dequote(word(j));
      }
    } else if (k0 == sql::Tok::K_INSERT || k0 == sql::Tok::K_REPLACE || k0 == sql::Tok::K_DELETE) {
      while (j < p.last && tk(j) != sql::Tok::K_INTO && tk(j) != sql::Tok::K_FROM) j++;
      target = dequote(word(j + 1));
    }
    std::string lt = ascii_lower(target);
    if (lt == "sqlite_sequence" || lt.rfind("sqlite_stat", 0) == 0) {
      skips.add(lt + " (SQLite's own table; Big Daddy allocates ids itself)", piece);
      continue;
    }
    if (lt.rfind("_cf_", 0) == 0) {
      skips.add(target + " (a Cloudflare-internal table)", piece);
      continue;
    }
    // A plain INSERT ... VALUES (...), (...): merged with the ones before it into the same table.
    if ((k0 == sql::Tok::K_INSERT || k0 == sql::Tok::K_REPLACE) && !target.empty()) {
      size_t v = p.first;
      while (v < p.last && tk(v) != sql::Tok::K_VALUES && tk(v) != sql::Tok::K_SELECT && tk(v) != sql::Tok::K_WITH &&
             tk(v) != sql::Tok::K_DEFAULT)
        v++;
      bool plain = v < p.last && tk(v) == sql::Tok::K_VALUES;
      int depth = 0;
      size_t tuples = 0;
      for (size_t x = v + 1; plain && x < p.last; x++) {
        auto kk = tk(x);
        if (kk == sql::Tok::LP && depth++ == 0) tuples++;
        if (kk == sql::Tok::RP) depth--;
        if (depth == 0 && kk != sql::Tok::LP && kk != sql::Tok::RP && kk != sql::Tok::Comma) plain = false;  // ON CONFLICT, RETURNING
        if (depth > 0 && kk == sql::Tok::Variable) plain = false;
      }
      if (plain && tuples > 0) {
        size_t vend = toks[v].offset + toks[v].len;
        std::string head(text.data() + p.begin, vend - p.begin);
        std::string_view values(text.data() + vend, p.end - vend);
        if (head != merged_head || merged.size() + values.size() > kMergedInsertBytes || merged_rows + tuples > kMergedInsertRows) {
          if (auto f = co_await flush(); !f.ok()) co_return f.error();
          merged_head = head;
          merged = head;
          merged += values;
        } else {
          merged += ',';
          merged += values;
        }
        merged_rows += tuples;
        continue;
      }
    }
    if (auto f = co_await flush(); !f.ok()) co_return f.error();
    if (auto r = co_await run(std::string(piece)); !r.ok()) co_return r.error();
  }
  if (auto f = co_await flush(); !f.ok()) co_return f.error();
  JsonWriter j;
  j.begin_object();
  j.key("consumed").unum(consumed);
  j.key("statements").num(statements);
  j.key("rows").num(rows);
  j.key("skipped").begin_array();
  for (auto& reason : skips.order) {
    auto& e = skips.by_reason[reason];
    j.begin_object().key("reason").str(reason).key("count").num(e.count).key("example").str(e.example).end_object();
  }
  j.end_array();
  j.end_object();
  QueryOutput out;
  out.rs.columns = {"json"};
  out.rs.rows.push_back({Value::text(j.take())});
  co_return out;
}

}  // namespace bd
