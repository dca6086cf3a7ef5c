// Repartition joins: two whole tables joined on the shard key of one are joined on the nodes,
// after the other's rows moved into per-query staging tables by the join key; the staging tables
// are gone afterwards, also when a node fails mid-query, and a node drops expired ones itself.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include "cluster_helpers.h"
#include "conductor/sqlite_exec.h"
#include "sqlite3.h"

using bd::Value;

namespace {

constexpr int kUsers = 3000, kOrders = 8000;

struct Fixture {
  std::unique_ptr<bd::native::Cluster> c;
  sqlite3* ref = nullptr;
  Fixture() {
    // The cap is far below either table: gathering one whole is refused.
    auto r = bd::native::Cluster::open({4, "", "repartition", 4000, 1000});
    REQUIRE(r.ok());
    c = std::move(*r);
    sqlite3_open(":memory:", &ref);
    both("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, city TEXT)");
    both("CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, total REAL)");  // not co-located
    for (int lo = 1; lo <= kUsers; lo += 500) {
      std::string sql = "INSERT INTO users VALUES ";
      for (int i = lo; i < lo + 500 && i <= kUsers; i++)
        sql += (i > lo ? ", (" : "(") + std::to_string(i) + ", 'u" + std::to_string(i) + "', 'c" + std::to_string(i % 7) + "')";
      both(sql);
    }
    for (int lo = 1; lo <= kOrders; lo += 500) {
      std::string sql = "INSERT INTO orders VALUES ";
      for (int i = lo; i < lo + 500 && i <= kOrders; i++)
        sql += (i > lo ? ", (" : "(") + std::to_string(i) + ", " + std::to_string((i * 31) % kUsers + 1) + ", " + std::to_string(i % 50) +
               (i % 4 ? ".5" : ".0") + ")";
      both(sql);
    }
  }
  ~Fixture() { sqlite3_close(ref); }
  // tags: 5,000 rows sharded by id, user_ref (every 97th NULL) pointing at users, 11 labels.
  void tags() {
    both("CREATE TABLE tags (id INTEGER PRIMARY KEY, user_ref INTEGER, label TEXT)");
    for (int lo = 1; lo <= 5000; lo += 500) {
      std::string sql = "INSERT INTO tags VALUES ";
      for (int i = lo; i < lo + 500; i++)
        sql += (i > lo ? ", (" : "(") + std::to_string(i) + ", " + (i % 97 ? std::to_string((i * 17) % kUsers + 1) : "NULL") + ", 'l" +
               std::to_string(i % 11) + "')";
      both(sql);
    }
  }
  void both(const std::string& sql) {
    bd::testing::run(*c, sql);
    REQUIRE(bd::sqlite_run(ref, sql, {}).ok());
  }
  // Staging tables and registry entries left on any node.
  int leftovers() {
    int n = 0;
    for (int node = 0; node < 4; node++) {
      auto t = c->node_exec(node, "SELECT count(*) FROM sqlite_master WHERE name LIKE '\\_bd\\_stage\\_%' ESCAPE '\\'");
      REQUIRE(t.ok());
      n += static_cast<int>(t->rows[0][0].i);
      auto reg = c->node_exec(node, "SELECT count(*) FROM _bd_staging");
      if (reg.ok()) n += static_cast<int>(reg->rows[0][0].i);
    }
    return n;
  }
};

std::string text_rows(const std::vector<bd::Row>& rows) {
  std::vector<std::string> out;
  for (auto& r : rows) {
    std::string s;
    for (auto& v : r)
      s += (v.type == bd::ValueType::Real ? std::to_string(v.r) : v.type == bd::ValueType::Integer ? std::to_string(v.i) : v.s) + "|";
    out.push_back(s);
  }
  std::sort(out.begin(), out.end());
  std::string all;
  for (auto& s : out) all += s + "\n";
  return all;
}

const char* kJoin = "SELECT u.city, count(*), sum(o.total), max(o.total) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.city";

}  // namespace

