#include "storage/node.h"

#include <cctype>
#include "storage/load.h"
#include "storage/ops.h"
#include "storage/protocol.h"
#include "storage/staging.h"
#include "storage/txn.h"

namespace bd::storage {
namespace {

double number(const Value& v) { return v.type == ValueType::Real ? v.r : static_cast<double>(v.i); }

// A conductor's schema change (the statements ddl.cpp sends start with these words).
bool is_schema_change(const std::string& sql) {
  size_t i = 0;
  while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) i++;
  for (const char* w : {"CREATE", "DROP", "ALTER"}) {
    size_t n = std::char_traits<char>::length(w), k = 0;
    while (k < n && i + k < sql.size() && std::toupper(static_cast<unsigned char>(sql[i + k])) == w[k]) k++;
    if (k == n) return true;
  }
  return false;
}

}  // namespace

Status run_statements_now(SqlHost& sql, const Request& req, Response& resp, uint32_t& failed, bool paged);

Status run_statements(SqlHost& sql, const Request& req, Response& resp, uint32_t& failed, bool paged) {
  if (!req.defer_fk) return run_statements_now(sql, req, resp, failed, paged);
  // Deferred: the violations SQLite counts meanwhile are forgotten when the setting goes off again,
  // so the request's own transaction commits; the conductor checks the keys at the commit.
  if (auto s = sql.exec("PRAGMA defer_foreign_keys = ON", {}); !s.ok()) return s.error();
  Status st = run_statements_now(sql, req, resp, failed, paged);
  auto off = sql.exec("PRAGMA defer_foreign_keys = OFF", {});
  if (st.ok() && !off.ok()) return off.error();
  return st;
}

Status run_statements_now(SqlHost& sql, const Request& req, Response& resp, uint32_t& failed, bool paged) {
  failed = 0;
  if (req.page_rows && paged && !req.page_cut) return run_paged_read(sql, req, resp);
  resp.results.reserve(req.statements.size());
  for (uint32_t i = 0; i < req.statements.size(); i++) {
    auto& st = req.statements[i];
    bool cut = false;
    if (st.op) {
      failed = i;
      auto rs = run_op(sql, *st.op);
      if (!rs.ok()) return rs.error();
      resp.results.push_back(std::move(*rs));
      continue;
    }
    auto rs = req.page_cut && req.page_rows && !st.write ? sql.exec_page(st.sql, st.params, req.page_rows, req.page_bytes, &cut)
                                                         : sql.exec(st.sql, st.params);
    resp.more |= cut;
    failed = i;
    if (!rs.ok()) return rs.error();
    if (st.write) {
      auto ch = sql.exec("SELECT changes(), last_insert_rowid()", {});
      if (!ch.ok()) return ch.error();
      rs->changes = ch->rows[0][0].i;
      rs->last_insert_rowid = ch->rows[0][1].i;
    }
    resp.results.push_back(std::move(*rs));
  }
  return ok_status();
}

std::string handle(SqlHost& sql, std::string_view bytes) {
  NodeEnv env;
  return handle(sql, bytes, env);
}

