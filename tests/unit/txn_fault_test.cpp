// Crash safety: transfers commit across three nodes while messages are dropped, answers lost and
// the coordinator killed at every step of the commit (and of recovery itself). After the nodes'
// alarms run, every transaction is on every participant or on none, and no lock is left.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>
#include "cluster_helpers.h"
#include "storage/protocol.h"

using bd::Value;
using bd::native::Cluster;
using bd::native::Fault;
using bd::native::Message;
using bd::testing::run;
namespace st = bd::storage;

namespace {

constexpr int kAccounts = 12;
constexpr int64_t kStart = 1000;

// What a message is, for choosing where to fail.
struct Kind {
  bool txn = false;
  st::TxnAction action = st::TxnAction::Work;
  bool decide = false;
};
Kind kind_of(const Message& m) {
  Kind k;
  auto r = st::decode_request(*m.payload);
  if (!r.ok() || r->txn.id.empty()) return k;
  k.txn = true;
  k.action = r->txn.action;
  k.decide = r->txn.decide;
  return k;
}

void recover(Cluster& c) {
  // Recovery runs on the nodes' alarms; time moves on between rounds (prepared transactions ask
  // after 2 s, idle ones roll back after twice their timeout).
  for (int round = 0; round < 8; round++) {
    c.set_time_ms(c.time_ms() + 10'000);
    c.run_alarms();
  }
}

}  // namespace

TEST_CASE("txn faults: every step of a three-node commit fails, repeatedly; all or nothing holds after recovery") {
  auto c = bd::testing::cluster(6, "txnfault");
  c->set_time_ms(1'000'000);
  run(*c, "CREATE TABLE acc (id INTEGER PRIMARY KEY, bal INTEGER NOT NULL)");
  run(*c, "CREATE TABLE marks (id INTEGER PRIMARY KEY, amount INTEGER)");
  for (int i = 1; i <= kAccounts; i++) run(*c, "INSERT INTO acc VALUES (?, ?)", {Value::integer(i), Value::integer(kStart)});

  std::mt19937 rng(12345);
  // Faults are injected at the n-th transaction message of a transfer (its statements, prepares,
  // the decision, phase two), cycling through every position and every fault.
  const Fault faults[] = {Fault::Drop, Fault::LoseAnswer, Fault::KillConductor};
  int transfers = 0, committed_told = 0, failed_told = 0, unknown = 0;
  std::map<int, int64_t> expected;
  for (int i = 1; i <= kAccounts; i++) expected[i] = kStart;
  for (int target = 0; target < 14; target++) {
    for (Fault fault : faults) {
      for (int rep = 0; rep < 2; rep++) {
        int mark = ++transfers;
        int from = 1 + static_cast<int>(rng() % kAccounts), to = 1 + static_cast<int>(rng() % kAccounts);
        if (to == from) to = to % kAccounts + 1;
        int64_t amount = 1 + static_cast<int64_t>(rng() % 9);
        int seen = 0;
        bool fired = false;
        c->set_fault_hook([&](const Message& m) {
          Kind k = kind_of(m);
          if (!k.txn) return Fault::None;
          if (seen++ != target || fired) return Fault::None;
          fired = true;
          return fault;
        });
        bool ok = false, known = true;
        auto b = c->execute("BEGIN");
        REQUIRE(b.ok());
        const std::string t = b->transaction;
        auto step = [&](const std::string& sql, std::vector<Value> p) {
          auto r = c->execute_in_txn(t, sql, p);
          return r;
        };
        auto s1 = step("UPDATE acc SET bal = bal - ?1 WHERE id = ?2", {Value::integer(amount), Value::integer(from)});
        auto s2 = s1.ok() ? step("UPDATE acc SET bal = bal + ?1 WHERE id = ?2", {Value::integer(amount), Value::integer(to)}) : s1;
        auto s3 = s2.ok() ? step("INSERT INTO marks VALUES (?1, ?2)", {Value::integer(mark), Value::integer(amount)}) : s2;
        bool killed = false;
        if (s3.ok()) {
          auto done = c->execute_in_txn(t, "COMMIT");
          ok = done.ok();
          killed = fired && fault == Fault::KillConductor;
          // A killed coordinator, or a decision whose answer never came, leaves the client not
          // knowing the outcome; every other answer is definite.
          if (killed || (!ok && done.error().code == bd::ErrorCode::Internal)) known = false;
        } else {
          killed = fired && fault == Fault::KillConductor;
          if (!killed) REQUIRE(c->execute_in_txn(t, "ROLLBACK").ok());  // a dead client rolls nothing back
          known = !killed;
        }
        c->set_fault_hook(nullptr);
        recover(*c);
        // The outcome, as the data shows it: the mark is there exactly when the transfer applied.
        auto m = c->execute("SELECT count(*) FROM marks WHERE id = ?", {Value::integer(mark)});
        REQUIRE(m.ok());
        bool applied = m->rs.rows[0][0].i == 1;
        if (known) {
          INFO("transfer " << mark << " fault " << static_cast<int>(fault) << " at message " << target);
          CHECK(applied == ok);
        } else {
          unknown++;
        }
        (applied ? committed_told : failed_told)++;
        if (applied) {
          expected[from] -= amount;
          expected[to] += amount;
        }
        // All or nothing: both balances moved with the mark, or none did.
        for (int i = 1; i <= kAccounts; i++) {
          auto r = c->execute("SELECT bal FROM acc WHERE id = ?", {Value::integer(i)});
          REQUIRE(r.ok());
          INFO("account " << i << " after transfer " << mark << " (fault " << static_cast<int>(fault) << " at message " << target << ")");
          REQUIRE(r->rs.rows[0][0].i == expected[i]);
        }
      }
    }
  }
  // No locks, undo or live transactions anywhere; decisions forgotten once everyone has them.
  for (int n = 0; n < c->nodes(); n++) {
    auto k = c->txn_counts(n);
    REQUIRE(k.ok());
    INFO("node " << n);
    CHECK(k->live == 0);
    CHECK(k->undo == 0);
    CHECK(k->locks == 0);
    CHECK(k->decisions == 0);
  }
  CHECK(committed_told > 20);
  CHECK(failed_told > 10);
  CHECK(unknown > 0);
}

TEST_CASE("txn faults: recovery's own messages fail too, and it still converges") {
  auto c = bd::testing::cluster(4, "txnfault2");
  c->set_time_ms(2'000'000);
  run(*c, "CREATE TABLE acc (id INTEGER PRIMARY KEY, bal INTEGER NOT NULL)");
  for (int i = 1; i <= 8; i++) run(*c, "INSERT INTO acc VALUES (?, ?)", {Value::integer(i), Value::integer(100)});
  for (int attempt = 0; attempt < 6; attempt++) {
    // The coordinator dies right after the decision: participants stay prepared.
    int seen_decide = 0;
    c->set_fault_hook([&](const Message& m) {
      Kind k = kind_of(m);
      if (k.txn && k.action == st::TxnAction::Commit && !k.decide && m.background) return Fault::KillConductor;
      if (k.txn && k.decide) seen_decide++;
      return Fault::None;
    });
    auto r = c->execute("UPDATE acc SET bal = bal + CASE WHEN id % 2 = 0 THEN 1 ELSE -1 END");
    REQUIRE(r.ok());
    CHECK(seen_decide == 1);
    // Recovery: the first few rounds lose every answer between nodes.
    int rounds = 0;
    c->set_fault_hook([&](const Message& m) { return m.background && rounds < 3 ? Fault::LoseAnswer : Fault::None; });
    for (; rounds < 8; rounds++) {
      c->set_time_ms(c->time_ms() + 10'000);
      c->run_alarms();
    }
    c->set_fault_hook(nullptr);
    auto sum = c->execute("SELECT sum(bal), min(bal), max(bal) FROM acc");
    REQUIRE(sum.ok());
    CHECK(sum->rs.rows[0][0].i == 800);
    CHECK(sum->rs.rows[0][1].i == 100 - (attempt + 1));
    CHECK(sum->rs.rows[0][2].i == 100 + (attempt + 1));
  }
  for (int n = 0; n < c->nodes(); n++) {
    auto k = c->txn_counts(n);
    REQUIRE(k.ok());
    CHECK(k->live == 0);
    CHECK(k->locks == 0);
    CHECK(k->decisions == 0);
  }
}

TEST_CASE("txn faults: a rollback that does not reach a participant is sent again; no lock waits for the node's alarm") {
  auto c = bd::testing::cluster(4, "txnfault3");
  c->set_time_ms(3'000'000);
  run(*c, "CREATE TABLE acc (id INTEGER PRIMARY KEY, bal INTEGER NOT NULL)");
  for (int i = 1; i <= 8; i++) run(*c, "INSERT INTO acc VALUES (?, ?)", {Value::integer(i), Value::integer(100)});
  for (Fault fault : {Fault::Drop, Fault::LoseAnswer}) {
    // Every account is written, so every node takes part; the first Abort message to each node is
    // lost (as when the storage object restarts under it).
    auto b = c->execute("BEGIN");
    REQUIRE(b.ok());
    const std::string t = b->transaction;
    REQUIRE(c->execute_in_txn(t, "UPDATE acc SET bal = bal - 1").ok());
    std::set<uint32_t> lost;
    int aborts = 0;
    c->set_fault_hook([&](const Message& m) {
      Kind k = kind_of(m);
      if (!k.txn || k.action != st::TxnAction::Abort) return Fault::None;
      aborts++;
      return lost.insert(m.node).second ? fault : Fault::None;
    });
    REQUIRE(c->execute_in_txn(t, "ROLLBACK").ok());
    c->set_fault_hook(nullptr);
    INFO("fault " << static_cast<int>(fault));
    CHECK(lost.size() == static_cast<size_t>(c->nodes()));
    CHECK(aborts == 2 * c->nodes());
    // No alarm has run and no time has passed: the rollback itself reached every node.
    for (int n = 0; n < c->nodes(); n++) {
      auto k = c->txn_counts(n);
      REQUIRE(k.ok());
      INFO("node " << n);
      CHECK(k->live == 0);
      CHECK(k->undo == 0);
      CHECK(k->locks == 0);
    }
    auto w = c->execute("UPDATE acc SET bal = bal + 0");
    REQUIRE(w.ok());
    auto sum = c->execute("SELECT sum(bal) FROM acc");
    REQUIRE(sum.ok());
    CHECK(sum->rs.rows[0][0].i == 800);
  }
}
