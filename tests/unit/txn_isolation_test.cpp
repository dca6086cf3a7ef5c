// Isolation between transactions and of reads outside them, natively on 8 nodes, with statements
// interleaved round by round (Cluster::begin/advance): no lost update, no write skew, and a read
// outside transactions never sees part of a commit, whatever the interleaving.
#include <catch2/catch.hpp>

#include "cluster_helpers.h"

using bd::Value;
using bd::native::Cluster;
using bd::testing::run;

namespace {

int64_t scalar(Cluster& c, const std::string& sql, std::vector<Value> params = {}) {
  return run(c, sql, std::move(params)).rs.rows.at(0).at(0).i;
}

// The lowest id on each node of the table `acc` (one account per node).
std::vector<int64_t> one_per_node(Cluster& c) {
  std::vector<int64_t> ids;
  for (int n = 0; n < c.nodes(); n++) {
    auto r = c.node_exec(n, "SELECT min(id) FROM acc");
    REQUIRE(r.ok());
    REQUIRE(r->rows[0][0].type == bd::ValueType::Integer);
    ids.push_back(r->rows[0][0].i);
  }
  return ids;
}

std::unique_ptr<Cluster> accounts(int64_t balance) {
  auto c = bd::testing::cluster(8, "isolation");
  run(*c, "CREATE TABLE acc (id INTEGER PRIMARY KEY, bal INTEGER NOT NULL)");
  std::string values;
  for (int i = 1; i <= 64; i++) values += (i > 1 ? ", (" : "(") + std::to_string(i) + ", " + std::to_string(balance) + ")";
  run(*c, "INSERT INTO acc VALUES " + values);
  return c;
}

// Advances every ticket one round at a time, in turn, until all have finished.
std::vector<bd::Result<bd::native::QueryResult>> drive(Cluster& c, const std::vector<int>& tickets) {
  std::vector<bool> done(tickets.size(), false);
  size_t left = tickets.size();
  for (int guard = 0; left > 0 && guard < 100000; guard++)
    for (size_t i = 0; i < tickets.size(); i++)
      if (!done[i] && c.advance(tickets[i])) {
        done[i] = true;
        left--;
      }
  REQUIRE(left == 0);
  std::vector<bd::Result<bd::native::QueryResult>> out;
  for (int t : tickets) out.push_back(c.finish(t));
  return out;
}

void no_transaction_state_left(Cluster& c) {
  c.run_alarms();
  for (int n = 0; n < c.nodes(); n++) {
    auto k = c.txn_counts(n);
    REQUIRE(k.ok());
    INFO("node " << n);
    CHECK(k->live == 0);
    CHECK(k->undo == 0);
    CHECK(k->locks == 0);
  }
}

}  // namespace

TEST_CASE("txn isolation: two read-then-write transactions on one row never both commit (no lost update)") {
  auto c = accounts(100);
  for (int round = 0; round < 2; round++) {
    int64_t before = scalar(*c, "SELECT bal FROM acc WHERE id = 1");
    std::string t[2];
    for (int k = 0; k < 2; k++) {
      auto b = c->execute_in_isolate(k, "BEGIN");
      REQUIRE(b.ok());
      t[k] = b->transaction;
    }
    // Both read the balance; then both write what they read minus 10, in either order.
    int64_t seen[2];
    for (int k = 0; k < 2; k++) {
      auto r = c->execute_in_txn(t[k], "SELECT bal FROM acc WHERE id = 1", {}, k);
      REQUIRE(r.ok());
      seen[k] = r->rs.rows[0][0].i;
      CHECK(seen[k] == before);
    }
    int first = round, second = 1 - round;
    int w1 = c->begin_in_txn(first, t[first], "UPDATE acc SET bal = ? WHERE id = 1", {Value::integer(seen[first] - 10)});
    int w2 = c->begin_in_txn(second, t[second], "UPDATE acc SET bal = ? WHERE id = 1", {Value::integer(seen[second] - 10)});
    auto wrote = drive(*c, {w1, w2});
    int committed = 0;
    for (int k = 0; k < 2; k++) {
      int who = k == 0 ? first : second;
      if (!wrote[k].ok()) {
        INFO(wrote[k].error().message);
        CHECK(wrote[k].error().message == "database is locked");
        continue;
      }
      auto done = c->execute_in_txn(t[who], "COMMIT", {}, who);
      if (done.ok()) committed++;
    }
    CHECK(committed == 1);
    CHECK(scalar(*c, "SELECT bal FROM acc WHERE id = 1") == before - 10 * committed);
    no_transaction_state_left(*c);
  }
}

