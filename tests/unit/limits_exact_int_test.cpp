// Exact 64-bit integers over a host that carries numbers as doubles, as the Durable Object SQL API
// does: the lossy host below hands integers beyond 2^53 over rounded (and flagged), integral REALs
// as integers, binds every other number as a double (a REAL, as workerd's SQL API binds a
// JavaScript number) and large integer parameters as text, like js-shim/core.ts. exec_exact()
// must still give SQLite's exact values and types.
#include <catch2/catch.hpp>
#include <cmath>

#include "host/exact.h"
#include "native/sqlite_host.h"

namespace {

class DoubleHost : public bd::LossySqlHost {
 public:
  explicit DoubleHost(bd::native::SqliteHost& db) : db_(db) {}
  int calls = 0;
  bd::Result<bd::LossyResult> exec_lossy(std::string_view sql, const std::vector<bd::Value>& params) override {
    calls++;
    std::vector<bd::Value> bound;
    for (auto& p : params) {
      if (p.type == bd::ValueType::Integer && !bd::exact_in_double(p.i))
        bound.push_back(bd::Value::text(std::to_string(p.i)));
      else if (p.type == bd::ValueType::Integer)
        bound.push_back(bd::Value::real(static_cast<double>(p.i)));  // a number binds as a double (a REAL), as workerd binds it
      else
        bound.push_back(p);
    }
    auto r = db_.exec(sql, bound);
    if (!r.ok()) return r.error();
    bd::LossyResult out;
    out.rs = std::move(*r);
    std::vector<bool> flagged(out.rs.columns.size());
    for (auto& row : out.rs.rows) {
      for (size_t c = 0; c < row.size(); c++) {
        bd::Value& v = row[c];
        double d = v.type == bd::ValueType::Integer ? static_cast<double>(v.i) : v.r;
        if (v.type != bd::ValueType::Integer && v.type != bd::ValueType::Real) continue;
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9007199254740992.0) {
          v = bd::Value::integer(static_cast<int64_t>(d));
        } else {
          v = bd::Value::real(d);
          if (std::isfinite(d) && d == std::floor(d)) flagged[c] = true;
        }
      }
    }
    for (uint32_t c = 0; c < flagged.size(); c++)
      if (flagged[c]) out.inexact.push_back(c);
    return out;
  }

 private:
  bd::native::SqliteHost& db_;
};

struct Fixture {
  std::unique_ptr<bd::native::SqliteHost> db = std::move(*bd::native::SqliteHost::open(":memory:"));
  DoubleHost host{*db};
  bd::ResultSet run(std::string_view sql, const std::vector<bd::Value>& params = {}) {
    auto r = bd::exec_exact(host, sql, params);
    REQUIRE(r.ok());
    return std::move(*r);
  }
};

constexpr int64_t kMax = INT64_MAX, kMin = INT64_MIN, k2p53p1 = 9007199254740993;

}  // namespace

TEST_CASE("exact integers: reads of integers beyond 2^53 come back exact, in order, with their types") {
  Fixture f;
  f.run("CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, r REAL, a)");
  f.run(
      "INSERT INTO t VALUES (1, 9223372036854775807, 2.0, 'x'), (2, 9007199254740993, 1e300, -9223372036854775808), "
      "(3, -9223372036854775808, 0.5, 9007199254740993.0), (4, 5, 1e19, NULL)");
  auto rs = f.run("SELECT id, i, r, a FROM t ORDER BY id DESC");
  REQUIRE(rs.rows.size() == 4);
  CHECK(rs.columns == std::vector<std::string>{"id", "i", "r", "a"});
  CHECK(rs.rows[0] == bd::Row{bd::Value::integer(4), bd::Value::integer(5), bd::Value::real(1e19), bd::Value::null()});
  CHECK(rs.rows[1] == bd::Row{bd::Value::integer(3), bd::Value::integer(kMin), bd::Value::real(0.5), bd::Value::real(9007199254740992.0)});
  CHECK(rs.rows[2] == bd::Row{bd::Value::integer(2), bd::Value::integer(k2p53p1), bd::Value::real(1e300), bd::Value::integer(kMin)});
  CHECK(rs.rows[3] == bd::Row{bd::Value::integer(1), bd::Value::integer(kMax), bd::Value::real(2.0), bd::Value::text("x")});
  auto agg = f.run("SELECT max(i), min(i), count(*) FROM t");
  CHECK(agg.rows[0] == bd::Row{bd::Value::integer(kMax), bd::Value::integer(kMin), bd::Value::integer(4)});
}

TEST_CASE("exact integers: a result with only small numbers is read once") {
  Fixture f;
  f.run("CREATE TABLE t (i INTEGER)");
  f.run("INSERT INTO t VALUES (1), (9007199254740991)");
  int before = f.host.calls;
  auto rs = f.run("SELECT i FROM t ORDER BY i");
  CHECK(f.host.calls == before + 1);
  CHECK(rs.rows[1][0] == bd::Value::integer(9007199254740991));
}

