// A PRIMARY KEY (or UNIQUE constraint) that does not contain the table's shard key, declared with
// PRAGMA bigdaddy_shard_key, holds across all nodes as in one SQLite database: it becomes a hidden
// global unique index that introspection never shows. Compared statement by statement with plain
// SQLite on 4 nodes, with rows spread so that equal keys arrive on different nodes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "reference_pair.h"

using namespace bd;

namespace {

struct Pair : testing::ReferencePair {
  Pair() : ReferencePair(4, "globalpk") {}

  // Big Daddy only (placement PRAGMAs).
  void big_only(const std::string& sql) { testing::run(*big, sql); }

  void check(const std::string& sql, std::vector<Value> params = {}) { ReferencePair::check({sql, std::move(params)}); }

  // The node holding rows of `table` where `where` holds (-1: none).
  int node_of(const std::string& table, const std::string& where) {
    for (int n = 0; n < big->nodes(); n++) {
      auto r = big->node_exec(n, "SELECT count(*) FROM " + table + " WHERE " + where);
      if (r.ok() && r->rows[0][0].i > 0) return n;
    }
    return -1;
  }

  // Shard-key values (org) that land on at least two different nodes, found by probing an
  // empty sibling table sharded the same way.
  std::vector<int> orgs_on_distinct_nodes() {
    testing::run(*big, "CREATE TABLE IF NOT EXISTS probe_org (org INTEGER PRIMARY KEY)");
    std::vector<int> out;
    std::vector<int> seen;
    for (int org = 1; out.size() < 4 && org < 200; org++) {
      testing::run(*big, "INSERT INTO probe_org VALUES (?)", {Value::integer(org)});
      int n = node_of("probe_org", "org = " + std::to_string(org));
      if (std::find(seen.begin(), seen.end(), n) == seen.end()) {
        seen.push_back(n);
        out.push_back(org);
      }
    }
    REQUIRE(out.size() >= 2);
    return out;
  }

  void same_schema() {
    check("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name <> 'probe_org'");
    for (const char* t : {"t", "u", "w"}) {
      check(std::string("PRAGMA index_list(") + t + ")");
      check(std::string("SELECT name FROM pragma_index_list('") + t + "')");
    }
  }
};

}  // namespace

