// Every statement and query of tests/sqllogictest parses; its canonical print re-parses to an
// equal AST; and SQLite gives the printed form the same results as the original (fresh in-memory
// database per file, two databases side by side: one fed originals, one fed printed forms).
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sql/parser.h"
#include "sql/printer.h"

namespace {

struct SltRecord {
  bool is_query = false;
  bool expect_error = false;
  std::string sql;
  int line = 0;
};

// Only what this test needs of the format: statement/query records, skipif/onlyif, halt.
std::vector<SltRecord> read_slt(const std::string& path) {
  std::ifstream f(path);
  std::vector<SltRecord> out;
  std::string line;
  int lineno = 0;
  bool skip_next = false;
  auto applies = [](const std::string& l) {  // condition line -> true if the record is skipped
    std::istringstream s(l);
    std::string kw, db;
    s >> kw >> db;
    if (kw == "skipif") return db == "sqlite";
    return db != "sqlite";  // onlyif
  };
  while (std::getline(f, line)) {
    lineno++;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("skipif", 0) == 0 || line.rfind("onlyif", 0) == 0) {
      skip_next = skip_next || applies(line);
      continue;
    }
    if (line == "halt") {
      if (!skip_next) break;
      skip_next = false;
      continue;
    }
    bool stmt = line.rfind("statement ", 0) == 0;
    bool query = line.rfind("query ", 0) == 0;
    if (!stmt && !query) continue;
    SltRecord r;
    r.is_query = query;
    r.expect_error = stmt && line.find("error") != std::string::npos;
    r.line = lineno;
    while (std::getline(f, line)) {
      lineno++;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty() || line == "----") break;
      if (!r.sql.empty()) r.sql += '\n';
      r.sql += line;
    }
    if (query && line == "----") {  // skip the expected results
      while (std::getline(f, line)) {
        lineno++;
        if (line.empty() || line == "\r") break;
      }
    }
    if (!skip_next) out.push_back(std::move(r));
    skip_next = false;
  }
  return out;
}

struct RunResult {
  bool ok = true;
  std::string error;
  std::vector<std::string> rows;  // one string per row, values joined by '|'
};

RunResult run(sqlite3* db, const std::string& sql) {
  RunResult res;
  const char* tail = sql.c_str();
  while (tail && *tail) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, tail, -1, &st, &tail) != SQLITE_OK) {
      res.ok = false;
      res.error = sqlite3_errmsg(db);
      return res;
    }
    if (!st) continue;
    res.rows.clear();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(st); i++) {
        if (i) row += '|';
        const unsigned char* t = sqlite3_column_text(st, i);
        row += t ? reinterpret_cast<const char*>(t) : "NULL";
      }
      res.rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) {
      res.ok = false;
      res.error = sqlite3_errmsg(db);
    }
    sqlite3_finalize(st);
    if (!res.ok) return res;
  }
  return res;
}

std::vector<std::string> slt_files() {
  std::vector<std::string> files;
  std::string dir = std::string(BD_SOURCE_DIR) + "/tests/sqllogictest";
  for (auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.path().extension() == ".test") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("sql round trip over the sqllogictest corpus", "[sql][slt]") {
  auto files = slt_files();
  REQUIRE(files.size() >= 3);
  size_t parsed = 0, compared_queries = 0;
  for (const auto& path : files) {
    sqlite3 *orig = nullptr, *printed = nullptr;
    REQUIRE(sqlite3_open(":memory:", &orig) == SQLITE_OK);
    REQUIRE(sqlite3_open(":memory:", &printed) == SQLITE_OK);
    for (const SltRecord& r : read_slt(path)) {
      INFO(path << ":" << r.line << "\n" << r.sql);
      auto ast = bd::sql::parse_script(r.sql);
      if (!ast.ok()) {
        // Only acceptable where the record expects an error and SQLite cannot prepare it either.
        INFO("parse error: " << ast.error().message);
        CHECK(r.expect_error);
        RunResult o = run(orig, r.sql);
        CHECK_FALSE(o.ok);
        continue;
      }
      parsed++;
      std::string text;
      for (auto& st : *ast) {
        if (!text.empty()) text += ";\n";
        text += bd::sql::print(*st);
      }
      INFO("printed: " << text);
      auto again = bd::sql::parse_script(text);
      REQUIRE(again.ok());
      REQUIRE(again->size() == ast->size());
      for (size_t i = 0; i < ast->size(); i++) CHECK(*(*again)[i] == *(*ast)[i]);
      RunResult o = run(orig, r.sql);
      RunResult p = run(printed, text);
      INFO("original error: " << o.error << "\nprinted error: " << p.error);
      CHECK(o.ok == p.ok);
      if (r.is_query && o.ok) {
        compared_queries++;
        CHECK(o.rows == p.rows);
      }
    }
    sqlite3_close(orig);
    sqlite3_close(printed);
  }
  CHECK(parsed > 1000);
  CHECK(compared_queries > 500);
}
