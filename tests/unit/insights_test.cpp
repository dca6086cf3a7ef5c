// Query insights and per-node load kept by a topology object: bounded tables, the recent and the
// slowest statements, statements grouped by text, requests per second and p50/p99 per node.
#include <catch2/catch.hpp>

#include <string>
#include "native/sqlite_host.h"
#include "topology/insights.h"
#include "topology/store.h"
#include "wire/codec.h"

using namespace bd;

namespace {

std::unique_ptr<native::SqliteHost> topology_object(bool with_database) {
  auto h = native::SqliteHost::open(":memory:");
  REQUIRE(h.ok());
  if (with_database) {
    auto r = topology::handle(**h, topology::get_or_create_request("shop", 2));
    REQUIRE(r.at(0) == 0);
  }
  return std::move(*h);
}

std::string report(SqlHost& h) {
  auto r = insights::decode_report_response(insights::handle(h, insights::report_request("shop")));
  if (!r.ok()) FAIL(r.error().message);
  return *r;
}

int64_t count(native::SqliteHost& h, const std::string& sql) {
  auto r = h.exec(sql, {});
  REQUIRE(r.ok());
  return r->rows.at(0).at(0).i;
}

size_t occurrences(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = 0; (p = s.find(what, p)) != std::string::npos; p += what.size()) n++;
  return n;
}

}  // namespace

TEST_CASE("insights: nothing is kept for a database that does not exist") {
  auto h = topology_object(false);
  insights::StatementSample s{"SELECT 1", 5, "route", 1, 1, 1, 0, 1000, ""};
  REQUIRE(insights::handle(*h, insights::record_request({s}, {{1000, 0, 3, true}})) == std::string(1, '\0'));
  auto r = insights::decode_report_response(insights::handle(*h, insights::report_request("shop")));
  REQUIRE(!r.ok());
  REQUIRE(r.error().code == ErrorCode::NotFound);
  REQUIRE(r.error().message == "no such database: shop");
  REQUIRE(count(*h, "SELECT count(*) FROM sqlite_master WHERE name LIKE '_bd_insights%'") == 0);
}

TEST_CASE("insights: statements are kept bounded: the newest and the slowest, and totals per statement text") {
  auto h = topology_object(true);
  for (int batch = 0; batch < 6; batch++) {
    std::vector<insights::StatementSample> samples;
    for (int i = 0; i < 100; i++) {
      int n = batch * 100 + i;
      // One slow outlier early on; the rest are quick, with three statement texts.
      double ms = n == 7 ? 9000 : 1 + n % 10;
      samples.push_back({"SELECT * FROM t WHERE id = ?" + std::string(n % 3 == 0   ? ""
                                                                      : n % 3 == 1 ? " -- b"
                                                                                   : " -- c"),
                         ms, "route", 1, 1, 1, 0, 1'000'000.0 + n, n == 11 ? "no such table: t" : ""});
    }
    REQUIRE(insights::handle(*h, insights::record_request(samples, {})).at(0) == 0);
  }
  REQUIRE(count(*h, "SELECT count(*) FROM _bd_insights_statements") <=
          static_cast<int64_t>(insights::kRecentKept + insights::kSlowestKept));
  std::string j = report(*h);
  INFO(j.substr(0, 2000));
  // The slowest comes first among "slowest" even though it is long out of "recent".
  auto slowest = j.find("\"slowest\":[");
  REQUIRE(slowest != std::string::npos);
  REQUIRE(j.find("{\"at\":1000007,\"ms\":9000.0,", slowest) == slowest + 11);
  auto recent = j.find("\"recent\":[");
  REQUIRE(j.find("{\"at\":1000599,", recent) == recent + 10);
  REQUIRE(occurrences(j.substr(recent, slowest - recent), "\"at\":") == 50);
  // 600 samples over three texts: 200 each.
  REQUIRE(j.find("\"sql\":\"SELECT * FROM t WHERE id = ?\",\"count\":200,") != std::string::npos);
  REQUIRE(j.find("\"count\":200,\"errors\":1,") != std::string::npos);
}

