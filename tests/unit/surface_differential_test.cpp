// Differential test of the SQLite surface that applications and ORMs use, on 4 nodes, against one
// plain SQLite database with foreign keys on: every statement of an application's life (schema
// with inline and table UNIQUE, foreign keys, indexes, views, triggers, ALTER TABLE, drops, writes
// that break constraints, named and positional parameters, introspection queries and PRAGMAs) runs
// on both, and the two must agree:
//   - both succeed or both fail, and failures say the same thing (SQLite's words) with the same
//     result code (SQLITE_CONSTRAINT_UNIQUE, ...);
//   - the same columns and rows (in order where the statement orders them or SQLite's own order is
//     defined, as for sqlite_schema's rowid order);
//   - after every statement, the introspection a migration tool reads: sqlite_schema (type, name,
//     tbl_name, sql; rootpage is storage layout), and for every table PRAGMA table_xinfo,
//     index_list and foreign_key_list, and for every index PRAGMA index_xinfo.
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "reference_pair.h"

using namespace bd;

namespace {

using testing::Step;

struct Pair : testing::ReferencePair {
  Pair() : ReferencePair(4, "surface", {.foreign_keys = true, .avoid_planner_bugs = true}) {}

  // What a migration tool reads back, after every statement.
  void check_introspection() {
    auto objects = check({"SELECT type, name, tbl_name, sql FROM sqlite_schema"});
    for (auto& o : objects) {
      std::string name = "\"" + o[1].s + "\"";
      if (o[0].s == "table" || o[0].s == "view") {
        check({"PRAGMA table_xinfo(" + name + ")"});
        check({"PRAGMA index_list(" + name + ")"});
        check({"PRAGMA foreign_key_list(" + name + ")"});
      } else if (o[0].s == "index") {
        check({"PRAGMA index_xinfo(" + name + ")"});
      }
    }
    check({"PRAGMA table_list", {}, false});
  }

  void script(const std::vector<Step>& steps) {
    for (auto& st : steps) {
      check(st);
      check_introspection();
    }
  }
};

}  // namespace

TEST_CASE("surface differential: an application's schema life, introspected after every statement (4 nodes)") {
  Pair p;
  p.script({
      {"CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT, created_at TEXT DEFAULT CURRENT_TIMESTAMP)"},
      {"CREATE TABLE IF NOT EXISTS users (x)"},
      {"CREATE TABLE users (x)"},
      {"CREATE TABLE teams (id INTEGER PRIMARY KEY AUTOINCREMENT, slug TEXT NOT NULL, owner_id INTEGER REFERENCES users(id), "
       "CONSTRAINT slug_once UNIQUE (slug))"},
      {"CREATE TABLE memberships (user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, team_id INTEGER NOT NULL, "
       "role TEXT DEFAULT 'member' CHECK (role IN ('member', 'admin')), PRIMARY KEY (user_id, team_id), "
       "FOREIGN KEY (team_id) REFERENCES teams(id) ON UPDATE CASCADE ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED)"},
      {"create   table \"Quoted Name\" ( `a b` integer, c text collate nocase, unique (c, `a b`) )"},
      {"CREATE INDEX users_name ON users(name)"},
      {"CREATE UNIQUE INDEX IF NOT EXISTS teams_owner_slug ON teams(owner_id, slug)"},
      {"CREATE INDEX users_lower_email ON users(lower(email)) WHERE email IS NOT NULL"},
      {"CREATE INDEX users_name ON users(email)"},
      {"CREATE INDEX nope ON missing(x)"},
      {"CREATE VIEW team_sizes AS SELECT t.slug, count(*) AS n FROM teams t JOIN memberships m ON m.team_id = t.id GROUP BY t.slug"},
      {"CREATE VIEW admins AS SELECT user_id FROM memberships WHERE role = 'admin'"},
      {"CREATE TRIGGER users_touch AFTER UPDATE OF name ON users BEGIN SELECT RAISE(IGNORE) WHERE new.name IS NULL; END"},
      {"ALTER TABLE users ADD COLUMN bio TEXT DEFAULT ''"},
      {"ALTER TABLE users RENAME COLUMN name TO display_name"},
      {"ALTER TABLE users RENAME COLUMN nope TO other"},
      {"ALTER TABLE users DROP COLUMN bio"},
      {"ALTER TABLE users DROP COLUMN email"},
      {"ALTER TABLE teams RENAME TO groups"},
      {"DROP INDEX sqlite_autoindex_users_1"},
      {"DROP INDEX users_lower_email"},
      {"DROP TRIGGER users_touch"},
      {"DROP VIEW admins"},
      {"DROP VIEW team_sizes"},
      {"DROP TABLE \"Quoted Name\""},
      {"DROP TABLE nope"},
      {"DROP TABLE IF EXISTS nope"},
      {"ANALYZE"},
  });
}

