#include "host/exact.h"

#include <charconv>
#include <cmath>
#include <string>
#include "host/host.h"
#include "sql/exact_sql.h"

namespace bd {
namespace {

// Puts the exact integers back: `extra[j]` (a column after the statement's own) holds column
// cols[j]'s value as decimal text where it is an INTEGER, NULL where it is not.
Status restore(ResultSet& rs, size_t own_columns, const std::vector<uint32_t>& cols) {
  for (auto& row : rs.rows) {
    if (row.size() != own_columns + cols.size()) return Error::internal("exact read: unexpected column count");
    for (size_t j = 0; j < cols.size(); j++) {
      const Value& text = row[own_columns + j];
      Value& v = row[cols[j]];
      if (text.type == ValueType::Text) {
        int64_t i = 0;
        auto [end, ec] = std::from_chars(text.s.data(), text.s.data() + text.s.size(), i);
        if (ec != std::errc() || end != text.s.data() + text.s.size()) return Error::internal("exact read: bad integer text " + text.s);
        v = Value::integer(i);
      } else if (v.type == ValueType::Integer) {
        v = Value::real(static_cast<double>(v.i));  // an integral REAL the host passed as a number
      }
    }
    row.resize(own_columns);
  }
  rs.columns.resize(own_columns);
  return ok_status();
}

}  // namespace

namespace {

struct Page {
  uint64_t max_rows, max_bytes;
  bool* more;
};

Result<LossyResult> run(LossySqlHost& host, std::string_view sql, const std::vector<Value>& params, const Page* page) {
  if (!page) return host.exec_lossy(sql, params);
  return host.exec_lossy_page(sql, params, page->max_rows, page->max_bytes, page->more);
}

Result<ResultSet> exact(LossySqlHost& host, std::string_view sql, const std::vector<Value>& params, const Page* page) {
  // Parameters the host cannot bind as what they are: every INTEGER (a number binds as a double,
  // a REAL: `?1 / 2` would give 2.5 and an untyped column would keep 5.0; beyond 2^53 it is bound
  // as text) is cast back to INTEGER; integral REALs are cast to REAL (a host may take them for
  // integers).
  std::string cast;
  std::vector<char> casts(params.size(), 0);
  bool any = false;
  for (size_t i = 0; i < params.size(); i++) {
    const Value& p = params[i];
    if (p.type == ValueType::Integer) casts[i] = 'I';
    if (p.type == ValueType::Real && std::isfinite(p.r) && p.r == std::floor(p.r)) casts[i] = 'R';
    any |= casts[i] != 0;
  }
  if (any) {
    cast = sql::cast_params(sql, casts);
    sql = cast;
  }
  if (auto ret = sql::exact_returning_sql(sql)) {
    auto r = run(host, ret->sql, params, page);
    if (!r.ok()) return r.error();
    std::vector<uint32_t> all(ret->columns);
    for (uint32_t c = 0; c < all.size(); c++) all[c] = c;
    ResultSet rs = std::move(r->rs);
    if (rs.columns.size() != 2 * ret->columns) return Error::internal("exact read: RETURNING gave an unexpected column count");
    auto st = restore(rs, ret->columns, all);
    if (!st.ok()) return st.error();
    return rs;
  }
  auto r = run(host, sql, params, page);
  if (!r.ok()) return r.error();
  if (r->inexact.empty()) return std::move(r->rs);
  if (!sql::is_rereadable(sql))
    return Error::internal("a result holds numbers beyond 2^53 that the host cannot read back exactly: " + std::string(sql.substr(0, 200)));
  const size_t n = r->rs.columns.size();
  auto again = run(host, sql::exact_reread_sql(sql, n, r->inexact), params, page);
  if (!again.ok()) return again.error();
  ResultSet rs = std::move(again->rs);
  auto st = restore(rs, n, r->inexact);
  if (!st.ok()) return st.error();
  rs.columns = std::move(r->rs.columns);
  rs.changes = r->rs.changes;
  rs.last_insert_rowid = r->rs.last_insert_rowid;
  return rs;
}

}  // namespace

Result<LossyResult> LossySqlHost::exec_lossy_page(std::string_view sql, const std::vector<Value>& params, uint64_t max_rows,
                                                  uint64_t max_bytes, bool* more) {
  auto r = exec_lossy(sql, params);
  if (!r.ok()) return r;
  uint64_t bytes = 0;
  size_t keep = 0;
  while (keep < r->rs.rows.size() && keep < max_rows && bytes <= max_bytes) bytes += row_wire_bytes(r->rs.rows[keep++]);
  *more = keep < r->rs.rows.size();
  r->rs.rows.resize(keep);
  return r;
}

Result<ResultSet> exec_exact(LossySqlHost& host, std::string_view sql, const std::vector<Value>& params) {
  return exact(host, sql, params, nullptr);
}

Result<ResultSet> exec_exact_page(LossySqlHost& host, std::string_view sql, const std::vector<Value>& params, uint64_t max_rows,
                                  uint64_t max_bytes, bool* more) {
  Page page{max_rows, max_bytes, more};
  return exact(host, sql, params, &page);
}

}  // namespace bd
