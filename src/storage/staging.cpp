#include "storage/staging.h"
#include "base/limits.h"

#include <algorithm>
#include "storage/protocol.h"
#include "wire/codec.h"

namespace bd::storage {
namespace {

std::string quoted(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// The node's clock through SQLite (milliseconds since the epoch): no host clock needed.
constexpr const char* kNowMs = "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";

Status sweep_expired(SqlHost& sql) {
  auto c = sql.exec("CREATE TABLE IF NOT EXISTS _bd_staging(name TEXT PRIMARY KEY, expires INTEGER NOT NULL)", {});
  if (!c.ok()) return c.error();
  auto old = sql.exec(std::string("SELECT name FROM _bd_staging WHERE expires < ") + kNowMs, {});
  if (!old.ok()) return old.error();
  for (auto& row : old->rows) {
    if (row.empty() || row[0].type != ValueType::Text || !valid_staging_name(row[0].s)) continue;
    if (auto d = sql.exec("DROP TABLE IF EXISTS " + quoted(row[0].s), {}); !d.ok()) return d.error();
    if (auto d = sql.exec("DELETE FROM _bd_staging WHERE name = ?", {row[0]}); !d.ok()) return d.error();
  }
  return ok_status();
}

Status drop_staging(SqlHost& sql, const std::string& name) {
  if (auto s = sql.exec("DROP TABLE IF EXISTS " + quoted(name), {}); !s.ok()) return s.error();
  if (auto s = sql.exec("DELETE FROM _bd_staging WHERE name = ?", {Value::text(name)}); !s.ok()) return s.error();
  return ok_status();
}

constexpr int64_t kCursorTtlMs = 10 * 60 * 1000;  // a cursor nobody reads for this long is dropped

// The cursor's rows after row `after` (its rowids count its rows from 1, in the result's order).
Result<ResultSet> cursor_page(SqlHost& sql, const std::string& name, int64_t after, uint32_t rows, uint32_t bytes, bool* more) {
  return sql.exec_page("SELECT * FROM " + quoted(name) + " WHERE rowid > ? ORDER BY rowid", {Value::integer(after)}, rows, bytes, more);
}

}  // namespace

bool valid_staging_name(std::string_view name) {
  constexpr std::string_view prefix = "_bd_stage_";
  if (name.size() <= prefix.size() || name.size() > 64 || name.substr(0, prefix.size()) != prefix) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; });
}

std::string encode_staging(const StagingRequest& r) {
  wire::Writer w;
  w.u8(kStagingOp);
  w.u8(static_cast<uint8_t>(r.action));
  w.str(r.name);
  w.u32(static_cast<uint32_t>(r.columns.size()));
  for (auto& c : r.columns) {
    w.str(c.name);
    w.str(c.decl_type);
    w.str(c.collation);
  }
  w.i64(r.ttl_ms);
  w.u32(static_cast<uint32_t>(r.rows.size()));
  for (auto& row : r.rows) w.row(row);
  w.i64(r.after);
  w.u32(r.page_rows);
  w.u32(r.page_bytes);
  return w.take();
}

Result<StagingRequest> decode_staging(std::string_view bytes) {
  wire::Reader rd(bytes);
  StagingRequest r;
  if (rd.u8() != kStagingOp) return Error::internal("not a staging request");
  r.action = static_cast<StagingAction>(rd.u8());
  r.name = rd.str();
  uint32_t nc = rd.count();
  for (uint32_t i = 0; i < nc && rd.ok(); i++) {
    StagingColumn c;
    c.name = rd.str();
    c.decl_type = rd.str();
    c.collation = rd.str();
    r.columns.push_back(std::move(c));
  }
  r.ttl_ms = rd.i64();
  uint32_t nr = rd.count();
  for (uint32_t i = 0; i < nr && rd.ok(); i++) r.rows.push_back(rd.row());
  r.after = rd.i64();
  r.page_rows = rd.u32();
  r.page_bytes = rd.u32();
  if (!rd.ok()) return Error::internal("corrupt staging request");
  if (!valid_staging_name(r.name)) return Error::internal("bad staging table name");
  return r;
}