TEST_CASE("surface differential: CREATE TABLE ... AS SELECT makes SQLite's table and rows, or nothing (4 nodes)") {
  Pair p;
  p.check({"CREATE TABLE src (id INTEGER PRIMARY KEY, grp TEXT, amount REAL, n INTEGER, note)"});
  p.check({"CREATE TABLE grps (name TEXT PRIMARY KEY, label TEXT)"});
  p.check({"INSERT INTO grps VALUES ('g0', 'zero'), ('g1', 'one'), ('g2', 'two')"});
  // 3,000 rows on 4 nodes: the copy is far over one statement's 100 parameters.
  for (int lo = 1; lo <= 3000; lo += 500) {
    std::string sql = "INSERT INTO src VALUES ";
    for (int i = lo; i < lo + 500; i++)
      sql += (i > lo ? ", (" : "(") + std::to_string(i) + ", 'g" + std::to_string(i % 5) + "', " + std::to_string(i % 97) + ".25, " +
             (i % 11 ? std::to_string(i * 7) : "NULL") + ", " + (i % 2 ? "'t" + std::to_string(i) + "'" : std::to_string(i)) + ")";
    p.check({sql});
  }
  p.script({
      // Columns named and typed as SQLite derives them from the result (INT, REAL, NUM, TEXT, none).
      {"CREATE TABLE copy AS SELECT * FROM src"},
      {"SELECT count(*), sum(amount), sum(n), typeof(note), count(note) FROM copy GROUP BY typeof(note) ORDER BY 4"},
      {"CREATE TABLE derived AS SELECT id * 2 AS twice, grp || '!' AS tag, amount + n AS total, CAST(n AS TEXT) AS t, "
       "n IS NULL AS missing FROM src WHERE id % 3 = 0"},
      {"SELECT count(*), sum(twice), max(tag), sum(total), min(t), sum(missing) FROM derived"},
      {"CREATE TABLE per_grp AS SELECT s.grp, g.label, count(*) AS rows_, sum(s.amount) AS amount FROM src s LEFT JOIN grps g "
       "ON g.name = s.grp GROUP BY s.grp"},
      {"SELECT * FROM per_grp ORDER BY grp"},
      {"CREATE TABLE ranked AS SELECT id, rank() OVER (ORDER BY amount DESC, id) AS r FROM src ORDER BY amount DESC, id LIMIT 10"},
      {"SELECT * FROM ranked ORDER BY r"},
      {"CREATE TABLE consts AS WITH t(v) AS (VALUES (1), (2), (NULL)) SELECT v, v * 1.5 AS w, 'x' AS s FROM t"},
      {"SELECT * FROM consts ORDER BY v"},
      {"CREATE TABLE IF NOT EXISTS consts AS SELECT 1"},
      {"SELECT count(*) FROM consts"},
      {"CREATE TABLE consts AS SELECT 1"},
      {"CREATE TABLE nothing AS SELECT * FROM missing"},
      // The SELECT fails while the rows are copied: no table is left.
      {"CREATE TABLE broken AS SELECT id, abs(-9223372036854775807 - id) AS a FROM src"},
      {"SELECT count(*) FROM broken"},
      {"CREATE TABLE with_param AS SELECT id, ?1 AS p FROM src WHERE id <= ?2", {Value::text("v"), Value::integer(5)}},
      {"SELECT * FROM with_param ORDER BY id"},
      {"DROP TABLE copy"},
  });
  // Inside a transaction: both steps are the transaction's; a failing one leaves nothing and the
  // transaction goes on; ROLLBACK takes the table away.
  std::string t = testing::run(*p.big, "BEGIN").transaction;
  REQUIRE(!t.empty());
  REQUIRE(p.big->execute_in_txn(t, "CREATE TABLE in_txn AS SELECT id, grp FROM src WHERE id <= 100").ok());
  auto seen = p.big->execute_in_txn(t, "SELECT count(*) FROM in_txn");
  REQUIRE(seen.ok());
  CHECK(seen->rs.rows[0][0].i == 100);
  auto broken = p.big->execute_in_txn(t, "CREATE TABLE broken_txn AS SELECT abs(-9223372036854775807 - id) FROM src");
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.error().message == "integer overflow");
  auto gone = p.big->execute_in_txn(t, "SELECT name FROM sqlite_master WHERE name LIKE '%txn'");
  REQUIRE(gone.ok());
  REQUIRE(gone->rs.rows.size() == 1);
  CHECK(gone->rs.rows[0][0].s == "in_txn");
  REQUIRE(p.big->execute_in_txn(t, "ROLLBACK").ok());
  auto after = p.big->execute("SELECT count(*) FROM sqlite_master WHERE name LIKE '%txn'");
  REQUIRE(after.ok());
  CHECK(after->rs.rows[0][0].i == 0);
}