std::string handle(SqlHost& sql, std::string_view bytes, NodeEnv& env) {
  if (!bytes.empty() && static_cast<uint8_t>(bytes[0]) == kStagingOp) return handle_staging(sql, bytes);
  auto req = decode_request(bytes);
  if (!req.ok()) return encode_error(req.error(), 0);
  NodeTxnMeta txn;
  // Transaction control (prepare, commit, abort, recovery) is never refused for a stale topology
  // or a fence: a transaction's fate must always be decidable.
  bool control = !req->txn.id.empty() && req->statements.empty();
  // _bd_node holds the epoch of this node's last ownership change, the catalog version of its
  // last schema change, the virtual shards it owns and those fenced for a move: work planned
  // against an older topology or catalog is refused, and the conductor re-plans. It also says
  // whether transactions have state here (storage/txn.h): without any, requests take the fast path.
  if (!req->admin) {
    // Every key is read (a handful of rows): cheaper for SQLite than an IN list of the keys used,
    // which it builds into an ephemeral index on every request.
    auto meta = sql.exec("SELECT k, v FROM _bd_node", {});
    if (!meta.ok()) {
      auto c = sql.exec(kNodeTableSql, {});
      if (!c.ok()) return encode_error(c.error(), 0);
    } else {
      bool writes = false;
      for (auto& st : req->statements) writes |= st.write;
      for (auto& row : meta->rows) {
        const auto& k = row[0].s;
        if (k == "txns") {
          txn.live = row[1].i;
          continue;
        }
        if (k == "visible") {
          txn.visible_ms = number(row[1]);
          continue;
        }
        if (k == "txn_tables") {
          txn.tables = true;
          continue;
        }
        if (k == "capture") {
          txn.capture = true;
          txn.capture_ms = number(row[1]);
          continue;
        }
        if (control) continue;
        if (k == "owned" || k == "fence") {
          const std::string& bits = row[1].s;
          if (k == "owned") {
            for (auto v : req->vshards)
              if (!bitmap_has(bits, v))
                return encode_error(Error::retryable("virtual shard " + std::to_string(v) + " is not on this node"), 0);
          } else if (writes) {
            if (req->vshards.empty() && bitmap_any(bits))
              return encode_error(Error::retryable("virtual shards of this node are fenced for a move"), 0);
            for (auto v : req->vshards)
              if (bitmap_has(bits, v))
                return encode_error(Error::retryable("virtual shard " + std::to_string(v) + " is fenced for a move"), 0);
          }
          continue;
        }
        if (k == "freeze") {
          // An export's snapshot pauses writes for a moment (conductor/dump.h); the pause carries
          // its own end (ms since the Unix epoch), so a snapshot that never finishes cannot hold it.
          if (!writes) continue;
          auto live = sql.exec("SELECT ?1 > (julianday('now') - 2440587.5) * 86400000.0", {row[1]});
          if (live.ok() && !live->rows.empty() && live->rows[0][0].i != 0)
            return encode_error(Error::retryable("writes are paused for a moment: an export is taking its snapshot"), 0);
          continue;
        }
        auto v = static_cast<uint64_t>(row[1].i);
        if (k == "min_epoch" && req->epoch < v)
          return encode_error(Error::retryable("stale topology: node changed ownership at epoch " + std::to_string(v)), 0);
        if (k == "catalog" && req->catalog_version < v)
          return encode_error(Error::retryable("stale catalog: node's schema changed at version " + std::to_string(v)), 0);
      }
    }
  }
  Response resp;
  count_request(sql, *req);
  if (req->want_load || req->reset_load) report_load(sql, resp, req->reset_load);
  if (req->check_only) return encode_response(resp);
  if (!req->admin && !req->want_load && !req->reset_load) {
    bool schema_change = false;
    for (auto& st : req->statements) schema_change |= st.write && is_schema_change(st.sql);
    if (schema_change && txn.capture) {
      if (auto s = before_schema_change(sql, txn); !s.ok()) return encode_error(s.error(), 0);
      txn.capture = false;
    }
    if (!req->txn.id.empty()) return run_in_transaction(sql, env, *req, txn);
    bool visible_due =
        req->visible_window_ms && txn.visible_ms >= 0 && txn.visible_ms >= env.now_ms - req->visible_window_ms - kVisibleMarginMs;
    if (!schema_change && (txn.live > 0 || visible_due)) return run_beside_transactions(sql, env, *req, txn);
    bool writes = false;
    for (auto& st : req->statements) writes |= st.write;
    if (writes && txn.capture)
      if (auto s = drop_idle_capture(sql, env, txn); !s.ok()) return encode_error(s.error(), 0);
  }
  uint32_t failed = 0;
  if (auto s = run_statements(sql, *req, resp, failed); !s.ok()) return encode_error(s.error(), failed);
  if (req->want_size) resp.database_bytes = sql.database_bytes();
  return encode_response(resp);
}

}  // namespace bd::storage