TEST_CASE("txn isolation: two withdrawals checking one invariant over two nodes never both commit (no write skew)") {
  auto c = accounts(50);
  auto ids = one_per_node(*c);
  const int64_t a = ids[2], b = ids[5];
  // The rule both enforce: bal(a) + bal(b) >= 0. Each withdraws 100 from its own account after
  // checking the sum; serially the second one sees the first and refuses.
  std::string t[2];
  for (int k = 0; k < 2; k++) t[k] = c->execute_in_isolate(k, "BEGIN")->transaction;
  for (int k = 0; k < 2; k++) {
    auto r = c->execute_in_txn(t[k], "SELECT sum(bal) FROM acc WHERE id IN (?, ?)", {Value::integer(a), Value::integer(b)}, k);
    REQUIRE(r.ok());
    CHECK(r->rs.rows[0][0].i == 100);
  }
  int w0 = c->begin_in_txn(0, t[0], "UPDATE acc SET bal = bal - 100 WHERE id = ?", {Value::integer(a)});
  int w1 = c->begin_in_txn(1, t[1], "UPDATE acc SET bal = bal - 100 WHERE id = ?", {Value::integer(b)});
  auto wrote = drive(*c, {w0, w1});
  int committed = 0;
  for (int k = 0; k < 2; k++)
    if (wrote[k].ok() && c->execute_in_txn(t[k], "COMMIT", {}, k).ok()) committed++;
  CHECK(committed == 1);
  CHECK(scalar(*c, "SELECT sum(bal) FROM acc WHERE id IN (?, ?)", {Value::integer(a), Value::integer(b)}) == 0);
  no_transaction_state_left(*c);
}

TEST_CASE("txn isolation: reads outside transactions see all of a commit or none of it, at every interleaving") {
  auto c = accounts(100);
  auto ids = one_per_node(*c);
  const int64_t total = 64 * 100;
  // Readers: one fan-out over every node, and one that reads the two accounts in separate round
  // trips (scalar subqueries first), the case that can see one node before a commit and the
  // other after it.
  const std::vector<std::string> readers = {
      "SELECT sum(bal) FROM acc",
      "SELECT (SELECT bal FROM acc WHERE id = ?1) + (SELECT bal FROM acc WHERE id = ?2) + (SELECT sum(bal) FROM acc WHERE id NOT IN (?1, "
      "?2))",
  };
  // Writers: an interactive transfer's COMMIT, and an autocommit transfer over two nodes.
  int checked = 0;
  for (int kind = 0; kind < 2; kind++)
    for (size_t rd = 0; rd < readers.size(); rd++)
      for (int head_start = 0; head_start < 8; head_start++)
        for (int reader_first = 0; reader_first < 2; reader_first++) {
          int64_t a = ids[(head_start + kind) % 8], b = ids[(head_start + kind + 3) % 8];
          std::vector<Value> ab = {Value::integer(a), Value::integer(b)};
          int writer;
          if (kind == 0) {
            std::string t = c->execute_in_isolate(0, "BEGIN")->transaction;
            REQUIRE(c->execute_in_txn(t, "UPDATE acc SET bal = bal - 7 WHERE id = ?", {ab[0]}).ok());
            REQUIRE(c->execute_in_txn(t, "UPDATE acc SET bal = bal + 7 WHERE id = ?", {ab[1]}).ok());
            writer = c->begin_in_txn(0, t, "COMMIT");
          } else {
            writer = c->begin(0, "UPDATE acc SET bal = bal + CASE id WHEN ?1 THEN -7 ELSE 7 END WHERE id IN (?1, ?2)", ab);
          }
          // The writer runs a few rounds alone, then both go on in turn.
          bool writer_done = false;
          for (int i = 0; i < head_start && !writer_done; i++) writer_done = c->advance(writer);
          int reader = c->begin(1, readers[rd], rd == 1 ? ab : std::vector<Value>{});
          std::vector<int> order = reader_first ? std::vector<int>{reader, writer} : std::vector<int>{writer, reader};
          std::vector<bd::Result<bd::native::QueryResult>> got;
          if (writer_done) {
            got = drive(*c, {reader});
            got.insert(got.begin(), c->finish(writer));
          } else {
            auto both = drive(*c, order);
            got = reader_first ? std::vector<bd::Result<bd::native::QueryResult>>{std::move(both[1]), std::move(both[0])} : std::move(both);
          }
          INFO("writer kind " << kind << ", reader " << rd << ", head start " << head_start << ", reader first " << reader_first);
          REQUIRE(got[0].ok());
          REQUIRE(got[1].ok());
          CHECK(got[1]->rs.rows.at(0).at(0).i == total);
          checked++;
        }
  CHECK(checked == 64);
  CHECK(scalar(*c, "SELECT sum(bal) FROM acc") == total);
  no_transaction_state_left(*c);
}
