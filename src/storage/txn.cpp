#include "storage/txn.h"
#include "base/limits.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include "storage/node.h"
#include "storage/ops.h"
#include "wire/codec.h"

namespace bd::storage {
namespace {

// Recovery timings. A prepared transaction whose coordinator went quiet asks its record holder
// after kAskAfterMs; a record holder tells participants that missed the commit after
// kDriveAfterMs. Finished transactions are remembered: committed ones for atomic-visibility
// reports and repeated phase-two messages, aborted ones (tombstones) so that a late request of
// a rolled-back transaction is refused instead of starting it again.
constexpr double kAskAfterMs = 2000;
constexpr double kDriveAfterMs = 2000;
constexpr double kCommittedKeepMs = 60'000;
constexpr double kAbortedKeepMs = 3'600'000;
// A record holder refuses to commit a transaction older than this: tombstones of presumed aborts
// are kept longer, so a coordinator that slept through its transaction's recovery cannot commit.
constexpr double kMaxTxnAgeMs = 1'800'000;
constexpr uint32_t kDefaultTimeoutMs = 30'000;
constexpr size_t kKeysPerStatement = limits::kMaxBoundParameters - 10;  // headroom under the limit

const char* kLocked = "database is locked";

std::string qi(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string ql(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

Result<ResultSet> ex(SqlHost& sql, std::string_view q, std::vector<Value> p = {}) { return sql.exec(q, p); }

#define BD_EXEC(q, ...)                  \
  do {                                   \
    auto r_ = ex(sql, q, ##__VA_ARGS__); \
    if (!r_.ok()) return r_.error();     \
  } while (0)

bool contains_nocase(std::string_view hay, std::string_view needle) {
  if (needle.empty() || hay.size() < needle.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); i++) {
    size_t k = 0;
    while (k < needle.size() && std::tolower(static_cast<unsigned char>(hay[i + k])) == std::tolower(static_cast<unsigned char>(needle[k])))
      k++;
    if (k == needle.size()) return true;
  }
  return false;
}

bool same_name(std::string_view a, std::string_view b) { return a.size() == b.size() && contains_nocase(a, b); }

std::string join_nodes(const std::vector<uint32_t>& v) {
  std::string s;
  for (auto n : v) {
    if (!s.empty()) s += ',';
    s += std::to_string(n);
  }
  return s;
}

std::vector<uint32_t> split_nodes(const std::string& s) {
  std::vector<uint32_t> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find(',', i);
    if (j == std::string::npos) j = s.size();
    if (j > i) out.push_back(static_cast<uint32_t>(std::stoul(s.substr(i, j - i))));
    i = j + 1;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tables

Status ensure_tables(SqlHost& sql) {
  static const char* ddl[] = {
      "CREATE TABLE IF NOT EXISTS _bd_txn(id TEXT PRIMARY KEY, state TEXT NOT NULL, start_ms REAL, touched_ms REAL, "
      "timeout_ms INTEGER, record_node INTEGER, participants TEXT, decision INTEGER NOT NULL DEFAULT 0, pending TEXT, "
      "prepared_ms REAL, done_ms REAL, db TEXT, self INTEGER)",
      "CREATE INDEX IF NOT EXISTS _bd_txn_state ON _bd_txn(state, done_ms)",
      // Decisions still to be told (the alarm's schedule reads them on every request).
      "CREATE INDEX IF NOT EXISTS _bd_txn_decided ON _bd_txn(done_ms) WHERE decision = 1",
      ("CREATE TABLE IF NOT EXISTS _bd_undo(seq INTEGER PRIMARY KEY, txn TEXT NOT NULL, stmt INTEGER NOT NULL, "
       "tbl TEXT NOT NULL COLLATE NOCASE, op INTEGER NOT NULL, layout INTEGER, rid INTEGER, ksid INTEGER)"),
      "CREATE INDEX IF NOT EXISTS _bd_undo_key ON _bd_undo(tbl, ksid)",
      "CREATE INDEX IF NOT EXISTS _bd_undo_txn ON _bd_undo(txn, seq)",
      "CREATE TABLE IF NOT EXISTS _bd_lock(txn TEXT NOT NULL, tbl TEXT NOT NULL COLLATE NOCASE, ksid INTEGER)",
      "CREATE INDEX IF NOT EXISTS _bd_lock_key ON _bd_lock(tbl, ksid)",
      "CREATE INDEX IF NOT EXISTS _bd_lock_txn ON _bd_lock(txn)",
      "CREATE TABLE IF NOT EXISTS _bd_cur(one INTEGER PRIMARY KEY, txn TEXT, stmt INTEGER, log INTEGER, rep INTEGER)",
      "INSERT OR IGNORE INTO _bd_cur VALUES (0, NULL, 0, 0, 0)",
      "CREATE TABLE IF NOT EXISTS _bd_layout(id INTEGER NOT NULL, pos INTEGER NOT NULL, name TEXT NOT NULL, PRIMARY KEY (id, pos))",
      "INSERT INTO _bd_node(k, v) VALUES ('txn_tables', 1) ON CONFLICT(k) DO UPDATE SET v = 1",
  };
  for (auto* q : ddl) BD_EXEC(q);
  return ok_status();
}

// Keeps _bd_node's count of live transactions (the fast-path switch) and the alarm in step with
// _bd_txn.
Status settle(SqlHost& sql, NodeEnv& env) {
  BD_EXEC(
      "INSERT INTO _bd_node(k, v) VALUES ('txns', (SELECT count(*) FROM _bd_txn WHERE state IN ('active', 'prepared'))) "
      "ON CONFLICT(k) DO UPDATE SET v = excluded.v");
  auto next = ex(sql,
                 "SELECT min(t) FROM (SELECT touched_ms + max(1000, 2 * coalesce(nullif(timeout_ms, 0), ?1)) AS t FROM _bd_txn "
                 "WHERE state = 'active' UNION ALL SELECT prepared_ms + ?2 FROM _bd_txn WHERE state = 'prepared' "
                 "UNION ALL SELECT done_ms + ?3 FROM _bd_txn WHERE decision = 1)",
                 {Value::integer(kDefaultTimeoutMs), Value::real(kAskAfterMs), Value::real(kDriveAfterMs)});
  if (!next.ok()) return next.error();
  const Value& v = next->rows.at(0).at(0);
  env.alarm_known = true;
  env.alarm_at = v.is_null() ? -1 : std::max(env.now_ms + 50, v.type == ValueType::Real ? v.r : static_cast<double>(v.i));
  return ok_status();
}

Status garbage_collect(SqlHost& sql, NodeEnv& env) {
  BD_EXEC("DELETE FROM _bd_txn WHERE state = 'committed' AND decision = 0 AND done_ms < ?1", {Value::real(env.now_ms - kCommittedKeepMs)});
  BD_EXEC("DELETE FROM _bd_txn WHERE state = 'aborted' AND done_ms < ?1", {Value::real(env.now_ms - kAbortedKeepMs)});
  return ok_status();
}

struct TxnRow {
  bool exists = false;
  std::string state;
  double start_ms = 0;
  bool decision = false;
  std::vector<uint32_t> participants;
};

Result<TxnRow> load(SqlHost& sql, const std::string& id) {
  auto r = ex(sql, "SELECT state, start_ms, decision, participants FROM _bd_txn WHERE id = ?1", {Value::text(id)});
  if (!r.ok()) return r.error();
  TxnRow row;
  if (r->rows.empty()) return row;
  auto& v = r->rows[0];
  row.exists = true;
  row.state = v[0].s;
  row.start_ms = v[1].type == ValueType::Real ? v[1].r : static_cast<double>(v[1].i);
  row.decision = v[2].i != 0;
  if (v[3].type == ValueType::Text) row.participants = split_nodes(v[3].s);
  return row;
}

// ---------------------------------------------------------------------------------------------
// Capture triggers

struct Shape {
  std::string name;
  std::vector<std::string> cols;  // stored columns (generated ones are recomputed), incl. _bd_ksid
  bool has_ksid = false;
  bool without_rowid = false;
  std::vector<std::string> pk;  // WITHOUT ROWID: primary key columns
  struct Unique {
    std::vector<std::pair<std::string, std::string>> cols;  // (column, collation)
    bool expression = false;
  };
  std::vector<Unique> uniques;
  bool declares_replace = false;  // ON CONFLICT REPLACE in the table's own definition
};

Result<Shape> shape_of(SqlHost& sql, const std::string& name, bool without_rowid, const std::string& create_sql) {
  Shape s;
  s.name = name;
  s.without_rowid = without_rowid;
  s.declares_replace = contains_nocase(create_sql, "REPLACE");
  auto cols = ex(sql, "SELECT name, hidden, pk FROM pragma_table_xinfo(?1) ORDER BY cid", {Value::text(name)});
  if (!cols.ok()) return cols.error();
  std::vector<std::pair<int64_t, std::string>> pk;
  for (auto& r : cols->rows) {
    if (r[1].i == 2 || r[1].i == 3) continue;  // generated
    s.cols.push_back(r[0].s);
    if (r[0].s == "_bd_ksid") s.has_ksid = true;
    if (r[2].i > 0) pk.emplace_back(r[2].i, r[0].s);
  }
  std::sort(pk.begin(), pk.end());
  for (auto& p : pk) s.pk.push_back(p.second);
  auto idx = ex(sql,
                "SELECT il.name, ix.cid, ix.name, ix.coll FROM pragma_index_list(?1) il, pragma_index_xinfo(il.name) ix "
                "WHERE il.\"unique\" AND ix.key ORDER BY il.seq, ix.seqno",
                {Value::text(name)});
  if (!idx.ok()) return idx.error();
  std::string current;
  for (auto& r : idx->rows) {
    if (s.uniques.empty() || r[0].s != current) {
      s.uniques.emplace_back();
      current = r[0].s;
    }
    if (r[1].i < 0 || r[2].type != ValueType::Text)
      s.uniques.back().expression = true;
    else
      s.uniques.back().cols.emplace_back(r[2].s, r[3].type == ValueType::Text ? r[3].s : "BINARY");
  }
  return s;
}

std::string trigger_name(const std::string& table, const char* kind) { return qi(std::string("_bd_tx_") + kind + "_" + table); }

// The SQL of the six capture triggers of one table, logging images in `layout`.
std::vector<std::string> capture_sql(const Shape& s, int64_t layout) {
  const std::string T = qi(s.name), L = ql(s.name), LAY = std::to_string(layout);
  const std::string cur = "(SELECT txn FROM _bd_cur)";
  auto K = [&](const std::string& x) { return s.has_ksid ? "ifnull(" + x + ".\"_bd_ksid\", 0)" : std::string("0"); };
  auto conflict = [&](const std::string& x) {
    return "(EXISTS (SELECT 1 FROM _bd_undo WHERE tbl = " + L + " AND ksid = " + K(x) + " AND txn <> " + cur +
           ") OR EXISTS (SELECT 1 FROM _bd_lock WHERE tbl = " + L + " AND (ksid IS NULL OR ksid = " + K(x) + ") AND txn <> " + cur + "))";
  };
  auto img = [&](const std::string& x) {
    std::string out;
    for (auto& c : s.cols) out += ", " + x + "." + qi(c);
    return out;
  };
  std::string undo_cols;
  for (size_t i = 0; i < s.cols.size(); i++) undo_cols += ", c" + std::to_string(i);
  auto rid = [&](const std::string& x) { return s.without_rowid ? std::string("NULL") : x + ".rowid"; };
  auto pk_row = [&](const std::string& x) {
    std::string out = "(";
    for (size_t i = 0; i < s.pk.size(); i++) out += (i ? ", " : "") + x + "." + qi(s.pk[i]);
    return out + ")";
  };
  // Rows of the table that an insert (or update) of NEW could replace.
  std::vector<std::string> parts;
  if (!s.without_rowid) parts.push_back("t.rowid = NEW.rowid");
  for (auto& u : s.uniques) {
    if (u.expression || u.cols.empty()) {
      parts.push_back(s.has_ksid ? K("t") + " = " + K("NEW") : std::string("1"));
      continue;
    }
    std::string c;
    for (auto& [col, coll] : u.cols) c += (c.empty() ? "" : " AND ") + ("t." + qi(col) + " = NEW." + qi(col) + " COLLATE " + qi(coll));
    parts.push_back("(" + c + ")");
  }
  std::string victims;
  for (auto& p : parts) victims += (victims.empty() ? "" : " OR ") + p;
  if (victims.empty()) victims = "0";
  const std::string rep = std::string("(c.rep OR ") + (s.declares_replace ? "1" : "0") + ")";
  auto replace_capture = [&](const std::string& not_old) {
    std::string cond = "(" + victims + ")" + not_old;
    return "SELECT RAISE(ABORT, 'bd:locked') FROM _bd_cur c WHERE " + rep + " AND EXISTS (SELECT 1 FROM " + T + " AS t WHERE " + cond +
           " AND " + conflict("t") + "); INSERT INTO _bd_undo(txn, stmt, tbl, op, layout, rid, ksid" + undo_cols +
           ") SELECT c.txn, c.stmt, " + L + ", 0, " + LAY + ", " + rid("t") + ", " + K("t") + img("t") + " FROM " + T +
           " AS t, _bd_cur c WHERE c.log AND " + rep + " AND " + cond + ";";
  };
  const std::string when = " WHEN (SELECT txn FROM _bd_cur) IS NOT NULL BEGIN ";
  std::string new_image = s.without_rowid ? img("NEW") : "";
  std::string new_cols = s.without_rowid ? undo_cols : "";
  std::string not_old = s.without_rowid ? " AND " + pk_row("t") + " IS NOT " + pk_row("OLD") : " AND t.rowid <> OLD.rowid";
  std::string moved = s.without_rowid ? pk_row("NEW") + " IS NOT " + pk_row("OLD") : "NEW.rowid IS NOT OLD.rowid";
  std::vector<std::string> out;
  out.push_back("CREATE TRIGGER " + trigger_name(s.name, "bi") + " BEFORE INSERT ON " + T + when +
                "SELECT RAISE(ABORT, 'bd:locked') WHERE " + conflict("NEW") + "; " + replace_capture("") + " END");
  out.push_back("CREATE TRIGGER " + trigger_name(s.name, "ai") + " AFTER INSERT ON " + T + when +
                "INSERT INTO _bd_undo(txn, stmt, tbl, op, layout, rid, ksid" + new_cols + ") SELECT c.txn, c.stmt, " + L + ", 1, " + LAY +
                ", " + rid("NEW") + ", " + K("NEW") + new_image + " FROM _bd_cur c WHERE c.log; END");
  out.push_back("CREATE TRIGGER " + trigger_name(s.name, "bu") + " BEFORE UPDATE ON " + T + when +
                "SELECT RAISE(ABORT, 'bd:locked') WHERE " + conflict("OLD") + " OR " + conflict("NEW") + "; " + replace_capture(not_old) +
                " END");
  out.push_back("CREATE TRIGGER " + trigger_name(s.name, "au") + " AFTER UPDATE ON " + T + when +
                "INSERT INTO _bd_undo(txn, stmt, tbl, op, layout, rid, ksid" + undo_cols + ") SELECT c.txn, c.stmt, " + L + ", 0, " + LAY +
                ", " + rid("OLD") + ", " + K("OLD") + img("OLD") + " FROM _bd_cur c WHERE c.log; " +
                "INSERT INTO _bd_undo(txn, stmt, tbl, op, layout, rid, ksid" + new_cols + ") SELECT c.txn, c.stmt, " + L + ", 1, " + LAY +
                ", " + rid("NEW") + ", " + K("NEW") + new_image + " FROM _bd_cur c WHERE c.log AND " + moved + "; END");
  out.push_back("CREATE TRIGGER " + trigger_name(s.name, "bd") + " BEFORE DELETE ON " + T + when +
                "SELECT RAISE(ABORT, 'bd:locked') WHERE " + conflict("OLD") + "; END");
  out.push_back("CREATE TRIGGER " + trigger_name(s.name, "ad") + " AFTER DELETE ON " + T + when +
                "INSERT INTO _bd_undo(txn, stmt, tbl, op, layout, rid, ksid" + undo_cols + ") SELECT c.txn, c.stmt, " + L + ", 0, " + LAY +
                ", " + rid("OLD") + ", " + K("OLD") + img("OLD") + " FROM _bd_cur c WHERE c.log; END");
  return out;
}

Status drop_capture(SqlHost& sql) {
  auto names = ex(sql, "SELECT name FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '\\_bd\\_tx\\_%' ESCAPE '\\'");
  if (!names.ok()) return names.error();
  for (auto& r : names->rows) BD_EXEC("DROP TRIGGER IF EXISTS " + qi(r[0].s));
  BD_EXEC("DELETE FROM _bd_node WHERE k = 'capture'");
  return ok_status();
}

// Installs capture triggers on every table of the node (users' tables, global-index entries and
// FTS5 content tables; not virtual tables nor their shadow tables, which FTS5 keeps in step itself).
Status install_capture(SqlHost& sql, double now_ms) {
  if (auto s = drop_capture(sql); !s.ok()) return s;
  auto tables = ex(sql,
                   "SELECT m.name, l.wr, m.sql FROM sqlite_schema m JOIN pragma_table_list l ON l.name = m.name AND l.schema = 'main' "
                   "WHERE m.type = 'table' AND l.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                   "AND m.name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND (m.name NOT LIKE '\\_bd\\_%' ESCAPE '\\' "
                   "OR m.name LIKE '\\_bd\\_idx\\_%' ESCAPE '\\' OR m.name LIKE '\\_bd\\_fts\\_%' ESCAPE '\\')");
  if (!tables.ok()) return tables.error();
  auto width = ex(sql, "SELECT count(*) FROM pragma_table_xinfo('_bd_undo')");
  if (!width.ok()) return width.error();
  int64_t have = width->rows[0][0].i - 8;  // seq .. ksid precede c0
  auto next = ex(sql, "SELECT coalesce(max(id), 0) + 1 FROM _bd_layout");
  if (!next.ok()) return next.error();
  int64_t layout = next->rows[0][0].i;
  for (auto& t : tables->rows) {
    auto shape = shape_of(sql, t[0].s, t[1].i != 0, t[2].type == ValueType::Text ? t[2].s : "");
    if (!shape.ok()) return shape.error();
    for (; have < static_cast<int64_t>(shape->cols.size()); have++) BD_EXEC("ALTER TABLE _bd_undo ADD COLUMN c" + std::to_string(have));
    for (size_t i = 0; i < shape->cols.size(); i++)
      BD_EXEC("INSERT INTO _bd_layout(id, pos, name) VALUES (?1, ?2, ?3)",
              {Value::integer(layout), Value::integer(static_cast<int64_t>(i)), Value::text(shape->cols[i])});
    for (auto& q : capture_sql(*shape, layout)) BD_EXEC(q);
    layout++;
  }
  BD_EXEC("INSERT INTO _bd_node(k, v) VALUES ('capture', ?1) ON CONFLICT(k) DO UPDATE SET v = ?1", {Value::real(now_ms)});
  return ok_status();
}

// ---------------------------------------------------------------------------------------------
// Undo

struct UserTrigger {
  std::string name, table, sql;
};

// Applies undo rows matching `filter` (SQL over _bd_undo; ?3.. are `params`) in reverse order,
// with the users' triggers dropped meanwhile (undo is not a user's write). Consecutive rows of one
// table, op and layout go in one statement.
Status apply_undo(SqlHost& sql, const std::string& filter, const std::vector<Value>& params) {
  std::vector<Value> all = params;
  all.insert(all.begin(), Value::integer(int64_t{1} << 52));
  all.insert(all.begin(), Value::integer(0));
  auto rows = ex(sql, "SELECT seq, tbl, op, layout FROM _bd_undo WHERE seq BETWEEN ?1 AND ?2 AND (" + filter + ") ORDER BY seq DESC", all);
  if (!rows.ok()) return rows.error();
  if (rows->rows.empty()) return ok_status();
  struct Run {
    int64_t lo, hi;
    std::string tbl;
    int64_t op, layout;
  };
  std::vector<Run> runs;
  for (auto& r : rows->rows) {
    int64_t layout = r[3].is_null() ? 0 : r[3].i;
    if (!runs.empty() && runs.back().tbl == r[1].s && runs.back().op == r[2].i && runs.back().layout == layout)
      runs.back().lo = r[0].i;
    else
      runs.push_back({r[0].i, r[0].i, r[1].s, r[2].i, layout});
  }
  std::set<std::string> tables;
  for (auto& r : runs) tables.insert(r.tbl);
  auto trig = ex(
      sql,
      "SELECT name, tbl_name, sql FROM sqlite_schema WHERE type = 'trigger' AND sql IS NOT NULL AND name NOT LIKE '\\_bd\\_%' ESCAPE '\\'");
  if (!trig.ok()) return trig.error();
  std::vector<UserTrigger> dropped;
  for (auto& r : trig->rows) {
    bool hit = false;
    for (auto& t : tables) hit |= same_name(t, r[1].s);
    if (!hit) continue;
    dropped.push_back({r[0].s, r[1].s, r[2].s});
    BD_EXEC("DROP TRIGGER IF EXISTS " + qi(r[0].s));
  }
  // Rows come back in any order across tables: foreign keys are checked when the node commits.
  BD_EXEC("PRAGMA defer_foreign_keys = ON");
  struct Current {
    bool exists = false;
    bool without_rowid = false;
    std::set<std::string> cols;
    std::vector<std::string> pk;
  };
  std::map<std::string, Current> current;
  std::map<int64_t, std::vector<std::string>> layouts;
  for (auto& run : runs) {
    auto it = current.find(run.tbl);
    if (it == current.end()) {
      Current c;
      auto t = ex(sql,
                  "SELECT wr, (SELECT sql FROM sqlite_schema WHERE name = ?1 COLLATE NOCASE AND type = 'table') FROM pragma_table_list "
                  "WHERE name = ?1 AND schema = 'main'",
                  {Value::text(run.tbl)});
      if (!t.ok()) return t.error();
      if (!t->rows.empty()) {
        c.exists = true;
        c.without_rowid = t->rows[0][0].i != 0;
        auto sh = shape_of(sql, run.tbl, c.without_rowid, "");
        if (!sh.ok()) return sh.error();
        c.cols.insert(sh->cols.begin(), sh->cols.end());
        c.pk = sh->pk;
      }
      it = current.emplace(run.tbl, std::move(c)).first;
    }
    const Current& cur = it->second;
    if (!cur.exists) continue;  // the table was dropped meanwhile: nothing to put back
    auto lit = layouts.find(run.layout);
    if (lit == layouts.end()) {
      auto l = ex(sql, "SELECT name FROM _bd_layout WHERE id = ?1 ORDER BY pos", {Value::integer(run.layout)});
      if (!l.ok()) return l.error();
      std::vector<std::string> names;
      for (auto& r : l->rows) names.push_back(r[0].s);
      lit = layouts.emplace(run.layout, std::move(names)).first;
    }
    const auto& names = lit->second;
    std::vector<Value> p = params;
    p.insert(p.begin(), Value::integer(run.hi));
    p.insert(p.begin(), Value::integer(run.lo));
    std::string where = "seq BETWEEN ?1 AND ?2 AND (" + filter + ")";
    const std::string T = qi(run.tbl);
    if (run.op == 1) {
      if (!cur.without_rowid) {
        BD_EXEC("DELETE FROM " + T + " WHERE rowid IN (SELECT rid FROM _bd_undo WHERE " + where + ")", p);
      } else {
        std::string key, src;
        for (auto& k : cur.pk) {
          auto pos = std::find(names.begin(), names.end(), k);
          if (pos == names.end()) return Error::internal("undo of " + run.tbl + ": primary key column " + k + " was not captured");
          key += (key.empty() ? "" : ", ") + qi(k);
          src += (src.empty() ? "" : ", ") + ("c" + std::to_string(pos - names.begin()));
        }
        BD_EXEC("DELETE FROM " + T + " WHERE (" + key + ") IN (SELECT " + src + " FROM _bd_undo WHERE " + where + ")", p);
      }
    } else {
      std::string cols = cur.without_rowid ? "" : "rowid", src = cur.without_rowid ? "" : "rid";
      for (size_t i = 0; i < names.size(); i++) {
        if (!cur.cols.count(names[i])) continue;
        cols += (cols.empty() ? "" : ", ") + qi(names[i]);
        src += (src.empty() ? "" : ", ") + ("c" + std::to_string(i));
      }
      BD_EXEC("INSERT OR REPLACE INTO " + T + " (" + cols + ") SELECT " + src + " FROM _bd_undo WHERE " + where + " ORDER BY seq DESC", p);
    }
  }
  for (auto& t : dropped) BD_EXEC(t.sql);
  return ok_status();
}

// Rolls back everything `id` did here (from statement `from_stmt` on, for ROLLBACK TO).
Status undo_txn(SqlHost& sql, const std::string& id, uint32_t from_stmt) {
  std::vector<Value> p{Value::text(id), Value::integer(from_stmt)};
  if (auto s = apply_undo(sql, "txn = ?3 AND stmt >= ?4", p); !s.ok()) return s;
  BD_EXEC("DELETE FROM _bd_undo WHERE txn = ?1 AND stmt >= ?2", p);
  return ok_status();
}

Status abort_local(SqlHost& sql, NodeEnv& env, const std::string& id) {
  if (auto s = undo_txn(sql, id, 0); !s.ok()) return s;
  BD_EXEC("DELETE FROM _bd_lock WHERE txn = ?1", {Value::text(id)});
  BD_EXEC(
      "INSERT INTO _bd_txn(id, state, done_ms) VALUES (?1, 'aborted', ?2) ON CONFLICT(id) DO UPDATE SET state = 'aborted', "
      "done_ms = ?2, decision = 0, pending = NULL",
      {Value::text(id), Value::real(env.now_ms)});
  return ok_status();
}

Status commit_local(SqlHost& sql, NodeEnv& env, const std::string& id, const std::vector<uint32_t>& participants, bool decide,
                    uint32_t self) {
  BD_EXEC("DELETE FROM _bd_undo WHERE txn = ?1", {Value::text(id)});
  BD_EXEC("DELETE FROM _bd_lock WHERE txn = ?1", {Value::text(id)});
  std::vector<uint32_t> pending;
  for (auto p : participants)
    if (p != self) pending.push_back(p);
  bool multi = participants.size() > 1;
  BD_EXEC(
      "INSERT INTO _bd_txn(id, state, done_ms, participants, decision, pending) VALUES (?1, 'committed', ?2, ?3, ?4, ?5) "
      "ON CONFLICT(id) DO UPDATE SET state = 'committed', done_ms = ?2, participants = coalesce(?3, participants), decision = ?4, "
      "pending = ?5",
      {Value::text(id), Value::real(env.now_ms), participants.empty() ? Value::null() : Value::text(join_nodes(participants)),
       Value::integer(decide && !pending.empty() ? 1 : 0), decide && !pending.empty() ? Value::text(join_nodes(pending)) : Value::null()});
  if (multi)
    BD_EXEC("INSERT INTO _bd_node(k, v) VALUES ('visible', ?1) ON CONFLICT(k) DO UPDATE SET v = max(v, ?1)", {Value::real(env.now_ms)});
  return ok_status();
}

// ---------------------------------------------------------------------------------------------
// Locks

std::string key_list(size_t first_param, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; i++) s += (i ? ", ?" : "?") + std::to_string(first_param + i);
  return s;
}

// Transactions other than `self` whose state conflicts with `f`: exclusive (undo) on its keys,
// and for writes also shared locks.
Status holders_of(SqlHost& sql, const LockSpec& f, const std::string& self, std::set<std::string>& out) {
  auto one = [&](const std::vector<uint64_t>& keys) -> Status {
    std::vector<Value> p{Value::text(f.table), Value::text(self)};
    for (auto k : keys) p.push_back(Value::integer(static_cast<int64_t>(k)));
    std::string in = keys.empty() ? "" : " AND ksid IN (" + key_list(3, keys.size()) + ")";
    std::string q = "SELECT DISTINCT txn FROM _bd_undo WHERE tbl = ?1 AND txn <> ?2" + in;
    if (f.write)
      q += " UNION SELECT DISTINCT txn FROM _bd_lock WHERE tbl = ?1 AND txn <> ?2" +
           (keys.empty() ? std::string() : " AND (ksid IS NULL OR ksid IN (" + key_list(3, keys.size()) + "))");
    auto r = ex(sql, q, p);
    if (!r.ok()) return r.error();
    for (auto& row : r->rows) out.insert(row[0].s);
    return ok_status();
  };
  if (f.ksids.empty()) return one({});
  for (size_t i = 0; i < f.ksids.size(); i += kKeysPerStatement) {
    std::vector<uint64_t> part(f.ksids.begin() + i, f.ksids.begin() + std::min(f.ksids.size(), i + kKeysPerStatement));
    if (auto s = one(part); !s.ok()) return s;
  }
  return ok_status();
}

// Deadlock prevention (wait-die): a transaction waits (Busy: the conductor retries the statement)
// only for younger ones, or for prepared ones (they wait on nothing); otherwise it dies (Conflict:
// rolled back, the client may run it again). Requests outside transactions hold nothing: they wait.
Error lock_error(SqlHost& sql, const TxnHeader& h, const std::set<std::string>& holders) {
  if (h.id.empty() || holders.empty()) return Error::busy(kLocked);
  std::vector<Value> p;
  std::string in;
  for (auto& id : holders) {
    p.push_back(Value::text(id));
    in += (in.empty() ? "?" : ", ?") + std::to_string(p.size());
    if (p.size() >= kKeysPerStatement) break;
  }
  auto r = ex(sql, "SELECT id, start_ms, state FROM _bd_txn WHERE id IN (" + in + ")", p);
  if (!r.ok()) return Error::busy(kLocked);
  for (auto& row : r->rows) {
    if (row[2].s == "prepared") continue;
    double start = row[1].type == ValueType::Real ? row[1].r : static_cast<double>(row[1].i);
    bool older = h.start_ms < start || (h.start_ms == start && h.id < row[0].s);
    if (!older) return Error::conflict(kLocked);
  }
  return Error::busy(kLocked);
}

// Holders of anything on the tables a request names (after a capture trigger refused a row).
Status holders_on_tables(SqlHost& sql, const Request& req, const std::string& self, std::set<std::string>& out) {
  std::vector<Value> p{Value::text(self)};
  std::string in;
  if (req.footprint.size() < kKeysPerStatement)
    for (auto& f : req.footprint) {
      p.push_back(Value::text(f.table));
      in += (in.empty() ? "?" : ", ?") + std::to_string(p.size());
    }
  std::string where = in.empty() ? "" : " AND tbl IN (" + in + ")";
  auto r = ex(
      sql, "SELECT DISTINCT txn FROM _bd_undo WHERE txn <> ?1" + where + " UNION SELECT DISTINCT txn FROM _bd_lock WHERE txn <> ?1" + where,
      p);
  if (!r.ok()) return r.error();
  for (auto& row : r->rows) out.insert(row[0].s);
  return ok_status();
}

Status take_shared_locks(SqlHost& sql, const Request& req) {
  const std::string& id = req.txn.id;
  for (auto& f : req.footprint) {
    if (f.write) continue;
    if (f.ksids.empty()) {
      BD_EXEC(
          "INSERT INTO _bd_lock(txn, tbl, ksid) SELECT ?1, ?2, NULL WHERE NOT EXISTS (SELECT 1 FROM _bd_lock WHERE txn = ?1 AND tbl = ?2 "
          "AND ksid IS NULL)",
          {Value::text(id), Value::text(f.table)});
      continue;
    }
    for (auto k : f.ksids)
      BD_EXEC(
          "INSERT INTO _bd_lock(txn, tbl, ksid) SELECT ?1, ?2, ?3 WHERE NOT EXISTS (SELECT 1 FROM _bd_lock WHERE txn = ?1 AND tbl = ?2 AND "
          "(ksid IS NULL OR ksid = ?3))",
          {Value::text(id), Value::text(f.table), Value::integer(static_cast<int64_t>(k))});
  }
  return ok_status();
}

bool is_locked_error(const Error& e) { return e.message.find("bd:locked") != std::string::npos; }

bool mentions_replace(const Request& req) {
  for (auto& st : req.statements)
    if (st.write && contains_nocase(st.sql, "REPLACE")) return true;
  return false;
}

// Runs the statements with capture set to `id` (empty: outside a transaction, checks only).
Status run_captured(SqlHost& sql, const Request& req, const std::string& id, bool log, Response& resp, uint32_t& failed) {
  BD_EXEC("UPDATE _bd_cur SET txn = ?1, stmt = ?2, log = ?3, rep = ?4 WHERE one = 0",
          {Value::text(id), Value::integer(req.txn.stmt), Value::integer(log), Value::integer(mentions_replace(req))});
  if (auto s = run_statements(sql, req, resp, failed); !s.ok()) return s;
  BD_EXEC("UPDATE _bd_cur SET txn = NULL, stmt = 0, log = 0, rep = 0 WHERE one = 0");
  return ok_status();
}

// Visibility reports: multi-node transactions committed here within the window (recent), and
// within the margin before it.
Status report_visible(SqlHost& sql, NodeEnv& env, const Request& req, Response& resp) {
  if (!req.visible_window_ms) return ok_status();
  auto r = ex(sql,
              "SELECT id, participants, done_ms >= ?2 FROM _bd_txn WHERE state = 'committed' AND done_ms >= ?1 AND participants LIKE "
              "'%,%'",
              {Value::real(env.now_ms - req.visible_window_ms - kVisibleMarginMs), Value::real(env.now_ms - req.visible_window_ms)});
  if (!r.ok()) {
    if (r.error().message.find("no such table") != std::string::npos) return ok_status();
    return r.error();
  }
  for (auto& row : r->rows) resp.visible.push_back({row[0].s, split_nodes(row[1].s), row[2].i != 0});
  return ok_status();
}

std::string fail(const Error& e, uint32_t index = 0) { return encode_error(e, index); }

}  // namespace

// ---------------------------------------------------------------------------------------------

Status before_schema_change(SqlHost& sql, const NodeTxnMeta& meta) {
  if (!meta.capture) return ok_status();
  return drop_capture(sql);
}

Status drop_idle_capture(SqlHost& sql, NodeEnv& env, const NodeTxnMeta& meta) {
  if (!meta.capture || meta.live > 0 || env.now_ms - meta.capture_ms < kCaptureIdleMs) return ok_status();
  if (auto s = drop_capture(sql); !s.ok()) return s;
  // The layouts of the dropped triggers go too (no undo entry is left to read them).
  BD_EXEC("DELETE FROM _bd_layout WHERE id NOT IN (SELECT DISTINCT layout FROM _bd_undo)");
  return ok_status();
}

std::string run_in_transaction(SqlHost& sql, NodeEnv& env, const Request& req, const NodeTxnMeta& meta) {
  const TxnHeader& h = req.txn;
  // Transactions are running here: the capture triggers stay (storage/txn.h, drop_idle_capture).
  if (meta.capture)
    if (auto s = ex(sql, "UPDATE _bd_node SET v = ?1 WHERE k = 'capture'", {Value::real(env.now_ms)}); !s.ok()) return fail(s.error());
  if (!meta.tables)
    if (auto s = ensure_tables(sql); !s.ok()) return fail(s.error());
  auto row_r = load(sql, h.id);
  if (!row_r.ok()) return fail(row_r.error());
  TxnRow row = *row_r;
  Response resp;
  const Value id = Value::text(h.id);

  // The work first: statements in the transaction, under its locks.
  if (!req.statements.empty()) {
    if (row.state == "aborted") return fail(Error::conflict("the transaction was rolled back (" + std::string(kLocked) + " or timed out)"));
    if (row.exists && row.state != "active") return fail(Error::internal("transaction " + h.id + " is already " + row.state));
    if (!row.exists) {
      auto ins =
          ex(sql, "INSERT INTO _bd_txn(id, state, start_ms, touched_ms, timeout_ms, db, self) VALUES (?1, 'active', ?2, ?3, ?4, ?5, ?6)",
             {id, Value::real(h.start_ms), Value::real(env.now_ms), Value::integer(h.timeout_ms), Value::text(h.database),
              Value::integer(h.self)});
      if (!ins.ok()) return fail(ins.error());
      row.exists = true;
      row.state = "active";
      row.start_ms = h.start_ms;
    } else {
      auto t = ex(sql, "UPDATE _bd_txn SET touched_ms = ?2 WHERE id = ?1", {id, Value::real(env.now_ms)});
      if (!t.ok()) return fail(t.error());
    }
    bool writes = false;
    for (auto& st : req.statements) writes |= st.write;
    if (writes && !meta.capture)
      if (auto s = install_capture(sql, env.now_ms); !s.ok()) return fail(s.error());
    std::set<std::string> holders;
    for (auto& f : req.footprint)
      if (auto s = holders_of(sql, f, h.id, holders); !s.ok()) return fail(s.error());
    if (!holders.empty()) return fail(lock_error(sql, h, holders));
    uint32_t failed = 0;
    if (auto s = run_captured(sql, req, h.id, true, resp, failed); !s.ok()) {
      if (!is_locked_error(s.error())) return fail(s.error(), failed);
      std::set<std::string> hs;
      (void)holders_on_tables(sql, req, h.id, hs);
      return fail(lock_error(sql, h, hs), failed);
    }
    if (auto s = take_shared_locks(sql, req); !s.ok()) return fail(s.error());
  }

  switch (h.action) {
    case TxnAction::Work: break;
    case TxnAction::Prepare: {
      if (!row.exists || row.state == "aborted")
        return fail(Error::conflict("the transaction was rolled back (" + std::string(kLocked) + " or timed out)"));
      if (row.state == "committed") return fail(Error::internal("transaction " + h.id + " is already committed"));
      // Shared locks end here: the transaction reads nothing more (two-phase locking).
      auto d = ex(sql, "DELETE FROM _bd_lock WHERE txn = ?1", {id});
      if (!d.ok()) return fail(d.error());
      auto u = ex(
          sql,
          "UPDATE _bd_txn SET state = 'prepared', prepared_ms = ?2, record_node = ?3, participants = ?4, db = ?5, self = ?6 WHERE id = ?1",
          {id, Value::real(env.now_ms), Value::integer(h.record_node), Value::text(join_nodes(h.participants)), Value::text(h.database),
           Value::integer(h.self)});
      if (!u.ok()) return fail(u.error());
      break;
    }
    case TxnAction::Commit: {
      if (row.state == "aborted")
        return fail(Error::conflict("the transaction was rolled back (" + std::string(kLocked) + " or timed out)"));
      if (row.state == "committed") break;  // a repeated phase-two message
      if (h.decide) {
        // The commit point. A record holder never commits a transaction it does not know (recovery
        // may have presumed it aborted and forgotten the tombstone) or one too old to be trusted.
        if (!row.exists) return fail(Error::conflict("the transaction was rolled back (" + std::string(kLocked) + " or timed out)"));
        if (env.now_ms - row.start_ms > kMaxTxnAgeMs) {
          if (auto s = abort_local(sql, env, h.id); !s.ok()) return fail(s.error());
          (void)settle(sql, env);
          return fail(Error::conflict("the transaction ran longer than " + std::to_string(static_cast<int>(kMaxTxnAgeMs / 60000)) +
                                      " minutes and was rolled back"));
        }
      } else if (!row.exists) {
        break;  // phase two for a participant that did nothing here, or already forgot it
      }
      if (auto s = commit_local(sql, env, h.id, h.participants, h.decide, h.self); !s.ok()) return fail(s.error());
      break;
    }
    case TxnAction::Abort: {
      if (row.state == "committed") return fail(Error::internal("transaction " + h.id + " is already committed here"));
      if (auto s = abort_local(sql, env, h.id); !s.ok()) return fail(s.error());
      break;
    }
    case TxnAction::Release: {
      if (!row.exists) break;
      auto d = ex(sql, "DELETE FROM _bd_lock WHERE txn = ?1", {id});
      if (!d.ok()) return fail(d.error());
      auto any = ex(sql, "SELECT count(*) FROM _bd_undo WHERE txn = ?1", {id});
      if (!any.ok()) return fail(any.error());
      if (any->rows[0][0].i == 0 && row.state == "active") {
        auto u = ex(sql, "UPDATE _bd_txn SET state = 'committed', done_ms = ?2 WHERE id = ?1", {id, Value::real(env.now_ms)});
        if (!u.ok()) return fail(u.error());
      }
      break;
    }
    case TxnAction::RollbackTo: {
      if (!row.exists) break;
      if (row.state != "active") return fail(Error::internal("transaction " + h.id + " is " + row.state));
      if (auto s = undo_txn(sql, h.id, h.rollback_to); !s.ok()) return fail(s.error());
      break;
    }
    case TxnAction::Decision: {
      // Recovery asks the record holder. Without a decision the transaction never committed:
      // record that durably (a late commit is then refused) and answer aborted.
      if (row.decision || row.state == "committed") {
        resp.txn_outcome = 1;
      } else {
        if (row.state != "aborted")
          if (auto s = abort_local(sql, env, h.id); !s.ok()) return fail(s.error());
        resp.txn_outcome = 2;
      }
      break;
    }
    case TxnAction::Forget: {
      auto u = ex(sql, "UPDATE _bd_txn SET decision = 0, pending = NULL WHERE id = ?1", {id});
      if (!u.ok()) return fail(u.error());
      break;
    }
  }
  if (h.action != TxnAction::Work)
    if (auto s = garbage_collect(sql, env); !s.ok()) return fail(s.error());
  if (auto s = settle(sql, env); !s.ok()) return fail(s.error());
  if (req.want_size) resp.database_bytes = sql.database_bytes();
  return encode_response(resp);
}

std::string run_beside_transactions(SqlHost& sql, NodeEnv& env, const Request& req, const NodeTxnMeta& meta) {
  Response resp;
  uint32_t failed = 0;
  bool writes = false;
  for (auto& st : req.statements) writes |= st.write;
  if (meta.live == 0) {
    // Only the visibility report is due.
    if (auto s = run_statements(sql, req, resp, failed); !s.ok()) return fail(s.error(), failed);
    if (auto s = report_visible(sql, env, req, resp); !s.ok()) return fail(s.error());
    if (req.want_size) resp.database_bytes = sql.database_bytes();
    return encode_response(resp);
  }
  TxnHeader none;
  if (writes) {
    // A write outside transactions: it must not touch (or read) what a transaction holds.
    std::set<std::string> holders;
    for (auto& f : req.footprint)
      if (auto s = holders_of(sql, f, "", holders); !s.ok()) return fail(s.error());
    if (!holders.empty()) return fail(Error::busy(kLocked));
    if (!meta.capture)
      if (auto s = install_capture(sql, env.now_ms); !s.ok()) return fail(s.error());
    if (auto s = run_captured(sql, req, "", false, resp, failed); !s.ok())
      return fail(is_locked_error(s.error()) ? Error::busy(kLocked) : s.error(), failed);
    if (req.want_size) resp.database_bytes = sql.database_bytes();
    return encode_response(resp);
  }
  // A read: prepared transactions' rows are in doubt (the decision may be made elsewhere already),
  // so a read of a table they wrote waits; active ones' rows are read as they were committed.
  auto dirty =
      ex(sql, "SELECT DISTINCT u.tbl, t.state FROM _bd_undo u JOIN _bd_txn t ON t.id = u.txn WHERE t.state IN ('active', 'prepared')");
  if (!dirty.ok()) return fail(dirty.error());
  bool active = false;
  for (auto& row : dirty->rows) {
    if (row[1].s == "active") {
      active = true;
      continue;
    }
    bool read = false;
    for (auto& f : req.footprint) read |= same_name(f.table, row[0].s);
    for (auto& st : req.statements) read |= contains_nocase(st.sql, row[0].s);
    if (read) return fail(Error::busy(kLocked));
  }
  if (auto s = report_visible(sql, env, req, resp); !s.ok()) return fail(s.error());
  if (!active) {
    if (auto s = run_statements(sql, req, resp, failed); !s.ok()) return fail(s.error(), failed);
    if (req.want_size) resp.database_bytes = sql.database_bytes();
    return encode_response(resp);
  }
  if (auto s = apply_undo(sql, "txn IN (SELECT id FROM _bd_txn WHERE state = 'active')", {}); !s.ok()) return fail(s.error());
  // Read whole, not paged: a cursor taken here would be rolled back with the undo.
  if (auto s = run_statements(sql, req, resp, failed, /*paged=*/false); !s.ok()) return fail(s.error(), failed);
  if (req.want_size) resp.database_bytes = sql.database_bytes();
  return encode_rolled_back(resp);
}

// ---------------------------------------------------------------------------------------------
// Recovery

namespace {
enum RecoveryKind : uint8_t { kAsk = 1, kDrive = 2 };
}

std::string recovery_plan(SqlHost& sql, NodeEnv& env) {
  wire::Writer w;
  auto error = [&](const Error& e) {
    wire::Writer f;
    f.u8(static_cast<uint8_t>(e.code == ErrorCode::Sql ? ErrorCode::Internal : e.code));
    f.str(e.message);
    return f.take();
  };
  auto exists = ex(sql, "SELECT 1 FROM sqlite_schema WHERE name = '_bd_txn'");
  if (!exists.ok()) return error(exists.error());
  w.u8(0);
  if (exists->rows.empty()) {
    w.u32(0);
    env.alarm_at = -1;
    env.alarm_known = true;
    return w.take();
  }
  // Idle transactions roll back here on their own: their coordinator is gone (a transaction that
  // is active here cannot have committed anywhere).
  auto idle =
      ex(sql, "SELECT id FROM _bd_txn WHERE state = 'active' AND touched_ms + max(1000, 2 * coalesce(nullif(timeout_ms, 0), ?2)) <= ?1",
         {Value::real(env.now_ms), Value::integer(kDefaultTimeoutMs)});
  if (!idle.ok()) return error(idle.error());
  for (auto& r : idle->rows)
    if (auto s = abort_local(sql, env, r[0].s); !s.ok()) return error(s.error());
  struct Call {
    std::string txn;
    uint8_t kind;
    uint32_t node;
    std::string db;
    Request req;
  };
  std::vector<Call> calls;
  auto prepared = ex(sql, "SELECT id, record_node, db, participants FROM _bd_txn WHERE state = 'prepared' AND prepared_ms + ?2 <= ?1",
                     {Value::real(env.now_ms), Value::real(kAskAfterMs)});
  if (!prepared.ok()) return error(prepared.error());
  for (auto& r : prepared->rows) {
    Call c{r[0].s, kAsk, static_cast<uint32_t>(r[1].i), r[2].s, {}};
    c.req.txn.id = c.txn;
    c.req.txn.action = TxnAction::Decision;
    c.req.txn.self = c.node;
    c.req.txn.database = c.db;
    calls.push_back(std::move(c));
  }
  auto decided = ex(sql, "SELECT id, pending, db, participants FROM _bd_txn WHERE decision = 1 AND done_ms + ?2 <= ?1",
                    {Value::real(env.now_ms), Value::real(kDriveAfterMs)});
  if (!decided.ok()) return error(decided.error());
  for (auto& r : decided->rows) {
    auto pending = r[1].type == ValueType::Text ? split_nodes(r[1].s) : std::vector<uint32_t>{};
    if (pending.empty()) {
      auto u = ex(sql, "UPDATE _bd_txn SET decision = 0 WHERE id = ?1", {Value::text(r[0].s)});
      if (!u.ok()) return error(u.error());
      continue;
    }
    for (auto p : pending) {
      Call c{r[0].s, kDrive, p, r[2].s, {}};
      c.req.txn.id = c.txn;
      c.req.txn.action = TxnAction::Commit;
      c.req.txn.participants = split_nodes(r[3].type == ValueType::Text ? r[3].s : "");
      c.req.txn.self = p;
      c.req.txn.database = c.db;
      calls.push_back(std::move(c));
    }
  }
  if (auto s = garbage_collect(sql, env); !s.ok()) return error(s.error());
  if (auto s = settle(sql, env); !s.ok()) return error(s.error());
  w.u32(static_cast<uint32_t>(calls.size()));
  for (auto& c : calls) {
    w.str(c.txn);
    w.u8(c.kind);
    w.u32(c.node);
    w.str(c.db);
    w.str(encode_request(c.req));
  }
  return w.take();
}

std::string recovery_apply(SqlHost& sql, NodeEnv& env, std::string_view answer) {
  wire::Reader rd(answer);
  bool delivered = rd.u8() != 0;
  std::string txn(rd.str());
  uint8_t kind = rd.u8();
  uint32_t node = rd.u32();
  std::string payload(rd.str());
  wire::Writer w;
  auto done = [&](const Status& s) {
    if (!s.ok()) {
      wire::Writer f;
      f.u8(static_cast<uint8_t>(ErrorCode::Internal));
      f.str(s.error().message);
      return f.take();
    }
    (void)settle(sql, env);
    w.u8(0);
    return w.take();
  };
  if (!rd.ok()) return done(Error::internal("corrupt recovery answer"));
  if (!delivered) return done(ok_status());  // asked again at the next alarm
  auto resp = decode_response(payload);
  if (!resp.ok()) return done(ok_status());
  auto row = load(sql, txn);
  if (!row.ok()) return done(row.error());
  if (kind == kAsk) {
    if (!row->exists || row->state != "prepared") return done(ok_status());
    if (resp->txn_outcome == 1) return done(commit_local(sql, env, txn, row->participants, false, 0));
    if (resp->txn_outcome == 2) return done(abort_local(sql, env, txn));
    return done(ok_status());
  }
  // kDrive: one participant has the commit now.
  auto p = ex(sql, "SELECT pending FROM _bd_txn WHERE id = ?1 AND decision = 1", {Value::text(txn)});
  if (!p.ok()) return done(p.error());
  if (p->rows.empty()) return done(ok_status());
  std::vector<uint32_t> left;
  for (auto n : split_nodes(p->rows[0][0].type == ValueType::Text ? p->rows[0][0].s : ""))
    if (n != node) left.push_back(n);
  auto u = ex(sql, "UPDATE _bd_txn SET pending = ?2, decision = ?3 WHERE id = ?1",
              {Value::text(txn), left.empty() ? Value::null() : Value::text(join_nodes(left)), Value::integer(left.empty() ? 0 : 1)});
  return done(u.ok() ? ok_status() : Status(u.error()));
}

Result<int64_t> txn_keys_in(SqlHost& sql, const std::vector<KsidRange>& ranges) {
  auto exists = ex(sql, "SELECT 1 FROM sqlite_schema WHERE name = '_bd_undo'");
  if (!exists.ok()) return exists.error();
  if (exists->rows.empty()) return int64_t{0};
  auto r = ex(sql, "SELECT (SELECT count(*) FROM _bd_undo u JOIN _bd_txn t ON t.id = u.txn WHERE t.state IN ('active', 'prepared') AND " +
                       ksid_ranges_sql(ranges, "u.ksid") + ") + (SELECT count(*) FROM _bd_lock WHERE ksid IS NULL OR " +
                       ksid_ranges_sql(ranges, "ksid") + ")");
  if (!r.ok()) return r.error();
  return r->rows[0][0].i;
}

Result<TxnCounts> txn_counts(SqlHost& sql) {
  TxnCounts c;
  auto exists = ex(sql, "SELECT 1 FROM sqlite_schema WHERE name = '_bd_txn'");
  if (!exists.ok()) return exists.error();
  if (exists->rows.empty()) return c;
  auto r = ex(sql,
              "SELECT (SELECT count(*) FROM _bd_txn WHERE state IN ('active', 'prepared')), (SELECT count(*) FROM _bd_undo), "
              "(SELECT count(*) FROM _bd_lock), (SELECT count(*) FROM _bd_txn WHERE decision = 1)");
  if (!r.ok()) return r.error();
  c.live = r->rows[0][0].i;
  c.undo = r->rows[0][1].i;
  c.locks = r->rows[0][2].i;
  c.decisions = r->rows[0][3].i;
  return c;
}

}  // namespace bd::storage
