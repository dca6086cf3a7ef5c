// Differential test against SQLite's own parser: generated statements and token-level mutations of
// them must be syntax errors for our parser exactly when sqlite3_prepare_v2 says so.
//
// SQLite reports some errors from inside grammar actions, before it has seen the rest of the
// statement ("table t already exists", "duplicate column name", ...). When SQLite stops with such
// a message and we report a syntax error further on, the case is inconclusive and not counted.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "sql/lexer.h"
#include "sql/parser.h"
#include "sql/printer.h"

namespace {

using bd::sql::Tok;

bool is_syntax_message(const std::string& m) {
  return m.find("syntax error") != std::string::npos || m.find("incomplete input") != std::string::npos ||
         m.find("unrecognized token") != std::string::npos;
}

// Errors SQLite raises while still parsing (so a later syntax error goes unreported).
bool is_parse_time_semantic(const std::string& m) {
  static const char* kList[] = {
      "already exists",
      "duplicate column name",
      "has more than one primary key",
      "default value of column",
      "AUTOINCREMENT is only allowed",
      "reserved for internal use",
      "unknown database",
      "too many columns",
      "generated column",
      "cannot use RETURNING",
      "qualified table names",
      "INDEXED BY clause",
      "NOT INDEXED clause",
      "unknown table option",
      "unknown join type",
      "JOIN clause is required",
      "all VALUES must have",
      "variable number",
      "specified more than once",
      "temporary trigger may not",
      "cannot create",
      "may not be",
      "no such table",
      "no such view",
      "no such index",
      "no such trigger",
      "no such module",
      "must have at least one non-generated column",
      "too many arguments",
      "not supported",
      "columns assigned",
      "IN(...) element has",
  };
  for (const char* s : kList)
    if (m.find(s) != std::string::npos) return true;
  return false;
}

struct Gen {
  std::mt19937 rng;
  int depth = 0;
  explicit Gen(uint32_t seed) : rng(seed) {}
  int r(int n) { return int(rng() % uint32_t(n)); }
  bool coin(int pct = 50) { return r(100) < pct; }
  template <size_t N>
  const char* pick(const char* const (&a)[N]) {
    return a[r(int(N))];
  }