TEST_CASE("surface differential: UPDATE ... FROM and correlated subqueries in UPDATE/DELETE, rows on every node (4 nodes)") {
  Pair p;
  p.check({"CREATE TABLE a (id INTEGER PRIMARY KEY, x INTEGER, name TEXT)"});
  p.check({"CREATE UNIQUE INDEX a_name ON a (name)"});
  p.check({"CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER, y INTEGER)"});  // not co-located with a
  p.check({"CREATE TABLE k (code TEXT, grp INTEGER, v INTEGER, PRIMARY KEY (grp, code))"});
  p.check({"CREATE TABLE n (ref INTEGER, w)"});  // no PRIMARY KEY: rows named by their rowid
  auto fill = [&](const std::string& head, int count, auto&& row) {
    for (int lo = 1; lo <= count; lo += 400) {
      std::string sql = head;
      for (int i = lo; i < lo + 400 && i <= count; i++) sql += (i > lo ? ", (" : "(") + row(i) + ")";
      p.check({sql});
    }
  };
  fill("INSERT INTO a VALUES ", 1500,
       [](int i) { return std::to_string(i) + ", " + std::to_string(i % 13) + ", 'n" + std::to_string(i) + "'"; });
  fill("INSERT INTO b VALUES ", 3000, [](int i) {
    return std::to_string(i) + ", " + (i % 50 ? std::to_string(i * 7 % 1600 + 1) : "NULL") + ", " + std::to_string(i % 101);
  });
  fill("INSERT INTO k VALUES ", 1200, [](int i) {
    return (i % 97 ? "'c" + std::to_string(i % 40) + "'" : std::string("NULL")) + ", " + std::to_string(i % 30) + ", " + std::to_string(i);
  });
  fill("INSERT INTO n VALUES ", 800, [](int i) { return std::to_string(i * 3 % 1700) + ", " + std::to_string(i); });
  auto all = [&] {
    p.check({"SELECT * FROM a ORDER BY id"});
    p.check({"SELECT * FROM b ORDER BY id"});
    p.check({"SELECT * FROM k ORDER BY grp, code"});
    p.check({"SELECT ref, w FROM n ORDER BY ref, w"});
  };
  std::vector<Step> steps = {
      // FROM a grouped subquery (one match per row), a join over b's non-key column.
      {"UPDATE a SET x = s.m FROM (SELECT a_id, max(y) AS m FROM b GROUP BY a_id) AS s WHERE s.a_id = a.id AND a.id % 4 = 1"},
      {"UPDATE a SET x = (SELECT count(*) FROM b WHERE b.a_id = a.id), name = name || '+' WHERE id % 3 = 0"},
      {"DELETE FROM b WHERE NOT EXISTS (SELECT 1 FROM a WHERE a.id = b.a_id AND a.x > 2)"},
      {"UPDATE k SET v = v + (SELECT count(*) FROM k k2 WHERE k2.code = k.code) WHERE grp < 20"},
      {"DELETE FROM k WHERE v > (SELECT avg(v) FROM k k2 WHERE k2.grp = k.grp) RETURNING code, grp, v", {}, false},
      {"UPDATE n SET w = (SELECT max(x) FROM a WHERE a.id = n.ref)"},
      {"DELETE FROM n WHERE EXISTS (SELECT 1 FROM a WHERE a.id = n.ref AND a.x = 0)"},
      {"UPDATE a SET x = ?1 FROM b WHERE b.a_id = a.id AND b.y = ?2 RETURNING id, x", {Value::integer(-5), Value::integer(17)}, false},
      // A global unique index kept: the new names are distinct, then routed by.
      {"UPDATE a SET name = 'm' || id || '-' || (SELECT count(*) FROM b WHERE b.a_id = a.id) WHERE id <= 300"},
      {"SELECT id FROM a WHERE name = 'm7-' || (SELECT count(*) FROM b WHERE a_id = 7)"},
      // Fails on its UNIQUE index after rows of several nodes were written: nothing stays.
      {"UPDATE a SET name = (SELECT 'same' FROM b WHERE b.id = a.id) WHERE id BETWEEN 10 AND 600"},
      {"UPDATE a SET x = 1 FROM b WHERE b.a_id = a.id AND b.y > 1000"},
      {"UPDATE a SET x = (SELECT nope FROM b WHERE b.a_id = a.id)"},
  };
  for (auto& st : steps) {
    p.check(st);
    all();
  }
}

