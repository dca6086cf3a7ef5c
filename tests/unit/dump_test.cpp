// Export and import natively: a dump of a 4-node database (sharded tables, a table sharded by a
// chosen key, one with a hidden rowid, a reference table, indexes, a view, a trigger) restores into
// plain SQLite with the same rows and storage classes, and imports into another Big Daddy database
// fed in small chunks; a write racing the snapshot is paused, never half in the dump; sqlite3 and
// wrangler d1 dumps import with their skipped statements reported; the table browser's nodes.
#include <sqlite3.h>

#include <string>
#include "cluster_helpers.h"
#include "native/sqlite_host.h"

using bd::Value;
using bd::testing::run;

namespace {

bd::Result<bd::native::QueryResult> run_mode(bd::native::Cluster& c, bd::RequestMode mode, const std::string& sql,
                                             std::vector<Value> params, int isolate = 0) {
  int t = c.begin(isolate, sql, params, mode);
  while (!c.advance(t)) {
  }
  return c.finish(t);
}

std::string export_all(bd::native::Cluster& c, const std::string& id, std::vector<Value> extra = {}) {
  std::string dump, cursor;
  int steps = 0;
  for (;;) {
    std::vector<Value> params{Value::text(id)};
    if (cursor.empty())
      for (auto& v : extra) params.push_back(v);
    auto r = run_mode(c, bd::RequestMode::Export, cursor, params);
    if (!r.ok()) FAIL(r.error().message);
    dump += r->rs.rows.at(0).at(0).s;
    cursor = r->rs.rows.at(0).at(1).s;
    steps++;
    if (cursor.empty()) break;
    REQUIRE(steps < 10000);
  }
  return dump;
}

// Feeds `dump` to the import in pieces of `piece` bytes, as the Worker does with a request body;
// returns every step's answer, one per line.
std::string import_all(bd::native::Cluster& c, const std::string& dump, size_t piece) {
  std::string buffer, last, all;
  size_t pos = 0;
  while (pos < dump.size() || !buffer.empty()) {
    size_t take = std::min(piece, dump.size() - pos);
    buffer += dump.substr(pos, take);
    pos += take;
    bool final_chunk = pos >= dump.size();
    auto r = run_mode(c, bd::RequestMode::Import, buffer, {Value::integer(final_chunk ? 1 : 0)});
    if (!r.ok()) FAIL(r.error().message);
    last = r->rs.rows.at(0).at(0).s;
    all += last + "\n";
    auto at = last.find("\"consumed\":");
    size_t consumed = std::stoul(last.substr(at + 11));
    buffer.erase(0, consumed);
    if (final_chunk) {
      REQUIRE(buffer.empty());
      break;
    }
  }
  return all;
}

// How many statements the import skipped for `reason`, over all its steps.
int64_t skipped(const std::string& answers, const std::string& reason) {
  int64_t n = 0;
  std::string key = "{\"reason\":\"" + reason + "\",\"count\":";
  for (size_t p = 0; (p = answers.find(key, p)) != std::string::npos; p += key.size()) n += std::stoll(answers.substr(p + key.size()));
  return n;
}

// Every row of a table as text that keeps storage classes apart (REAL 2.0 vs INTEGER 2).
std::string canon_expr(const std::vector<std::string>& cols) {
  std::string e;
  for (auto& c : cols)
    e += (e.empty() ? "" : " || '|' || ") + std::string("typeof(") + c + ") || ':' || CASE typeof(" + c +
         ") WHEN 'real' THEN printf('%!.17g', " + c + ") ELSE quote(" + c + ") END";
  return e;
}

struct TableCols {
  std::string name;
  std::vector<std::string> cols;
};

const std::vector<TableCols> kTables = {
    {"items", {"id", "name", "price", "img"}},
    {"events", {"kind", "payload"}},
    {"countries", {"code", "name"}},
    {"orders", {"id", "user_id", "total"}},
};

// The rows of every table, canonical, sorted: from Big Daddy and from plain SQLite alike.
std::vector<std::string> contents_bd(bd::native::Cluster& c) {
  std::vector<std::string> out;
  for (auto& t : kTables) {
    auto r = c.execute("SELECT " + canon_expr(t.cols) + " AS v FROM " + t.name + " ORDER BY v");
    if (!r.ok()) FAIL(t.name << ": " << r.error().message);
    std::string all;
    for (auto& row : r->rs.rows) all += row[0].s + "\n";
    out.push_back(t.name + " " + std::to_string(r->rs.rows.size()) + "\n" + all);
  }
  return out;
}

std::vector<std::string> contents_sqlite(sqlite3* db) {
  std::vector<std::string> out;
  for (auto& t : kTables) {
    auto r = bd::native::run_statement(db, "SELECT " + canon_expr(t.cols) + " AS v FROM " + t.name + " ORDER BY v", {});
    if (!r.ok()) FAIL(t.name << ": " << r.error().message);
    std::string all;
    for (auto& row : r->rows) all += row[0].s + "\n";
    out.push_back(t.name + " " + std::to_string(r->rows.size()) + "\n" + all);
  }
  return out;
}

void load(bd::native::Cluster& c, int rows) {
  run(c, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL, img BLOB)");
  run(c, "CREATE INDEX items_name ON items (name)");
  run(c, "CREATE UNIQUE INDEX items_name_price ON items (name, price)");
  run(c, "CREATE INDEX items_cheap ON items (price) WHERE price < 10");
  run(c, "CREATE TABLE events (kind TEXT, payload)");  // no PRIMARY KEY: a hidden rowid
  run(c, "CREATE TABLE countries (code TEXT PRIMARY KEY, name TEXT)");
  run(c, "PRAGMA bigdaddy_reference_table = 'countries'");
  run(c, "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, total REAL)");
  run(c, "PRAGMA bigdaddy_shard_key = 'orders.user_id'");
  run(c, "CREATE VIEW big_orders AS SELECT o.id, i.name FROM orders o JOIN items i ON i.id = o.user_id WHERE o.total > 50");
  run(c, "CREATE TRIGGER no_negative BEFORE INSERT ON orders WHEN NEW.total < 0 BEGIN SELECT RAISE(ABORT, 'negative total'); END");
  run(c, "INSERT INTO countries VALUES ('fr', 'France'), ('jp', 'Japan'), ('br', 'Brazil'), ('ke', 'Kenya'), ('nz', 'New Zealand')");
  for (int b = 0; b < rows; b += 100) {
    std::string items = "INSERT INTO items VALUES ", events = "INSERT INTO events VALUES ", orders = "INSERT INTO orders VALUES ";
    for (int i = b; i < b + 100 && i < rows; i++) {
      std::string sep = i > b ? ", " : "";
      items += sep + "(" + std::to_string(i + 1) + ", 'item ''" + std::to_string(i) + "''', " + std::to_string(i * 0.1 + 1.0 / 3) + ", " +
               (i % 5 ? "X'00ff" + std::to_string(i % 10) + "0'" : "NULL") + ")";
      // Untyped values of every class, REALs with integral values and integers beyond 2^53 among them.
      std::string payload = i % 6 == 0   ? std::to_string(i) + ".0"
                            : i % 6 == 1 ? std::to_string(9007199254740993LL + i)
                            : i % 6 == 2 ? "'text;" + std::to_string(i) + "'"
                            : i % 6 == 3 ? "X'0a0b'"
                            : i % 6 == 4 ? "NULL"
                                         : "1e300";
      events += sep + "('k" + std::to_string(i % 7) + "', " + payload + ")";
      orders += sep + "(" + std::to_string(i + 1) + ", " + std::to_string(i % 97 + 1) + ", " + std::to_string(i % 120) + ")";
    }
    run(c, items);
    run(c, events);
    run(c, orders);
  }
}

}  // namespace

