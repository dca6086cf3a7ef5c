// The sqllogictest runner. The rules follow SQLite's harness (sqllogictest.c for records, sorting
// and hashing; slt_sqlite.c for rendering values). Deliberate differences: a value list must match
// in length as well as content (the C harness stops comparing at the shorter list); and since an
// engine reports an error rather than "the rows before the error", a query failing with an SQL
// error passes only when it expects no rows at all and plain SQLite fails on it as well.
#include "native/slt.h"
#include "conductor/sqlite_exec.h"
#include "value/numeric.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <strings.h>

#include "native/md5.h"
#include "sqlite3.h"

namespace bd::native {

// ---------------------------------------------------------------------------------------------
// SQLite's value conversions, over bd::Value.

namespace {

// sqlite3Isspace: ' ' and \t \n \v \f \r.
bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Text and blobs reach the C harness as C strings, so a NUL byte ends them.
std::string_view c_string(const std::string& s) {
  size_t n = s.find('\0');
  return std::string_view(s).substr(0, n == std::string::npos ? s.size() : n);
}

// sqlite3Atoi64's value (its return code does not matter to sqlite3_column_int64): optional
// spaces and sign, then the longest run of digits; beyond 64 bits it saturates.
int64_t text_to_int64(std::string_view z) {
  size_t i = 0;
  while (i < z.size() && is_space(z[i])) i++;
  bool neg = false;
  if (i < z.size() && (z[i] == '-' || z[i] == '+')) neg = z[i++] == '-';
  while (i < z.size() && z[i] == '0') i++;
  size_t start = i;
  uint64_t u = 0;
  while (i < z.size() && is_digit(z[i])) u = u * 10 + uint64_t(z[i++] - '0');
  size_t digits = i - start;
  const int64_t saturated = neg ? INT64_MIN : INT64_MAX;
  if (digits > 19) return saturated;
  if (digits == 19 && z.substr(start, 19) >= "9223372036854775808") return saturated;
  return neg ? -int64_t(u) : int64_t(u);
}

// sqlite3AtoF's value: the longest prefix of the form [spaces][sign]digits[.digits][e[sign]digits]
// (digits on at least one side of the point); anything else gives 0.0. SQLite rounds through a
// 64-bit mantissa; strtod rounds exactly, which differs only past ~19 significant digits.
double text_to_double(std::string_view z) {
  size_t i = 0;
  while (i < z.size() && is_space(z[i])) i++;
  std::string num;
  if (i < z.size() && (z[i] == '-' || z[i] == '+')) num += z[i++];
  size_t int_digits = 0, frac_digits = 0;
  while (i < z.size() && is_digit(z[i])) num += z[i++], int_digits++;
  if (i < z.size() && z[i] == '.') {
    num += z[i++];
    while (i < z.size() && is_digit(z[i])) num += z[i++], frac_digits++;
  }
  if (int_digits + frac_digits == 0) return 0.0;
  if (i < z.size() && (z[i] == 'e' || z[i] == 'E')) {
    size_t j = i + 1;
    int esign = 1;
    if (j < z.size() && (z[j] == '-' || z[j] == '+')) esign = z[j++] == '-' ? -1 : 1;
    if (j < z.size() && is_digit(z[j])) {
      int exp = 0;
      for (; j < z.size() && is_digit(z[j]); j++) exp = exp < 10000 ? exp * 10 + (z[j] - '0') : 10000;
      num += 'e';
      num += std::to_string(esign * exp);
    }
  }
  return std::strtod(num.c_str(), nullptr);
}

// sqlite3RealToI64.
int64_t real_to_int64(double r) {
  if (r < -9223372036854774784.0) return INT64_MIN;
  if (r > +9223372036854774784.0) return INT64_MAX;
  return int64_t(r);
}

}  // namespace

int64_t sqlite_int64_of(const Value& v) {
  switch (v.type) {
    case ValueType::Integer: return v.i;
    case ValueType::Real: return real_to_int64(v.r);
    case ValueType::Text:
    case ValueType::Blob: return text_to_int64(v.s);
    default: return 0;
  }
}

double sqlite_double_of(const Value& v) {
  switch (v.type) {
    case ValueType::Integer: return double(v.i);
    case ValueType::Real: return v.r;
    case ValueType::Text:
    case ValueType::Blob: return text_to_double(c_string(v.s));
    default: return 0.0;
  }
}

std::string sqlite_text_of(const Value& v) {
  char buf[64];
  switch (v.type) {
    case ValueType::Integer: sqlite3_snprintf(sizeof buf, buf, "%lld", (long long)v.i); return buf;
    case ValueType::Real: return real_to_text(v.r);
    case ValueType::Text:
    case ValueType::Blob: return std::string(c_string(v.s));
    default: return std::string();
  }
}

std::string slt_format_value(const Value& v, char type) {
  if (v.is_null()) return "NULL";
  // slt_sqlite.c's buffer size: a rendering that does not fit (|x| >= ~1e195 with %.3f) comes
  // out of sqlite3_snprintf empty, and the expected results were made that way.
  char buf[200];
  switch (type) {
    case 'I':
      // slt_sqlite.c renders I columns with sqlite3_column_int: the low 32 bits, "%d".
      sqlite3_snprintf(sizeof buf, buf, "%d", int(int32_t(uint32_t(uint64_t(sqlite_int64_of(v))))));
      return buf;
    case 'R': sqlite3_snprintf(sizeof buf, buf, "%.3f", sqlite_double_of(v)); return buf;
    default: {
      std::string s = sqlite_text_of(v);
      if (s.empty()) return "(empty)";
      for (char& c : s) {
        if (c < ' ' || c > '~') c = '@';
      }
      return s;
    }
  }
}

std::vector<std::string> split_sql_statements(std::string_view sql) {
  std::vector<std::string> out;
  auto blank = [](std::string_view piece) {
    return std::all_of(piece.begin(), piece.end(), [](char c) { return is_space(c) || c == ';'; });
  };
  size_t begin = 0;
  for (size_t i = 0; i < sql.size(); i++) {
    if (sql[i] != ';') continue;
    std::string piece(sql.substr(begin, i + 1 - begin));
    if (!sqlite3_complete(piece.c_str())) continue;  // the ';' is inside a string or trigger body
    if (!blank(piece)) out.push_back(std::move(piece));
    begin = i + 1;
  }
  if (!blank(sql.substr(begin))) out.emplace_back(sql.substr(begin));
  return out;
}

// ---------------------------------------------------------------------------------------------
// SqliteEngine

SqliteEngine::SqliteEngine() {
  sqlite3_open(":memory:", &db_);
  avoid_sqlite_planner_bugs(db_);
}
SqliteEngine::~SqliteEngine() { sqlite3_close(db_); }

Result<ResultSet> SqliteEngine::run(std::string_view sql) {
  if (!db_) return Error::internal("sqlite3_open failed");
  ResultSet rs;
  std::string text(sql);
  const char* tail = text.c_str();
  while (*tail) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, tail, -1, &stmt, &tail) != SQLITE_OK) {
      return Error::sql(sqlite3_errmsg(db_));
    }
    if (!stmt) continue;  // whitespace or a comment
    ResultSet cur;
    int ncol = sqlite3_column_count(stmt);
    for (int i = 0; i < ncol; i++) {
      const char* name = sqlite3_column_name(stmt, i);
      cur.columns.emplace_back(name ? name : "");
    }
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      Row row;
      row.reserve(ncol);
      for (int i = 0; i < ncol; i++) {
        switch (sqlite3_column_type(stmt, i)) {
          case SQLITE_INTEGER: row.push_back(Value::integer(sqlite3_column_int64(stmt, i))); break;
          case SQLITE_FLOAT: row.push_back(Value::real(sqlite3_column_double(stmt, i))); break;
          case SQLITE_TEXT:
            row.push_back(
                Value::text(std::string_view(reinterpret_cast<const char*>(sqlite3_column_text(stmt, i)), sqlite3_column_bytes(stmt, i))));
            break;
          case SQLITE_BLOB: {
            const char* p = static_cast<const char*>(sqlite3_column_blob(stmt, i));
            row.push_back(Value::blob(std::string_view(p ? p : "", sqlite3_column_bytes(stmt, i))));
            break;
          }
          default: row.push_back(Value::null());
        }
      }
      cur.rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) {
      std::string msg = sqlite3_errmsg(db_);
      sqlite3_finalize(stmt);
      return Error::sql(msg);
    }
    sqlite3_finalize(stmt);
    cur.changes = sqlite3_changes64(db_);
    cur.last_insert_rowid = sqlite3_last_insert_rowid(db_);
    rs = std::move(cur);
  }
  return rs;
}