std::string handle_staging(SqlHost& sql, std::string_view bytes) {
  auto req = decode_staging(bytes);
  if (!req.ok()) return encode_error(req.error(), 0);
  if (auto s = sweep_expired(sql); !s.ok()) return encode_error(s.error(), 0);
  switch (req->action) {
    case StagingAction::Create: {
      if (req->columns.empty()) return encode_error(Error::internal("staging table without columns"), 0);
      std::string ddl = "CREATE TABLE " + quoted(req->name) + " (";
      for (size_t i = 0; i < req->columns.size(); i++) {
        auto& c = req->columns[i];
        ddl += (i ? ", " : "") + quoted(c.name);
        if (!c.decl_type.empty()) ddl += " " + c.decl_type;
        if (!c.collation.empty()) ddl += " COLLATE " + quoted(c.collation);
      }
      if (auto s = sql.exec(ddl + ")", {}); !s.ok()) return encode_error(s.error(), 0);
      auto reg = sql.exec(std::string("INSERT OR REPLACE INTO _bd_staging(name, expires) VALUES (?, ") + kNowMs + " + ?)",
                          {Value::text(req->name), Value::integer(req->ttl_ms)});
      if (!reg.ok()) return encode_error(reg.error(), 0);
      break;
    }
    case StagingAction::Append: {
      if (req->rows.empty()) break;
      size_t width = req->rows[0].size();
      if (width == 0) return encode_error(Error::internal("staging rows without values"), 0);
      size_t per = std::max<size_t>(1, limits::kMaxBoundParameters / width);
      for (size_t i = 0; i < req->rows.size(); i += per) {
        size_t n = std::min(per, req->rows.size() - i);
        std::string q = "INSERT INTO " + quoted(req->name) + " VALUES ";
        std::vector<Value> params;
        for (size_t k = 0; k < n; k++) {
          auto& row = req->rows[i + k];
          if (row.size() != width) return encode_error(Error::internal("staging rows of different widths"), 0);
          q += k ? ", (" : "(";
          for (size_t j = 0; j < width; j++) q += j ? ", ?" : "?";
          q += ")";
          params.insert(params.end(), row.begin(), row.end());
        }
        if (auto s = sql.exec(q, params); !s.ok()) return encode_error(s.error(), 0);
      }
      break;
    }
    case StagingAction::Drop: {
      if (auto s = drop_staging(sql, req->name); !s.ok()) return encode_error(s.error(), 0);
      break;
    }
    case StagingAction::Next: {
      auto alive = sql.exec("SELECT 1 FROM _bd_staging WHERE name = ?", {Value::text(req->name)});
      if (!alive.ok()) return encode_error(alive.error(), 0);
      if (alive->rows.empty())
        return encode_error(Error::retryable("the rest of a streamed result expired on this node (nobody read it for " +
                                             std::to_string(kCursorTtlMs / 60000) + " minutes)"),
                            0);
      auto touch = sql.exec(std::string("UPDATE _bd_staging SET expires = ") + kNowMs + " + ? WHERE name = ?",
                            {Value::integer(kCursorTtlMs), Value::text(req->name)});
      if (!touch.ok()) return encode_error(touch.error(), 0);
      Response resp;
      auto page = cursor_page(sql, req->name, req->after, std::max<uint32_t>(1, req->page_rows), req->page_bytes, &resp.more);
      if (!page.ok()) return encode_error(page.error(), 0);
      if (!resp.more)
        if (auto s = drop_staging(sql, req->name); !s.ok()) return encode_error(s.error(), 0);
      resp.results.push_back(std::move(*page));
      return encode_response(resp);
    }
    default: return encode_error(Error::internal("unknown staging action"), 0);
  }
  Response resp;
  resp.results.emplace_back();
  return encode_response(resp);
}

Status run_paged_read(SqlHost& sql, const Request& req, Response& resp) {
  if (req.statements.size() != 1 || req.statements[0].write) return Error::internal("a paged read is one read");
  const auto& st = req.statements[0];
  uint32_t rows = std::max<uint32_t>(1, req.page_rows);
  auto first = sql.exec_page(st.sql, st.params, rows, req.page_bytes, &resp.more);
  if (!first.ok()) return first.error();
  if (!resp.more) {
    resp.results.push_back(std::move(*first));
    return ok_status();
  }
  // More than a page: the whole result goes into the cursor table in this same transaction, so the
  // pages read later are one snapshot whatever is written meanwhile. Untyped columns keep every
  // value as the statement produced it.
  if (auto s = sweep_expired(sql); !s.ok()) return s.error();
  // Named by this node's own randomness: conductors need none, and names never meet.
  auto name = sql.exec("SELECT '_bd_stage_c' || lower(hex(randomblob(8)))", {});
  if (!name.ok()) return name.error();
  if (name->rows.empty() || name->rows[0].empty()) return Error::internal("no cursor name");
  resp.cursor = name->rows[0][0].s;
  std::string ddl = "CREATE TABLE " + quoted(resp.cursor) + " (";
  for (size_t i = 0; i < first->columns.size(); i++) ddl += (i ? ", c" : "c") + std::to_string(i);
  if (auto s = sql.exec(ddl + ")", {}); !s.ok()) return s.error();
  auto reg = sql.exec(std::string("INSERT OR REPLACE INTO _bd_staging(name, expires) VALUES (?, ") + kNowMs + " + ?)",
                      {Value::text(resp.cursor), Value::integer(kCursorTtlMs)});
  if (!reg.ok()) return reg.error();
  if (auto s = sql.exec("INSERT INTO " + quoted(resp.cursor) + " " + st.sql, st.params); !s.ok()) return s.error();
  auto page = cursor_page(sql, resp.cursor, 0, rows, req.page_bytes, &resp.more);
  if (!page.ok()) return page.error();
  page->columns = std::move(first->columns);
  if (!resp.more) {
    if (auto s = drop_staging(sql, resp.cursor); !s.ok()) return s.error();
    resp.cursor.clear();
  }
  resp.results.push_back(std::move(*page));
  return ok_status();
}

}  // namespace bd::storage