TEST_CASE("dump: an export restores into plain SQLite with the same rows, and imports into Big Daddy in small chunks") {
  auto c = bd::testing::cluster(4, "dump-src");
  load(*c, 1500);
  auto before = contents_bd(*c);
  std::string dump = export_all(*c, "1700000000000xabc");
  INFO(dump.substr(0, 1500));

  REQUIRE(dump.rfind("-- Big Daddy export of dump-src (4 nodes)", 0) == 0);
  REQUIRE(dump.find("PRAGMA bigdaddy_reference_table = 'countries';") != std::string::npos);
  REQUIRE(dump.find("PRAGMA bigdaddy_shard_key = 'orders.user_id';") != std::string::npos);
  REQUIRE(dump.find("-- Big Daddy export complete: 4 tables, 4505 rows\n") != std::string::npos);
  // Indexes, views and triggers come after the rows.
  REQUIRE(dump.find("CREATE INDEX items_name ON items") > dump.rfind("INSERT INTO"));
  REQUIRE(dump.find("CREATE VIEW big_orders") != std::string::npos);
  REQUIRE(dump.find("CREATE TRIGGER no_negative") > dump.rfind("INSERT INTO"));
  // The snapshot tables are gone from every node.
  for (int n = 0; n < 4; n++) {
    auto r = c->node_exec(n, "SELECT count(*) FROM sqlite_master WHERE name LIKE '_bd_snap%'");
    REQUIRE(r.ok());
    CHECK(r->rows[0][0].i == 0);
  }

  // Plain SQLite.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, dump.c_str(), nullptr, nullptr, &err);
  INFO((err ? err : ""));
  REQUIRE(rc == SQLITE_OK);
  REQUIRE(contents_sqlite(db) == before);
  auto idx = bd::native::run_statement(
      db, "SELECT count(*) FROM sqlite_master WHERE type IN ('index', 'view', 'trigger') AND sql IS NOT NULL", {});
  REQUIRE(idx->rows[0][0].i == 5);
  sqlite3_close(db);

  // Another Big Daddy database (3 nodes), the dump fed 777 bytes at a time.
  auto d = bd::testing::cluster(3, "dump-dst");
  REQUIRE(run_mode(*d, bd::RequestMode::Create, "", {}).ok());
  std::string summary = import_all(*d, dump, 777);
  INFO(summary);
  REQUIRE(skipped(summary, "PRAGMA foreign_keys (no effect here)") == 1);
  REQUIRE(skipped(summary, "transaction control (the import commits statement by statement)") == 2);
  REQUIRE(contents_bd(*d) == before);
  auto topo = run_mode(*d, bd::RequestMode::Topology, "", {});
  REQUIRE(topo.ok());
  REQUIRE(topo->meta_json.find("{\"name\":\"countries\",\"kind\":\"reference\"") != std::string::npos);
  REQUIRE(topo->meta_json.find("\"name\":\"orders\",\"kind\":\"sharded\",\"shardKey\":\"user_id\"") != std::string::npos);
  auto trig = d->execute("INSERT INTO orders VALUES (99999, 1, -5)");
  REQUIRE(!trig.ok());
  REQUIRE(trig.error().message == "negative total");
  // Exporting one table only.
  std::string one = export_all(*c, "1700000000001xdef", {Value::text("countries")});
  REQUIRE(one.find("-- Big Daddy export complete: 1 tables, 5 rows") != std::string::npos);
  REQUIRE(one.find("CREATE TABLE items") == std::string::npos);
  auto missing = run_mode(*c, bd::RequestMode::Export, "", {Value::text("1700000000002xa"), Value::text("nope")});
  REQUIRE(!missing.ok());
  REQUIRE(missing.error().message == "no such table: nope");
}

