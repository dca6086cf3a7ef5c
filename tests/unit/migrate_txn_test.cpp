// A migration is one transaction: drizzle-kit's table recreation (a new table, the rows copied, the
// old table dropped, the new one renamed, its indexes created again) inside BEGIN ... ROLLBACK
// leaves the table with its rows, indexes (local and global) and triggers as before; committed, the
// new table has them under the old names. On 4 nodes, natively.
#include <string>
#include "cluster_helpers.h"

using bd::testing::cluster;
using bd::testing::run;

namespace {

std::string rows_of(bd::native::Cluster& c, const std::string& sql) {
  std::string out;
  for (auto& row : run(c, sql).rs.rows) {
    for (size_t i = 0; i < row.size(); i++)
      out += (i ? "|" : "") + (row[i].is_null()                        ? std::string()
                               : row[i].type == bd::ValueType::Integer ? std::to_string(row[i].i)
                                                                       : row[i].s);
    out += "\n";
  }
  return out;
}

// Every node's schema of user objects (the engine's own _bd_ objects aside), in one string. A
// table renamed aside and back keeps its definition, with its name quoted as SQLite's RENAME
// writes it (CREATE TABLE "users"): the quotes are not compared.
std::string schema(bd::native::Cluster& c) {
  std::string out;
  for (int n = 0; n < c.nodes(); n++) {
    auto r = c.node_exec(n, "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE substr(name, 1, 4) <> '_bd_' ORDER BY name");
    REQUIRE(r.ok());
    for (auto& row : r->rows) {
      std::string sql = row[3].is_null() ? std::string("NULL") : row[3].s;
      if (sql.rfind("CREATE TABLE \"" + row[1].s + "\"", 0) == 0) sql = "CREATE TABLE " + row[1].s + sql.substr(15 + row[1].s.size());
      out += std::to_string(n) + ":" + row[0].s + " " + row[1].s + " " + row[2].s + " " + sql + "\n";
    }
  }
  return out;
}

const char* kRecreate[] = {
    "CREATE TABLE __new_users (id integer PRIMARY KEY NOT NULL, name text NOT NULL, email text DEFAULT '' NOT NULL)",
    "INSERT INTO __new_users (id, name) SELECT id, name FROM users",
    "DROP TABLE users",
    "ALTER TABLE __new_users RENAME TO users",
    "CREATE INDEX users_name ON users (name)",
    "CREATE INDEX users_lower ON users (lower(name))",
};

}  // namespace

TEST_CASE(
    "migrations: a table recreation in a transaction rolls back to the table, its indexes and triggers; committed, it replaces them") {
  auto c = cluster(4, "migrate");
  run(*c, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
  run(*c, "CREATE INDEX users_name ON users (name)");          // global (a lookup table)
  run(*c, "CREATE INDEX users_lower ON users (lower(name))");  // local to each node
  run(*c, "CREATE TRIGGER users_no_x BEFORE INSERT ON users WHEN NEW.name = 'x' BEGIN SELECT RAISE(ABORT, 'no x'); END");
  run(*c, "INSERT INTO users VALUES (1, 'ada'), (2, 'grace'), (3, 'katherine'), (40, 'dorothy'), (77, 'mary')");
  const std::string rows = rows_of(*c, "SELECT * FROM users ORDER BY id");
  const std::string nodes_schema = schema(*c);

  std::string t = run(*c, "BEGIN").transaction;
  for (auto* s : kRecreate) {
    auto r = c->execute_in_txn(t, s);
    INFO(s);
    REQUIRE(r.ok());
  }
  CHECK(rows_of(*c, "SELECT id, name FROM users WHERE name = 'grace'") == "2|grace\n");  // through the new global index
  REQUIRE(c->execute_in_txn(t, "ROLLBACK").ok());
  CHECK(rows_of(*c, "SELECT * FROM users ORDER BY id") == rows);
  CHECK(schema(*c) == nodes_schema);
  CHECK(rows_of(*c, "SELECT id FROM users WHERE name = 'mary'") == "77\n");
  auto x = c->execute("INSERT INTO users VALUES (9, 'x')");
  REQUIRE_FALSE(x.ok());
  CHECK(x.error().message == "no x");

  // ADD COLUMN on a table with a global index, rolled back: the column goes again.
  t = run(*c, "BEGIN").transaction;
  REQUIRE(c->execute_in_txn(t, "ALTER TABLE users ADD COLUMN nickname TEXT").ok());
  REQUIRE(c->execute_in_txn(t, "UPDATE users SET nickname = name").ok());
  REQUIRE(c->execute_in_txn(t, "ROLLBACK").ok());
  CHECK(schema(*c) == nodes_schema);
  CHECK(rows_of(*c, "SELECT * FROM users ORDER BY id") == rows);

  t = run(*c, "BEGIN").transaction;
  for (auto* s : kRecreate) REQUIRE(c->execute_in_txn(t, s).ok());
  REQUIRE(c->execute_in_txn(t, "COMMIT").ok());
  CHECK(rows_of(*c, "SELECT * FROM users ORDER BY id") == "1|ada|\n2|grace|\n3|katherine|\n40|dorothy|\n77|mary|\n");
  CHECK(rows_of(*c, "SELECT id FROM users WHERE name = 'dorothy'") == "40\n");
  // The old table's trigger went with it (as in SQLite); nothing of the old table is left.
  REQUIRE(c->execute("INSERT INTO users VALUES (9, 'x', '')").ok());
  for (int n = 0; n < 4; n++)
    CHECK(c->node_exec(n, "SELECT count(*) FROM sqlite_schema WHERE name LIKE '%dropped%' OR name = 'users_no_x'")->rows[0][0].i == 0);
}