  std::string column() {
    static const char* const cols[] = {"a", "b", "c", "t.a", "t.b", "\"c\"", "[a]", "`b`", "main.t.a"};
    return pick(cols);
  }
  std::string literal() {
    static const char* const lits[] = {"1",       "0",    "42",   "-7",    "1.5",          ".5", "1e3", "2E-2", "0x1F", "'abc'", "'it''s'",
                                       "X'0aFF'", "NULL", "TRUE", "false", "CURRENT_TIME", "?",  "?2",  ":p",   "@q",   "$r",    "1_000"};
    return pick(lits);
  }
  std::string expr() {
    if (depth > 3 || coin(30)) return coin() ? column() : literal();
    depth++;
    std::string e;
    static const char* const binops[] = {"+",
                                         "-",
                                         "*",
                                         "/",
                                         "%",
                                         "||",
                                         "=",
                                         "==",
                                         "!=",
                                         "<>",
                                         "<",
                                         "<=",
                                         ">",
                                         ">=",
                                         "AND",
                                         "OR",
                                         "&",
                                         "|",
                                         "<<",
                                         ">>",
                                         "IS",
                                         "IS NOT",
                                         "->",
                                         "->>",
                                         "IS DISTINCT FROM",
                                         "IS NOT DISTINCT FROM"};
    switch (r(16)) {
      case 0:
      case 1:
      case 2: e = expr() + " " + pick(binops) + " " + expr(); break;
      case 3: e = std::string(coin() ? "-" : coin() ? "NOT " : "~") + expr(); break;
      case 4: e = "(" + expr() + ")"; break;
      case 5: e = expr() + (coin() ? " NOT" : "") + " BETWEEN " + expr() + " AND " + expr(); break;
      case 6: e = expr() + (coin() ? " NOT" : "") + " IN (" + expr() + ", " + expr() + ")"; break;
      case 7: e = expr() + (coin() ? " IN (SELECT a FROM u)" : " NOT IN u"); break;
      case 8: e = expr() + (coin() ? " LIKE " : " GLOB ") + expr() + (coin(30) ? " ESCAPE 'x'" : ""); break;
      case 9:
        e = "CASE " + std::string(coin() ? expr() + " " : "") + "WHEN " + expr() + " THEN " + expr() + (coin() ? " ELSE " + expr() : "") +
            " END";
        break;
      case 10: e = "CAST(" + expr() + " AS " + (coin() ? "INTEGER" : "VARCHAR(10)") + ")"; break;
      case 11: {
        static const char* const fns[] = {"abs", "coalesce", "max", "min", "length", "upper", "ifnull"};
        e = std::string(pick(fns)) + "(" + expr() + (coin() ? ", " + expr() : "") + ")";
        break;
      }
      case 12: e = coin() ? "count(*)" : "sum(DISTINCT " + expr() + ")"; break;
      case 13: e = std::string(coin() ? "EXISTS " : "") + "(SELECT " + expr() + " FROM u WHERE u.a = t.a)"; break;
      case 14: e = expr() + (coin() ? " ISNULL" : coin() ? " NOTNULL" : " NOT NULL"); break;
      default: e = expr() + " COLLATE " + (coin() ? "nocase" : "binary"); break;
    }
    depth--;
    return e;
  }
  std::string order_by() {
    std::string s = " ORDER BY " + expr();
    if (coin()) s += coin() ? " ASC" : " DESC";
    if (coin(20)) s += coin() ? " NULLS FIRST" : " NULLS LAST";
    return s;
  }
  std::string from() {
    static const char* const joins[] = {", ",           " JOIN ",         " LEFT JOIN ",  " LEFT OUTER JOIN ", " CROSS JOIN ",
                                        " INNER JOIN ", " NATURAL JOIN ", " RIGHT JOIN ", " FULL OUTER JOIN "};
    std::string s = " FROM t";
    if (coin(30)) s += coin() ? " AS x" : " y";
    if (coin(40)) {
      std::string j = pick(joins);
      s += j + (coin(20) ? "(SELECT a, b FROM u) AS s" : "u");
      if (j != ", " && j.find("NATURAL") == std::string::npos && j.find("CROSS") == std::string::npos)
        s += coin() ? " ON " + expr() : " USING (a)";
    }
    return s;
  }
  std::string select() {
    std::string s = coin(15) ? "WITH w(x) AS (SELECT 1) " : "";
    if (coin(10)) return s + "VALUES (" + expr() + ", 2), (3, " + expr() + ")";
    s += "SELECT ";
    if (coin(20)) s += coin() ? "DISTINCT " : "ALL ";
    s += coin(10) ? "*" : expr() + (coin(30) ? " AS x" : "") + (coin() ? ", " + expr() : "");
    if (coin(15)) s += ", row_number() OVER (PARTITION BY a ORDER BY b ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)";
    if (coin(80)) s += from();
    if (coin(50)) s += " WHERE " + expr();
    if (coin(20)) s += " GROUP BY a" + std::string(coin() ? " HAVING " + expr() : "");
    if (coin(15)) s += coin() ? " UNION SELECT a FROM u" : " EXCEPT SELECT 1";
    if (coin(30)) s += order_by();
    if (coin(25)) s += " LIMIT " + expr() + (coin() ? " OFFSET 2" : coin() ? ", 3" : "");
    return s;
  }
  std::string statement() {
    switch (r(12)) {
      case 0:
      case 1:
      case 2:
      case 3: return select();
      case 4: {
        std::string s = coin(20) ? "REPLACE INTO t" : coin() ? "INSERT INTO t" : "INSERT OR IGNORE INTO t";
        if (coin()) s += " (a, b, c)";
        s += coin() ? " VALUES (" + expr() + ", " + expr() + ", " + expr() + ")" : " SELECT a, b, c FROM u WHERE 1";
        if (coin(25)) s += " ON CONFLICT (a) DO UPDATE SET b = excluded.b WHERE " + expr();
        if (coin(20)) s += " RETURNING " + expr();
        return s;
      }
      case 5:
        return "UPDATE " + std::string(coin(20) ? "OR REPLACE " : "") + "t SET a = " + expr() + (coin() ? ", (b, c) = (1, 2)" : "") +
               (coin(20) ? " FROM u" : "") + (coin() ? " WHERE " + expr() : "") + (coin(20) ? " RETURNING *" : "");
      case 6: return "DELETE FROM t" + std::string(coin() ? " WHERE " + expr() : "") + (coin(20) ? " RETURNING a" : "");
      case 7: {
        std::string s = "CREATE TABLE " + std::string(coin(20) ? "IF NOT EXISTS " : "") + "n" + std::to_string(r(1000)) +
                        "(id INTEGER PRIMARY KEY" + (coin(20) ? " AUTOINCREMENT" : "");
        if (coin()) s += ", x VARCHAR(8) NOT NULL DEFAULT 'q'";
        if (coin()) s += ", y DECIMAL(10, 2) CHECK (y > 0) UNIQUE";
        if (coin(30)) s += ", z REFERENCES t(a) ON DELETE CASCADE";
        if (coin(30)) s += ", g AS (id * 2) STORED";
        if (coin(30)) s += ", UNIQUE (id, x)";
        if (coin(20)) s += ", CONSTRAINT ck CHECK (id <> 0)";
        s += ")";
        if (coin(15)) s += " WITHOUT ROWID";
        return s;
      }
      case 8:
        return "CREATE " + std::string(coin() ? "UNIQUE " : "") + "INDEX i" + std::to_string(r(1000)) + " ON t(a" +
               (coin() ? " DESC" : "") + ", b COLLATE nocase)" + (coin() ? " WHERE " + expr() : "");
      case 9: return "CREATE VIEW v" + std::to_string(r(1000)) + (coin() ? "(x, y)" : "") + " AS SELECT a, b FROM t";
      case 10:
        return "CREATE TRIGGER tr" + std::to_string(r(1000)) + (coin() ? " BEFORE" : " AFTER") + (coin() ? " UPDATE OF a" : " INSERT") +
               " ON t" + (coin() ? " FOR EACH ROW" : "") + (coin() ? " WHEN new.a > 0" : "") + " BEGIN UPDATE u SET b = new.a; SELECT " +
               expr() + "; END";
      default: {
        static const char* const misc[] = {"BEGIN",
                                           "BEGIN IMMEDIATE TRANSACTION",
                                           "COMMIT",
                                           "END TRANSACTION",
                                           "ROLLBACK",
                                           "SAVEPOINT s1",
                                           "RELEASE s1",
                                           "ROLLBACK TO SAVEPOINT s1",
                                           "PRAGMA cache_size = -2000",
                                           "PRAGMA main.table_info(t)",
                                           "ANALYZE",
                                           "VACUUM",
                                           "REINDEX t",
                                           "DROP TABLE IF EXISTS zz",
                                           "DROP VIEW IF EXISTS vv",
                                           "ALTER TABLE t RENAME TO t9",
                                           "ALTER TABLE t ADD COLUMN d INT DEFAULT 0",
                                           "ALTER TABLE t RENAME COLUMN a TO aa",
                                           "ALTER TABLE t DROP COLUMN c",
                                           "EXPLAIN SELECT 1",
                                           "EXPLAIN QUERY PLAN SELECT a FROM t"};
        return pick(misc);
      }
    }
  }
};

// Token-level mutation of a valid statement.
std::string mutate(const std::string& sql, Gen& g) {
  std::vector<bd::sql::Token> toks;
  bd::sql::tokenize(sql, toks);
  std::vector<std::string> words;
  for (auto& t : toks)
    if (t.kind != Tok::End) words.push_back(sql.substr(t.offset, t.len));
  static const char* const extra[] = {
      "SELECT",    "FROM",      "WHERE",      "AND",     "OR",     "NOT",     "NULL",     "IN",        "IS",      "BETWEEN",
      "LIKE",      "ESCAPE",    "(",          ")",       ",",      ".",       "*",        "+",         "-",       "=",
      "<",         "||",        "->",         "AS",      "ON",     "USING",   "JOIN",     "LEFT",      "ORDER",   "BY",
      "GROUP",     "HAVING",    "LIMIT",      "OFFSET",  "UNION",  "ALL",     "DISTINCT", "CASE",      "WHEN",    "THEN",
      "ELSE",      "END",       "CAST",       "COLLATE", "EXISTS", "key",     "replace",  "rows",      "first",   "over",
      "filter",    "window",    "x",          "1",       "'s'",    "?",       "DEFAULT",  "VALUES",    "SET",     "INTO",
      "PRIMARY",   "KEY",       "CONSTRAINT", "CHECK",   "RAISE",  "MATCH",   "GLOB",     "NULLS",     "ASC",     "DESC",
      "RECURSIVE", "WITH",      "TEMP",       "IF",      "EXISTS", "ROW",     "CURRENT",  "PARTITION", "RANGE",   "PRECEDING",
      "FOLLOWING", "UNBOUNDED", "EXCLUDE",    "TIES",    "DO",     "NOTHING", "CONFLICT", "RETURNING", "INDEXED", "NATURAL",
      "CROSS",     "OUTER",     "ISNULL",     "NOTNULL", "REGEXP", "TRUE",    "0x",       "1e",        "#",       "!"};
  int n = 1 + g.r(2);
  for (int k = 0; k < n && !words.empty(); k++) {
    size_t i = size_t(g.r(int(words.size())));
    switch (g.r(4)) {
      case 0: words.erase(words.begin() + i); break;
      case 1: words.insert(words.begin() + i, words[i]); break;
      case 2:
        if (i + 1 < words.size()) std::swap(words[i], words[i + 1]);
        break;
      default: words.insert(words.begin() + i, g.pick(extra)); break;
    }
  }
  std::string out;
  for (auto& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

struct Verdict {
  bool syntax_error = false;
  bool inconclusive_source = false;  // SQLite stopped inside the parser for a non-syntax reason
  std::string message;
};

Verdict sqlite_verdict(sqlite3* db, const std::string& sql) {
  Verdict v;
  const char* tail = sql.c_str();
  while (*tail) {
    sqlite3_stmt* st = nullptr;
    const char* next = nullptr;
    int rc = sqlite3_prepare_v2(db, tail, -1, &st, &next);
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) {
      v.message = sqlite3_errmsg(db);
      v.syntax_error = is_syntax_message(v.message);
      // CREATE TABLE resolves UNIQUE/PRIMARY KEY columns while parsing.
      v.inconclusive_source =
          !v.syntax_error && (is_parse_time_semantic(v.message) ||
                              (sql.rfind("CREATE TABLE", 0) == 0 && v.message.find("no such column") != std::string::npos));
      return v;
    }
    if (!next || next == tail) break;
    tail = next;
  }
  return v;
}

}  // namespace

TEST_CASE("sql parser agrees with sqlite3_prepare on syntax errors", "[sql][differential]") {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db,
                       "CREATE TABLE t(a, b, c); CREATE TABLE u(a, b, c); CREATE TABLE t1(a,b,c,d,e);"
                       "CREATE TABLE x(a, b, c); CREATE TABLE y(a, b, c); CREATE TABLE s(a, b, c);",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  Gen g(GENERATE(20240611u, 7u, 99u));
  int cases = 0, mismatches = 0, inconclusive = 0, syntax_errors = 0;
  std::vector<std::string> report;
  for (int i = 0; i < 4000; i++) {
    std::string base = g.statement();
    for (int m = 0; m < 3; m++) {
      std::string sql = m == 0 ? base : mutate(base, g);
      cases++;
      Verdict s = sqlite_verdict(db, sql);
      auto ours = bd::sql::parse_script(sql);
      bool our_syntax = !ours.ok() && is_syntax_message(ours.error().message);
      if (s.syntax_error) syntax_errors++;
      if (our_syntax == s.syntax_error) {
        if (ours.ok()) {  // what we accept must print to something that parses back equal
          std::string printed;
          for (auto& st : *ours) printed += bd::sql::print(*st) + ";";
          auto again = bd::sql::parse_script(printed);
          bool same = again.ok() && again->size() == ours->size();
          for (size_t k = 0; same && k < ours->size(); k++) same = *(*again)[k] == *(*ours)[k];
          if (!same) {
            mismatches++;
            if (report.size() < 40) report.push_back("reprint differs: " + sql + "\n   printed: " + printed);
          }
        }
        continue;
      }
      if (our_syntax && s.inconclusive_source) {
        inconclusive++;
        continue;
      }
      mismatches++;
      if (report.size() < 40)
        report.push_back(sql + "\n   sqlite: " + (s.message.empty() ? "OK" : s.message) +
                         "\n   ours:   " + (ours.ok() ? "OK" : ours.error().message));
    }
  }
  sqlite3_close(db);
  for (auto& r : report) WARN(r);
  INFO("cases " << cases << ", sqlite syntax errors " << syntax_errors << ", inconclusive " << inconclusive);
  CHECK(syntax_errors > 1000);
  CHECK(inconclusive < cases / 20);
  CHECK(mismatches == 0);
}