TEST_CASE("surface differential: UNIQUE constraints hold across nodes, with SQLite's messages (4 nodes)") {
  Pair p;
  p.script({
      {"CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, handle TEXT, org INTEGER, UNIQUE (org, handle))"},
  });
  // Rows spread over the nodes by id; the unique columns are checked across all of them.
  for (int i = 1; i <= 40; i++)
    p.check({"INSERT INTO users (id, email, handle, org) VALUES (?, ?, ?, ?)",
             {Value::integer(i), Value::text("u" + std::to_string(i) + "@x"), Value::text("h" + std::to_string(i % 10)),
              Value::integer(i / 10)}});
  p.check({"INSERT INTO users (id, email) VALUES (100, 'u7@x')"});
  p.check({"INSERT INTO users (id, email, handle, org) VALUES (101, 'new@x', 'h1', 0)"});
  p.check({"INSERT INTO users (id, email, handle, org) VALUES (101, 'new@x', NULL, 0), (102, 'new2@x', NULL, 0)"});
  p.check({"UPDATE users SET email = 'u8@x' WHERE id = 9"});
  p.check({"UPDATE users SET email = 'moved@x' WHERE id = 9"});
  p.check({"INSERT INTO users (id, email) VALUES (103, 'u9@x')"});
  p.check({"DELETE FROM users WHERE id = 10"});
  p.check({"INSERT INTO users (id, email) VALUES (104, 'u10@x')"});
  p.check({"SELECT id, email, handle, org FROM users ORDER BY id"});
  p.check({"SELECT id FROM users WHERE email = ?", {Value::text("moved@x")}});
}

