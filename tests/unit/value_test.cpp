// The value layer (src/value): compare(), collations and their hashing keys, affinity, LIMIT value
// rules and the value conversions aggregates use, each checked against SQLite itself (the
// amalgamation linked into the tests) on random and edge-case values.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "conductor/merge/limit.h"
#include "conductor/sqlite_exec.h"
#include "conductor/merge/sort_key.h"
#include "topology/keyspace.h"
#include "value/affinity.h"
#include "value/collation.h"
#include "value/compare.h"
#include "value/numeric.h"

using namespace bd;
using namespace bd::merge;

namespace {

struct Db {
  sqlite3* db = nullptr;
  Db() { sqlite3_open(":memory:", &db); }
  ~Db() { sqlite3_close(db); }
};

// Evaluates `sql` with ?1, ?2 bound; returns the first row's first column or an error message.
struct Eval {
  bool ok = true;
  Value v;
  std::string err;
};
Eval eval(sqlite3* db, const char* sql, const Value& a, const Value* b = nullptr) {
  std::vector<Value> params{a};
  if (b) params.push_back(*b);
  auto r = sqlite_run(db, sql, params);
  Eval out;
  if (!r.ok()) {
    out.ok = false;
    out.err = r.error().message;
  } else if (!r->rows.empty() && !r->rows[0].empty()) {
    out.v = r->rows[0][0];
  }
  return out;
}

std::vector<Value> edge_values() {
  const int64_t mx = std::numeric_limits<int64_t>::max(), mn = std::numeric_limits<int64_t>::min();
  std::vector<Value> v = {
      Value::null(),
      Value::integer(0),
      Value::integer(1),
      Value::integer(-1),
      Value::integer(mx),
      Value::integer(mn),
      Value::integer(mx - 1),
      Value::integer(mn + 1),
      Value::integer(9007199254740992),
      Value::integer(9007199254740993),
      Value::integer(-9007199254740993),
      Value::integer(4503599627370497),
      Value::real(0.0),
      Value::real(-0.0),
      Value::real(1.0),
      Value::real(0.5),
      Value::real(-1.5),
      Value::real(9007199254740992.0),
      Value::real(9007199254740994.0),
      Value::real(-9007199254740992.0),
      Value::real(9223372036854775807.0),
      Value::real(-9223372036854775808.0),
      Value::real(9223372036854774784.0),
      Value::real(1e300),
      Value::real(-1e300),
      Value::real(1e-300),
      Value::real(std::numeric_limits<double>::infinity()),
      Value::real(-std::numeric_limits<double>::infinity()),
      Value::text(""),
      Value::text(" "),
      Value::text("a"),
      Value::text("A"),
      Value::text("a "),
      Value::text("A  "),
      Value::text("ab"),
      Value::text("aB"),
      Value::text("b"),
      Value::text("["),
      Value::text("_"),
      Value::text("`"),
      Value::text("1"),
      Value::text(std::string("a\0b", 3)),
      Value::text(std::string("A\0c", 3)),
      Value::text("\xc3\xa9"),
      Value::text("\xc3\x89"),
      Value::text("a\t"),
      Value::blob(""),
      Value::blob(std::string("\0", 1)),
      Value::blob("a"),
      Value::blob("A"),
      Value::blob("\xff"),
      Value::blob("a "),
  };
  return v;
}

int sgn(int x) { return x < 0 ? -1 : (x > 0 ? 1 : 0); }

}  // namespace

