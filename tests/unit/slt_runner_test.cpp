#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "native/slt.h"

using namespace bd;
using namespace bd::native;

namespace {
const std::string kShared = BD_SOURCE_DIR "/tests/sqllogictest/";
const std::string kOwn = BD_SOURCE_DIR "/tests/slt/";

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}
}  // namespace

// SQLite produced the suite's expected results, so SQLite must pass every record: this is what
// proves the runner (parsing, rendering, sorting, hashing) right.
TEST_CASE("slt: SQLite passes the sqllogictest files", "[slt][runner]") {
  const char* files[] = {
      "select1.test",
      "select2.test",
      "evidence/in1.test",
      "evidence/in2.test",
      "evidence/slt_lang_aggfunc.test",
      "evidence/slt_lang_createtrigger.test",
      "evidence/slt_lang_createview.test",
      "evidence/slt_lang_dropindex.test",
      "evidence/slt_lang_droptable.test",
      "evidence/slt_lang_droptrigger.test",
      "evidence/slt_lang_dropview.test",
      "evidence/slt_lang_reindex.test",
      "evidence/slt_lang_replace.test",
      "evidence/slt_lang_update.test",
  };
  for (const char* f : files) {
    SqliteEngine engine;
    std::ostringstream log;
    SltOptions options;
    options.log = &log;
    SltStats stats = run_slt_file(kShared + f, engine, options);
    INFO(f << ": " << stats.passed << " passed, " << stats.failed << " failed, " << stats.skipped << " skipped\n" << log.str());
    CHECK(stats.failed == 0);
    CHECK(stats.passed > 0);
  }
}

TEST_CASE("slt: runner features pass on SQLite", "[slt][runner]") {
  SqliteEngine engine;
  std::ostringstream log;
  SltOptions options;
  options.log = &log;
  SltStats stats = run_slt_file(kOwn + "runner_basics.test", engine, options);
  INFO(log.str());
  CHECK(stats.failed == 0);
  CHECK(stats.passed == 20);
  CHECK(stats.skipped == 3);  // skipif sqlite, onlyif mysql, and the "onlyif mssql" halt
}

TEST_CASE("slt: wrong expectations are counted as failures", "[slt][runner]") {
  SqliteEngine engine;
  std::ostringstream log;
  SltOptions options;
  options.log = &log;
  SltStats stats = run_slt_file(kOwn + "wrong_results.test", engine, options);
  INFO(log.str() << join(stats.failures));
  CHECK(stats.passed == 3);
  CHECK(stats.failed == 7);
  REQUIRE(stats.failures.size() == 7);
  CHECK(stats.failures[0].find("wrong_results.test:9: wrong result") != std::string::npos);
  CHECK(log.str().find("expected:") != std::string::npos);
}

TEST_CASE("slt: script edge cases", "[slt][runner]") {
  SqliteEngine engine;
  SECTION("CRLF line ends read like LF") {
    auto s = run_slt_script("statement ok\r\nCREATE TABLE t(x)\r\n\r\nquery I nosort\r\nSELECT 5\r\n----\r\n5\r\n", "crlf", engine);
    CHECK(s.passed == 2);
    CHECK(s.failed == 0);
  }
  SECTION("an empty expected list means no rows") {
    auto s = run_slt_script("query I nosort\nSELECT 1 WHERE 0\n----\n\nquery I nosort\nSELECT 1\n----\n", "empty", engine);
    CHECK(s.passed == 1);
    CHECK(s.failed == 1);
  }
  SECTION("a failing query is a failure, a missing file too") {
    auto s = run_slt_script("query I nosort\nSELECT * FROM nope\n----\n1\n", "bad", engine);
    CHECK(s.failed == 1);
    auto f = run_slt_file(kOwn + "no_such_file.test", engine);
    CHECK(f.failed == 1);
  }
  SECTION("valuesort sorts values across rows") {
    auto s = run_slt_script("query II valuesort\nSELECT 3, 1 UNION ALL SELECT 2, 4\n----\n1\n2\n3\n4\n", "vs", engine);
    CHECK(s.passed == 1);
  }
  SECTION("a skipped halt does not halt") {
    auto s = run_slt_script("onlyif mysql\nhalt\n\nquery I nosort\nSELECT 1\n----\n1\n\nhalt\n\nquery I nosort\nSELECT 1\n----\n2\n",
                            "halt", engine);
    CHECK(s.passed == 1);
    CHECK(s.failed == 0);
    CHECK(s.skipped == 1);
  }
}

TEST_CASE("slt: split_sql_statements keeps trigger bodies and strings whole", "[slt][runner]") {
  using V = std::vector<std::string>;
  CHECK(split_sql_statements("SELECT 1") == V{"SELECT 1"});
  CHECK(split_sql_statements("SELECT 1;") == V{"SELECT 1;"});
  CHECK(split_sql_statements("INSERT INTO t VALUES(1);\nDROP INDEX i;\n") == V{"INSERT INTO t VALUES(1);", "\nDROP INDEX i;"});
  CHECK(split_sql_statements("SELECT 'a;b'; SELECT 2") == V{"SELECT 'a;b';", " SELECT 2"});
  CHECK(split_sql_statements("CREATE TRIGGER r AFTER INSERT ON t BEGIN DELETE FROM u; INSERT INTO u VALUES(1); END;") ==
        V{"CREATE TRIGGER r AFTER INSERT ON t BEGIN DELETE FROM u; INSERT INTO u VALUES(1); END;"});
  CHECK(split_sql_statements("  ;\n ; ").empty());
}

namespace {
// An engine that runs statements on a SQLite database of its own but fails every query with an
// SQL error: what a broken engine would look like to the runner.
class QueriesFailEngine final : public SltEngine {
 public:
  Result<ResultSet> run(std::string_view sql) override {
    if (sql.substr(0, 6) == "SELECT") return Error::sql("engine failure");
    return db_.run(sql);
  }

 private:
  SqliteEngine db_;
};
}  // namespace

TEST_CASE("slt: an engine error passes an empty expected result only where SQLite fails too", "[slt][runner]") {
  QueriesFailEngine engine;
  SECTION("SQLite answers with no rows: the error is a failure") {
    auto s = run_slt_script("query I nosort\nSELECT 1 WHERE 0\n----\n", "no-rows", engine);
    CHECK(s.passed == 0);
    CHECK(s.failed == 1);
    CHECK(s.passed_on_error == 0);
    CHECK(s.query_error_lines == std::vector<int>{1});
  }
  SECTION("SQLite's reference follows the statements: a table they created answers with no rows") {
    auto s = run_slt_script("statement ok\nCREATE TABLE t(x)\n\nquery I nosort\nSELECT x FROM t\n----\n", "table", engine);
    CHECK(s.passed == 1);  // the statement
    CHECK(s.failed == 1);
  }
  SECTION("SQLite fails at run time too (integer overflow): the record passes, counted apart") {
    auto s = run_slt_script("query I nosort\nSELECT sum(x) FROM (SELECT 9223372036854775807 AS x UNION ALL SELECT 1)\n----\n", "overflow",
                            engine);
    CHECK(s.failed == 0);
    CHECK(s.passed == 1);
    CHECK(s.passed_on_error == 1);
  }
}
