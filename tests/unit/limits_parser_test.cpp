// SQLite's limits in the conductor's parser, in SQLite's words: an input can never build a tree
// that later walks (planner, printer, clone, destructors) would descend past the stack.
#include <catch2/catch.hpp>
#include <string>

#include "sql/parser.h"
#include "sql/printer.h"

namespace {

std::string join(int n, const std::string& term, const std::string& sep) {
  std::string s;
  for (int i = 0; i < n; i++) {
    if (i) s += sep;
    s += term;
  }
  return s;
}

std::string error_of(const std::string& sql) {
  auto r = bd::sql::parse_statement(sql);
  return r.ok() ? "" : r.error().message;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

const std::string kDepth = "Expression tree is too large (maximum depth 1000)";

}  // namespace

TEST_CASE("limits: expression depth is SQLite's (1,000), for operator chains too") {
  CHECK(error_of("SELECT " + join(1000, "1", "+")) == "");
  CHECK(starts_with(error_of("SELECT " + join(1001, "1", "+")), kDepth));
  for (const char* term : {"1", "?", "x"}) CHECK(starts_with(error_of("SELECT " + join(100000, term, " + ")), kDepth));
  CHECK(starts_with(error_of("SELECT 1 FROM t WHERE " + join(100000, "a = 1", " OR ")), kDepth));
  CHECK(starts_with(error_of("SELECT 1 FROM t WHERE " + join(100000, "a", " AND ")), kDepth));
  CHECK(starts_with(error_of("SELECT " + join(100000, "'a'", " || ")), kDepth));
  CHECK(starts_with(error_of("SELECT " + join(100000, "a IS NULL", " IS ")), kDepth));
  CHECK(starts_with(error_of("SELECT a" + join(100000, " COLLATE nocase", "")), kDepth));
  CHECK(starts_with(error_of("SELECT a" + join(100000, " ISNULL", "")), kDepth));
  CHECK(starts_with(error_of("SELECT " + join(100000, "-", " ") + " 1"), kDepth));
  CHECK(starts_with(error_of("SELECT " + join(100000, "NOT", " ") + " 1"), kDepth));
  CHECK(starts_with(error_of("SELECT " + std::string(100000, '(') + "1" + std::string(100000, ')')), kDepth));
  CHECK(starts_with(error_of("SELECT " + join(100000, "abs(", "") + "1" + std::string(100000, ')')), kDepth));
  CHECK(starts_with(error_of(join(100000, "SELECT (", "") + "1" + std::string(100000, ')')), kDepth));
  // Chains nested in chains: the height is the tree's, not each chain's.
  std::string nested = "1";
  for (int i = 0; i < 50; i++) nested = "(" + nested + " + " + join(900, "1", "+") + ")";
  CHECK(starts_with(error_of("SELECT " + nested), kDepth));
  CHECK(error_of("SELECT " + join(3, "(" + join(300, "1", "+") + ")", " * ")) == "");
}

TEST_CASE("limits: compound terms, FROM terms, parameters") {
  CHECK(error_of(join(500, "SELECT 1", " UNION ALL ")) == "");
  CHECK(starts_with(error_of(join(501, "SELECT 1", " UNION ALL ")), "too many terms in compound SELECT"));
  CHECK(error_of("SELECT 1 FROM " + join(200, "t", ", ")) == "");
  CHECK(starts_with(error_of("SELECT 1 FROM " + join(201, "t", ", ")), "too many FROM clause terms, max: 200"));
  CHECK(starts_with(error_of("SELECT 1 FROM " + join(100000, "t", " JOIN ")), "too many FROM clause terms, max: 200"));
  CHECK(error_of("SELECT ?32766") == "");
  CHECK(starts_with(error_of("SELECT ?32767"), "variable number must be between ?1 and ?32766"));
  CHECK(error_of("SELECT " + join(32766, "?", ",")) == "");
  CHECK(starts_with(error_of("SELECT " + join(32767, "?", ",")), "too many SQL variables"));
  CHECK(error_of("SELECT " + join(40000, ":a", ",")) == "");  // one named parameter, used many times
  CHECK(starts_with(error_of("SELECT ?32766, ?"), "too many SQL variables"));
}

TEST_CASE("limits: the deepest accepted trees print, copy and free") {
  for (const std::string& sql : {"SELECT " + join(1000, "1", "+"), "SELECT " + std::string(998, '(') + "1" + std::string(998, ')'),
                                 "SELECT " + join(998, "abs(", "") + "1" + std::string(998, ')')}) {
    auto st = bd::sql::parse_statement(sql);
    REQUIRE(st.ok());
    auto copy = (*st)->clone();
    auto again = bd::sql::parse_statement(bd::sql::print(*copy));
    REQUIRE(again.ok());
    CHECK(bd::sql::print(**again) == bd::sql::print(**st));
  }
}