TEST_CASE("value: compare() orders values exactly as SQLite under each collation", "[value]") {
  Db db;
  std::vector<Value> vals = edge_values();
  std::mt19937_64 rng(42);
  for (int i = 0; i < 300; i++) {
    int64_t x = int64_t(rng());
    vals.push_back(Value::integer(x >> (rng() % 64)));
    double d = std::ldexp(double(int64_t(rng() >> 11)), int(rng() % 80) - 40);
    vals.push_back(Value::real(d));
    // Reals that sit exactly on / next to large integers: the int-vs-real precision trap.
    int64_t big = int64_t(rng() >> 1) >> (rng() % 12);
    vals.push_back(Value::integer(big));
    vals.push_back(Value::real(double(big)));
  }
  const char* sqls[3] = {"SELECT CASE WHEN ?1 < ?2 THEN -1 WHEN ?1 = ?2 THEN 0 ELSE 1 END",
                         "SELECT CASE WHEN ?1 < ?2 COLLATE NOCASE THEN -1 WHEN ?1 = ?2 COLLATE NOCASE THEN 0 ELSE 1 END",
                         "SELECT CASE WHEN ?1 < ?2 COLLATE RTRIM THEN -1 WHEN ?1 = ?2 COLLATE RTRIM THEN 0 ELSE 1 END"};
  Collation colls[3] = {Collation::Binary, Collation::NoCase, Collation::RTrim};
  int checked = 0;
  auto check = [&](const Value& a, const Value& b) {
    if (a.is_null() || b.is_null()) {  // `<` yields NULL; the order is NULL-first by definition
      REQUIRE(sgn(compare(a, b)) == (a.is_null() == b.is_null() ? 0 : (a.is_null() ? -1 : 1)));
      return;
    }
    for (int c = 0; c < 3; c++) {
      auto e = eval(db.db, sqls[c], a, &b);
      REQUIRE(e.ok);
      REQUIRE(e.v.type == ValueType::Integer);
      int want = int(e.v.i);
      INFO("a=" << to_text(a) << " b=" << to_text(b) << " coll=" << collation_name(colls[c]));
      REQUIRE(sgn(compare(a, b, colls[c])) == want);
      checked++;
    }
  };
  std::vector<Value> edges = edge_values();
  for (const Value& a : edges)
    for (const Value& b : edges) check(a, b);
  for (int i = 0; i < 20000; i++) check(vals[rng() % vals.size()], vals[rng() % vals.size()]);
  REQUIRE(checked > 50000);
}

TEST_CASE("value: compare_int_real is exact where a double cast would not be", "[value]") {
  CHECK(compare(Value::integer(9007199254740993), Value::real(9007199254740992.0)) > 0);
  CHECK(compare(Value::real(9007199254740992.0), Value::integer(9007199254740993)) < 0);
  CHECK(compare(Value::integer(INT64_MAX), Value::real(9223372036854775808.0)) < 0);
  CHECK(compare(Value::integer(INT64_MIN), Value::real(-9223372036854775808.0)) == 0);
  CHECK(compare(Value::integer(1), Value::real(1.0)) == 0);
  CHECK(same(Value::integer(-3), Value::real(-3.0)));
  CHECK(!same(Value::integer(-3), Value::real(-3.5)));
  CHECK(compare(Value::integer(-3), Value::real(-2.5)) < 0);
  CHECK(compare(Value::null(), Value::integer(INT64_MIN)) < 0);
  CHECK(compare(Value::real(1e300), Value::text("")) < 0);
  CHECK(compare(Value::text("\xff"), Value::blob("")) < 0);
}

TEST_CASE("value: collation names and sort keys", "[value]") {
  CHECK(*parse_collation("nocase") == Collation::NoCase);
  CHECK(*parse_collation("Binary") == Collation::Binary);
  CHECK(*parse_collation("RTRIM") == Collation::RTrim);
  auto bad = parse_collation("french");
  REQUIRE(!bad.ok());
  CHECK(bad.error().message == "no such collation sequence: french");

  Row n{Value::null()}, one{Value::integer(1)};
  SortKey asc{0, false, Collation::Binary, SortKey::Default};
  SortKey desc{0, true, Collation::Binary, SortKey::Default};
  CHECK(compare_rows(n, one, {asc}) < 0);   // NULLs first in ASC
  CHECK(compare_rows(n, one, {desc}) > 0);  // and last in DESC
  SortKey asc_last = asc, desc_first = desc;
  asc_last.nulls = SortKey::Last;
  desc_first.nulls = SortKey::First;
  CHECK(compare_rows(n, one, {asc_last}) > 0);
  CHECK(compare_rows(n, one, {desc_first}) < 0);
  CHECK(compare_rows(n, n, {asc_last}) == 0);
}

