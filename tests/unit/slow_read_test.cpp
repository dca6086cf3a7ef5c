// Reads whose fan-out is slower than the visibility budget (a large query on loaded nodes): they
// answer once, not rerun until they give up, and still never see part of a multi-node commit.
// Each storage request the reader sends moves the cluster's clock on by 200 ms, so a fan-out over
// the 8 nodes takes 1.6 s: past the budget, within the margin the nodes report commits for.
#include <catch2/catch.hpp>

#include "cluster_helpers.h"

using bd::Value;
using bd::native::Cluster;
using bd::testing::run;

namespace {

std::unique_ptr<Cluster> accounts() {
  auto c = bd::testing::cluster(8, "slow-read");
  run(*c, "CREATE TABLE acc (id INTEGER PRIMARY KEY, bal INTEGER NOT NULL)");
  std::string values;
  for (int i = 1; i <= 64; i++) values += (i > 1 ? ", (" : "(") + std::to_string(i) + ", 100)";
  run(*c, "INSERT INTO acc VALUES " + values);
  return c;
}

int64_t meta_int(const std::string& meta, const std::string& key) {
  auto p = meta.find("\"" + key + "\":");
  return p == std::string::npos ? -1 : std::stoll(meta.substr(p + key.size() + 3));
}

// Transfers between two accounts (ids 3 apart: mostly on two nodes) given a head start of 0..5
// steps, each with a sum of all balances read beside it, its requests slowed by `slow`: returns
// how many reads saw the exact total.
int transfers_beside_reads(Cluster& c, bool& slow) {
  int checked = 0;
  for (int head_start = 0; head_start < 6; head_start++)
    for (int pair = 0; pair < 4; pair++) {
      std::vector<Value> ab = {Value::integer(1 + pair * 5), Value::integer(4 + pair * 5)};
      int writer = c.begin(0, "UPDATE acc SET bal = bal + CASE id WHEN ?1 THEN -7 ELSE 7 END WHERE id IN (?1, ?2)", ab);
      bool writer_done = false;
      for (int i = 0; i < head_start && !writer_done; i++) writer_done = c.advance(writer);
      int reader = c.begin(1, "SELECT sum(bal) FROM acc");
      bool reader_done = false;
      for (int guard = 0; guard < 100000 && !(reader_done && writer_done); guard++) {
        if (!reader_done) {
          slow = true;
          reader_done = c.advance(reader);
          slow = false;
        }
        if (!writer_done) writer_done = c.advance(writer);
      }
      auto w = c.finish(writer);
      auto r = c.finish(reader);
      INFO("head start " << head_start << ", pair " << pair);
      REQUIRE(w.ok());
      REQUIRE(r.ok());
      if (r->rs.rows[0][0].i == 6400) checked++;
    }
  return checked;
}

}  // namespace

TEST_CASE("slow reads: a fan-out past the visibility budget answers once and sees commits whole") {
  auto c = accounts();
  c->set_time_ms(1.8e12);
  bool slow = false;
  c->set_fault_hook([&](const bd::native::Message&) {
    if (slow) c->set_time_ms(c->time_ms() + 200);
    return bd::native::Fault::None;
  });
  SECTION("with no transaction about, one round trip") {
    slow = true;
    auto r = c->execute("SELECT sum(bal) FROM acc");
    slow = false;
    REQUIRE(r.ok());
    CHECK(r->rs.rows[0][0].i == 6400);
    CHECK(meta_int(r->meta_json, "roundTrips") == 1);
  }
  SECTION("beside two-node transfers committing at every point of the read") { CHECK(transfers_beside_reads(*c, slow) == 24); }
}

// A fan-out slower than the budget and the margin together (each request moves the clock on by
// 2 s: 16 s for the 8 nodes) cannot be checked: the statement runs once more with a budget that
// covers it, and the isolate's next statements start with that budget instead of failing their
// first attempt too.
TEST_CASE("slow reads: a fan-out past the budget and the margin runs once more, with a budget that covers it") {
  auto c = accounts();
  c->set_time_ms(1.8e12);
  bool slow = false;
  c->set_fault_hook([&](const bd::native::Message&) {
    if (slow) c->set_time_ms(c->time_ms() + 2000);
    return bd::native::Fault::None;
  });
  SECTION("alone: two attempts, then one for the next statement") {
    slow = true;
    auto r = c->execute("SELECT sum(bal) FROM acc");
    REQUIRE(r.ok());
    CHECK(r->rs.rows[0][0].i == 6400);
    CHECK(meta_int(r->meta_json, "roundTrips") == 2);
    auto again = c->execute("SELECT count(*) FROM acc WHERE bal > 0");
    slow = false;
    REQUIRE(again.ok());
    CHECK(again->rs.rows[0][0].i == 64);
    CHECK(meta_int(again->meta_json, "roundTrips") == 1);
  }
  SECTION("beside two-node transfers committing at every point of the read") { CHECK(transfers_beside_reads(*c, slow) == 24); }
}
