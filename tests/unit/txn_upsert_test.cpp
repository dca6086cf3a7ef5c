// What transactions unlock: INSERT OR IGNORE / OR REPLACE / UPSERT on tables with a global UNIQUE
// index, and shard-key UPDATEs on tables with global indexes, compared with one SQLite database;
// concurrent inserts of one unique value from different shards (exactly one wins).
#include <catch2/catch.hpp>

#include "reference_pair.h"

using bd::Value;
using bd::native::Cluster;
using bd::testing::run;

namespace {

struct Both : bd::testing::ReferencePair {
  Both() : ReferencePair(8, "upsert") {}
  // Runs on both; the answers (rows or the error) must agree.
  void same(const std::string& sql) { check({sql}); }
  // A query that must succeed, with the same rows on both.
  void table_agrees(const std::string& query) {
    run(*big, query);
    check({query});
  }
};

// Every row has exactly its entries (NULLs included: they are entries too), and a lookup through a
// unique index finds exactly one row per value.
void entries_match(Cluster& c, const std::string& table, const std::string& index, const std::string& col, bool unique = true) {
  int64_t rows = 0, entries = 0;
  for (int n = 0; n < c.nodes(); n++) {
    rows += c.node_exec(n, "SELECT count(*) FROM " + table)->rows[0][0].i;
    entries += c.node_exec(n, "SELECT count(*) FROM _bd_idx_" + index)->rows[0][0].i;
  }
  CHECK(rows == entries);
  if (!unique) return;
  auto r = run(c, "SELECT " + col + " FROM " + table + " WHERE " + col + " IS NOT NULL");
  for (auto& row : r.rs.rows) {
    auto hit = c.execute("SELECT count(*) FROM " + table + " WHERE " + col + " = ?", {row[0]});
    REQUIRE(hit.ok());
    CHECK(hit->rs.rows[0][0].i == 1);
  }
}

}  // namespace

TEST_CASE("txn upsert: OR IGNORE, OR REPLACE and UPSERT on a global UNIQUE index give SQLite's results") {
  Both b;
  b.same("CREATE TABLE u (id INTEGER PRIMARY KEY, email TEXT, name TEXT)");
  b.same("CREATE UNIQUE INDEX u_email ON u (email)");
  b.same("INSERT INTO u VALUES (1, 'a@x', 'one'), (2, 'b@x', 'two'), (3, 'c@x', 'three'), (4, NULL, 'four')");
  // The conflicting rows live on other nodes than the new ones (ids hash elsewhere).
  b.same("INSERT OR IGNORE INTO u VALUES (10, 'a@x', 'ten'), (11, 'd@x', 'eleven'), (12, 'd@x', 'twelve'), (13, NULL, 'thirteen')");
  b.table_agrees("SELECT * FROM u ORDER BY id");
  b.same("INSERT OR REPLACE INTO u VALUES (20, 'b@x', 'twenty'), (3, 'e@x', 'three again')");
  b.table_agrees("SELECT * FROM u ORDER BY id");
  b.same("REPLACE INTO u VALUES (21, 'e@x', 'twenty-one')");
  b.table_agrees("SELECT * FROM u ORDER BY id");
  b.same(
      "INSERT INTO u VALUES (30, 'a@x', 'thirty') ON CONFLICT (email) DO UPDATE SET name = excluded.name || '!' RETURNING id, email, name");
  b.same("INSERT INTO u VALUES (31, 'zz@x', 'new') ON CONFLICT (email) DO UPDATE SET name = 'never' RETURNING id, name");
  b.same("INSERT INTO u VALUES (32, 'd@x', 'x') ON CONFLICT (email) DO NOTHING");
  b.same("INSERT INTO u VALUES (33, 'd@x', 'x') ON CONFLICT DO NOTHING");
  b.same("INSERT INTO u VALUES (1, 'q@x', 'x') ON CONFLICT (id) DO UPDATE SET email = excluded.email");
  b.same("INSERT INTO u VALUES (40, 'q@x', 'x') ON CONFLICT (id) DO UPDATE SET name = 'no'");  // conflicts on email: the error
  b.same("INSERT INTO u VALUES (41, 'c@x', 'x') ON CONFLICT (email) DO UPDATE SET name = 'guarded' WHERE name = 'nobody'");
  b.same("INSERT INTO u VALUES (42, 'b@x', 'x') ON CONFLICT (email) DO UPDATE SET email = 'a@x'");  // moves onto a taken value
  b.table_agrees("SELECT * FROM u ORDER BY id");
  entries_match(*b.big, "u", "u_email", "email");
  // Lookups by the index still find every row.
  for (auto& row : run(*b.big, "SELECT email FROM u WHERE email IS NOT NULL").rs.rows)
    CHECK(run(*b.big, "SELECT count(*) FROM u WHERE email = ?", {row[0]}).rs.rows[0][0].i == 1);
}