TEST_CASE("value: LIMIT/OFFSET values read like SQLite's", "[value]") {
  Db db;
  std::vector<Value> vals = {Value::integer(2),
                             Value::integer(-1),
                             Value::integer(0),
                             Value::real(2.0),
                             Value::real(1.5),
                             Value::real(-3.0),
                             Value::text("2"),
                             Value::text(" 3 "),
                             Value::text("2.0"),
                             Value::text("x"),
                             Value::null(),
                             Value::blob("2"),
                             Value::integer(INT64_MAX),
                             Value::text("-0"),
                             Value::text("1e1"),
                             Value::text(" 2.0 "),
                             Value::text("2.5"),
                             Value::text("2x"),
                             Value::text("9223372036854775808"),
                             Value::text("-9223372036854775808"),
                             Value::real(9223372036854775807.0),
                             Value::real(-9223372036854775808.0),
                             Value::real(-9223372036854774784.0),
                             Value::text("1e"),
                             Value::text(""),
                             Value::integer(INT64_MIN)};
  const char* sql = "SELECT count(*) FROM (SELECT 1 FROM (VALUES(1),(2),(3),(4),(5)) LIMIT ?1 OFFSET ?2)";
  for (const Value& l : vals)
    for (const Value& o : vals) {
      Eval e = eval(db.db, sql, l, &o);
      Result<LimitSpec> spec = limit_from_values(l, &o);
      INFO("limit=" << to_text(l) << "/" << int(l.type) << " offset=" << to_text(o) << "/" << int(o.type) << " sqlite=" << e.err);
      REQUIRE(e.ok == spec.ok());
      if (!e.ok) {
        CHECK(spec.error().message == "datatype mismatch");
        continue;
      }
      int64_t lim = spec->limit, off = spec->offset;
      int64_t n = std::max<int64_t>(0, 5 - off);
      if (lim >= 0) n = std::min(n, lim);
      CHECK(e.v.i == n);
    }
}

TEST_CASE("value: to_numeric and to_text convert like sum() and group_concat()", "[value]") {
  Db db;
  std::vector<Value> vals = edge_values();
  for (const char* s : {"12",
                        " 12 ",
                        "-7",
                        "+3",
                        "12abc",
                        "1.5abc",
                        "abc",
                        "1e3",
                        "1e",
                        "1e+",
                        ".5",
                        "5.",
                        "0x10",
                        "9223372036854775807",
                        "9223372036854775808",
                        "-9223372036854775808",
                        "-9223372036854775809",
                        "  -12  ",
                        "1.0",
                        "00012",
                        "1 2",
                        "\t7\n",
                        "-",
                        "+",
                        "e5",
                        "1.5e-3x",
                        "inf",
                        "nan",
                        "Infinity",
                        "1e400",
                        "-.5e1"}) {
    vals.push_back(Value::text(s));
    vals.push_back(Value::blob(s));
  }
  for (double d : {0.1, 1.0 / 3, 100.0, 1e15, 1e16, 1e17, 123456789012345678.0, 2.5e-7, -0.0, 1e300, 5e-324})
    vals.push_back(Value::real(d));
  for (const Value& v : vals) {
    INFO("value=" << to_text(v) << " type=" << int(v.type));
    Eval s = eval(db.db, "SELECT sum(?1)", v);
    REQUIRE(s.ok);
    Value n = to_numeric(v);
    if (v.is_null()) {
      CHECK(s.v.is_null());
    } else {
      CHECK(n.type == s.v.type);
      if (n.type == s.v.type && n.type == ValueType::Real) CHECK((n.r == s.v.r || std::memcmp(&n.r, &s.v.r, 8) == 0));  // sum(-0.0) is 0.0
      if (n.type == s.v.type && n.type == ValueType::Integer) CHECK(n.i == s.v.i);
    }
    Eval t = eval(db.db, "SELECT group_concat(?1)", v);
    REQUIRE(t.ok);
    if (!v.is_null()) CHECK(t.v.s == to_text(v));
  }
}