TEST_CASE("global primary key: a PRIMARY KEY without the shard key is unique across nodes, as in SQLite (4 nodes)") {
  Pair p;
  auto orgs = p.orgs_on_distinct_nodes();
  const std::string o1 = std::to_string(orgs[0]), o2 = std::to_string(orgs[1]);
  // INTEGER PRIMARY KEY, TEXT PRIMARY KEY, composite WITHOUT ROWID primary key, each sharded by org.
  p.check("CREATE TABLE t (id INTEGER PRIMARY KEY, org INTEGER NOT NULL, v TEXT)");
  p.check("CREATE TABLE u (email TEXT PRIMARY KEY, org INTEGER NOT NULL, name TEXT, nick TEXT UNIQUE)");
  p.check("CREATE TABLE w (k TEXT, j INTEGER, org INTEGER NOT NULL, v TEXT, PRIMARY KEY (k, j)) WITHOUT ROWID");
  p.big_only("PRAGMA bigdaddy_shard_key = 't.org'");
  p.big_only("PRAGMA bigdaddy_shard_key = 'u.org'");
  p.big_only("PRAGMA bigdaddy_shard_key = 'w.org'");
  p.same_schema();

  // The same key on two nodes: the second is refused with SQLite's words.
  p.check("INSERT INTO t VALUES (1, " + o1 + ", 'a')");
  p.check("INSERT INTO t VALUES (1, " + o2 + ", 'b')");
  p.check("INSERT INTO t VALUES (2, " + o2 + ", 'b'), (1, " + o2 + ", 'c')");
  p.check("INSERT INTO u VALUES ('ann@x', " + o1 + ", 'Ann', 'an')");
  p.check("INSERT INTO u VALUES ('ann@x', " + o2 + ", 'Other', 'ot')");
  p.check("INSERT INTO u VALUES ('bob@x', " + o2 + ", 'Bob', 'an')");
  p.check("INSERT INTO w VALUES ('k', 1, " + o1 + ", 'a')");
  p.check("INSERT INTO w VALUES ('k', 1, " + o2 + ", 'b')");
  p.check("INSERT INTO w VALUES ('k', 2, " + o2 + ", 'b')");
  CHECK(p.node_of("t", "id = 1") != p.node_of("t", "id = 2"));
  // UPDATE onto an existing key on another node.
  p.check("UPDATE t SET id = 1 WHERE id = 2");
  p.check("UPDATE u SET email = 'ann@x' WHERE email = 'bob@x'");
  p.check("UPDATE w SET j = 1 WHERE k = 'k' AND j = 2");

  // Conflict resolution against the row on the other node.
  p.check("INSERT OR IGNORE INTO t VALUES (1, " + o2 + ", 'ignored'), (3, " + o2 + ", 'new')");
  p.check("INSERT OR REPLACE INTO t VALUES (1, " + o2 + ", 'replaced')");
  p.check("INSERT INTO t VALUES (2, " + o1 + ", 'up') ON CONFLICT (id) DO UPDATE SET v = excluded.v || '!'");
  p.check("INSERT INTO t VALUES (3, " + o1 + ", 'no') ON CONFLICT (id) DO NOTHING");
  p.check("INSERT INTO t VALUES (3, " + o1 + ", 'no') ON CONFLICT DO NOTHING");
  p.check("INSERT OR IGNORE INTO u VALUES ('ann@x', " + o2 + ", 'Ign', 'x1')");
  p.check("INSERT OR REPLACE INTO u VALUES ('ann@x', " + o2 + ", 'Rep', 'x2')");
  p.check("INSERT INTO u VALUES ('ann@x', " + o1 + ", 'Up', 'x3') ON CONFLICT (email) DO UPDATE SET name = excluded.name");
  p.check("INSERT INTO u VALUES ('cy@x', " + o1 + ", 'Cy', 'x3') ON CONFLICT (nick) DO UPDATE SET name = 'nick-taken'");
  p.check("INSERT OR REPLACE INTO w VALUES ('k', 1, " + o2 + ", 'replaced')");
  p.check("INSERT INTO w VALUES ('k', 2, " + o1 + ", 'up') ON CONFLICT (k, j) DO UPDATE SET v = 'updated'");
  p.check("INSERT OR IGNORE INTO w VALUES ('k', 2, " + o2 + ", 'ignored')");
  p.check("SELECT * FROM t ORDER BY id");
  p.check("SELECT * FROM u ORDER BY email");
  p.check("SELECT * FROM w ORDER BY k, j");
  // Freed keys can be taken again from another node; omitted ids never collide.
  p.check("DELETE FROM t WHERE id = 1");
  p.check("INSERT INTO t VALUES (1, " + o1 + ", 'again')");
  p.check("INSERT INTO t (org, v) VALUES (" + o2 + ", 'auto')");
  p.check("SELECT count(*), count(DISTINCT id) FROM t");
  p.same_schema();
}

TEST_CASE("global primary key: hidden from introspection, follows RENAME, and goes with DROP TABLE") {
  Pair p;
  auto orgs = p.orgs_on_distinct_nodes();
  p.check("CREATE TABLE t (name TEXT PRIMARY KEY, org INTEGER)");
  p.big_only("PRAGMA bigdaddy_shard_key = 't.org'");
  p.check("ALTER TABLE t RENAME TO t2");
  p.check("INSERT INTO t2 VALUES ('a', " + std::to_string(orgs[0]) + ")");
  p.check("INSERT INTO t2 VALUES ('a', " + std::to_string(orgs[1]) + ")");
  p.check("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name <> 'probe_org'");
  p.check("PRAGMA index_list(t2)");
  // A new table under the old name gets its own key.
  p.check("CREATE TABLE t (name TEXT PRIMARY KEY, org INTEGER)");
  p.big_only("PRAGMA bigdaddy_shard_key = 't.org'");
  p.check("INSERT INTO t VALUES ('a', " + std::to_string(orgs[0]) + ")");
  p.check("INSERT INTO t VALUES ('a', " + std::to_string(orgs[1]) + ")");
  p.check("DROP TABLE t2");
  p.check("DROP TABLE t");
  for (int n = 0; n < p.big->nodes(); n++)
    CHECK(p.big->node_exec(n, "SELECT count(*) FROM sqlite_schema WHERE name LIKE '_bd_idx_%'")->rows[0][0].i == 0);
}

