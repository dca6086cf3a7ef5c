// Resharding with transactions in flight: a move's fence waits for the transactions holding rows of
// the moving shards (their commit or rollback reaches the copies), and nothing is lost or doubled.
#include <catch2/catch.hpp>

#include "cluster_helpers.h"

using bd::Value;
using bd::native::Cluster;
using bd::testing::run;

namespace {

std::string step_job(Cluster& c) {
  int t = c.begin(0, "", {}, bd::RequestMode::ReshardStep);
  while (!c.advance(t)) {
  }
  auto r = c.finish(t);
  REQUIRE(r.ok());
  return r->rs.rows.at(0).at(0).s;
}

// Every row exactly once, on the node that owns it.
void each_row_once(Cluster& c, int64_t rows) {
  int64_t total = 0;
  for (int n = 0; n < c.nodes(); n++) total += c.node_exec(n, "SELECT count(*) FROM acc")->rows[0][0].i;
  CHECK(total == rows);
  CHECK(run(c, "SELECT count(*) FROM acc").rs.rows[0][0].i == rows);
}

}  // namespace

TEST_CASE("txn reshard: a resize waits for a transaction on moving rows; its commit and its rollback move along") {
  auto c = bd::testing::cluster(2, "txnreshard");
  run(*c, "CREATE TABLE acc (id INTEGER PRIMARY KEY, bal INTEGER NOT NULL)");
  std::string values;
  for (int i = 1; i <= 300; i++) values += (i > 1 ? ", (" : "(") + std::to_string(i) + ", 10)";
  run(*c, "INSERT INTO acc VALUES " + values);

  // Committed during the resize.
  std::string t = run(*c, "BEGIN").transaction;
  REQUIRE(c->execute_in_txn(t, "UPDATE acc SET bal = bal + 1").ok());
  REQUIRE(c->execute_in_txn(t, "INSERT INTO acc VALUES (1000, 7)").ok());
  run(*c, "PRAGMA bigdaddy_resize = 4");
  std::string json;
  for (int i = 0; i < 60; i++) json = step_job(*c);
  INFO(json);
  CHECK(json.find("\"phase\":\"final-catch-up\"") != std::string::npos);  // fenced, waiting
  REQUIRE(c->execute_in_txn(t, "COMMIT").ok());
  auto done = c->run_resize();
  REQUIRE(done.ok());
  REQUIRE(done->find("\"phase\":\"done\"") != std::string::npos);
  each_row_once(*c, 301);
  CHECK(run(*c, "SELECT sum(bal) FROM acc").rs.rows[0][0].i == 300 * 11 + 7);

  // Rolled back during the next resize.
  t = run(*c, "BEGIN").transaction;
  REQUIRE(c->execute_in_txn(t, "DELETE FROM acc WHERE id % 3 = 0").ok());
  REQUIRE(c->execute_in_txn(t, "UPDATE acc SET bal = 0").ok());
  run(*c, "PRAGMA bigdaddy_resize = 6");
  for (int i = 0; i < 60; i++) json = step_job(*c);
  CHECK(json.find("\"phase\":\"final-catch-up\"") != std::string::npos);
  REQUIRE(c->execute_in_txn(t, "ROLLBACK").ok());
  done = c->run_resize();
  REQUIRE(done.ok());
  REQUIRE(done->find("\"phase\":\"done\"") != std::string::npos);
  each_row_once(*c, 301);
  CHECK(run(*c, "SELECT sum(bal) FROM acc").rs.rows[0][0].i == 300 * 11 + 7);
  for (int i = 1; i <= 300; i += 37) CHECK(run(*c, "SELECT bal FROM acc WHERE id = ?", {Value::integer(i)}).rs.rows.at(0).at(0).i == 11);
  for (int n = 0; n < c->nodes(); n++) {
    auto k = c->txn_counts(n);
    REQUIRE(k.ok());
    CHECK(k->live == 0);
    CHECK(k->locks == 0);
  }
}