TEST_CASE("dump: a write racing the snapshot is paused until it is taken; the dump holds it on no node or on all") {
  auto c = bd::testing::cluster(4, "dump-race");
  run(*c, "CREATE TABLE kv (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
  std::string values;
  for (int i = 1; i <= 400; i++) values += (i > 1 ? ", (" : "(") + std::to_string(i) + ", 0)";
  run(*c, "INSERT INTO kv VALUES " + values);
  // The export's first step: a topology read, then the copy round (writes paused), then the lift.
  int ex = c->begin(0, "", {Value::text("1700000000000xrace")}, bd::RequestMode::Export);
  REQUIRE(!c->advance(ex));  // topology read
  REQUIRE(!c->advance(ex));  // copies taken, writes paused on every node
  // A write to every node now is refused and retried (it waits), not applied anywhere.
  int w = c->begin(1, "UPDATE kv SET v = v + 1", {}, bd::RequestMode::Query);
  for (int i = 0; i < 5; i++) REQUIRE(!c->advance(w));
  auto paused = c->node_exec(0, "SELECT count(*) FROM kv WHERE v = 1");
  REQUIRE(paused.ok());
  REQUIRE(paused->rows[0][0].i == 0);
  while (!c->advance(ex)) {
  }
  auto first = c->finish(ex);
  REQUIRE(first.ok());
  while (!c->advance(w)) {
  }
  auto wr = c->finish(w);
  REQUIRE(wr.ok());
  REQUIRE(wr->rs.changes == 400);
  // The rest of the export comes from the snapshot: every row as it was before the write.
  std::string dump = first->rs.rows[0][0].s, cursor = first->rs.rows[0][1].s;
  while (!cursor.empty()) {
    auto r = run_mode(*c, bd::RequestMode::Export, cursor, {Value::text("1700000000000xrace")});
    REQUIRE(r.ok());
    dump += r->rs.rows[0][0].s;
    cursor = r->rs.rows[0][1].s;
  }
  size_t zeros = 0;
  for (size_t p = 0; (p = dump.find(",0);\n", p)) != std::string::npos; p++) zeros++;
  REQUIRE(zeros == 400);
  REQUIRE(run(*c, "SELECT sum(v) FROM kv").rs.rows[0][0].i == 400);
}

// The rest of an export begun with `first` (its first step's answer).
std::string export_rest(bd::native::Cluster& c, const std::string& id, bd::native::QueryResult first) {
  std::string dump = first.rs.rows.at(0).at(0).s, cursor = first.rs.rows.at(0).at(1).s;
  while (!cursor.empty()) {
    auto r = run_mode(c, bd::RequestMode::Export, cursor, {Value::text(id)});
    REQUIRE(r.ok());
    dump += r->rs.rows[0][0].s;
    cursor = r->rs.rows[0][1].s;
  }
  return dump;
}

size_t count_of(const std::string& dump, const std::string& needle) {
  size_t n = 0;
  for (size_t p = 0; (p = dump.find(needle, p)) != std::string::npos; p++) n++;
  return n;
}

TEST_CASE("dump: the snapshot waits for transactions in progress and holds a transaction's rows on every node or on none") {
  auto c = bd::testing::cluster(4, "dump-txn");
  run(*c, "CREATE TABLE kv (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
  std::string values;
  for (int i = 1; i <= 400; i++) values += (i > 1 ? ", (" : "(") + std::to_string(i) + ", 0)";
  run(*c, "INSERT INTO kv VALUES " + values);
  for (const char* end : {"COMMIT", "ROLLBACK"}) {
    INFO(end);
    // An interactive transaction has changed every row on every node, not yet committed.
    std::string t = run(*c, "BEGIN").transaction;
    REQUIRE(c->execute_in_txn(t, "UPDATE kv SET v = v + 1").ok());
    std::string id = std::string("170000000000") + (end[0] == 'C' ? "1" : "2") + "xtxn";
    int ex = c->begin(0, "", {Value::text(id)}, bd::RequestMode::Export);
    // Writes are paused, and the snapshot waits for the transaction (its copies would hold
    // uncommitted rows, or rows committed on some nodes only).
    for (int i = 0; i < 20; i++) REQUIRE(!c->advance(ex));
    auto w = c->execute("INSERT INTO kv VALUES (1000, 7)");
    REQUIRE(!w.ok());
    INFO(w.error().message);
    CHECK(w.error().message.find("writes are paused") != std::string::npos);
    // The transaction ends (commit and rollback pass the pause); the snapshot follows.
    REQUIRE(c->execute_in_txn(t, end).ok());
    while (!c->advance(ex)) {
    }
    auto first = c->finish(ex);
    REQUIRE(first.ok());
    std::string dump = export_rest(*c, id, *first);
    int64_t v = run(*c, "SELECT min(v) FROM kv").rs.rows[0][0].i;
    REQUIRE(run(*c, "SELECT max(v) FROM kv").rs.rows[0][0].i == v);
    CHECK(count_of(dump, "," + std::to_string(v) + ");\n") == 400);
    CHECK(v == 1);  // committed once, then rolled back
    REQUIRE(run(*c, "INSERT INTO kv VALUES (1000, 7)").rs.changes == 1);
    run(*c, "DELETE FROM kv WHERE id = 1000");
  }
}

TEST_CASE("dump: a sqlite3 .dump and a wrangler d1 export import, with what was skipped reported") {
  auto c = bd::testing::cluster(2, "dump-foreign");
  REQUIRE(run_mode(*c, bd::RequestMode::Create, "", {}).ok());
  std::string sqlite_dump =
      "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT);\n"
      "INSERT INTO t VALUES(1,'a;b');\nINSERT INTO t VALUES(2,'it''s');\nINSERT INTO t VALUES(3,NULL);\n"
      "DELETE FROM sqlite_sequence;\nINSERT INTO sqlite_sequence VALUES('t',3);\nCREATE INDEX t_name ON t(name);\nCOMMIT;\n";
  std::string summary = import_all(*c, sqlite_dump, 10);
  INFO(summary);
  REQUIRE(skipped(summary, "sqlite_sequence (SQLite's own table; Big Daddy allocates ids itself)") == 2);
  REQUIRE(skipped(summary, "transaction control (the import commits statement by statement)") == 2);
  REQUIRE(run(*c, "SELECT group_concat(coalesce(name, 'NULL'), '/') FROM (SELECT name FROM t ORDER BY id)").rs.rows[0][0].s ==
          "a;b/it's/NULL");
  // Ids go on above the imported ones.
  run(*c, "INSERT INTO t (name) VALUES ('d')");
  REQUIRE(run(*c, "SELECT id FROM t WHERE name = 'd'").rs.rows[0][0].i > 3);

  auto d = bd::testing::cluster(2, "dump-d1");
  REQUIRE(run_mode(*d, bd::RequestMode::Create, "", {}).ok());
  std::string d1_dump =
      "PRAGMA defer_foreign_keys=TRUE;\nCREATE TABLE d1_migrations(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);\n"
      "INSERT INTO \"d1_migrations\" (\"id\",\"name\") VALUES(1,'0001_init.sql');\n"
      "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\n"
      "INSERT INTO \"users\" (\"id\",\"email\") VALUES(1,'a@x');\nINSERT INTO \"users\" (\"id\",\"email\") VALUES(2,'b@x');\n"
      "CREATE TABLE _cf_KV (key TEXT PRIMARY KEY, value BLOB);\nINSERT INTO \"_cf_KV\" VALUES('k', X'00');\n";
  summary = import_all(*d, d1_dump, 64);
  INFO(summary);
  REQUIRE(skipped(summary, "PRAGMA defer_foreign_keys (no effect here)") == 1);
  REQUIRE(skipped(summary, "_cf_KV (a Cloudflare-internal table)") == 2);
  REQUIRE(run(*d, "SELECT count(*) FROM users").rs.rows[0][0].i == 2);
  REQUIRE(run(*d, "SELECT name FROM d1_migrations").rs.rows[0][0].s == "0001_init.sql");

  // A dump cut off inside a statement is an error, not a silent partial import.
  auto e = bd::testing::cluster(2, "dump-cut");
  REQUIRE(run_mode(*e, bd::RequestMode::Create, "", {}).ok());
  auto r = run_mode(*e, bd::RequestMode::Import, "CREATE TABLE x (a);\nINSERT INTO x VALUES (1", {Value::integer(1)});
  REQUIRE(!r.ok());
  REQUIRE(r.error().message.rfind("the dump ends inside a statement: INSERT INTO x VALUES (1", 0) == 0);
}

TEST_CASE("browse: a page of rows sorted by any column, with the node each row lives on") {
  auto c = bd::testing::cluster(4, "browse");
  run(*c, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)");
  std::string values;
  for (int i = 1; i <= 120; i++)
    values += (i > 1 ? ", (" : "(") + std::to_string(i) + ", 'n" + std::to_string(i) + "', " + std::to_string(i * 7 % 50) + ")";
  run(*c, "INSERT INTO items VALUES " + values);
  auto r = run_mode(*c, bd::RequestMode::Browse, "items", {Value::text("qty"), Value::integer(1), Value::integer(25), Value::integer(10)});
  if (!r.ok()) FAIL(r.error().message);
  REQUIRE(r->rs.columns == std::vector<std::string>{"id", "name", "qty"});
  REQUIRE(r->rs.rows.size() == 25);
  for (size_t i = 1; i < r->rs.rows.size(); i++) REQUIRE(r->rs.rows[i - 1][2].i >= r->rs.rows[i][2].i);
  auto& meta = r->meta_json;
  auto at = meta.find("\"rowNodes\":[");
  REQUIRE(at != std::string::npos);
  REQUIRE(meta.find("\"kind\":\"sharded\"") != std::string::npos);
  size_t p = at + 12;
  for (auto& row : r->rs.rows) {
    int node = std::stoi(meta.substr(p));
    p = meta.find_first_of(",]", p) + 1;
    auto here = c->node_exec(node, "SELECT count(*) FROM items WHERE id = " + std::to_string(row[0].i));
    REQUIRE(here.ok());
    INFO("id " << row[0].i << " on node " << node);
    CHECK(here->rows[0][0].i == 1);
  }
  auto bad =
      run_mode(*c, bd::RequestMode::Browse, "items", {Value::text("nope"), Value::integer(0), Value::integer(25), Value::integer(0)});
  REQUIRE(!bad.ok());
  REQUIRE(bad.error().message == "no such column: nope");
}
