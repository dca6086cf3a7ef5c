// Phase two of a committed multi-node transaction is finished on every participant before the same
// request's next statement runs: a script of multi-node writes over the same rows never finds a
// participant still prepared by its own previous statement (it would wait for it, or be refused as
// the younger transaction, while the phase two waited for the end of the request).
#include <catch2/catch.hpp>

#include <string>

#include "cluster_helpers.h"

using namespace bd;

TEST_CASE("txn phase two: a script's next statement never finds its previous statement's participants prepared (4 nodes)") {
  auto c = testing::cluster(4);
  testing::run(*c, "CREATE TABLE acc (id INTEGER PRIMARY KEY, bal INTEGER)");
  std::string values;
  for (int i = 1; i <= 40; i++) values += (i > 1 ? ", (" : "(") + std::to_string(i) + ", 0)";
  testing::run(*c, "INSERT INTO acc VALUES " + values);

  SECTION("40 autocommit UPDATEs over every node, then a read") {
    std::string script;
    for (int i = 0; i < 40; i++) script += "UPDATE acc SET bal = bal + 1;\n";
    script += "SELECT sum(bal), min(bal) FROM acc";
    auto r = c->execute_script(script);
    INFO((r.ok() ? std::string() : r.error().message));
    REQUIRE(r.ok());
    CHECK(r->rs.rows[0][0].i == 1600);
    CHECK(r->rs.rows[0][1].i == 40);
  }
  SECTION("a transaction committed over several nodes, then writes and reads of the same rows") {
    auto r = c->execute_script(
        "BEGIN; UPDATE acc SET bal = bal + 5 WHERE id <= 20; UPDATE acc SET bal = bal - 5 WHERE id > 20; COMMIT;"
        "UPDATE acc SET bal = bal * 2; SELECT sum(bal), min(bal), max(bal) FROM acc");
    INFO((r.ok() ? std::string() : r.error().message));
    REQUIRE(r.ok());
    CHECK(r->rs.rows[0][0].i == 0);
    CHECK(r->rs.rows[0][1].i == -10);
    CHECK(r->rs.rows[0][2].i == 10);
  }
  // Nothing is left prepared or locked once the script answered.
  for (int n = 0; n < c->nodes(); n++) {
    auto counts = c->txn_counts(n);
    REQUIRE(counts.ok());
    CHECK(counts->locks == 0);
  }
}
