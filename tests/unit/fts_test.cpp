// FTS5 tables sharded over 4 nodes, against one plain SQLite database with the same statements:
// creating, writing (rows spread over the nodes), MATCH in every query form, highlight() and
// snippet(), FTS5 commands, introspection and DROP; then ranking (rank, bm25() with and without
// column weights), which uses the whole table's statistics, compared value for value with SQLite's
// over hundreds of random documents and queries.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cluster_helpers.h"
#include "conductor/sqlite_exec.h"
#include "sqlite3.h"

using namespace bd;

namespace {

std::string sqlite_words(std::string m) {
  auto at = m.rfind(" at line ");
  if (at != std::string::npos && m.find(": syntax error") != std::string::npos) m.erase(at);
  return m;
}

struct Pair {
  std::unique_ptr<native::Cluster> big = testing::cluster(4, "fts");
  sqlite3* ref = nullptr;
  Pair() { sqlite3_open(":memory:", &ref); }
  ~Pair() { sqlite3_close(ref); }

  // Runs one statement on both; they must agree (rows in order unless `ordered` is false).
  std::vector<Row> check(const std::string& sql, std::vector<Value> params = {}, bool ordered = true) {
    auto a = big->execute(sql, params);
    auto b = sqlite_run(ref, sql, params);
    INFO("statement: " << sql);
    if (!b.ok()) {
      INFO("SQLite fails with: " << b.error().message);
      REQUIRE_FALSE(a.ok());
      CHECK(sqlite_words(a.error().message) == b.error().message);
      return {};
    }
    if (!a.ok()) FAIL("Big Daddy fails with: " << a.error().message);
    auto ra = a->rs.rows, rb = b->rows;
    if (!ordered) {
      auto less = [](const Row& x, const Row& y) { return testing::show_rows({x}) < testing::show_rows({y}); };
      std::sort(ra.begin(), ra.end(), less);
      std::sort(rb.begin(), rb.end(), less);
    }
    if (!b->columns.empty()) CHECK(a->rs.columns == b->columns);
    INFO("Big Daddy:\n" << testing::show_rows(ra) << "SQLite:\n" << testing::show_rows(rb));
    CHECK(ra == rb);
    return b->rows;
  }

  void introspection() {
    auto objects = check("SELECT type, name, tbl_name, sql FROM sqlite_schema");
    for (auto& o : objects)
      if (o[0].s == "table") check("PRAGMA table_xinfo(\"" + o[1].s + "\")");
  }

  // How many of the FTS5 table's rows each node holds.
  std::vector<int64_t> per_node(const std::string& table) {
    std::vector<int64_t> out;
    for (int n = 0; n < big->nodes(); n++) {
      auto r = big->node_exec(n, "SELECT count(*) FROM \"_bd_fts_" + table + "\"");
      REQUIRE(r.ok());
      out.push_back(r->rows[0][0].i);
    }
    return out;
  }
};

}  // namespace

