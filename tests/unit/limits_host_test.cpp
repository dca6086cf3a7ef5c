// The native stand-in for a Durable Object's SQL storage enforces the platform's limits
// (base/limits.h), so native tests catch statements that would fail in production.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "base/limits.h"
#include "native/sqlite_host.h"

using namespace bd;

TEST_CASE("limits: the native storage host refuses what a Durable Object refuses") {
  auto db = std::move(*native::SqliteHost::open(":memory:"));
  REQUIRE(db->exec("CREATE TABLE t (v)", {}).ok());

  std::vector<Value> params(limits::kMaxBoundParameters, Value::integer(1));
  std::string sql = "SELECT " + std::string(2 * params.size() - 1, ',');
  for (size_t i = 0; i < params.size(); i++) sql[7 + 2 * i] = '?';
  CHECK(db->exec(sql, params).ok());
  params.push_back(Value::integer(1));
  auto too_many = db->exec(sql + ",?", params);
  REQUIRE_FALSE(too_many.ok());
  CHECK(too_many.error().message == "too many SQL variables");

  std::string padded = "SELECT 1 /*" + std::string(limits::kMaxStatementBytes, ' ') + "*/";
  auto too_long = db->exec(padded, {});
  REQUIRE_FALSE(too_long.ok());
  CHECK(too_long.error().message == "statement too long");

  CHECK(db->exec("INSERT INTO t VALUES (?)", {Value::blob(std::string(limits::kMaxRowBytes - 100, 'x'))}).ok());
  auto too_big = db->exec("INSERT INTO t VALUES (?)", {Value::blob(std::string(limits::kMaxRowBytes + 1, 'x'))});
  REQUIRE_FALSE(too_big.ok());
  CHECK(too_big.error().message == "string or blob too big");
}
