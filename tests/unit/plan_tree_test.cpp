// Plan-tree tests: the planner turns a statement plus a catalog into a tree of distributed
// operators without any I/O (no cluster here), and EXPLAIN prints that tree without running it.
#include <catch2/catch.hpp>

#include <algorithm>
#include "cluster_helpers.h"
#include "planner/plan.h"
#include "planner/select_plan.h"
#include "planner/shard_sql.h"
#include "sql/parser.h"

using bd::Value;
using namespace bd::planner;

namespace {

// A catalog of `nodes` nodes with the default 256 virtual shards, made from CREATE TABLE
// statements (and global indexes: "INDEX name ON table(column)").
bd::Topology catalog(uint32_t nodes, const std::vector<std::string>& creates, const std::vector<std::string>& indexes = {}) {
  bd::Topology t;
  t.database = "plan";
  t.version = 1;
  t.epoch = 1;
  t.nodes = nodes;
  uint64_t width = ~uint64_t{0} / 256 + 1;
  for (uint32_t i = 0; i < 256; i++) t.vshards.push_back({i, width * i, i == 255 ? ~uint64_t{0} : width * (i + 1) - 1, i % nodes});
  for (auto& sql : creates) {
    auto st = bd::sql::parse_statement(sql);
    REQUIRE(st.ok());
    auto info = table_info_from_create(*(*st)->as<bd::sql::CreateTable>(), sql);
    REQUIRE(info.ok());
    t.tables.push_back(*info);
  }
  for (auto& spec : indexes) {
    // "name table column"
    auto a = spec.find(' '), b = spec.rfind(' ');
    bd::TableInfo index;
    index.name = spec.substr(0, a);
    index.kind = bd::TableKind::Index;
    index.base_table = spec.substr(a + 1, b - a - 1);
    const bd::TableInfo* base = t.find_table(index.base_table);
    REQUIRE(base);
    index.columns.push_back(base->columns[base->column_index(spec.substr(b + 1))]);
    t.tables.push_back(index);
  }
  return t;
}

Plan plan_of(const bd::Topology& topo, const std::string& sql, const std::vector<Value>& params = {}) {
  auto st = bd::sql::parse_statement(sql);
  REQUIRE(st.ok());
  PlanEnv env{topo, params, [](const bd::sql::Expr&) -> bd::Result<Value> { return bd::Error::unsupported("no constants here"); },
              [](const bd::sql::Limit&) -> bd::Result<std::optional<std::pair<int64_t, int64_t>>> {
                return std::optional<std::pair<int64_t, int64_t>>{};
              }};
  auto p = plan_select(*(*st)->as<bd::sql::Select>(), env);
  INFO(sql);
  REQUIRE(p.ok());
  return std::move(*p);
}

int count_ops(const PlanNode& n, OpKind k) {
  int c = n.kind == k;
  for (auto& ch : n.children) c += count_ops(ch, k);
  return c;
}

const std::vector<std::string> kSchema = {"CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, city TEXT)",
                                          "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, total INTEGER)",
                                          "CREATE TABLE cities (name TEXT PRIMARY KEY, country TEXT)"};

}  // namespace

TEST_CASE("plan tree: a point read is one Shard operator on the owning node") {
  auto topo = catalog(4, kSchema);
  auto p = plan_of(topo, "SELECT name FROM users WHERE id = 7");
  CHECK(p.name == "route");
  REQUIRE(p.root.kind == OpKind::Shard);
  CHECK(p.root.nodes.size() == 1);
  CHECK(p.root.vshards.size() == 1);
  CHECK(p.root.sql.find("FROM users WHERE id = 7") != std::string::npos);
}

TEST_CASE("plan tree: ORDER BY ... LIMIT is Limit over OrderedMerge over a Shard on every node") {
  auto topo = catalog(4, kSchema);
  auto p = plan_of(topo, "SELECT id FROM users ORDER BY name");
  CHECK(p.name == "scatter-merge");
  REQUIRE(p.root.kind == OpKind::Limit);
  REQUIRE(p.root.children[0].kind == OpKind::OrderedMerge);
  REQUIRE(p.root.children[0].children[0].kind == OpKind::Shard);
  CHECK(p.root.children[0].children[0].nodes.size() == 4);
  auto c = plan_of(topo, "SELECT count(*) FROM orders WHERE total > 5");
  CHECK(c.name == "scatter-count");
  CHECK(c.root.kind == OpKind::CountSum);
  auto g = plan_of(topo, "SELECT user_id, sum(total) FROM orders GROUP BY user_id");
  CHECK(g.name == "scatter-aggregate");
  CHECK(g.root.kind == OpKind::GroupMerge);
  REQUIRE(g.root.fallback);
  CHECK(g.root.fallback->kind == OpKind::Combine);
}