TEST_CASE("global primary key: a table made a reference table keeps SQLite's constraints with its global indexes gone") {
  Pair p;
  p.check("CREATE TABLE c (code TEXT PRIMARY KEY, name TEXT UNIQUE, n INTEGER)");
  p.big_only("PRAGMA bigdaddy_reference_table = 'c'");
  for (int n = 0; n < p.big->nodes(); n++)
    CHECK(p.big->node_exec(n, "SELECT count(*) FROM sqlite_schema WHERE name LIKE '_bd_idx_%'")->rows[0][0].i == 0);
  p.check("INSERT INTO c VALUES ('de', 'Germany', 1), ('fr', 'France', 2)");
  p.check("INSERT INTO c VALUES ('xx', 'France', 3)");
  p.check("INSERT INTO c VALUES ('de', 'Other', 3)");
  p.check("INSERT OR REPLACE INTO c VALUES ('es', 'France', 4)");
  p.check("INSERT OR IGNORE INTO c VALUES ('it', 'Germany', 5), ('it', 'Italy', 6)");
  p.check("INSERT INTO c VALUES ('de', 'D', 7) ON CONFLICT (code) DO UPDATE SET n = n + 100");
  p.check("UPDATE c SET name = 'Italy' WHERE code = 'de'");
  p.check("SELECT * FROM c ORDER BY code");
  for (int n = 0; n < p.big->nodes(); n++) CHECK(p.big->node_exec(n, "SELECT count(*) FROM c")->rows[0][0].i == 3);
  p.check("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name <> 'probe_org'");
  p.check("PRAGMA index_list(c)");
}

TEST_CASE("global unique index: values compare by the indexed column's affinity and collation, as in SQLite (4 nodes)") {
  Pair p;
  p.check(
      "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE UNIQUE, n INTEGER, r REAL, u, tag TEXT, "
      "UNIQUE (tag COLLATE RTRIM))");
  p.check("CREATE UNIQUE INDEX t_n ON t (n)");
  p.check("CREATE UNIQUE INDEX t_r ON t (r)");
  p.check("CREATE UNIQUE INDEX t_u ON t (u)");
  // Pairs of rows with equal values under the column's rules; ids spread them over the nodes.
  for (int k = 0; k < 12; k++) {
    std::string a = std::to_string(100 + 2 * k), b = std::to_string(101 + 2 * k), s = std::to_string(k);
    p.check("INSERT INTO t (id, name) VALUES (" + a + ", 'x" + s + "')");
    p.check("INSERT INTO t (id, name) VALUES (" + b + ", 'X" + s + "')");
    p.check("INSERT INTO t (id, n) VALUES (" + std::to_string(1000 + 2 * k) + ", " + s + ")");
    p.check("INSERT INTO t (id, n) VALUES (" + std::to_string(1001 + 2 * k) + ", '" + s + "')");
    p.check("INSERT INTO t (id, n) VALUES (" + std::to_string(1001 + 2 * k) + ", " + s + ".0)");
    p.check("INSERT INTO t (id, r) VALUES (" + std::to_string(2000 + 2 * k) + ", " + s + ")");
    p.check("INSERT INTO t (id, r) VALUES (" + std::to_string(2001 + 2 * k) + ", " + s + ".0)");
    p.check("INSERT INTO t (id, u) VALUES (" + std::to_string(3000 + 3 * k) + ", " + s + ")");
    p.check("INSERT INTO t (id, u) VALUES (" + std::to_string(3001 + 3 * k) + ", " + s + ".0)");
    p.check("INSERT INTO t (id, u) VALUES (" + std::to_string(3002 + 3 * k) + ", '" + s + "')");  // text: distinct
    p.check("INSERT INTO t (id, tag) VALUES (" + std::to_string(4000 + 2 * k) + ", 'g" + s + "')");
    p.check("INSERT INTO t (id, tag) VALUES (" + std::to_string(4001 + 2 * k) + ", 'g" + s + "  ')");
  }
  // Lookups through the indexes find the rows by equal values, and conflict resolution meets them.
  p.check("SELECT id, name FROM t WHERE name = 'X3'");
  p.check("SELECT id, name FROM t WHERE name IN ('x4', 'X5') ORDER BY id");
  p.check("SELECT id, n FROM t WHERE n = '7'");
  p.check("SELECT id, r FROM t WHERE r = 8");
  p.check("SELECT id, u FROM t WHERE u = 9.0");
  p.check("INSERT OR REPLACE INTO t (id, name) VALUES (5000, 'X1')");
  p.check("INSERT OR IGNORE INTO t (id, n) VALUES (5001, '2')");
  p.check("INSERT INTO t (id, r) VALUES (5002, '3') ON CONFLICT (r) DO UPDATE SET tag = 'hit'");
  p.check("INSERT INTO t (id, name) VALUES (5003, 'x6') ON CONFLICT (name) DO UPDATE SET tag = 'nocase hit'");
  p.check("UPDATE t SET name = 'X8' WHERE id = 100");
  p.check("SELECT * FROM t ORDER BY id");
  p.check("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name <> 'probe_org'");
  p.check("PRAGMA index_list(t)");
}