TEST_CASE("insights: load per node in 10-second buckets: requests per second, p50 and p99; older than 15 minutes is dropped") {
  auto h = topology_object(true);
  const double t0 = 1'700'000'000'000.0;  // a bucket boundary (multiple of 10 s)
  std::vector<insights::LoadSample> load;
  for (int i = 1; i <= 100; i++) load.push_back({t0 + i, 0, static_cast<double>(i), true});  // node 0: 1..100 ms
  for (int i = 0; i < 20; i++) load.push_back({t0 + 10'000 + i, 1, 2.0, i != 0});            // node 1, next bucket
  load.push_back({t0 - 20 * 60'000, 0, 5.0, true});                                          // 20 minutes earlier
  REQUIRE(insights::handle(*h, insights::record_request({}, load)).at(0) == 0);
  REQUIRE(count(*h, "SELECT count(*) FROM _bd_insights_load") == 2);
  std::string j = report(*h);
  INFO(j.substr(j.find("\"load\""), 600));
  REQUIRE(j.find("\"bucketSeconds\":10") != std::string::npos);
  // 90 buckets, ending with node 1's.
  auto buckets = j.find("\"buckets\":[");
  REQUIRE(occurrences(j.substr(buckets, j.find(']', buckets) - buckets), ",") == 89);
  REQUIRE(j.find(std::to_string(static_cast<int64_t>(t0 + 10'000)) + "]") != std::string::npos);
  // Node 0: 100 requests in its bucket = 10/s; the median is at 50 ms and the 99th at 99 ms, up to
  // the width of a histogram bin (2^(1/4): 19%).
  double p50 = insights::bin_upper_ms(insights::bin_of(50)), p99 = insights::bin_upper_ms(insights::bin_of(99));
  REQUIRE(p50 >= 50);
  REQUIRE(p50 <= 50 * 1.19 + 1);
  REQUIRE(p99 >= 99);
  REQUIRE(p99 <= 99 * 1.19 + 1);
  char expect0[200];
  std::snprintf(expect0, sizeof expect0, "10.0,0],\"p50\":[");
  auto n0 = j.find("{\"node\":0,");
  REQUIRE(n0 != std::string::npos);
  REQUIRE(j.find(expect0, n0) != std::string::npos);
  char q[64];
  std::snprintf(q, sizeof q, "%.1f,null],\"p99\":[", p50);
  REQUIRE(j.find(q, n0) != std::string::npos);
  std::snprintf(q, sizeof q, "%.1f,null],\"errors\":[", p99);
  REQUIRE(j.find(q, n0) != std::string::npos);
  // Node 1: 20 requests = 2/s, one of them failed.
  auto n1 = j.find("{\"node\":1,");
  REQUIRE(j.find("0,2.0],\"p50\":[", n1) != std::string::npos);
  REQUIRE(j.find("0,1]}", n1) != std::string::npos);
}

TEST_CASE("insights: deleting the database drops them") {
  auto h = topology_object(true);
  REQUIRE(insights::handle(*h, insights::record_request({{"SELECT 1", 1, "reference", 1, 0, 1, 0, 5, ""}}, {})).at(0) == 0);
  REQUIRE(report(*h).find("SELECT 1") != std::string::npos);
  REQUIRE(topology::handle(*h, topology::drop_request("shop", topology::DropStage::Begin)).at(0) == 0);
  REQUIRE(topology::handle(*h, topology::drop_request("shop", topology::DropStage::Finish)).at(0) == 0);
  REQUIRE(count(*h, "SELECT count(*) FROM sqlite_master WHERE name LIKE '_bd_insights%'") == 0);
  REQUIRE(!insights::decode_report_response(insights::handle(*h, insights::report_request("shop"))).ok());
}
