// The FTS5 query syntax as the conductor reads it (sql/fts5.h): the phrases in FTS5's order, their
// column filters, the operators' precedence (implicit AND, then NOT, AND, OR), each phrase alone
// as a query, and FTS5's errors. fts_test shows the whole against SQLite's own FTS5.
#include <catch2/catch.hpp>

#include "sql/fts5.h"

using namespace bd::sql::fts5;

namespace {

const std::vector<std::string> kCols = {"title", "body", "note"};

// The tree in prefix form: phrases as #i, operators by name.
std::string shape(const Node& n) {
  switch (n.kind) {
    case NodeKind::Phrase: return "#" + std::to_string(n.phrase);
    case NodeKind::Near: return "NEAR";
    default: break;
  }
  std::string op = n.kind == NodeKind::And ? "AND" : n.kind == NodeKind::Or ? "OR" : "NOT";
  return op + "(" + shape(n.children[0]) + " " + shape(n.children[1]) + ")";
}

Query parsed(const std::string& q) {
  auto r = parse_query(q, kCols);
  INFO(q);
  REQUIRE(r.ok());
  return *r;
}

}  // namespace

TEST_CASE("fts5 query: phrases, filters and precedence") {
  auto q = parsed("a b OR c NOT d AND e");
  CHECK(shape(q.root) == "OR(AND(#0 #1) AND(NOT(#2 #3) #4))");
  CHECK(q.phrases.size() == 5);
  CHECK(shape(parsed("a OR b c").root) == "OR(#0 AND(#1 #2))");
  CHECK(shape(parsed("(a OR b) NOT c").root) == "NOT(OR(#0 #1) #2)");

  q = parsed("title:\"lazy dog\" + cat* {body note}:x -{title}:y");
  REQUIRE(q.phrases.size() == 3);
  CHECK(q.phrases[0].tokens == std::vector<std::string>{"\"lazy dog\"", "cat"});
  CHECK(q.phrases[0].prefix == std::vector<bool>{false, true});
  CHECK(q.phrases[0].query(kCols) == "{\"title\"} : \"lazy dog\" + cat *");
  CHECK(q.phrases[1].columns == std::vector<int>{1, 2});
  CHECK(q.phrases[2].columns == std::vector<int>{1, 2});
  CHECK(q.phrases[2].query(kCols) == "{\"body\" \"note\"} : y");
  q = parsed("-{title}:(y OR ^z)");
  CHECK(q.phrases[1].caret);
  CHECK(q.phrases[1].query(kCols) == "{\"body\" \"note\"} : ^ z");
  // A filtered parenthesis is no phrase: it cannot stand beside one (FTS5's grammar).
  auto bad = parse_query("a -{title}:(y OR z)", kCols);
  CHECK_FALSE(bad.ok());
  // Nested filters intersect.
  q = parsed("body:(title:a OR b)");
  CHECK(q.phrases[0].columns.empty());
  CHECK(q.phrases[1].columns == std::vector<int>{1});
  // Lower-case operators are words; NEAR groups are marked.
  CHECK(parsed("a or b").phrases.size() == 3);
  q = parsed("NEAR(a b, 3) c");
  CHECK(q.has_near);
  CHECK(q.phrases.size() == 3);
}

TEST_CASE("fts5 query: FTS5's errors") {
  auto err = [](const std::string& q) {
    auto r = parse_query(q, kCols);
    INFO(q);
    REQUIRE_FALSE(r.ok());
    return r.error().message;
  };
  CHECK(err("a OR") == "fts5: syntax error near \"\"");
  CHECK(err("a - b") == "no such column: b");
  CHECK(err("a : b") == "no such column: a");
  CHECK(err("nosuch:a") == "no such column: nosuch");
  CHECK(err("\"open") == "unterminated string");
}