namespace {

// Text values that exercise "does this look like a number" and the int64 edge.
std::vector<Value> numeric_texts() {
  std::vector<Value> v;
  for (const char* t : {"0",
                        "-0",
                        "+5",
                        " 12 ",
                        "\t7\n",
                        "12abc",
                        "abc",
                        "",
                        " ",
                        ".5",
                        "5.",
                        ".",
                        "1e3",
                        "1E-2",
                        "1e",
                        "1e+",
                        "-1.5e2",
                        "0x10",
                        "1_000",
                        "9223372036854775807",
                        "9223372036854775808",
                        "-9223372036854775808",
                        "-9223372036854775809",
                        "9223372036854775807.0",
                        "-9223372036854775808.0",
                        "9.3e18",
                        "1e400",
                        "-1e400",
                        "00012",
                        "1.0",
                        "3.0000000000000004",
                        "0.30000000000000004",
                        "1 2",
                        "--1",
                        "+-1",
                        "nan",
                        "inf"})
    v.push_back(Value::text(t));
  return v;
}

// What SQLite stores for `v` in a column of the given declared type, read back as it reads it.
Value stored_as(sqlite3* db, const char* type, const Value& v) {
  std::string ddl = std::string("DROP TABLE IF EXISTS aff; CREATE TABLE aff(c ") + type + ")";
  REQUIRE(sqlite3_exec(db, ddl.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  REQUIRE(sqlite_run(db, "INSERT INTO aff VALUES (?1)", {v}).ok());
  auto r = sqlite_run(db, "SELECT c FROM aff", {});
  REQUIRE(r.ok());
  REQUIRE(r->rows.size() == 1);
  return r->rows[0][0];
}

bool identical(const Value& a, const Value& b) {
  if (a.type != b.type) return false;
  if (a.type == ValueType::Real) return std::memcmp(&a.r, &b.r, sizeof a.r) == 0 || (a.r == b.r && a.r != 0);
  return a == b;
}

}  // namespace

TEST_CASE("value: apply_affinity stores values exactly as a SQLite column of each affinity does", "[value]") {
  Db d;
  std::vector<Value> values = edge_values();
  for (auto& t : numeric_texts()) values.push_back(t);
  values.push_back(Value::real(0.1 + 0.2));
  values.push_back(Value::real(1.0 / 3));
  values.push_back(Value::real(123456789012345678.0));
  std::mt19937_64 rng(42);
  for (int i = 0; i < 300; i++) {
    double r = std::ldexp(double(rng() % 1000000) / 7.0, int(rng() % 140) - 70);
    values.push_back(Value::real(rng() % 2 ? r : -r));
    values.push_back(Value::text(real_to_text(r)));
    values.push_back(Value::integer(static_cast<int64_t>(rng())));
  }
  struct Decl {
    const char* type;
    Affinity affinity;
  };
  for (Decl decl : {Decl{"INTEGER", Affinity::Integer}, Decl{"TEXT", Affinity::Text}, Decl{"NUMERIC", Affinity::Numeric},
                    Decl{"REAL", Affinity::Real}, Decl{"BLOB", Affinity::Blob}}) {
    CHECK(affinity_of_type(decl.type) == decl.affinity);
    for (auto& v : values) {
      if (v.type == ValueType::Real && std::isnan(v.r)) continue;
      Value want = stored_as(d.db, decl.type, v);
      Value got = apply_affinity(v, decl.affinity);
      INFO(decl.type << " <- " << to_text(v) << " (type " << int(v.type) << "): SQLite " << to_text(want) << " (type " << int(want.type)
                     << "), apply_affinity " << to_text(got) << " (type " << int(got.type) << ")");
      CHECK(identical(got, want));
    }
  }
}

TEST_CASE("value: real_to_text renders reals as CAST(r AS TEXT) does", "[value]") {
  Db d;
  std::mt19937_64 rng(7);
  std::vector<double> reals = {0.1 + 0.2, 0.1, 1.0 / 3, 100.0, 1e300, -1e-300, 123456789012345678.0, 9007199254740993.0, -0.0, 5e-324};
  for (int i = 0; i < 2000; i++) {
    uint64_t bits = rng();
    double r;
    std::memcpy(&r, &bits, sizeof r);
    if (std::isfinite(r)) reals.push_back(r);
  }
  for (double r : reals) {
    auto e = eval(d.db, "SELECT CAST(?1 AS TEXT)", Value::real(r));
    REQUIRE(e.ok);
    INFO("r=" << e.v.s);
    CHECK(real_to_text(r) == e.v.s);
  }
}

TEST_CASE("value: collation keys are equal exactly when SQLite's collation says the texts are equal", "[value]") {
  Db d;
  std::vector<std::string> texts;
  for (auto& v : edge_values())
    if (v.type == ValueType::Text) texts.push_back(v.s);
  std::mt19937_64 rng(3);
  const char alphabet[] = {'a', 'A', 'b', 'B', ' ', '\0', 'z', '\xc3'};
  for (int i = 0; i < 300; i++) {
    std::string t;
    size_t n = rng() % 5;
    for (size_t k = 0; k < n; k++) t += alphabet[rng() % sizeof alphabet];
    texts.push_back(t);
  }
  for (Collation c : {Collation::Binary, Collation::NoCase, Collation::RTrim}) {
    std::string sql = std::string("SELECT ?1 = ?2 COLLATE ") + collation_name(c);
    for (size_t i = 0; i < texts.size(); i++)
      for (size_t j = i; j < texts.size(); j += 1 + rng() % 7) {
        auto e = eval(d.db, sql.c_str(), Value::text(texts[i]), &*std::make_unique<Value>(Value::text(texts[j])));
        REQUIRE(e.ok);
        bool equal = e.v.i == 1;
        INFO(collation_name(c) << ": '" << texts[i] << "' vs '" << texts[j] << "'");
        CHECK((compare_text(texts[i], texts[j], c) == 0) == equal);
        CHECK((collation_key(texts[i], c) == collation_key(texts[j], c)) == equal);
        CHECK((keyspace_id(Value::text(texts[i]), collation_name(c)) == keyspace_id(Value::text(texts[j]), collation_name(c))) == equal);
      }
  }
}

TEST_CASE("value: the int64 edge: equality for hashing, integer affinity excludes the extremes", "[value]") {
  Db d;
  // -2^63 as a REAL equals INT64_MIN (compare() and SQLite's = agree), so both hash alike...
  Value big_real = Value::real(-9223372036854775808.0), big_int = Value::integer(INT64_MIN);
  CHECK(compare(big_real, big_int) == 0);
  CHECK(eval(d.db, "SELECT ?1 = ?2", big_real, &big_int).v.i == 1);
  CHECK(real_equal_integer(-9223372036854775808.0) == INT64_MIN);
  CHECK(keyspace_id(big_real) == keyspace_id(big_int));
  // ...but an INTEGER column keeps it REAL (sqlite3VdbeIntegerAffinity refuses both extremes).
  CHECK(!real_to_integer_affinity(-9223372036854775808.0));
  CHECK(!real_to_integer_affinity(9223372036854775808.0));
  CHECK(real_to_integer_affinity(-9223372036854774784.0) == -9223372036854774784LL);
  CHECK(apply_affinity(big_real, Affinity::Integer).type == ValueType::Real);
  CHECK(stored_as(d.db, "INTEGER", big_real).type == ValueType::Real);
  // Values equal under compare() hash alike, across INTEGER and REAL.
  for (auto& a : edge_values())
    for (auto& b : edge_values())
      if (a.type != ValueType::Text && b.type != ValueType::Text && compare(a, b) == 0) {
        INFO(to_text(a) << " vs " << to_text(b));
        CHECK(keyspace_id(a) == keyspace_id(b));
      }
}