TEST_CASE("fts5: create, write, MATCH, highlight/snippet, commands, introspection and DROP across 4 nodes, as SQLite") {
  Pair p;
  p.check("CREATE VIRTUAL TABLE docs USING fts5(title, body, tag UNINDEXED, tokenize = 'porter unicode61')");
  p.introspection();
  p.check(
      "INSERT INTO docs (title, body, tag) VALUES ('The quick brown fox', 'jumps over the lazy dog', 'a'), "
      "('Lazy afternoons', 'the dog sleeps all day long', 'b'), ('Foxes and hounds', 'a story of running and jumping', 'a'), "
      "('Brown bread', 'baking with whole wheat flour', 'c'), ('Quick recipes', 'fast food for busy people, quick and easy', 'b'), "
      "('Ünïcode títle', 'café crème brûlée', 'c'), ('Numbers 42', 'forty two is 42', 'a'), ('Empty body', '', NULL)");
  p.check("INSERT INTO docs VALUES ('Running dogs', 'dogs run and jump over fences', 'd')");
  p.check("INSERT INTO docs (body, title) VALUES (?, ?)", {Value::text("one more lazy fox"), Value::text("Later")});
  auto spread = p.per_node("docs");
  CHECK(std::count_if(spread.begin(), spread.end(), [](int64_t n) { return n > 0; }) >= 3);
  p.check("SELECT rowid, * FROM docs ORDER BY rowid");
  p.check("SELECT count(*) FROM docs");
  for (const char* q : {"fox",
                        "dog",
                        "quick",
                        "lazy dog",
                        "\"lazy dog\"",
                        "lazy + dog",
                        "jump*",
                        "ju*",
                        "^the",
                        "title:quick",
                        "body:quick",
                        "{title body}:brown",
                        "-{body}:lazy",
                        "fox OR dog",
                        "fox AND dog",
                        "dog NOT lazy",
                        "(fox OR bread) NOT brown",
                        "title:(quick OR lazy)",
                        "NEAR(lazy dog)",
                        "NEAR(quick easy, 2)",
                        "cafe",
                        "42",
                        "tag:a"}) {
    p.check("SELECT rowid, title FROM docs WHERE docs MATCH ? ORDER BY rowid", {Value::text(q)});
    p.check("SELECT count(*) FROM docs WHERE docs MATCH ?", {Value::text(q)});
  }
  p.check("SELECT rowid FROM docs WHERE docs = 'fox' ORDER BY rowid");
  p.check("SELECT rowid FROM docs WHERE docs MATCH 'dog' AND tag = 'a' ORDER BY 1");
  p.check("SELECT rowid FROM docs WHERE title MATCH 'quick' ORDER BY 1");
  p.check(
      "SELECT rowid, highlight(docs, 0, '[', ']'), highlight(docs, 1, '<b>', '</b>') FROM docs WHERE docs MATCH 'dog OR fox' ORDER BY "
      "rowid");
  p.check("SELECT rowid, snippet(docs, 1, '[', ']', '...', 4) FROM docs WHERE docs MATCH 'quick' ORDER BY rowid");
  p.check("SELECT rowid FROM docs WHERE docs MATCH 'fox OR' ORDER BY 1");
  p.check("SELECT rowid FROM docs WHERE docs MATCH 'nosuchcol:fox'");
  // Writes: by rowid, by MATCH, by other columns.
  p.check("UPDATE docs SET body = 'now about cats' WHERE rowid = 2");
  p.check("UPDATE docs SET tag = 'z' WHERE docs MATCH 'quick'");
  p.check("DELETE FROM docs WHERE docs MATCH 'bread'");
  p.check("DELETE FROM docs WHERE tag = 'd'");
  p.check("SELECT rowid, * FROM docs ORDER BY rowid");
  for (const char* q : {"dog", "cats", "quick", "bread", "running"})
    p.check("SELECT rowid, tag FROM docs WHERE docs MATCH ? ORDER BY 1", {Value::text(q)});
  p.check("UPDATE docs SET title = upper(title) WHERE docs.tag = 'a' RETURNING rowid, title");
  p.check("UPDATE docs SET title = upper(title) WHERE docs.tag = 'a'");
  p.check("INSERT INTO docs (title, body) VALUES ('returning', 'row') RETURNING title, body");
  p.check("SELECT rowid, title FROM docs WHERE docs MATCH 'FOXES' ORDER BY 1");
  // FTS5 commands reach every node.
  for (const char* cmd : {"optimize", "rebuild", "integrity-check"}) p.check(std::string("INSERT INTO docs(docs) VALUES ('") + cmd + "')");
  p.check("INSERT INTO docs(docs, rank) VALUES ('merge', 10)");
  p.check("INSERT INTO docs(docs) VALUES ('nosuchcommand')");
  p.check("SELECT rowid FROM docs WHERE docs MATCH 'dog' ORDER BY 1");
  // A transaction rolled back leaves the index as it was.
  {
    auto begin = testing::run(*p.big, "BEGIN");
    for (const char* s : {"INSERT INTO docs (title, body) VALUES ('zebra one', 'x'), ('zebra two', 'y'), ('zebra three', 'z')",
                          "DELETE FROM docs WHERE docs MATCH 'dog'", "UPDATE docs SET body = 'zebra' WHERE rowid = 3"}) {
      auto r = p.big->execute_in_txn(begin.transaction, s);
      INFO(s);
      REQUIRE(r.ok());
    }
    auto inside = p.big->execute_in_txn(begin.transaction, "SELECT count(*) FROM docs WHERE docs MATCH 'zebra'");
    REQUIRE(inside.ok());
    CHECK(inside->rs.rows[0][0].i == 4);
    // Outside the transaction its rows are not seen.
    p.check("SELECT rowid FROM docs WHERE docs MATCH 'zebra OR dog' ORDER BY 1");
    REQUIRE(p.big->execute_in_txn(begin.transaction, "ROLLBACK").ok());
  }
  p.check("SELECT rowid FROM docs WHERE docs MATCH 'zebra OR dog' ORDER BY 1");
  for (int n = 0; n < p.big->nodes(); n++) CHECK(p.big->node_exec(n, "INSERT INTO docs(docs) VALUES ('integrity-check')").ok());
  p.introspection();
  p.check("CREATE VIRTUAL TABLE docs USING fts5(x)");
  p.check("CREATE VIRTUAL TABLE IF NOT EXISTS docs USING fts5(x)");
  p.check("DROP TABLE docs");
  p.introspection();
  p.check("SELECT * FROM docs");
  for (int n = 0; n < p.big->nodes(); n++) {
    auto r = p.big->node_exec(n, "SELECT count(*) FROM sqlite_schema WHERE name LIKE '%docs%'");
    REQUIRE(r.ok());
    CHECK(r->rows[0][0].i == 0);
  }
}