TEST_CASE("repartition: a join of two whole tables runs on the nodes through staging tables, as SQLite answers") {
  Fixture fx;
  auto got = bd::testing::run(*fx.c, kJoin);
  auto want = bd::sqlite_run(fx.ref, kJoin, {});
  REQUIRE(want.ok());
  CHECK(text_rows(got.rs.rows) == text_rows(want->rows));
  CHECK(got.meta_json.find("\"plan\":\"repartition\"") != std::string::npos);
  // The orders moved once (into staging), the answer is one row per city and node.
  CHECK(got.meta_json.find("\"rowsFetched\":") != std::string::npos);
  CHECK(fx.leftovers() == 0);
  auto e = bd::testing::run(*fx.c, std::string("EXPLAIN ") + kJoin);
  CHECK(e.rs.rows.back()[0].s == "repartition");
  CHECK(fx.leftovers() == 0);  // EXPLAIN creates nothing
  // ORDER BY ... LIMIT over the repartitioned join merges sorted streams.
  const char* top = "SELECT o.id, u.name, o.total FROM orders o JOIN users u ON u.id = o.user_id ORDER BY o.total DESC, o.id LIMIT 7";
  auto t = bd::testing::run(*fx.c, top);
  auto tw = bd::sqlite_run(fx.ref, top, {});
  REQUIRE(tw.ok());
  REQUIRE(t.rs.rows.size() == 7);
  for (size_t i = 0; i < 7; i++) CHECK(t.rs.rows[i][0].i == tw->rows[i][0].i);
  CHECK(fx.leftovers() == 0);
}

TEST_CASE("repartition: staging tables are dropped when a node fails mid-query, and expire on the nodes") {
  Fixture fx;
  int ticket = fx.c->begin(0, kJoin);
  // Run until the rows are staged on node 2, then break that node's side of the join.
  bool finished = false, broke = false;
  for (int round = 0; round < 100 && !finished; round++) {
    finished = fx.c->advance(ticket);
    if (broke || finished) continue;
    auto staged = fx.c->node_exec(2, "SELECT name FROM sqlite_master WHERE name LIKE '\\_bd\\_stage\\_%' ESCAPE '\\'");
    REQUIRE(staged.ok());
    if (staged->rows.empty()) continue;
    auto n = fx.c->node_exec(2, "SELECT count(*) FROM \"" + staged->rows[0][0].s + "\"");
    REQUIRE(n.ok());
    if (n->rows[0][0].i == 0) continue;
    REQUIRE(fx.c->node_exec(2, "ALTER TABLE users RENAME TO users_gone").ok());
    broke = true;
  }
  REQUIRE(broke);
  auto r = fx.c->finish(ticket);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("users") != std::string::npos);
  CHECK(fx.leftovers() == 0);
  REQUIRE(fx.c->node_exec(2, "ALTER TABLE users_gone RENAME TO users").ok());
  // A conductor that died left a staging table behind: the node drops it once it has expired.
  REQUIRE(fx.c->node_exec(1, "CREATE TABLE _bd_stage_dead (x)").ok());
  REQUIRE(fx.c->node_exec(1, "INSERT INTO _bd_staging VALUES ('_bd_stage_dead', 0)").ok());
  bd::testing::run(*fx.c, kJoin);
  CHECK(fx.leftovers() == 0);
}

TEST_CASE("repartition: every row is staged, the one with the smallest rowid (-2^63) too") {
  Fixture fx;
  fx.both("INSERT INTO orders VALUES (-9223372036854775808, 1, 1000.5)");
  auto got = bd::testing::run(*fx.c, kJoin);
  auto want = bd::sqlite_run(fx.ref, kJoin, {});
  REQUIRE(want.ok());
  CHECK(got.meta_json.find("\"plan\":\"repartition\"") != std::string::npos);
  CHECK(text_rows(got.rs.rows) == text_rows(want->rows));
  // The derived table grouped by user_id: the orders staged by user_id.
  const char* grouped = "SELECT count(*), max(spent) FROM (SELECT user_id, sum(total) AS spent FROM orders GROUP BY user_id)";
  auto g = bd::testing::run(*fx.c, grouped);
  auto gw = bd::sqlite_run(fx.ref, grouped, {});
  REQUIRE(gw.ok());
  CHECK(g.meta_json.find("\"plan\":\"repartition\"") != std::string::npos);
  CHECK(text_rows(g.rs.rows) == text_rows(gw->rows));
  CHECK(fx.leftovers() == 0);
}