TEST_CASE("exact integers: RETURNING values are exact (the write runs once)") {
  Fixture f;
  f.run("CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER)");
  auto rs = f.run("INSERT INTO t VALUES (9223372036854775807, 9007199254740993), (1, 2) RETURNING id, i + 0 AS j, 'k'");
  CHECK(rs.columns == std::vector<std::string>{"id", "j", "'k'"});
  REQUIRE(rs.rows.size() == 2);
  CHECK(rs.rows[0] == bd::Row{bd::Value::integer(kMax), bd::Value::integer(k2p53p1), bd::Value::text("k")});
  CHECK(rs.rows[1] == bd::Row{bd::Value::integer(1), bd::Value::integer(2), bd::Value::text("k")});
  CHECK(f.run("SELECT count(*) FROM t").rows[0][0] == bd::Value::integer(2));
  auto del = f.run("DELETE FROM t WHERE id > 1 RETURNING i");
  CHECK(del.rows == std::vector<bd::Row>{{bd::Value::integer(k2p53p1)}});
  auto last = f.run("SELECT changes(), last_insert_rowid()");
  CHECK(last.rows[0][0] == bd::Value::integer(1));
}

TEST_CASE("exact integers: large integer parameters bind as INTEGER, even into untyped columns") {
  Fixture f;
  f.run("CREATE TABLE t (k INTEGER PRIMARY KEY, x)");
  f.run("INSERT INTO t (k, x) VALUES (?, ?2), (:a, ?1)",
        {bd::Value::integer(kMax), bd::Value::integer(k2p53p1), bd::Value::integer(kMin + 1)});
  auto rs = f.run("SELECT k, x, typeof(x) FROM t WHERE x = ? ORDER BY k", {bd::Value::integer(k2p53p1)});
  REQUIRE(rs.rows.size() == 1);
  CHECK(rs.rows[0] == bd::Row{bd::Value::integer(kMax), bd::Value::integer(k2p53p1), bd::Value::text("integer")});
  auto rs2 = f.run("SELECT x FROM t WHERE k = ?", {bd::Value::integer(kMin + 1)});
  CHECK(rs2.rows == std::vector<bd::Row>{{bd::Value::integer(kMax)}});
  f.run("INSERT INTO t (k, x) VALUES (7, ?)", {bd::Value::real(2.0)});
  CHECK(f.run("SELECT typeof(x) FROM t WHERE k = 7").rows[0][0] == bd::Value::text("real"));
}

TEST_CASE("exact integers: small integer parameters stay INTEGER in expressions and untyped columns") {
  Fixture f;
  f.run("CREATE TABLE t (k INTEGER PRIMARY KEY, x)");
  f.run("INSERT INTO t VALUES (1, ?1)", {bd::Value::integer(7)});
  CHECK(f.run("SELECT typeof(x), x || '' FROM t").rows[0] == bd::Row{bd::Value::text("integer"), bd::Value::text("7")});
  // Integer division, typeof and text conversion of a bound integer, as SQLite gives them.
  auto rs = f.run("SELECT typeof(?1), ?1 / 2, ?1 || '', ?2 / 2, typeof(?2)", {bd::Value::integer(5), bd::Value::real(5.0)});
  CHECK(rs.rows[0] ==
        bd::Row{bd::Value::text("integer"), bd::Value::integer(2), bd::Value::text("5"), bd::Value::real(2.5), bd::Value::text("real")});
  f.run("UPDATE t SET x = ?1 + 1 WHERE k = ?2", {bd::Value::integer(-3), bd::Value::integer(1)});
  CHECK(f.run("SELECT typeof(x), x FROM t").rows[0] == bd::Row{bd::Value::text("integer"), bd::Value::integer(-2)});
  // A bound value has no affinity: compared with a TEXT column it is compared as text, as in SQLite.
  f.run("CREATE TABLE s (a TEXT, b INTEGER)");
  f.run("INSERT INTO s VALUES ('05', 5)");
  auto cmp =
      f.run("SELECT a = ?1, b = ?2, a = ?3, -?1, ?1 || 'x' FROM s", {bd::Value::integer(5), bd::Value::text("5"), bd::Value::text("05")});
  CHECK(cmp.rows[0] ==
        bd::Row{bd::Value::integer(0), bd::Value::integer(1), bd::Value::integer(1), bd::Value::integer(-5), bd::Value::text("5x")});
  auto big = f.run("SELECT a = ?1 FROM s", {bd::Value::integer(9007199254740993)});
  CHECK(big.rows[0][0] == bd::Value::integer(0));
}