TEST_CASE("upsert: ON CONFLICT DO UPDATE that would set the shard key is refused and changes nothing") {
  Pair p;
  p.check("CREATE TABLE t (id INTEGER PRIMARY KEY, org INTEGER, v TEXT UNIQUE)");
  p.check("INSERT INTO t VALUES (1, 1, 'a')");
  for (const char* sql : {"INSERT INTO t VALUES (1, 2, 'b') ON CONFLICT (id) DO UPDATE SET id = 77",
                          "INSERT INTO t VALUES (2, 2, 'a') ON CONFLICT (v) DO UPDATE SET (org, id) = (5, excluded.id + 100)"}) {
    auto r = p.big->execute(sql);
    INFO(sql);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "ON CONFLICT DO UPDATE cannot set t.id, the table's shard key (use UPDATE to change it)");
  }
  // Other columns still update (as in SQLite), and the row stays reachable by its key.
  p.check("INSERT INTO t VALUES (1, 2, 'b') ON CONFLICT (id) DO UPDATE SET org = excluded.org");
  p.check("SELECT * FROM t WHERE id = 1");
  p.check("SELECT * FROM t ORDER BY id");
}

TEST_CASE("upsert: INSERT OR IGNORE / OR REPLACE / ON CONFLICT with more than 100 bound parameters, as in SQLite") {
  Pair p;
  p.check("CREATE TABLE g (id INTEGER PRIMARY KEY, v TEXT UNIQUE, n INTEGER)");  // v: a global unique index
  p.check("CREATE TABLE l (id INTEGER PRIMARY KEY, v TEXT, n INTEGER)");         // no global index
  for (const char* verb : {"INSERT OR IGNORE", "INSERT OR REPLACE", "INSERT"})
    for (const char* table : {"g", "l"}) {
      std::string sql = std::string(verb) + " INTO " + table + " VALUES ";
      std::vector<Value> params;
      for (int i = 0; i < 70; i++) {  // 210 parameters; values repeat every 25 rows
        sql += i ? ", (?, ?, ?)" : "(?, ?, ?)";
        params.push_back(Value::integer(i % 50 + (verb[6] == 0 ? 500 : 0)));
        params.push_back(Value::text("v" + std::to_string(i % 25) + verb));
        params.push_back(Value::integer(i));
      }
      if (verb[6] == 0) sql += " ON CONFLICT DO NOTHING";
      p.check(sql, params);
      p.check(std::string("SELECT * FROM ") + table + " ORDER BY id");
    }
}