TEST_CASE("combine: a gather over the cap is cut on the nodes, refused naming the table; one within it answers") {
  Fixture fx;
  // A ranking over all orders cannot be decomposed: the orders are gathered, and there are 8,000.
  auto r = fx.c->execute("SELECT id, rank() OVER (ORDER BY total, id) AS r FROM orders ORDER BY r");
  REQUIRE_FALSE(r.ok());
  INFO(r.error().message);
  CHECK(r.error().message.find("query would gather more than 1000 rows") == 0);
  // Each of the 4 nodes stopped its read at what the cap left (1,001 rows): never the table whole.
  auto at = r.error().message.find("(at least ");
  REQUIRE(at != std::string::npos);
  CHECK(std::stoll(r.error().message.substr(at + 10)) <= 4 * 1001);
  CHECK(r.error().message.find("rows of orders") != std::string::npos);
  // Within the cap the gather is whole and the answer SQLite's.
  const char* small = "SELECT id, rank() OVER (ORDER BY total, id) AS r FROM orders WHERE id <= 900 ORDER BY r";
  auto got = fx.c->execute(small);
  REQUIRE(got.ok());
  auto want = bd::sqlite_run(fx.ref, small, {});
  REQUIRE(want.ok());
  CHECK(text_rows(got->rs.rows) == text_rows(want->rows));
}

TEST_CASE("repartition: a join on columns that are neither table's shard key stages both by the join value, as SQLite answers") {
  Fixture fx;
  // tags.user_ref and orders.user_id: neither is its table's shard key (both are sharded by id).
  fx.tags();
  const char* grouped =
      "SELECT t.label, count(*), sum(o.total), min(o.id) FROM orders o JOIN tags t ON t.user_ref = o.user_id GROUP BY t.label";
  auto got = bd::testing::run(*fx.c, grouped);
  auto want = bd::sqlite_run(fx.ref, grouped, {});
  REQUIRE(want.ok());
  REQUIRE(want->rows.size() == 11);
  CHECK(text_rows(got.rs.rows) == text_rows(want->rows));
  CHECK(got.meta_json.find("\"plan\":\"repartition\"") != std::string::npos);
  CHECK(fx.leftovers() == 0);
  // EXPLAIN shows both tables staged (two Repartition operators) and runs nothing.
  auto e = bd::testing::run(*fx.c, std::string("EXPLAIN ") + grouped);
  int stages = 0;
  for (size_t i = 0; i + 1 < e.rs.rows.size(); i++) stages += e.rs.rows[i][0].s == "repartition";
  CHECK(stages == 2);
  CHECK(e.rs.rows.back()[0].s == "repartition");
  CHECK(fx.leftovers() == 0);
  // The rows themselves, in order, under ORDER BY ... LIMIT; and the comma-join form.
  const char* top =
      "SELECT o.id, t.id, t.label FROM orders o, tags t WHERE o.user_id = t.user_ref ORDER BY o.total DESC, o.id, t.id LIMIT 25";
  auto t = bd::testing::run(*fx.c, top);
  auto tw = bd::sqlite_run(fx.ref, top, {});
  REQUIRE(tw.ok());
  REQUIRE(t.rs.rows.size() == 25);
  for (size_t i = 0; i < 25; i++) {
    CHECK(t.rs.rows[i][0].i == tw->rows[i][0].i);
    CHECK(t.rs.rows[i][1].i == tw->rows[i][1].i);
  }
  CHECK(t.meta_json.find("\"plan\":\"repartition\"") != std::string::npos);
  const char* count = "SELECT count(*) FROM tags t JOIN orders o ON o.user_id = t.user_ref";
  auto n = bd::testing::run(*fx.c, count);
  auto nw = bd::sqlite_run(fx.ref, count, {});
  REQUIRE(nw.ok());
  CHECK(n.rs.rows[0][0].i == nw->rows[0][0].i);
  CHECK(fx.leftovers() == 0);
}