// ---------------------------------------------------------------------------------------------
// The script reader: sqllogictest.c's nextLine()/findStartOfNextRecord() rules. Lines starting
// with '#' vanish entirely (they neither end a record nor appear in its SQL); a line of only
// white space is blank and ends a record. CRLF files read like LF files.

namespace {

class Script {
 public:
  explicit Script(std::string_view text) {
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      size_t end = nl == std::string_view::npos ? text.size() : nl;
      std::string_view line = text.substr(pos, end - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      lines_.emplace_back(line);
      pos = end + 1;
    }
  }
  // Advances to the next non-comment line; false (and an empty line) at end of file.
  bool next() {
    for (;;) {
      if (next_ >= lines_.size()) {
        line.clear();
        eof = true;
        return false;
      }
      line_no = int(next_ + 1);
      line = lines_[next_++];
      if (std::all_of(line.begin(), line.end(), is_space)) line.clear();
      if (line.empty() || line[0] != '#') return true;
    }
  }
  std::string line;
  int line_no = 0;
  bool eof = false;

 private:
  std::vector<std::string> lines_;
  size_t next_ = 0;
};

std::vector<std::string> tokenize(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  std::string t;
  while (in >> t) out.push_back(t);
  return out;
}

std::string hash_line(const std::vector<std::string>& values) {
  Md5 md5;
  for (const auto& v : values) {
    md5.update(v);
    md5.update("\n");
  }
  return std::to_string(values.size()) + " values hashing to " + md5.hex_digest();
}

std::string indent(const std::string& text) {
  std::string out = "    ";
  for (char c : text) {
    out += c;
    if (c == '\n') out += "    ";
  }
  return out;
}

// Renders values `ncol` to a line (at most `max_rows` lines) for failure reports.
std::string show_values(const std::vector<std::string>& values, size_t ncol, size_t max_rows) {
  if (values.empty()) return "    (no rows)\n";
  if (ncol == 0) ncol = 1;
  std::string out;
  size_t rows = (values.size() + ncol - 1) / ncol;
  for (size_t r = 0; r < rows && r < max_rows; r++) {
    out += "    ";
    for (size_t c = 0; c < ncol && r * ncol + c < values.size(); c++) {
      if (c) out += ' ';
      out += values[r * ncol + c];
    }
    out += '\n';
  }
  if (rows > max_rows) out += "    ... (" + std::to_string(rows - max_rows) + " more rows)\n";
  return out;
}

class Runner {
 public:
  Runner(std::string_view name, SltEngine& engine, const SltOptions& options) : name_(name), engine_(engine), options_(options) {}

