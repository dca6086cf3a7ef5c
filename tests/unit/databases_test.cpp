// The catalog of databases and a database's life natively: explicit creation, listing, deletion
// that wipes every node, and a database created again under a deleted one's name.
#include <string>
#include "cluster_helpers.h"

using bd::testing::run;

namespace {

// Runs a request of the given mode (5 create, 6 drop, 7 the catalog) in an isolate.
bd::Result<bd::native::QueryResult> run_mode(bd::native::Cluster& c, bd::RequestMode mode, int isolate = 0) {
  int t = c.begin(isolate, "", {}, mode);
  while (!c.advance(t)) {
  }
  return c.finish(t);
}

std::string mode_json(bd::native::Cluster& c, bd::RequestMode mode) {
  auto r = run_mode(c, mode);
  if (!r.ok()) FAIL(r.error().message);
  return r->rs.rows.at(0).at(0).s;
}

int64_t count_on(bd::native::Cluster& c, int node, const std::string& sql) {
  auto r = c.node_exec(node, sql);
  REQUIRE(r.ok());
  return r->rows[0][0].i;
}

}  // namespace

TEST_CASE("databases: creating registers the database in the catalog; creating it again changes nothing") {
  auto c = bd::testing::cluster(3, "dbs-create");
  REQUIRE(mode_json(*c, bd::RequestMode::Databases) == "[]");
  std::string created = mode_json(*c, bd::RequestMode::Create);
  INFO(created);
  REQUIRE(created.find("\"created\":true") != std::string::npos);
  REQUIRE(created.find("\"nodes\":3") != std::string::npos);
  std::string list = mode_json(*c, bd::RequestMode::Databases);
  INFO(list);
  REQUIRE(list.find("{\"name\":\"dbs-create\",\"nodes\":3,\"created\":") == 1);
  REQUIRE(list.find("\"state\":\"ready\"") != std::string::npos);
  REQUIRE(mode_json(*c, bd::RequestMode::Create).find("\"created\":false") != std::string::npos);
  REQUIRE(mode_json(*c, bd::RequestMode::Databases) == list);
}

TEST_CASE("databases: a statement that may create its database registers it first (meta says so, once)") {
  auto c = bd::testing::cluster(2, "dbs-implicit");
  auto first = run(*c, "CREATE TABLE t (id INTEGER PRIMARY KEY)");
  REQUIRE(first.meta_json.find("\"createdDatabase\":true") != std::string::npos);
  auto second = run(*c, "INSERT INTO t VALUES (1)");
  REQUIRE(second.meta_json.find("createdDatabase") == std::string::npos);
  REQUIRE(mode_json(*c, bd::RequestMode::Databases).find("\"name\":\"dbs-implicit\"") != std::string::npos);
}

TEST_CASE("databases: deleting wipes every node that held data, also those a shrink left, and forgets the database") {
  auto c = bd::testing::cluster(4, "dbs-drop");
  run(*c, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)");
  run(*c, "CREATE INDEX items_name ON items(name)");
  run(*c, "CREATE TABLE countries (code TEXT PRIMARY KEY, name TEXT)");
  run(*c, "PRAGMA bigdaddy_reference_table = 'countries'");
  run(*c, "CREATE VIEW named AS SELECT name FROM items");
  for (int i = 1; i <= 200; i++)
    run(*c, "INSERT INTO items VALUES (?, ?)", {bd::Value::integer(i), bd::Value::text("n" + std::to_string(i))});
  run(*c, "INSERT INTO countries VALUES ('fr', 'France'), ('jp', 'Japan')");
  run(*c, "PRAGMA bigdaddy_resize = 2");
  auto job = c->run_resize();
  REQUIRE(job.ok());
  REQUIRE(job->find("\"phase\":\"done\"") != std::string::npos);
  // Nodes 2 and 3 left the topology but keep their copies of the reference table.
  REQUIRE(count_on(*c, 3, "SELECT count(*) FROM countries") == 2);

  std::string dropped = mode_json(*c, bd::RequestMode::Drop);
  INFO(dropped);
  REQUIRE(dropped == "{\"database\":\"dbs-drop\",\"nodes\":4}");
  for (int n = 0; n < 4; n++) {
    INFO("node " << n);
    CHECK(count_on(*c, n, "SELECT count(*) FROM sqlite_master") == 0);
  }
  REQUIRE(mode_json(*c, bd::RequestMode::Databases) == "[]");
  // Deleting it again: it is gone.
  auto again = run_mode(*c, bd::RequestMode::Drop);
  REQUIRE(!again.ok());
  REQUIRE(again.error().code == bd::ErrorCode::NotFound);
  REQUIRE(again.error().message == "no such database: dbs-drop");
}

