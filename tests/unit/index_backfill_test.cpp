// A global index created on a table that already holds rows is filled from them a bounded page of
// each node's rows at a time (lookup_index.cpp): over several pages per node, every row is found
// through it, and a UNIQUE index still finds a duplicate that lies in a later page.
#include <string>
#include "cluster_helpers.h"

using bd::Value;
using bd::testing::cluster;
using bd::testing::run;

TEST_CASE("global index: built over more rows than one backfill page per node, it finds every row") {
  auto c = cluster(2, "backfill");
  run(*c, "CREATE TABLE t (id INTEGER PRIMARY KEY, tag TEXT NOT NULL, code INTEGER NOT NULL)");
  const int rows = 13000;  // about 6,500 per node: two pages of 5,000 on each
  for (int b = 0; b < rows; b += 500) {
    std::string values;
    for (int i = b; i < b + 500; i++)
      values += (i > b ? ", (" : "(") + std::to_string(i + 1) + ", 'tag" + std::to_string(i % 977) + "', " + std::to_string(i) + ")";
    run(*c, "INSERT INTO t VALUES " + values);
  }
  run(*c, "CREATE INDEX t_tag ON t (tag)");
  // Every tag through the index: the number of rows per tag, summed, is every row.
  int64_t total = 0;
  for (int k = 0; k < 977; k += 97) {
    auto r = run(*c, "SELECT count(*) FROM t WHERE tag = ?", {Value::text("tag" + std::to_string(k))});
    CHECK(r.rs.rows[0][0].i == (rows - k + 976) / 977);
    total += r.rs.rows[0][0].i;
  }
  CHECK(total > 0);
  auto plan = run(*c, "SELECT id FROM t WHERE tag = 'tag5' ORDER BY id");
  CHECK(plan.rs.rows.size() == static_cast<size_t>((rows - 5 + 976) / 977));
  // The last rows (a later page) are in it too.
  CHECK(run(*c, "SELECT id FROM t WHERE tag = ?", {Value::text("tag" + std::to_string((rows - 1) % 977))}).rs.rows.size() > 0);
  // A duplicate far apart (the first row and the last one) is found: the UNIQUE index is refused.
  run(*c, "UPDATE t SET code = 0 WHERE id = 13000");
  auto dup = c->execute("CREATE UNIQUE INDEX t_code ON t (code)");
  REQUIRE_FALSE(dup.ok());
  INFO(dup.error().message);
  CHECK(dup.error().message.find("UNIQUE constraint failed") != std::string::npos);
  run(*c, "UPDATE t SET code = 12999 WHERE id = 13000");
  run(*c, "CREATE UNIQUE INDEX t_code ON t (code)");
  CHECK(run(*c, "SELECT id FROM t WHERE code = 12999").rs.rows[0][0].i == 13000);
  auto again = c->execute("UPDATE t SET code = 5 WHERE id = 12990");
  REQUIRE_FALSE(again.ok());
}