TEST_CASE("surface differential: introspection queries ORMs issue, and PRAGMAs (4 nodes)") {
  Pair p;
  p.script({
      {"CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT)"},
      {"CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, body TEXT)"},
      {"CREATE INDEX posts_author ON posts(author_id)"},
      {"CREATE VIEW v AS SELECT name FROM users"},
  });
  // Kysely's and drizzle-kit's introspection: the catalog joined with pragma functions.
  p.check({"SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name"});
  p.check(
      {"SELECT m.name AS table_name, p.cid, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk FROM sqlite_master m "
       "JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid"});
  p.check(
      {"SELECT m.name, il.name AS index_name, il.\"unique\", il.origin, ii.name AS column_name FROM sqlite_master m, "
       "pragma_index_list(m.name) il, pragma_index_info(il.name) ii WHERE m.type = 'table' ORDER BY 1, 2, ii.seqno"});
  p.check({"SELECT * FROM pragma_foreign_key_list('posts')"});
  p.check({"SELECT count(*) FROM sqlite_schema WHERE name = ?", {Value::text("posts")}});
  p.check({"SELECT name FROM sqlite_master WHERE name IN (SELECT tbl_name FROM sqlite_master WHERE type = 'index') ORDER BY 1"});
  p.check({"SELECT sql FROM sqlite_master WHERE name = 'nope'"});
  p.check({"PRAGMA table_info(users)"});
  p.check({"PRAGMA table_info('posts')"});
  p.check({"PRAGMA main.table_info(posts)"});
  p.check({"PRAGMA table_info(nope)"});
  p.check({"PRAGMA index_info(posts_author)"});
  p.check({"PRAGMA index_xinfo(sqlite_autoindex_users_1)"});
  p.check({"PRAGMA foreign_key_list(posts)"});
  p.check({"PRAGMA foreign_keys"});
  p.check({"PRAGMA defer_foreign_keys"});
  p.check({"PRAGMA user_version"});
  p.check({"PRAGMA user_version = 42"});
  p.check({"PRAGMA user_version"});
  p.check({"PRAGMA quick_check"});
  p.check({"PRAGMA integrity_check"});
  p.check({"PRAGMA foreign_key_check"});
  p.check({"PRAGMA foreign_key_check(posts)"});
  p.check({"PRAGMA optimize"});
}

TEST_CASE("surface: user_version is one value per database, seen by every isolate") {
  auto c = testing::cluster(4);
  testing::run(*c, "PRAGMA user_version = 3");
  auto other = c->execute_in_isolate(1, "PRAGMA user_version");
  REQUIRE(other.ok());
  CHECK(other->rs.rows[0][0].i == 3);
  // A table made in one isolate is in another's sqlite_schema at once.
  REQUIRE(c->execute_in_isolate(1, "SELECT count(*) FROM sqlite_schema").ok());
  testing::run(*c, "CREATE TABLE t (a)");
  auto seen = c->execute_in_isolate(1, "SELECT name FROM sqlite_schema");
  REQUIRE(seen.ok());
  REQUIRE(seen->rs.rows.size() == 1);
  CHECK(seen->rs.rows[0][0].s == "t");
  // Hidden tables and columns never show.
  testing::run(*c, "CREATE TABLE u (id INTEGER PRIMARY KEY, e TEXT UNIQUE)");
  auto all = testing::run(*c, "SELECT name FROM sqlite_schema WHERE name LIKE '%bd%' OR sql LIKE '%_bd_%'");
  CHECK(all.rs.rows.empty());
  auto cols = testing::run(*c, "SELECT name FROM pragma_table_xinfo('u')");
  CHECK(cols.rs.rows.size() == 2);
}

