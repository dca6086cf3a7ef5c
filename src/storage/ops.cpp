#include "storage/ops.h"
#include "base/limits.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include "storage/txn.h"
#include "value/text.h"
#include "wire/codec.h"

namespace bd::storage {
namespace {

std::string q(std::string_view name) { return quoted_identifier(name); }

Result<ResultSet> exec(SqlHost& sql, const std::string& text, std::vector<Value> params = {}) { return sql.exec(text, params); }

ResultSet one_row(std::vector<Value> values) {
  ResultSet rs;
  for (size_t i = 0; i < values.size(); i++) rs.columns.push_back("c" + std::to_string(i));
  rs.rows.push_back(std::move(values));
  return rs;
}

// _bd_node writes: `keep_max` keeps the higher of the old and the new value.
Result<ResultSet> set_key(SqlHost& sql, const char* key, Value v, bool keep_max) {
  if (auto c = exec(sql, kNodeTableSql); !c.ok()) return c.error();
  std::string text = std::string("INSERT INTO _bd_node(k, v) VALUES ('") + key +
                     "', ?1) ON CONFLICT(k) DO UPDATE SET v = " + (keep_max ? "max(v, excluded.v)" : "excluded.v");
  std::vector<Value> p;
  p.push_back(std::move(v));
  auto r = exec(sql, text, std::move(p));
  if (!r.ok()) return r.error();
  return ResultSet{};
}

Result<ResultSet> clear_key(SqlHost& sql, const char* key) {
  if (auto c = exec(sql, kNodeTableSql); !c.ok()) return c.error();
  auto r = exec(sql, std::string("DELETE FROM _bd_node WHERE k = '") + key + "'");
  if (!r.ok()) return r.error();
  return ResultSet{};
}

Result<Value> get_key(SqlHost& sql, const char* key) {
  if (auto c = exec(sql, kNodeTableSql); !c.ok()) return c.error();
  auto r = exec(sql, std::string("SELECT v FROM _bd_node WHERE k = '") + key + "'");
  if (!r.ok()) return r.error();
  return r->rows.empty() ? Value::null() : r->rows[0][0];
}

// The node's engine-made objects are named _bd_*; a global index's lookup table (_bd_idx_*) holds
// rows like a user's table and moves like one.
bool movable_table(const std::string& name) {
  return !name.empty() && (name.rfind("_bd_", 0) != 0 || name.rfind("_bd_idx_", 0) == 0) && name.rfind("sqlite_", 0) != 0;
}

Status check_tables(SqlHost& sql, const std::vector<std::string>& names) {
  for (auto& name : names) {
    if (!movable_table(name)) return Error::internal("not a table rows move in: " + name);
    auto r = exec(sql, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1", {Value::text(name)});
    if (!r.ok()) return r.error();
    if (r->rows.empty()) return Error::internal("no such table: " + name);
  }
  return ok_status();
}

Status check_ranges(const std::vector<KsidRange>& ranges) {
  for (auto& r : ranges)
    if (r.lo > r.hi) return Error::internal("empty keyspace range");
  return ok_status();
}

std::string capture_trigger(const std::string& table, char kind) { return std::string("_bd_cap_") + kind + "_" + table; }

Result<ResultSet> capture_start(SqlHost& sql, const NodeOp& op) {
  if (auto s = check_tables(sql, op.tables); !s.ok()) return s.error();
  if (auto s = check_ranges(op.ranges); !s.ok()) return s.error();
  std::vector<std::string> v;
  v.push_back("CREATE TABLE IF NOT EXISTS _bd_changes(seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL, rid INTEGER NOT NULL)");
  v.push_back("DELETE FROM _bd_changes");
  const std::string in_new = ksid_ranges_sql(op.ranges, "NEW._bd_ksid"), in_old = ksid_ranges_sql(op.ranges, "OLD._bd_ksid");
  for (auto& t : op.tables) {
    std::string tbl = quoted_string(t);
    for (char k : {'i', 'u', 'd'}) v.push_back("DROP TRIGGER IF EXISTS " + q(capture_trigger(t, k)));
    v.push_back("CREATE TRIGGER " + q(capture_trigger(t, 'i')) + " AFTER INSERT ON " + q(t) + " WHEN " + in_new +
                " BEGIN INSERT INTO _bd_changes(tbl, rid) VALUES (" + tbl + ", NEW.rowid); END");
    v.push_back("CREATE TRIGGER " + q(capture_trigger(t, 'u')) + " AFTER UPDATE ON " + q(t) + " WHEN " + in_old + " OR " + in_new +
                " BEGIN INSERT INTO _bd_changes(tbl, rid) VALUES (" + tbl + ", OLD.rowid); INSERT INTO _bd_changes(tbl, rid) SELECT " +
                tbl + ", NEW.rowid WHERE NEW.rowid <> OLD.rowid; END");
    v.push_back("CREATE TRIGGER " + q(capture_trigger(t, 'd')) + " AFTER DELETE ON " + q(t) + " WHEN " + in_old +
                " BEGIN INSERT INTO _bd_changes(tbl, rid) VALUES (" + tbl + ", OLD.rowid); END");
  }
  for (auto& text : v)
    if (auto r = exec(sql, text); !r.ok()) return r.error();
  return ResultSet{};
}

Result<ResultSet> capture_stop(SqlHost& sql, const NodeOp& op) {
  for (auto& t : op.tables) {
    if (!movable_table(t)) return Error::internal("not a table rows move in: " + t);
    for (char k : {'i', 'u', 'd'})
      if (auto r = exec(sql, "DROP TRIGGER IF EXISTS " + q(capture_trigger(t, k))); !r.ok()) return r.error();
  }
  if (auto r = exec(sql, "DROP TABLE IF EXISTS _bd_changes"); !r.ok()) return r.error();
  return ResultSet{};
}

// The last seq of the `limit` log entries after `after` (SQL, `after` a parameter reference).
std::string slice_end(const std::string& after, int64_t limit) {
  return "(SELECT coalesce(max(seq), " + after + ") FROM (SELECT seq FROM _bd_changes WHERE seq > " + after + " ORDER BY seq LIMIT " +
         std::to_string(limit) + "))";
}

Result<ResultSet> change_slice(SqlHost& sql, const NodeOp& op) {
  if (op.limit <= 0) return Error::internal("a change slice needs a size");
  std::vector<Value> p;
  p.push_back(Value::integer(op.number));
  return exec(sql,
              "SELECT " + slice_end("?1", op.limit) + ", (SELECT count(*) FROM _bd_changes WHERE seq > " + slice_end("?1", op.limit) + ")",
              std::move(p));
}

Result<ResultSet> changed_rows(SqlHost& sql, const NodeOp& op) {
  if (op.limit <= 0) return Error::internal("a change slice needs a size");
  if (auto s = check_tables(sql, {op.table}); !s.ok()) return s.error();
  if (auto s = check_ranges(op.ranges); !s.ok()) return s.error();
  std::string len;
  for (auto& col : op.columns) len += (len.empty() ? "" : " + ") + std::string("coalesce(length(t.") + q(col) + "), 0)";
  if (len.empty()) len = "0";
  std::vector<Value> p;
  p.push_back(Value::text(op.table));
  p.push_back(Value::integer(op.number));
  return exec(
      sql,
      "SELECT CAST(c.rid AS TEXT), c.first, CASE WHEN t.rowid IS NULL THEN 0 ELSE " + len +
          " END FROM (SELECT rid, min(seq) AS first FROM _bd_changes WHERE tbl = ?1 AND seq > ?2 AND seq <= " + slice_end("?2", op.limit) +
          " GROUP BY rid) AS c LEFT JOIN " + q(op.table) + " AS t ON t.rowid = c.rid AND " + ksid_ranges_sql(op.ranges, "t._bd_ksid"),
      std::move(p));
}

// What SchemaRead copies: not SQLite's own (sqlite_*), the platform's (_cf_*) or the engine's
// state (_bd_*), but the global indexes' lookup tables (_bd_idx_*).
bool copied_object(const std::string& name) {
  return name.rfind("sqlite_", 0) != 0 && name.rfind("_cf_", 0) != 0 && (name.rfind("_bd_", 0) != 0 || name.rfind("_bd_idx_", 0) == 0);
}

Result<ResultSet> schema_read(SqlHost& sql) {
  auto r = exec(sql, "SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY rowid");
  if (!r.ok()) return r.error();
  ResultSet out;
  out.columns = r->columns;
  for (auto& row : r->rows)
    if (copied_object(row[1].s)) out.rows.push_back(std::move(row));
  return out;
}

// The users' indexes and triggers: with SQL (not autoindexes), neither named for nor on the engine's tables.
constexpr const char* kUserObjects =
    "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE type IN ('index', 'trigger') AND sql IS NOT NULL AND substr(name, 1, 4) "
    "<> '_bd_' AND substr(tbl_name, 1, 4) <> '_bd_'";

Result<ResultSet> user_objects(SqlHost& sql, const NodeOp& op) {
  if (op.table.empty()) return exec(sql, std::string(kUserObjects) + " ORDER BY rowid");
  return exec(sql, std::string(kUserObjects) + " AND tbl_name = ?1 COLLATE NOCASE ORDER BY rowid", {Value::text(op.table)});
}

Result<ResultSet> schema_apply(SqlHost& sql, const NodeOp& op) {
  for (auto& row : op.rows) {
    if (row.size() != 3 || row[1].type != ValueType::Text || row[2].type != ValueType::Text || !copied_object(row[1].s))
      return Error::internal("not a schema object a node copies");
    const std::string& text = row[2].s;
    if (text.size() < 7 || !iequals(std::string_view(text).substr(0, 7), "CREATE ")) return Error::internal("not a CREATE statement");
    auto has = exec(sql, "SELECT 1 FROM sqlite_schema WHERE name = ?1", {row[1]});
    if (!has.ok()) return has.error();
    if (!has->rows.empty()) continue;
    if (auto c = exec(sql, text); !c.ok()) return c.error();
  }
  return ResultSet{};
}

// Exact copies of column values through the Durable Object SQL API (which hands integers back as
// JavaScript numbers and integral REALs as integers): integers travel as text, and a per-row type
// mask restores every storage class.
std::string select_exact(const std::vector<std::string>& columns, const std::string& prefix) {
  std::string mask, cols;
  for (size_t i = 0; i < columns.size(); i++) {
    std::string c = prefix + q(columns[i]);
    mask += (i ? " || " : "") + std::string("substr(typeof(") + c + "), 1, 1)";
    cols += ", CASE WHEN typeof(" + c + ") = 'integer' THEN CAST(" + c + " AS TEXT) ELSE " + c + " END";
  }
  return mask + cols;
}

std::string json_ids(const std::vector<int64_t>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); i++) out += (i ? "," : "") + std::to_string(ids[i]);
  return out + "]";
}

Result<ResultSet> range_op(SqlHost& sql, const NodeOp& op) {
  if (auto s = check_tables(sql, {op.table}); !s.ok()) return s.error();
  if (auto s = check_ranges(op.ranges); !s.ok()) return s.error();
  const std::string t = q(op.table);
  switch (op.kind) {
    case OpKind::RangeCount: return exec(sql, "SELECT count(*) FROM " + t + " WHERE " + ksid_ranges_sql(op.ranges, "_bd_ksid"));
    case OpKind::RangeRowids: return exec(sql, "SELECT CAST(rowid AS TEXT) FROM " + t + " WHERE " + ksid_ranges_sql(op.ranges, "_bd_ksid"));
    case OpKind::RangeDelete: {
      auto r = exec(sql, "DELETE FROM " + t + " WHERE " + ksid_ranges_sql(op.ranges, "_bd_ksid"));
      if (!r.ok()) return r.error();
      return ResultSet{};
    }
    default: break;
  }
  if (op.columns.empty()) return Error::internal("a read of no columns");
  switch (op.kind) {
    case OpKind::RangeBatch: {
      if (op.limit <= 0) return Error::internal("a copy batch needs a size");
      // The LIMIT applies first, innermost: windows over the whole rest of the table would make
      // every batch cost as much as all the batches after it.
      std::string len;
      for (auto& col : op.columns) len += (len.empty() ? "" : " + ") + std::string("coalesce(length(") + q(col) + "), 0)";
      return exec(sql,
                  "SELECT * FROM (SELECT *, sum(_bd_len) OVER w AS _bd_cum, row_number() OVER w AS _bd_rn, count(*) OVER () AS _bd_n FROM "
                  "(SELECT CAST(rowid AS TEXT), " +
                      select_exact(op.columns, "") + ", rowid AS _bd_r, " + len + " AS _bd_len FROM " + t + " WHERE rowid >= ?1 AND " +
                      ksid_ranges_sql(op.ranges, "_bd_ksid") +
                      " ORDER BY rowid LIMIT ?2) WINDOW w AS (ORDER BY _bd_r ROWS UNBOUNDED PRECEDING)) WHERE _bd_cum <= ?3 OR _bd_rn = 1",
                  {Value::integer(op.after), Value::integer(op.limit), Value::integer(op.bytes)});
    }
    case OpKind::FetchLogged:
      return exec(sql,
                  "SELECT CAST(c.value AS TEXT), t.rowid IS NOT NULL, " + select_exact(op.columns, "t.") +
                      " FROM json_each(?1) AS c LEFT JOIN " + t + " AS t ON t.rowid = c.value AND " +
                      ksid_ranges_sql(op.ranges, "t._bd_ksid"),
                  {Value::text(json_ids(op.rowids))});
    case OpKind::FetchRows:
      return exec(sql,
                  "SELECT CAST(rowid AS TEXT), " + select_exact(op.columns, "") + " FROM " + t +
                      " WHERE rowid IN (SELECT value FROM json_each(?1))",
                  {Value::text(json_ids(op.rowids))});
    default: break;
  }
  return Error::internal("unknown range operation");
}

std::string stage_table(const std::string& table) { return "_bd_stage_" + table; }

Status check_columns(const NodeOp& op) {
  if (op.columns.empty()) return Error::internal("a staging table needs columns");
  for (auto& c : op.columns)
    if (c.empty()) return Error::internal("an unnamed column");
  return ok_status();
}

Result<ResultSet> stage_create(SqlHost& sql, const NodeOp& op) {
  if (auto s = check_tables(sql, {op.table}); !s.ok()) return s.error();
  if (auto s = check_columns(op); !s.ok()) return s.error();
  std::string cols;
  for (auto& c : op.columns) cols += ", " + q(c);
  if (auto r = exec(sql, "DROP TABLE IF EXISTS " + q(stage_table(op.table))); !r.ok()) return r.error();
  auto r = exec(sql, "CREATE TABLE " + q(stage_table(op.table)) + "(_bd_src INTEGER NOT NULL, _bd_rid INTEGER NOT NULL" + cols +
                         ", PRIMARY KEY (_bd_src, _bd_rid))");
  if (!r.ok()) return r.error();
  return ResultSet{};
}

// INSERT OR REPLACE, as many rows per statement as the bound-parameter limit allows. REALs are
// bound through CAST(? AS REAL), so an integral REAL stays a REAL on the way in (the host's API
// hands numbers over as doubles).
Result<ResultSet> stage_upsert(SqlHost& sql, const NodeOp& op) {
  if (op.table.empty() || !movable_table(op.table)) return Error::internal("not a table rows move in: " + op.table);
  if (auto s = check_columns(op); !s.ok()) return s.error();
  const size_t width = op.columns.size() + 2, per = std::max<size_t>(1, limits::kMaxBoundParameters / width);
  std::string head = "INSERT OR REPLACE INTO " + q(stage_table(op.table)) + "(_bd_src, _bd_rid";
  for (auto& c : op.columns) head += ", " + q(c);
  head += ") VALUES ";
  for (auto& row : op.rows)
    if (row.size() != op.columns.size() + 1 || row[0].type != ValueType::Integer) return Error::internal("a staged row of the wrong shape");
  for (size_t i = 0; i < op.rows.size(); i += per) {
    std::string text = head;
    std::vector<Value> params;
    for (size_t r = i; r < std::min(op.rows.size(), i + per); r++) {
      text += r > i ? ", (?, ?" : "(?, ?";
      params.push_back(Value::integer(op.source));
      for (size_t k = 0; k < op.rows[r].size(); k++) {
        const Value& v = op.rows[r][k];
        if (k > 0) text += v.type == ValueType::Real ? ", CAST(? AS REAL)" : ", ?";
        params.push_back(v);
      }
      text += ")";
    }
    if (auto x = exec(sql, text, std::move(params)); !x.ok()) return x.error();
  }
  return ResultSet{};
}

Result<ResultSet> stage_delete(SqlHost& sql, const NodeOp& op) {
  if (op.table.empty() || !movable_table(op.table)) return Error::internal("not a table rows move in: " + op.table);
  const size_t per = limits::kMaxBoundParameters - 1;
  for (size_t i = 0; i < op.rowids.size(); i += per) {
    std::string text = "DELETE FROM " + q(stage_table(op.table)) + " WHERE _bd_src = ? AND _bd_rid IN (";
    std::vector<Value> params;
    params.push_back(Value::integer(op.source));
    for (size_t k = i; k < std::min(op.rowids.size(), i + per); k++) {
      text += k > i ? ", ?" : "?";
      params.push_back(Value::integer(op.rowids[k]));
    }
    if (auto x = exec(sql, text + ")", std::move(params)); !x.ok()) return x.error();
  }
  return ResultSet{};
}

Result<ResultSet> stage_activate(SqlHost& sql, const NodeOp& op) {
  if (auto s = check_tables(sql, {op.table}); !s.ok()) return s.error();
  if (auto s = check_columns(op); !s.ok()) return s.error();
  std::string cols, from;
  for (auto& c : op.columns) {
    cols += (cols.empty() ? "" : ", ") + q(c);
    from += (from.empty() ? "" : ", ") + q(c);
  }
  if (op.keep_rowid) {
    cols += ", rowid";
    from += ", _bd_rid";
  }
  auto r = exec(sql, "INSERT INTO " + q(op.table) + "(" + cols + ") SELECT " + from + " FROM " + q(stage_table(op.table)) +
                         " ORDER BY _bd_src, _bd_rid");
  if (!r.ok()) return r.error();
  if (auto d = exec(sql, "DELETE FROM " + q(stage_table(op.table))); !d.ok()) return d.error();
  return ResultSet{};
}

std::string snap_prefix(const std::string& id) { return "_bd_snap_" + id + "_"; }

Result<ResultSet> snapshot_op(SqlHost& sql, const NodeOp& op) {
  if (op.kind != OpKind::SnapList && !valid_snapshot_id(op.name)) return Error::internal("not a snapshot id: " + op.name);
  const std::string prefix = snap_prefix(op.name), tables = q(prefix + "tables"), schema = q(prefix + "schema");
  auto done = [](const Result<ResultSet>& r) -> Result<ResultSet> {
    if (!r.ok()) return r.error();
    return ResultSet{};
  };
  switch (op.kind) {
    case OpKind::SnapCopy: {
      if (auto s = check_tables(sql, {op.table}); !s.ok()) return s.error();
      if (op.number < 0) return Error::internal("a snapshot table's number");
      std::string cols;
      for (auto& c : op.columns) cols += (cols.empty() ? "" : ", ") + q(c);
      if (cols.empty()) return Error::internal("a snapshot of no columns");
      return done(exec(sql, "CREATE TABLE " + q(prefix + std::to_string(op.number)) + " AS SELECT " + cols + " FROM " + q(op.table)));
    }
    case OpKind::SnapCatalog: {
      if (auto r = exec(sql, "CREATE TABLE " + tables + "(i INTEGER PRIMARY KEY, info BLOB NOT NULL)"); !r.ok()) return r.error();
      for (auto& row : op.rows) {
        if (row.size() != 2 || row[0].type != ValueType::Integer || row[1].type != ValueType::Blob)
          return Error::internal("a snapshot table description of the wrong shape");
        if (auto r = exec(sql, "INSERT INTO " + tables + " VALUES (?, ?)", row); !r.ok()) return r.error();
      }
      // Indexes and triggers as the node has them (the engine's own, _bd_*, left out).
      return done(exec(sql, "CREATE TABLE " + schema + " AS " + kUserObjects + " ORDER BY rowid"));
    }
    case OpKind::SnapList: {
      auto r = exec(sql, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE '\\_bd\\_snap\\_%' ESCAPE '\\'");
      if (!r.ok()) return r.error();
      ResultSet out;
      out.columns.push_back("id");
      std::vector<std::string> seen;
      for (auto& row : r->rows) {
        const std::string& n = row[0].s;
        auto end = n.find('_', 9);
        std::string id = n.substr(9, end == std::string::npos ? std::string::npos : end - 9);
        if (!valid_snapshot_id(id) || std::find(seen.begin(), seen.end(), id) != seen.end()) continue;
        seen.push_back(id);
        out.rows.push_back({Value::text(id)});
      }
      return out;
    }
    case OpKind::SnapDrop: {
      auto r = exec(sql, "SELECT name FROM sqlite_schema WHERE type = 'table' AND substr(name, 1, ?1) = ?2",
                    {Value::integer(static_cast<int64_t>(prefix.size())), Value::text(prefix)});
      if (!r.ok()) return r.error();
      for (auto& row : r->rows)
        if (auto d = exec(sql, "DROP TABLE IF EXISTS " + q(row[0].s)); !d.ok()) return d.error();
      return ResultSet{};
    }
    case OpKind::SnapTables:
      if (op.number >= 0) return exec(sql, "SELECT info FROM " + tables + " WHERE i = ?1", {Value::integer(op.number)});
      return exec(sql, "SELECT info FROM " + tables + " ORDER BY i");
    case OpKind::SnapSchema: return exec(sql, "SELECT type, name, tbl_name, sql FROM " + schema + " ORDER BY rowid");
    case OpKind::SnapRows: {
      if (op.number < 0 || op.limit <= 0) return Error::internal("a snapshot batch needs a table and a size");
      std::string sel = "rowid AS _bd_r", len;
      for (size_t k = 0; k < op.columns.size(); k++) {
        std::string cq = q(op.columns[k]);
        sel += ", " + cq;
        if (std::find(op.marked.begin(), op.marked.end(), k) != op.marked.end()) sel += ", typeof(" + cq + ") = 'real'";
        len += (len.empty() ? "" : " + ") + std::string("coalesce(length(") + cq + "), 0)";
      }
      if (len.empty()) len = "0";
      // The LIMIT applies first, innermost: windows over the whole rest of the table would make
      // every batch cost as much as all the batches after it.
      return exec(
          sql,
          "SELECT * FROM (SELECT *, sum(_bd_len) OVER w AS _bd_cum, row_number() OVER w AS _bd_rn, count(*) OVER () AS _bd_n FROM "
          "(SELECT " +
              sel + ", " + len + " AS _bd_len FROM " + q(prefix + std::to_string(op.number)) +
              " WHERE rowid > ?1 ORDER BY rowid LIMIT ?2) WINDOW w AS (ORDER BY _bd_r ROWS UNBOUNDED PRECEDING)) WHERE _bd_cum <= ?3 "
              "OR _bd_rn = 1",
          {Value::integer(op.after), Value::integer(op.limit), Value::integer(op.bytes)});
    }
    default: break;
  }
  return Error::internal("unknown snapshot operation");
}

}  // namespace

Result<Row> decode_exact_values(const Row& row, size_t first, size_t ncols) {
  if (row.size() < first + 1 + ncols) return Error::internal("short row in a copy batch");
  const std::string& mask = row[first].s;
  if (mask.size() != ncols) return Error::internal("bad type mask in a copy batch");
  Row out;
  out.reserve(ncols);
  for (size_t i = 0; i < ncols; i++) {
    const Value& v = row[first + 1 + i];
    switch (mask[i]) {
      case 'i': out.push_back(Value::integer(v.type == ValueType::Integer ? v.i : std::strtoll(v.s.c_str(), nullptr, 10))); break;
      case 'r':
        out.push_back(Value::real(v.type == ValueType::Real      ? v.r
                                  : v.type == ValueType::Integer ? static_cast<double>(v.i)
                                                                 : std::strtod(v.s.c_str(), nullptr)));
        break;
      case 'n': out.push_back(Value::null()); break;
      case 'b': out.push_back(v.type == ValueType::Blob ? v : Value::blob(v.s)); break;
      default: out.push_back(v.type == ValueType::Text ? v : Value::text(v.s)); break;
    }
  }
  return out;
}

bool valid_snapshot_id(const std::string& id) {
  auto x = id.find('x');
  if (id.size() > 48 || x == 0 || x == std::string::npos || x + 1 == id.size()) return false;
  for (size_t i = 0; i < id.size(); i++) {
    char ch = id[i];
    if (i < x ? !(ch >= '0' && ch <= '9') : !((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (i == x && ch == 'x'))) return false;
  }
  return true;
}

std::string vshard_bitmap(const std::vector<uint32_t>& ids) {
  std::string bits;
  for (auto id : ids) {
    if (bits.size() <= id / 8) bits.resize(id / 8 + 1, '\0');
    bits[id / 8] = static_cast<char>(static_cast<unsigned char>(bits[id / 8]) | (1u << (id % 8)));
  }
  if (bits.empty()) bits.push_back('\0');
  return bits;
}

bool bitmap_has(const std::string& bits, uint32_t i) {
  return i / 8 < bits.size() && (static_cast<unsigned char>(bits[i / 8]) >> (i % 8) & 1);
}

bool bitmap_any(const std::string& bits) {
  for (char c : bits)
    if (c) return true;
  return false;
}

std::string ksid_ranges_sql(const std::vector<KsidRange>& ranges, const std::string& column) {
  // Each range is cut into aligned power-of-two blocks (virtual shards are such blocks unless a
  // range was split unevenly); blocks of size 2^k are one `(col >> k) IN (...)` test, which SQLite
  // evaluates far faster than a chain of BETWEENs. The shift is arithmetic on the signed form the
  // nodes store, and an aligned block never straddles the sign boundary, so it maps exactly.
  std::map<int, std::vector<int64_t>> blocks;  // k -> (signed lo) >> k
  for (auto& range : ranges) {
    uint64_t lo = range.lo;
    for (;;) {
      if (lo == 0 && range.hi == ~uint64_t{0}) return "(1)";
      // The largest aligned block starting at lo that stays within hi.
      int k = lo == 0 ? 63 : __builtin_ctzll(lo);
      while (k > 0 && lo + ((uint64_t{1} << k) - 1) > range.hi) k--;
      if (lo + ((uint64_t{1} << k) - 1) < lo) k--;  // (no wrap past 2^64)
      blocks[k].push_back(static_cast<int64_t>(lo) >> k);
      uint64_t next = lo + (uint64_t{1} << k);
      if (next - 1 >= range.hi || next == 0) break;
      lo = next;
    }
  }
  std::string sql = "(";
  bool first = true;
  for (auto& [k, ids] : blocks) {
    std::sort(ids.begin(), ids.end());
    sql += first ? "" : " OR ";
    first = false;
    sql += "(" + column + " >> " + std::to_string(k) + ") IN (";
    for (size_t i = 0; i < ids.size(); i++) sql += (i ? ", " : "") + std::to_string(ids[i]);
    sql += ")";
  }
  if (first) sql += "0";
  return sql + ")";
}

void encode_op(wire::Writer& w, const NodeOp& op) {
  w.u8(static_cast<uint8_t>(op.kind));
  w.u32(static_cast<uint32_t>(op.vshards.size()));
  for (auto v : op.vshards) w.u32(v);
  w.u32(static_cast<uint32_t>(op.ranges.size()));
  for (auto& r : op.ranges) {
    w.i64(static_cast<int64_t>(r.lo));
    w.i64(static_cast<int64_t>(r.hi));
  }
  w.i64(op.number);
  w.i64(op.limit);
  w.str(op.table);
  w.u32(static_cast<uint32_t>(op.tables.size()));
  for (auto& t : op.tables) w.str(t);
  w.u32(static_cast<uint32_t>(op.columns.size()));
  for (auto& c : op.columns) w.str(c);
  w.u32(op.source);
  w.u8(op.keep_rowid);
  w.u32(static_cast<uint32_t>(op.rowids.size()));
  for (auto r : op.rowids) w.i64(r);
  w.u32(static_cast<uint32_t>(op.rows.size()));
  for (auto& r : op.rows) w.row(r);
  w.str(op.name);
  w.i64(op.after);
  w.i64(op.bytes);
  w.u32(static_cast<uint32_t>(op.marked.size()));
  for (auto m : op.marked) w.u32(m);
}

NodeOp decode_op(wire::Reader& rd) {
  NodeOp op;
  op.kind = static_cast<OpKind>(rd.u8());
  uint32_t nv = rd.count();
  for (uint32_t i = 0; i < nv && rd.ok(); i++) op.vshards.push_back(rd.u32());
  uint32_t nr = rd.count();
  for (uint32_t i = 0; i < nr && rd.ok(); i++) {
    KsidRange r;
    r.lo = static_cast<uint64_t>(rd.i64());
    r.hi = static_cast<uint64_t>(rd.i64());
    op.ranges.push_back(r);
  }
  op.number = rd.i64();
  op.limit = rd.i64();
  op.table = rd.str();
  uint32_t nt = rd.count();
  for (uint32_t i = 0; i < nt && rd.ok(); i++) op.tables.emplace_back(rd.str());
  uint32_t nc = rd.count();
  for (uint32_t i = 0; i < nc && rd.ok(); i++) op.columns.emplace_back(rd.str());
  op.source = rd.u32();
  op.keep_rowid = rd.u8() != 0;
  uint32_t ni = rd.count();
  for (uint32_t i = 0; i < ni && rd.ok(); i++) op.rowids.push_back(rd.i64());
  uint32_t nrows = rd.count();
  for (uint32_t i = 0; i < nrows && rd.ok(); i++) op.rows.push_back(rd.row());
  op.name = rd.str();
  op.after = rd.i64();
  op.bytes = rd.i64();
  uint32_t nm = rd.count();
  for (uint32_t i = 0; i < nm && rd.ok(); i++) op.marked.push_back(rd.u32());
  return op;
}

Result<ResultSet> run_op(SqlHost& sql, const NodeOp& op) {
  switch (op.kind) {
    case OpKind::SetOwned: return set_key(sql, "owned", Value::blob(vshard_bitmap(op.vshards)), false);
    case OpKind::RetrackOwned: {
      auto old = get_key(sql, "owned");
      if (!old.ok()) return old.error();
      if (old->is_null()) return ResultSet{};
      return set_key(sql, "owned", Value::blob(vshard_bitmap(op.vshards)), false);
    }
    case OpKind::RaiseEpoch:
    case OpKind::RaiseCatalog:
      if (op.number < 0) return Error::internal("a negative epoch or catalog version");
      return set_key(sql, op.kind == OpKind::RaiseEpoch ? "min_epoch" : "catalog", Value::integer(op.number), true);
    case OpKind::SetFence: {
      // Only shards this node owns can be fenced here (a node that never tracked ownership owns
      // what the topology gives it).
      auto owned = get_key(sql, "owned");
      if (!owned.ok()) return owned.error();
      if (!owned->is_null())
        for (auto v : op.vshards)
          if (!bitmap_has(owned->s, v)) return Error::internal("virtual shard " + std::to_string(v) + " is not on this node: not fenced");
      return set_key(sql, "fence", Value::blob(vshard_bitmap(op.vshards)), false);
    }
    case OpKind::ClearFence: return clear_key(sql, "fence");
    case OpKind::Freeze: {
      if (op.number <= 0) return Error::internal("a pause needs a length");
      if (auto c = exec(sql, kNodeTableSql); !c.ok()) return c.error();
      auto r = exec(sql,
                    "INSERT INTO _bd_node(k, v) VALUES ('freeze', (julianday('now') - 2440587.5) * 86400000.0 + ?1) "
                    "ON CONFLICT(k) DO UPDATE SET v = excluded.v",
                    {Value::integer(op.number)});
      if (!r.ok()) return r.error();
      return ResultSet{};
    }
    case OpKind::Unfreeze: return clear_key(sql, "freeze");
    case OpKind::LiveTxns: {
      auto v = get_key(sql, "txns");
      if (!v.ok()) return v.error();
      return one_row({Value::integer(v->type == ValueType::Integer ? v->i : 0)});
    }
    case OpKind::CaptureStart: return capture_start(sql, op);
    case OpKind::CaptureStop: return capture_stop(sql, op);
    case OpKind::ChangeSlice: return change_slice(sql, op);
    case OpKind::ChangedRows: return changed_rows(sql, op);
    case OpKind::TxnsInRanges: {
      if (auto s = check_ranges(op.ranges); !s.ok()) return s.error();
      auto n = txn_keys_in(sql, op.ranges);
      if (!n.ok()) return n.error();
      return one_row({Value::integer(*n)});
    }
    case OpKind::RangeCount:
    case OpKind::RangeBatch:
    case OpKind::FetchLogged:
    case OpKind::FetchRows:
    case OpKind::RangeRowids:
    case OpKind::RangeDelete: return range_op(sql, op);
    case OpKind::SchemaRead: return schema_read(sql);
    case OpKind::SchemaApply: return schema_apply(sql, op);
    case OpKind::UserObjects: return user_objects(sql, op);
    case OpKind::StageCreate: return stage_create(sql, op);
    case OpKind::StageUpsert: return stage_upsert(sql, op);
    case OpKind::StageDelete: return stage_delete(sql, op);
    case OpKind::StageRowids:
      if (op.table.empty() || !movable_table(op.table)) return Error::internal("not a table rows move in: " + op.table);
      return exec(sql, "SELECT _bd_src, CAST(_bd_rid AS TEXT) FROM " + q(stage_table(op.table)));
    case OpKind::StageActivate: return stage_activate(sql, op);
    case OpKind::StageDrop:
      if (op.table.empty() || !movable_table(op.table)) return Error::internal("not a table rows move in: " + op.table);
      if (auto r = exec(sql, "DROP TABLE IF EXISTS " + q(stage_table(op.table))); !r.ok()) return r.error();
      return ResultSet{};
    case OpKind::SnapCopy:
    case OpKind::SnapCatalog:
    case OpKind::SnapList:
    case OpKind::SnapDrop:
    case OpKind::SnapTables:
    case OpKind::SnapSchema:
    case OpKind::SnapRows: return snapshot_op(sql, op);
  }
  return Error::internal("unknown storage operation");
}

}  // namespace bd::storage