TEST_CASE("fts5: what is refused says why") {
  auto c = testing::cluster(2, "fts-refused");
  auto refused = [&](const std::string& sql, const std::string& words) {
    auto r = c->execute(sql);
    INFO(sql);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Matchers::Contains(words));
  };
  refused("CREATE VIRTUAL TABLE r USING rtree(id, a, b)", "no such module");
  refused("CREATE VIRTUAL TABLE e USING fts5(a, content='')", "content=");
  refused("CREATE VIRTUAL TABLE e USING fts5(a, columnsize=0)", "columnsize=0");
  refused("CREATE VIRTUAL TABLE e USING fts5(a, detail=none)", "detail=none");
  REQUIRE(c->execute("CREATE VIRTUAL TABLE d USING fts5(a)").ok());
  refused("CREATE VIRTUAL TABLE v USING fts5vocab(d, 'row')", "fts5vocab");
  refused("INSERT INTO d(d, rank) VALUES ('rank', 'bm25(10.0)')", "'rank'");
  refused("SELECT rank FROM d WHERE d MATCH 'NEAR(a b)' ORDER BY rank", "NEAR");
  refused("ALTER TABLE d RENAME TO e", "ALTER TABLE");
  refused("PRAGMA bigdaddy_resize = 3", "FTS5");
  refused("UPDATE d SET a = 'x' RETURNING a", "UPDATE RETURNING is not available on virtual tables");
}