  SltStats run(std::string_view text) {
    Script s(text);
    s.next();
    for (;;) {
      while (s.line.empty() && !s.eof) s.next();  // blank lines between records
      if (s.line.empty()) break;
      int start = s.line_no;
      std::vector<std::string> tok = tokenize(s.line);

      // skipif/onlyif prefixes; we are the "sqlite" engine.
      bool skip = false;
      while (!tok.empty() && (tok[0] == "skipif" || tok[0] == "onlyif")) {
        bool match = tok.size() > 1 && strcasecmp(tok[1].c_str(), "sqlite") == 0;
        if (tok[0] == "skipif" ? match : !match) skip = true;
        s.next();
        tok = tokenize(s.line);
      }
      if (skip) {
        stats_.skipped++;
        skip_record(s);
        continue;
      }
      if (tok.empty()) {
        fail(start, "skipif/onlyif not followed by a record", "");
        continue;
      }
      if (tok[0] == "halt") break;
      if (tok[0] == "hash-threshold") {
        hash_threshold_ = tok.size() > 1 ? std::atoi(tok[1].c_str()) : 0;
        skip_record(s);
      } else if (tok[0] == "statement") {
        statement(s, start, tok);
      } else if (tok[0] == "query") {
        query(s, start, tok);
      } else {
        fail(start, "unknown record type '" + tok[0] + "'", "");
        skip_record(s);
      }
    }
    return std::move(stats_);
  }