TEST_CASE("repartition: a join whose tables have filters of their own is gathered filtered when that is small, staged filtered when not") {
  Fixture fx;
  fx.tags();
  auto same = [&](const std::string& q, const std::vector<bd::Value>& params, const char* plan) {
    auto got = bd::testing::run(*fx.c, q, params);
    auto want = bd::sqlite_run(fx.ref, q, params);
    REQUIRE(want.ok());
    CHECK(!want->rows.empty());
    CHECK(text_rows(got.rs.rows) == text_rows(want->rows));
    INFO(q << " -> " << got.meta_json);
    CHECK(got.meta_json.find(std::string("\"plan\":\"") + plan + "\"") != std::string::npos);
    CHECK(fx.leftovers() == 0);
  };
  // Neither join column is a shard key; the filters leave about 6,000 orders and 4,500 tags, far
  // over the 1,000-row gather cap: both sides are staged with their filters applied.
  same(
      "SELECT t.label, count(*), sum(o.total) FROM orders o JOIN tags t ON t.user_ref = o.user_id "
      "WHERE o.total > ?1 AND t.label <> ?2 GROUP BY t.label ORDER BY t.label",
      {bd::Value::integer(10), bd::Value::text("l3")}, "repartition");
  // One side's join column is the other's shard key: only the filtered orders are staged.
  same(
      "SELECT u.city, count(*), max(o.id) FROM orders o JOIN users u ON u.id = o.user_id WHERE o.total >= 5 AND u.city <> 'c2' "
      "GROUP BY u.city ORDER BY u.city",
      {}, "repartition");
  // A selective filter leaves few rows: they are gathered (one round trip), as before.
  same("SELECT o.id, t.id FROM orders o JOIN tags t ON t.user_ref = o.user_id WHERE o.id BETWEEN 100 AND 120 AND t.id < 400 ORDER BY 1, 2",
       {}, "combine");
}

TEST_CASE("broadcast: a small table joined with a large one on other columns is copied to every node, as SQLite answers") {
  Fixture fx;
  // 240 bands against 8,000 orders: neither joins on the other's shard key, and gathering the
  // orders is over the 1,000-row cap.
  fx.both("CREATE TABLE bands (id INTEGER PRIMARY KEY, lo REAL, hi REAL, label TEXT, city TEXT)");
  std::string sql = "INSERT INTO bands VALUES ";
  for (int i = 1; i <= 240; i++)
    sql += (i > 1 ? ", (" : "(") + std::to_string(i) + ", " + std::to_string(i % 50) + ", " + std::to_string(i % 50 + 2) + ".5, 'b" +
           std::to_string(i % 9) + "', 'c" + std::to_string(i % 7) + "')";
  fx.both(sql);
  auto same = [&](const std::string& q) {
    auto got = bd::testing::run(*fx.c, q);
    auto want = bd::sqlite_run(fx.ref, q, {});
    REQUIRE(want.ok());
    CHECK(!want->rows.empty());
    CHECK(text_rows(got.rs.rows) == text_rows(want->rows));
    CHECK(fx.leftovers() == 0);
    return got;
  };
  // The first run learns the row counts (and stages by the join value); then the bands are copied.
  const std::string grouped =
      "SELECT b.label, count(*), sum(o.total) FROM orders o JOIN bands b ON b.city = 'c' || (o.user_id % 7) GROUP BY b.label ORDER BY 1";
  same(grouped);
  auto again = same(grouped);
  INFO(again.meta_json);
  CHECK(again.meta_json.find("\"plan\":\"repartition\"") != std::string::npos);
  auto e = bd::testing::run(*fx.c, "EXPLAIN " + grouped);
  bool copied = false;
  for (auto& row : e.rs.rows) copied |= row[2].s.find("rows of bands copied to every node") != std::string::npos;
  CHECK(copied);
  // Only the bands move (240 rows read, a copy to each node), not the 8,000 orders.
  auto moved = [](const std::string& meta) {
    auto p = meta.find("\"rowsFetched\":");
    return p == std::string::npos ? -1 : std::atoll(meta.c_str() + p + 14);
  };
  CHECK(moved(again.meta_json) < 1000);
  // Any join condition (a range), a filter on the small side, and the comma form.
  same(
      "SELECT b.id, count(*), min(o.id) FROM orders o JOIN bands b ON o.total BETWEEN b.lo AND b.hi WHERE b.label <> 'b3' "
      "GROUP BY b.id ORDER BY b.id");
  same(
      "SELECT o.id, b.id FROM bands b, orders o WHERE o.total BETWEEN b.lo AND b.hi AND b.id <= 3 ORDER BY o.total DESC, o.id, b.id LIMIT "
      "20");
}