TEST_CASE("fts5 ranking: rank and bm25() over 4 nodes equal SQLite's, value for value, for random documents and queries") {
  Pair p;
  std::mt19937 rng(20261202);
  const std::vector<std::string> words = {"apple", "banana", "cherry", "date",    "elder",  "fig",   "grape", "honey",   "iris",   "jade",
                                          "kiwi",  "lemon",  "mango",  "nut",     "olive",  "peach", "pear",  "plum",    "quince", "rasp",
                                          "sage",  "thyme",  "ugli",   "vanilla", "walnut", "yam",   "zest",  "apricot", "basil",  "clove"};
  // Skewed word choice: some words are in most rows (IDF clamped to 1e-6), some in few.
  auto word = [&]() {
    std::uniform_int_distribution<size_t> d(0, words.size() - 1);
    size_t a = d(rng), b = d(rng);
    return words[std::min(a, b)];
  };
  auto text = [&](int lo, int hi) {
    std::uniform_int_distribution<int> n(lo, hi);
    std::string s;
    for (int i = n(rng); i > 0; i--) s += (s.empty() ? "" : " ") + word();
    return s;
  };
  p.check("CREATE VIRTUAL TABLE docs USING fts5(title, body, note)");
  for (int batch = 0; batch < 30; batch++) {
    std::string sql = "INSERT INTO docs (title, body, note) VALUES ";
    for (int i = 0; i < 10; i++) sql += (i ? ", " : "") + ("('" + text(1, 4) + "', '" + text(0, 30) + "', '" + text(0, 3) + "')");
    p.check(sql);
  }
  p.check("DELETE FROM docs WHERE rowid % 17 = 0");
  p.check("UPDATE docs SET note = 'mango mango' WHERE rowid % 11 = 0");
  auto spread = p.per_node("docs");
  for (auto n : spread) CHECK(n > 30);

  auto term = [&]() {
    std::uniform_int_distribution<int> k(0, 9);
    int kind = k(rng);
    std::string w = word();
    if (kind == 0) return w.substr(0, 2) + "*";
    if (kind == 1) return "\"" + w + " " + word() + "\"";
    if (kind == 2) return std::string(k(rng) < 5 ? "title" : "body") + ":" + w;
    if (kind == 3) return "{title note}:" + w;
    if (kind == 4) return "-{body}:" + w;
    if (kind == 5) return "^" + w;
    return w;
  };
  std::vector<std::string> queries;
  for (int i = 0; i < 120; i++) {
    std::uniform_int_distribution<int> k(0, 7);
    switch (k(rng)) {
      case 0: queries.push_back(term() + " OR " + term()); break;
      case 1: queries.push_back(term() + " " + term()); break;
      case 2: queries.push_back(term() + " NOT " + term()); break;
      case 3: queries.push_back("(" + term() + " OR " + term() + ") AND " + term()); break;
      case 4: queries.push_back(term() + " OR " + term() + " " + term()); break;
      case 5: queries.push_back("body:(" + term() + " OR " + term() + ")"); break;
      case 6: queries.push_back(term() + " AND (" + term() + " NOT " + term() + ")"); break;
      default: queries.push_back(term()); break;
    }
  }
  int ranked = 0;
  for (auto& q : queries) {
    auto rows = p.check("SELECT rowid, rank, bm25(docs), bm25(docs, 2.0, 0.1, 7) FROM docs WHERE docs MATCH ? ORDER BY rank, rowid",
                        {Value::text(q)});
    ranked += !rows.empty();
    p.check("SELECT rowid, title, bm25(docs, 0.3) AS s FROM docs WHERE docs MATCH ?1 ORDER BY s DESC, rowid LIMIT 7", {Value::text(q)});
  }
  CHECK(ranked > 100);
  for (const char* q : {"apple", "banana OR cherry", "title:apple date"}) {
    p.check(
        "SELECT rowid, highlight(docs, 1, '[', ']'), snippet(docs, -1, '<', '>', '..', 6) FROM docs WHERE docs MATCH ? "
        "ORDER BY rank, rowid LIMIT 5",
        {Value::text(q)});
    p.check("SELECT count(*), sum(rank) < 0, min(bm25(docs)) FROM docs WHERE docs MATCH ?", {Value::text(q)});
    p.check("SELECT count(*), sum(rank) < 0 FROM docs WHERE docs MATCH ?", {Value::text(q)});
    p.check("SELECT *, rank FROM docs WHERE docs MATCH ? ORDER BY rank, rowid LIMIT 4", {Value::text(q)});
    p.check("SELECT docs.*, rowid FROM docs WHERE docs MATCH ? ORDER BY rank DESC, rowid LIMIT 4", {Value::text(q)});
    p.check("SELECT rowid FROM docs WHERE docs MATCH ? AND rowid > 100 ORDER BY rank, rowid LIMIT 3 OFFSET 2", {Value::text(q)});
  }
}