 private:
  void skip_record(Script& s) {
    while (!s.line.empty()) s.next();
  }

  // Reads lines up to a blank one (or, when stop_at_dashes, a "----" line) as one SQL text.
  std::string read_sql(Script& s, bool stop_at_dashes) {
    std::string sql;
    while (s.next() && !s.line.empty() && !(stop_at_dashes && s.line == "----")) {
      if (!sql.empty()) sql += '\n';
      sql += s.line;
    }
    return sql;
  }

  void statement(Script& s, int start, const std::vector<std::string>& tok) {
    std::string sql = read_sql(s, false);
    std::string expect = tok.size() > 1 ? tok[1] : "";
    if (expect != "ok" && expect != "error") {
      fail(start, "statement argument should be 'ok' or 'error'", sql);
      return;
    }
    auto res = engine_.run(sql);
    (void)sqlite_.run(sql);  // the reference follows every statement, whatever it answers
    if (expect == "ok" && !res.ok()) {
      fail(start, "statement failed: " + res.error().message, sql);
    } else if (expect == "error" && res.ok()) {
      fail(start, "statement succeeded but an error was expected", sql);
    } else {
      stats_.passed++;
    }
  }

  void query(Script& s, int start, const std::vector<std::string>& tok) {
    std::string types = tok.size() > 1 ? tok[1] : "";
    std::string sort = tok.size() > 2 ? tok[2] : "nosort";
    std::string label = tok.size() > 3 ? tok[3] : "";
    std::string sql = read_sql(s, true);
    bool has_expected = s.line == "----";
    std::vector<std::string> expected;
    if (has_expected) {
      while (s.next() && !s.line.empty()) expected.push_back(s.line);
    }
    if (types.empty() || types.find_first_not_of("TIR") != std::string::npos) {
      fail(start, "bad type string '" + types + "'", sql);
      return;
    }
    if (sort != "nosort" && sort != "rowsort" && sort != "valuesort") {
      fail(start, "unknown sort method '" + sort + "'", sql);
      return;
    }

    auto res = engine_.run(sql);
    if (!res.ok()) {
      if (res.error().code == ErrorCode::Sql) stats_.query_error_lines.push_back(start);
      // slt_sqlite.c reads rows while sqlite3_step returns SQLITE_ROW, so a query that fails at
      // run time (sum() overflow, say) reports the rows before the error and no failure: its
      // expected result is empty. An SQL error stands in for that when nothing is expected and
      // plain SQLite fails on the same query too; an error where SQLite answers is a failure.
      if (res.error().code == ErrorCode::Sql && has_expected && expected.empty() && !sqlite_.run(sql).ok()) {
        stats_.passed++;
        stats_.passed_on_error++;
        return;
      }
      fail(start, "query failed: " + res.error().message, sql);
      return;
    }
    const ResultSet& rs = res.value();
    size_t ncol = types.size();
    size_t got_cols = !rs.columns.empty() ? rs.columns.size() : rs.rows.empty() ? ncol : rs.rows[0].size();
    bool ragged = std::any_of(rs.rows.begin(), rs.rows.end(), [&](const Row& r) { return r.size() != got_cols; });
    if (got_cols != ncol || ragged) {
      fail(start, "wrong number of result columns: expected " + std::to_string(ncol) + " but got " + std::to_string(got_cols), sql);
      return;
    }

    std::vector<std::string> values;
    values.reserve(rs.rows.size() * ncol);
    for (const Row& row : rs.rows) {
      for (size_t c = 0; c < ncol; c++) values.push_back(slt_format_value(row[c], types[c]));
    }
    if (sort == "rowsort") {
      std::vector<std::vector<std::string>> rows;
      for (size_t i = 0; i < values.size(); i += ncol) {
        rows.emplace_back(values.begin() + i, values.begin() + i + ncol);
      }
      std::sort(rows.begin(), rows.end());  // column by column, bytewise like strcmp
      values.clear();
      for (auto& r : rows) values.insert(values.end(), r.begin(), r.end());
    } else if (sort == "valuesort") {
      std::sort(values.begin(), values.end());
    }

    bool hashed = hash_threshold_ > 0 && int64_t(values.size()) > hash_threshold_;
    std::string hash = (hashed || !label.empty()) ? hash_line(values) : "";
    if (!label.empty()) {
      auto [it, inserted] = labels_.emplace(label, hash);
      if (!inserted && it->second != hash) {
        fail(start, "labeled result [" + label + "] does not agree with previous values", sql, values, ncol);
        return;
      }
    }
    if (has_expected) {
      bool ok = hashed ? expected.size() == 1 && expected[0] == hash : expected == values;
      if (!ok) {
        std::string detail = "    expected:\n" + show_values(expected, ncol, 40) + "    got:\n";
        detail += hashed ? "    " + hash + "\n" : show_values(values, ncol, 40);
        fail(start, "wrong result", sql, values, ncol, detail);
        return;
      }
    }
    stats_.passed++;
  }