TEST_CASE("surface differential: foreign keys between rows on different nodes (4 nodes)") {
  Pair p;
  p.script({
      {"CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)"},
      // Sharded by id: a post's author is usually on another node.
      {"CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users(id), title TEXT)"},
      {"CREATE TABLE pairs (a INTEGER, b TEXT, PRIMARY KEY (a, b))"},
      {"CREATE TABLE uses (id INTEGER PRIMARY KEY, x INTEGER, y TEXT, FOREIGN KEY (x, y) REFERENCES pairs(a, b))"},
      {"CREATE TABLE employees (id INTEGER PRIMARY KEY, manager_id INTEGER REFERENCES employees(id))"},
      {"CREATE TABLE names (name TEXT COLLATE NOCASE PRIMARY KEY)"},
      {"CREATE TABLE mentions (id INTEGER PRIMARY KEY, name TEXT REFERENCES names)"},
      {"CREATE TABLE orphans (id INTEGER PRIMARY KEY, z INTEGER REFERENCES nope(id))"},
      // Co-located with users (sharded by user_id): each node checks and cascades its own rows.
      {"CREATE TABLE carts (user_id INTEGER REFERENCES users(id) ON DELETE CASCADE, item TEXT, PRIMARY KEY (user_id, item))"},
  });
  for (int i = 1; i <= 20; i++) p.check({"INSERT INTO users VALUES (?, ?)", {Value::integer(i), Value::text("u" + std::to_string(i))}});
  for (int i = 100; i < 140; i++)
    p.check({"INSERT INTO posts VALUES (?, ?, ?)", {Value::integer(i), Value::integer(i % 20 + 1), Value::text("t" + std::to_string(i))}});
  const std::vector<Step> steps = {
      // Child writes: the parent must exist (NULL never checks; values compare as the parent's).
      {"INSERT INTO posts VALUES (200, 99, 'no such author')"},
      {"INSERT INTO posts VALUES (201, NULL, 'anonymous')"},
      {"INSERT INTO posts VALUES (202, '5', 'text key')"},
      {"INSERT INTO posts VALUES (203, 7, 'a'), (204, 77, 'b'), (205, 8, 'c')"},
      {"SELECT count(*) FROM posts WHERE id BETWEEN 200 AND 205"},
      {"INSERT INTO posts (id, title) VALUES (206, 'default author')"},
      {"UPDATE posts SET author_id = 50 WHERE id = 100"},
      {"UPDATE posts SET author_id = author_id + 1 WHERE id < 105"},
      {"UPDATE posts SET author_id = 21 WHERE id = 101"},
      {"UPDATE posts SET title = 'renamed' WHERE author_id = 3"},
      {"SELECT id, author_id, title FROM posts WHERE id < 110 OR id > 199 ORDER BY id"},
      // Parent writes: no child may be left without its parent.
      {"DELETE FROM users WHERE id = 3"},
      {"DELETE FROM users WHERE id = 99"},
      {"DELETE FROM posts WHERE author_id = 3"},
      {"DELETE FROM users WHERE id = 3"},
      {"UPDATE users SET id = 300 WHERE id = 4"},
      {"UPDATE users SET name = 'four' WHERE id = 4"},
      {"UPDATE users SET id = id WHERE id = 4"},
      {"DELETE FROM posts WHERE author_id = 20"},
      {"UPDATE users SET id = 400 WHERE id = 20"},
      {"INSERT INTO carts VALUES (1, 'pen'), (2, 'ink'), (5, 'cup'), (5, 'mug')"},
      {"INSERT INTO carts VALUES (60, 'nope')"},
      {"DELETE FROM users WHERE id = 5"},
      {"DELETE FROM posts WHERE author_id = 5"},
      {"DELETE FROM users WHERE id = 5"},
      {"SELECT user_id, item FROM carts ORDER BY 1, 2"},
      {"DELETE FROM users WHERE id > 5"},
      {"SELECT id, name FROM users ORDER BY id"},
      // Composite keys.
      {"INSERT INTO pairs VALUES (1, 'a'), (2, 'b')"},
      {"INSERT INTO uses VALUES (1, 1, 'a'), (2, 2, 'b'), (3, NULL, 'zz')"},
      {"INSERT INTO uses VALUES (4, 1, 'b')"},
      {"DELETE FROM pairs WHERE a = 2"},
      {"DELETE FROM pairs WHERE a = 2 AND b = 'zz'"},
      // A table referencing itself: its own new rows are parents too.
      {"INSERT INTO employees VALUES (1, NULL), (2, 1), (3, 2)"},
      {"INSERT INTO employees VALUES (4, 9)"},
      {"INSERT INTO employees VALUES (5, 6), (6, 5)"},
      // The parent's collation decides.
      {"INSERT INTO names VALUES ('Ada')"},
      {"INSERT INTO mentions VALUES (1, 'ADA')"},
      {"INSERT INTO mentions VALUES (2, 'Grace')"},
      // A missing parent table.
      {"INSERT INTO orphans VALUES (1, 1)"},
      {"INSERT INTO orphans VALUES (2, NULL)"},
      {"PRAGMA foreign_key_check"},
      // A table recreated the way migration tools change a column: its foreign key still holds.
      {"CREATE TABLE __new_posts (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users(id), title TEXT NOT NULL)"},
      {"INSERT INTO __new_posts SELECT id, author_id, coalesce(title, '') FROM posts"},
      {"DROP TABLE posts"},
      {"ALTER TABLE __new_posts RENAME TO posts"},
      {"INSERT INTO posts VALUES (500, 99, 'after the recreation')"},
      {"INSERT INTO posts VALUES (501, 1, 'after the recreation')"},
      {"DELETE FROM users WHERE id = 1"},
  };
  for (auto& st : steps) p.check(st);
}