TEST_CASE("plan tree: an equality on a globally indexed column probes the index first") {
  auto topo = catalog(4, kSchema, {"orders_user orders user_id"});
  auto p = plan_of(topo, "SELECT id, total FROM orders WHERE user_id = 36");
  CHECK(p.name == "lookup");
  REQUIRE(p.root.kind == OpKind::IndexRoute);
  REQUIRE(p.root.children.size() == 3);  // one node, several nodes, one probe
  CHECK(p.root.children[2].nodes.size() == 1);
  CHECK(p.root.children[2].sql.find("_bd_idx_orders_user") != std::string::npos);
}

TEST_CASE("plan tree: EXPLAIN rows list each operator, children first, and the plan last") {
  auto topo = catalog(4, kSchema);
  auto p = plan_of(topo, "SELECT DISTINCT city FROM users ORDER BY city");
  auto rows = explain_rows(p);
  REQUIRE(rows.size() == 4 + 3 + 1);  // 4 shard rows, merge + distinct + limit, the plan
  for (int i = 0; i < 4; i++) CHECK(rows[i][0].s == "shard");
  CHECK(rows[4][0].s == "ordered-merge");
  CHECK(rows[5][0].s == "distinct");
  CHECK(rows[6][0].s == "limit");
  CHECK(rows[7][0].s == "scatter-merge");
}

TEST_CASE("EXPLAIN prints the tree without running anything on the nodes") {
  auto c = bd::native::Cluster::open({4, "", "explain", 4000, 50});
  REQUIRE(c.ok());
  auto& cl = **c;
  bd::testing::run(cl, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)");
  bd::testing::run(cl, "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, total INTEGER)");
  for (int i = 1; i <= 200; i++) {
    bd::testing::run(cl, "INSERT INTO users VALUES (?, ?)", {Value::integer(i), Value::text("u" + std::to_string(i))});
    bd::testing::run(cl, "INSERT INTO orders VALUES (?, ?, ?)", {Value::integer(i), Value::integer(i % 7), Value::integer(i)});
  }
  // Running it would gather 400 rows, over this cluster's cap of 50 (and neither table is small
  // enough to be copied to the nodes, nor can the join stage them: INTEGER against TEXT).
  const std::string q = "SELECT u.name, count(*) FROM users u JOIN orders o ON o.user_id = u.name GROUP BY u.name";
  auto ran = cl.execute(q);
  REQUIRE_FALSE(ran.ok());
  CHECK(ran.error().message.find("more than 50 rows") != std::string::npos);
  auto e = bd::testing::run(cl, "EXPLAIN " + q);
  CHECK(e.meta_json.find("\"roundTrips\":0") != std::string::npos);
  CHECK(e.meta_json.find("\"nodesTouched\":0") != std::string::npos);
  CHECK(e.rs.rows.back()[0].s == "combine");
  int gathers = 0;
  for (auto& row : e.rs.rows) gathers += row[0].s == "gather";
  CHECK(gathers == 2);
}

TEST_CASE("EXPLAIN INSERT lists each node's INSERT and writes nothing, allocating no ids") {
  auto c = bd::native::Cluster::open({4, "", "explain-insert"});
  REQUIRE(c.ok());
  auto& cl = **c;
  bd::testing::run(cl, "CREATE TABLE p (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT)");
  bd::testing::run(cl, "CREATE TABLE ch (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id), v TEXT)");
  bd::testing::run(cl, "INSERT INTO p (name) VALUES ('a')");
  auto e = bd::testing::run(cl, "EXPLAIN INSERT INTO p (name) VALUES ('b'), ('c'), ('d'), ('e'), ('f')");
  CHECK(e.meta_json.find("\"roundTrips\":0") != std::string::npos);
  int inserts = 0;
  for (auto& row : e.rs.rows) inserts += row[0].s == "shard" && row[2].s.rfind("INSERT INTO p ", 0) == 0;
  CHECK(inserts >= 2);  // five rows spread over the nodes
  // A child whose parent is missing: the plan shows the parent check, nothing fails or runs.
  auto f = bd::testing::run(cl, "EXPLAIN INSERT INTO ch VALUES (1, 99, 'x')");
  bool parent_read = false, child_insert = false;
  for (auto& row : f.rs.rows) {
    parent_read |= row[2].s.rfind("SELECT", 0) == 0 && row[2].s.find(" p ") != std::string::npos;
    child_insert |= row[2].s.rfind("INSERT INTO ch ", 0) == 0;
  }
  CHECK(parent_read);
  CHECK(child_insert);
  bd::testing::run(cl, "EXPLAIN INSERT INTO p VALUES (500, 'z')");
  // Nothing was written, and the next generated id follows the last real one.
  CHECK(bd::testing::run(cl, "SELECT count(*) FROM ch").rs.rows[0][0].i == 0);
  bd::testing::run(cl, "INSERT INTO p (name) VALUES ('g')");
  auto ids = bd::testing::run(cl, "SELECT id, name FROM p ORDER BY id");
  REQUIRE(ids.rs.rows.size() == 2);
  CHECK(ids.rs.rows[1][0].i == 2);
  CHECK(ids.rs.rows[1][1].s == "g");
}