  void fail(int line, const std::string& what, const std::string& sql, const std::vector<std::string>& got = {}, size_t ncol = 0,
            const std::string& detail = "") {
    stats_.failed++;
    std::string where = name_ + ":" + std::to_string(line) + ": " + what;
    stats_.failures.push_back(where);
    if (!options_.log) return;
    if (!options_.verbose && stats_.failed > options_.max_reported) return;
    std::ostream& out = *options_.log;
    out << where << "\n";
    if (!sql.empty()) out << indent(sql) << "\n";
    out << detail;
    // A hash says nothing to a human: in verbose mode show the rows behind it.
    if (options_.verbose && !got.empty() && detail.find("hashing to") != std::string::npos) {
      out << "    got rows (after sorting):\n" << show_values(got, ncol, 1000);
    }
    if (!options_.verbose && stats_.failed == options_.max_reported) {
      out << name_ << ": further failures not shown (use --verbose)\n";
    }
  }

  std::string name_;
  SltEngine& engine_;
  const SltOptions& options_;
  SltStats stats_;
  SqliteEngine sqlite_;         // the reference that judges the engine's errors
  int64_t hash_threshold_ = 8;  // sqllogictest.c's default when a file does not set one
  std::map<std::string, std::string> labels_;
};

}  // namespace

SltStats run_slt_script(std::string_view script, std::string_view name, SltEngine& engine, const SltOptions& options) {
  return Runner(name, engine, options).run(script);
}

SltStats run_slt_file(const std::string& path, SltEngine& engine, const SltOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    SltStats stats;
    stats.failed = 1;
    stats.failures.push_back(path + ": cannot open file");
    if (options.log) *options.log << path << ": cannot open file\n";
    return stats;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return run_slt_script(buf.str(), path, engine, options);
}

}  // namespace bd::native