TEST_CASE("surface: foreign keys across nodes honour PRAGMA foreign_keys; their cascades reach other nodes") {
  auto c = testing::cluster(4);
  testing::run(*c, "CREATE TABLE users (id INTEGER PRIMARY KEY)");
  testing::run(*c, "CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users(id) ON DELETE CASCADE)");
  testing::run(*c, "INSERT INTO users VALUES (1), (2), (3), (4)");
  testing::run(*c, "INSERT INTO posts VALUES (10, 1), (11, 2), (12, 3)");
  // Off for the connection (one request): the child is accepted, and foreign_key_check finds it.
  REQUIRE(c->execute_script("PRAGMA foreign_keys = OFF; INSERT INTO posts VALUES (13, 99)").ok());
  auto check = testing::run(*c, "PRAGMA foreign_key_check");
  REQUIRE(check.rs.rows.size() == 1);
  CHECK(check.rs.rows[0][0].s == "posts");
  CHECK(check.rs.rows[0][2].s == "users");
  // On again in the next request.
  auto bad = c->execute("INSERT INTO posts VALUES (14, 98)");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "FOREIGN KEY constraint failed");
  CHECK(bad.error().code_name() == "SQLITE_CONSTRAINT_FOREIGNKEY");
  // The cascade writes posts on other nodes, in the statement's transaction (fk_actions_test).
  testing::run(*c, "DELETE FROM users WHERE id = 2");
  CHECK(testing::run(*c, "SELECT count(*) FROM users").rs.rows[0][0].i == 3);
  CHECK(testing::run(*c, "SELECT count(*) FROM posts WHERE author_id = 2").rs.rows[0][0].i == 0);
  CHECK(testing::run(*c, "SELECT count(*) FROM posts").rs.rows[0][0].i == 3);
  // Without children, the parent goes.
  testing::run(*c, "DELETE FROM users WHERE id = 4");
  CHECK(testing::run(*c, "SELECT count(*) FROM users").rs.rows[0][0].i == 2);
}