TEST_CASE("databases: deleting is refused while a resize runs, and works once it has finished") {
  auto c = bd::testing::cluster(2, "dbs-drop-resize");
  run(*c, "CREATE TABLE t (id INTEGER PRIMARY KEY)");
  for (int i = 1; i <= 50; i++) run(*c, "INSERT INTO t VALUES (?)", {bd::Value::integer(i)});
  run(*c, "PRAGMA bigdaddy_resize = 3");
  auto refused = run_mode(*c, bd::RequestMode::Drop);
  REQUIRE(!refused.ok());
  INFO(refused.error().message);
  REQUIRE(refused.error().message.find("a resize is in progress (phase join)") == 0);
  REQUIRE(run(*c, "SELECT count(*) FROM t").rs.rows[0][0].i == 50);
  REQUIRE(mode_json(*c, bd::RequestMode::Databases).find("\"state\":\"ready\"") != std::string::npos);
  REQUIRE(c->run_resize().ok());
  REQUIRE(mode_json(*c, bd::RequestMode::Drop) == "{\"database\":\"dbs-drop-resize\",\"nodes\":3}");
}

TEST_CASE("databases: a database created again under a deleted one's name is not served by conductors planning on the old one") {
  auto c = bd::testing::cluster(4, "dbs-recreate");
  run(*c, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
  for (int i = 1; i <= 40; i++) run(*c, "INSERT INTO t VALUES (?, 'old')", {bd::Value::integer(i)});
  // Another isolate caches the old topology (t sharded by id).
  auto warm = c->execute_in_isolate(1, "SELECT v FROM t WHERE id = 7");
  REQUIRE(warm.ok());
  REQUIRE(warm->rs.rows.at(0).at(0).s == "old");

  REQUIRE(mode_json(*c, bd::RequestMode::Drop).find("\"nodes\":4") != std::string::npos);
  // Same name, same table name, another shard key: rows live elsewhere than `id` says.
  run(*c, "CREATE TABLE t (k TEXT PRIMARY KEY, id INTEGER, v TEXT)");
  for (int i = 1; i <= 40; i++)
    run(*c, "INSERT INTO t VALUES (?, ?, 'new')", {bd::Value::text("key" + std::to_string(i)), bd::Value::integer(i)});
  for (int i = 1; i <= 40; i++) {
    INFO("id " << i);
    auto r = c->execute_in_isolate(1, "SELECT count(*), max(v) FROM t WHERE id = ?", {bd::Value::integer(i)});
    REQUIRE(r.ok());
    CHECK(r->rs.rows.at(0).at(0).i == 1);
    CHECK(r->rs.rows.at(0).at(1).s == "new");
  }
}

TEST_CASE("databases: a resize job counts the rows it moves, not the global index entries moving with them") {
  auto c = bd::testing::cluster(2, "dbs-resize-rows");
  run(*c, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)");
  run(*c, "CREATE INDEX t_name ON t (name)");
  std::string values;
  for (int i = 1; i <= 300; i++) values += (i > 1 ? ", (" : "(") + std::to_string(i) + ", 'n" + std::to_string(i) + "')";
  run(*c, "INSERT INTO t VALUES " + values);
  run(*c, "PRAGMA bigdaddy_resize = 4");
  auto job = c->run_resize();
  REQUIRE(job.ok());
  INFO(*job);
  int64_t moved = count_on(*c, 2, "SELECT count(*) FROM t") + count_on(*c, 3, "SELECT count(*) FROM t");
  REQUIRE(moved > 50);
  REQUIRE(job->find("\"rowsTotal\":" + std::to_string(moved) + ",") != std::string::npos);
  REQUIRE(job->find("\"rowsCopied\":" + std::to_string(moved) + ",") != std::string::npos);
}

TEST_CASE("databases: PRAGMA foreign_keys = ... is a no-op inside a transaction, as in SQLite (D1 and drizzle-kit migrations carry it)") {
  auto c = bd::testing::cluster(2, "dbs-fk-pragma");
  run(*c, "CREATE TABLE parent (id INTEGER PRIMARY KEY)");
  run(*c, "CREATE TABLE child (id INTEGER PRIMARY KEY, p INTEGER REFERENCES parent (id))");
  const std::string t = run(*c, "BEGIN").transaction;
  auto off = c->execute_in_txn(t, "PRAGMA foreign_keys=OFF");
  REQUIRE(off.ok());
  CHECK(off->rs.columns.empty());
  auto orphan = c->execute_in_txn(t, "INSERT INTO child VALUES (1, 42)");
  REQUIRE_FALSE(orphan.ok());
  CHECK(orphan.error().message == "FOREIGN KEY constraint failed");
  REQUIRE(c->execute_in_txn(t, "ROLLBACK").ok());
  // Outside a transaction it applies (for the rest of the request), and reads back.
  CHECK(run(*c, "PRAGMA foreign_keys").rs.rows.at(0).at(0).i == 1);
}