TEST_CASE("txn upsert: an UPDATE of the shard key moves rows and their global index entries together") {
  Both b;
  b.same("CREATE TABLE u (id INTEGER PRIMARY KEY, email TEXT, tag TEXT)");
  b.same("CREATE UNIQUE INDEX u_email ON u (email)");
  b.same("CREATE INDEX u_tag ON u (tag)");
  std::string values;
  for (int i = 1; i <= 40; i++)
    values += (i > 1 ? ", (" : "(") + std::to_string(i) + ", 'e" + std::to_string(i) + "', 't" + std::to_string(i % 3) + "')";
  b.same("INSERT INTO u VALUES " + values);
  b.same("UPDATE u SET id = id + 1000, tag = 'moved' WHERE id <= 20");
  b.same("UPDATE u SET id = 7 WHERE id = 1007");
  b.same("UPDATE u SET id = 1005 WHERE id = 7");  // collides: nothing changes
  b.table_agrees("SELECT * FROM u ORDER BY id");
  entries_match(*b.big, "u", "u_email", "email");
  entries_match(*b.big, "u", "u_tag", "tag", false);
  CHECK(run(*b.big, "SELECT id FROM u WHERE email = 'e3'").rs.rows.at(0).at(0).i == 1003);
  CHECK(run(*b.big, "SELECT count(*) FROM u WHERE tag = 'moved'").rs.rows[0][0].i == 20);
}

TEST_CASE("txn upsert: concurrent inserts of one unique value from different shards, exactly one wins") {
  auto c = bd::testing::cluster(8, "upsert-race");
  run(*c, "CREATE TABLE u (id INTEGER PRIMARY KEY, email TEXT)");
  run(*c, "CREATE UNIQUE INDEX u_email ON u (email)");
  for (int round = 0; round < 20; round++) {
    std::string email = "race" + std::to_string(round) + "@x";
    const char* forms[] = {"INSERT INTO u VALUES (?, ?)", "INSERT OR IGNORE INTO u VALUES (?, ?)", "INSERT OR REPLACE INTO u VALUES (?, ?)",
                           "INSERT INTO u VALUES (?, ?) ON CONFLICT (email) DO NOTHING"};
    const char* form = forms[round % 4];
    int a = c->begin(0, form, {Value::integer(1000 + round), Value::text(email)});
    int b = c->begin(1, form, {Value::integer(2000 + round), Value::text(email)});
    // Interleave their round trips until both finish.
    bool da = false, db = false;
    while (!da || !db) {
      if (!da) da = c->advance(a);
      if (!db) db = c->advance(b);
    }
    auto ra = c->finish(a), rb = c->finish(b);
    auto n = run(*c, "SELECT count(*) FROM u WHERE email = ?", {Value::text(email)});
    INFO(form);
    CHECK(n.rs.rows[0][0].i == 1);
    if (round % 4 == 0) CHECK(ra.ok() != rb.ok());  // plain INSERT: the loser gets SQLite's error
    if (!ra.ok()) CHECK(ra.error().message == "UNIQUE constraint failed: u.email");
    if (!rb.ok()) CHECK(rb.error().message == "UNIQUE constraint failed: u.email");
  }
  entries_match(*c, "u", "u_email", "email");
}