namespace {

// Users and their orders co-located by user_id, a global unique index on the order id; or the
// orders sharded by their own id with a global index on user_id.
bd::Topology shop(bool colocated) {
  if (colocated) {
    auto t = catalog(4,
                     {"CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, city TEXT)",
                      "CREATE TABLE orders (user_id INTEGER, id INTEGER, total INTEGER, PRIMARY KEY (user_id, id))"},
                     {"orders_id orders id"});
    for (auto& tb : t.tables)
      if (tb.name == "orders_id") tb.unique = true;
    return t;
  }
  return catalog(4,
                 {"CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, city TEXT)",
                  "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, total INTEGER)"},
                 {"orders_user orders user_id"});
}

}  // namespace

TEST_CASE("plan tree: one order and its user takes at most 2 round trips: a probe of 1 row on 1 node, then the join on 1 node") {
  auto p = plan_of(shop(true), "SELECT o.id, u.name FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = 5");
  CHECK(p.name == "lookup");
  auto cost = plan_cost(p.root);
  CHECK(cost.round_trips <= 2);
  // The probe of the unique index: one node, at most one row (the order's key); then the join on
  // the one node the probe names (the rows it fetches are checked on the cluster, scale_test.cpp).
  REQUIRE(p.root.kind == OpKind::IndexRoute);
  const PlanNode& probe = p.root.children[2];
  CHECK(probe.nodes.size() == 1);
  CHECK(probe.est_rows == 1);
  CHECK(p.root.children[0].nodes_at_run_time);
  size_t most_nodes = 0;
  for (auto& r : cost.reads)
    if (r.nodes_at_run_time) most_nodes = std::max(most_nodes, r.nodes);
  CHECK(most_nodes == 1);
}

TEST_CASE("plan tree: the join pinned to users 36 and 43 touches at most 2 nodes per table, in one round trip") {
  auto topo = shop(true);
  auto p = plan_of(topo, "SELECT u.name, o.total FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id IN (36, 43)");
  auto cost = plan_cost(p.root);
  CHECK(cost.round_trips == 1);
  REQUIRE(cost.reads.size() == 1);
  CHECK(cost.reads[0].nodes <= 2);  // both tables read by the one co-located statement
  CHECK(p.name == "route-subset");
  std::vector<uint32_t> owners;
  for (int64_t id : {36, 43}) {
    uint32_t n = topo.vshard_for(bd::keyspace_id(Value::integer(id))).node;
    if (std::find(owners.begin(), owners.end(), n) == owners.end()) owners.push_back(n);
  }
  std::sort(owners.begin(), owners.end());
  CHECK(plan_nodes(p.root) == owners);
}

TEST_CASE("plan tree: count(DISTINCT user_id) over orders not co-located moves each node's distinct values once") {
  auto p = plan_of(shop(false), "SELECT count(DISTINCT user_id) FROM orders");
  REQUIRE(p.root.kind == OpKind::CountDistinct);
  auto cost = plan_cost(p.root);
  CHECK(cost.round_trips == 1);
  REQUIRE(cost.reads.size() == 1);
  CHECK(cost.reads[0].nodes == 4);
  // Each node sends its distinct values, sorted, for the conductor to merge and count.
  const PlanNode* leaf = &p.root;
  while (!leaf->children.empty()) leaf = &leaf->children[0];
  INFO(leaf->sql);
  CHECK(leaf->kind == OpKind::Shard);
  CHECK(leaf->sql.find("DISTINCT") != std::string::npos);
  CHECK(leaf->sql.find("ORDER BY") != std::string::npos);
}

TEST_CASE("plan tree: anti-joins and groupings not co-located repartition one table, in a fixed number of round trips") {
  auto topo = shop(false);
  const std::vector<Value> none;
  PlanEnv base{topo, none, [](const bd::sql::Expr&) -> bd::Result<Value> { return bd::Error::unsupported("no constants here"); },
               [](const bd::sql::Limit&) -> bd::Result<std::optional<std::pair<int64_t, int64_t>>> {
                 return std::optional<std::pair<int64_t, int64_t>>{};
               },
               [] { return std::string("_bd_stage_test"); }};
  for (const char* sql : {"SELECT count(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id)",
                          "SELECT count(*) FROM (SELECT user_id FROM orders GROUP BY user_id HAVING count(*) >= 3)"}) {
    INFO(sql);
    auto st = bd::sql::parse_statement(sql);
    REQUIRE(st.ok());
    auto p = plan_select(*(*st)->as<bd::sql::Select>(), base);
    REQUIRE(p.ok());
    CHECK(p->name == "repartition");
    REQUIRE(p->root.kind == OpKind::Repartition);
    CHECK(p->root.table == "orders");
    CHECK(p->root.stage_column == "user_id");
    // Create, read a page and append it, the query on every node, drop.
    auto cost = plan_cost(p->root);
    CHECK(cost.round_trips == 5);
  }
}