TEST_CASE("statistics: tables the nodes report small are gathered, not staged; counts that went stale are read again") {
  auto r = bd::native::Cluster::open({4, "", "stats", 4000, 4000});
  REQUIRE(r.ok());
  auto& c = **r;
  sqlite3* ref = nullptr;
  sqlite3_open(":memory:", &ref);
  auto both = [&](const std::string& sql) {
    bd::testing::run(c, sql);
    REQUIRE(bd::sqlite_run(ref, sql, {}).ok());
  };
  both("CREATE TABLE a (id INTEGER PRIMARY KEY, x INTEGER)");
  both("CREATE TABLE b (id INTEGER PRIMARY KEY, y INTEGER)");
  auto fill = [&](const char* t, int from, int to) {
    for (int lo = from; lo <= to; lo += 400) {
      std::string sql = std::string("INSERT INTO ") + t + " VALUES ";
      for (int i = lo; i < lo + 400 && i <= to; i++)
        sql += (i > lo ? ", (" : "(") + std::to_string(i) + ", " + std::to_string(i % 300) + ")";
      both(sql);
    }
  };
  fill("a", 1, 600);
  fill("b", 1, 500);
  const char* q = "SELECT a.x, count(*) FROM a JOIN b ON a.x = b.y GROUP BY a.x ORDER BY a.x";
  auto want = [&] {
    auto w = bd::sqlite_run(ref, q, {});
    REQUIRE(w.ok());
    return text_rows(w->rows);
  };
  // Unknown sizes: the plan is a repartition; the conductor asks the nodes for the counts (1,100
  // rows, within the 2,000 that a 4,000-row gather cap leaves) and gathers instead.
  auto first = bd::testing::run(c, q);
  CHECK(text_rows(first.rs.rows) == want());
  CHECK(first.meta_json.find("\"plan\":\"combine\"") != std::string::npos);
  auto second = bd::testing::run(c, q);
  CHECK(second.meta_json.find("\"plan\":\"combine\"") != std::string::npos);
  // The counts are kept: the second run does not ask again (fewer round trips).
  auto trips = [](const std::string& meta) {
    auto p = meta.find("\"roundTrips\":");
    REQUIRE(p != std::string::npos);
    return std::stoi(meta.substr(p + 13));
  };
  CHECK(trips(second.meta_json) < trips(first.meta_json));
  // Another isolate grows both tables past the gather cap: this isolate's counts are stale; its
  // gather is refused on the nodes, it reads the counts again and repartitions.
  for (int lo = 601; lo <= 5000; lo += 400) {
    std::string sql = "INSERT INTO a VALUES ";
    for (int i = lo; i < lo + 400 && i <= 5000; i++)
      sql += (i > lo ? ", (" : "(") + std::to_string(i) + ", " + std::to_string(i % 300) + ")";
    REQUIRE(c.execute_in_isolate(1, sql).ok());
    REQUIRE(bd::sqlite_run(ref, sql, {}).ok());
  }
  auto grown = bd::testing::run(c, q);
  CHECK(text_rows(grown.rs.rows) == want());
  CHECK(grown.meta_json.find("\"plan\":\"repartition\"") != std::string::npos);
  // EXPLAIN plans with what is known and asks nothing.
  auto e = bd::testing::run(c, std::string("EXPLAIN ") + q);
  CHECK(e.rs.rows.back()[0].s == "repartition");
  sqlite3_close(ref);
}
