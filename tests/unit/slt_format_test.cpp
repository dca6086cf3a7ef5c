// The runner renders values from bd::Value, not from a sqlite3_stmt; these tests hold that
// rendering to what SQLite's own APIs (and so slt_sqlite.c) produce for the same values.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "native/slt.h"
#include "sqlite3.h"

using namespace bd;
using namespace bd::native;

namespace {

struct Db {
  sqlite3* db = nullptr;
  Db() { sqlite3_open(":memory:", &db); }
  ~Db() { sqlite3_close(db); }
};

Value value_of(sqlite3_stmt* st) {
  switch (sqlite3_column_type(st, 0)) {
    case SQLITE_INTEGER: return Value::integer(sqlite3_column_int64(st, 0));
    case SQLITE_FLOAT: return Value::real(sqlite3_column_double(st, 0));
    case SQLITE_TEXT: return Value::text(std::string_view((const char*)sqlite3_column_text(st, 0), sqlite3_column_bytes(st, 0)));
    case SQLITE_BLOB: {
      const char* p = (const char*)sqlite3_column_blob(st, 0);
      return Value::blob(std::string_view(p ? p : "", sqlite3_column_bytes(st, 0)));
    }
    default: return Value::null();
  }
}

// What SQLite itself says about one value: its storage class and each column_* conversion,
// each read from a freshly stepped statement so no conversion sees another's side effects;
// and slt_sqlite.c's rendering for each type letter.
struct Reference {
  Value value;
  int64_t i64;
  double dbl;
  std::string text;
  bool null;
  std::string slt_I, slt_R, slt_T;
};

Reference reference(sqlite3_stmt* st) {
  Reference r;
  auto step = [&] {
    sqlite3_reset(st);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  };
  char buf[200];
  step();
  r.value = value_of(st);
  r.null = sqlite3_column_type(st, 0) == SQLITE_NULL;
  step();
  r.i64 = sqlite3_column_int64(st, 0);
  step();
  r.dbl = sqlite3_column_double(st, 0);
  step();
  const char* t = (const char*)sqlite3_column_text(st, 0);
  r.text = t ? t : "";  // as a C string, like the harness sees it
  step();
  sqlite3_snprintf(sizeof buf, buf, "%d", sqlite3_column_int(st, 0));
  r.slt_I = r.null ? "NULL" : buf;
  step();
  sqlite3_snprintf(sizeof buf, buf, "%.3f", sqlite3_column_double(st, 0));
  r.slt_R = r.null ? "NULL" : buf;
  std::string z = r.text.empty() ? "(empty)" : r.text;
  for (char& c : z) {
    if (c < ' ' || c > '~') c = '@';
  }
  r.slt_T = r.null ? "NULL" : z;
  return r;
}

void check_same(const Reference& ref, const std::string& what) {
  INFO(what);
  CHECK(sqlite_int64_of(ref.value) == ref.i64);
  double mine = sqlite_double_of(ref.value);
  if (std::isnan(ref.dbl)) {
    CHECK(std::isnan(mine));
  } else {
    INFO("double mine=" << mine << " sqlite=" << ref.dbl);
    CHECK(std::memcmp(&mine, &ref.dbl, sizeof mine) == 0);
  }
  CHECK(sqlite_text_of(ref.value) == ref.text);
  CHECK(slt_format_value(ref.value, 'I') == ref.slt_I);
  CHECK(slt_format_value(ref.value, 'R') == ref.slt_R);
  CHECK(slt_format_value(ref.value, 'T') == ref.slt_T);
}

}  // namespace

TEST_CASE("slt formatting agrees with SQLite for literal values", "[slt][format]") {
  const char* exprs[] = {
      "NULL",
      "0",
      "1",
      "-1",
      "42",
      "2147483647",
      "2147483648",
      "-2147483649",
      "4294967298",
      "9223372036854775807",
      "-9223372036854775808",
      "1234567890123",
      "0.0",
      "-0.0",
      "1.0",
      "-1.0",
      "0.1",
      "0.5",
      "1.5",
      "2.5",
      "-2.5",
      "0.0005",
      "0.0015",
      "-0.0005",
      "2.675",
      "1.0005",
      "3.14159265358979",
      "1e15",
      "1e16",
      "1e17",
      "1e20",
      "1e21",
      "1e100",
      "1e300",
      "1e-5",
      "1e-7",
      "123456789.123456789",
      "9.2e18",
      "9.3e18",
      "-9.3e18",
      "9223372036854774784.0",
      "9223372036854775807.0",
      "-9223372036854775808.0",
      "4294967298.7",
      "-4294967298.7",
      "1e308*10",
      "-1e308*10",
      "1.0/3",
      "2.0/3",
      "100.0/7",
      "''",
      "'abc'",
      "'12abc'",
      "'  12'",
      "'-12'",
      "'+7'",
      "'1e3'",
      "'1.9'",
      "'-1.9'",
      "' -0x10'",
      "'0x10'",
      "'9223372036854775807'",
      "'9223372036854775808'",
      "'-9223372036854775808'",
      "'-9223372036854775809'",
      "'99999999999999999999'",
      "'-99999999999999999999'",
      "'00000000000000000000012'",
      "'0000000000000000000009223372036854775808'",
      "'.5'",
      "'-.5'",
      "'+.5'",
      "'5.'",
      "'.'",
      "'-'",
      "'+'",
      "'1e'",
      "'1e+'",
      "'1e-'",
      "'1e5x'",
      "'1.5e-3'",
      "char(9,10,49,50)",
      "'12 '",
      "'1e400'",
      "'-1e400'",
      "'0.1e1'",
      "'1.5E+2'",
      "'  +3.25e1xyz'",
      "'- 5'",
      "'1 2'",
      "'3.000'",
      "' '",
      "'e5'",
      "'.e5'",
      "'0.0000001234'",
      "'12345678901234567890.5'",
      "'3500000000000000.25'",
      "'é'",
      "'tab' || char(9) || 'x'",
      "char(1)",
      "'a' || char(0) || 'b'",
      "char(0) || '5'",
      "'~' || char(127)",
      "x''",
      "x'3132'",
      "x'00'",
      "x'3100'",
      "x'41FF42'",
      "x'2D3132'",
      "x'312E3565'",
  };
  Db db;
  for (const char* e : exprs) {
    std::string sql = std::string("SELECT ") + e;
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db.db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    check_same(reference(st), sql);
    sqlite3_finalize(st);
  }
}

TEST_CASE("slt formatting agrees with SQLite for random doubles and integers", "[slt][format]") {
  Db db;
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db.db, "SELECT ?1", -1, &st, nullptr) == SQLITE_OK);
  std::mt19937_64 rng(12345);
  for (int n = 0; n < 20000; n++) {
    uint64_t bits = rng();
    double d;
    switch (n % 4) {
      case 0: std::memcpy(&d, &bits, sizeof d); break;  // any bit pattern
      case 1: d = double(int64_t(bits)) / double(1 << (bits % 40)); break;
      case 2: d = std::ldexp(double(bits >> 11), int(bits % 140) - 70); break;
      default: d = double(int64_t(bits % 2000000) - 1000000) / 1000.0; break;  // .3f ties
    }
    if (std::isnan(d)) continue;  // SQLite stores NaN as NULL
    sqlite3_bind_double(st, 1, d);
    check_same(reference(st), "double " + std::to_string(d));
    sqlite3_bind_int64(st, 1, int64_t(bits >> (bits % 64)) * ((bits & 1) ? -1 : 1));
    check_same(reference(st), "int64");
    // Numbers as text: what a text column holding a number converts to.
    char buf[64];
    sqlite3_snprintf(sizeof buf, buf, (n % 3) ? "%!.15g" : " %.6e", d);
    sqlite3_bind_text(st, 1, buf, -1, SQLITE_TRANSIENT);
    check_same(reference(st), std::string("text '") + buf + "'");
  }
  sqlite3_finalize(st);
}

TEST_CASE("slt value rendering rules", "[slt][format]") {
  CHECK(slt_format_value(Value::null(), 'I') == "NULL");
  CHECK(slt_format_value(Value::null(), 'R') == "NULL");
  CHECK(slt_format_value(Value::null(), 'T') == "NULL");
  CHECK(slt_format_value(Value::text(""), 'T') == "(empty)");
  CHECK(slt_format_value(Value::text("a\tb\xc3\xa9"), 'T') == "a@b@@");
  CHECK(slt_format_value(Value::integer(7), 'R') == "7.000");
  CHECK(slt_format_value(Value::real(2.5), 'I') == "2");
  CHECK(slt_format_value(Value::real(-2.5), 'I') == "-2");
  CHECK(slt_format_value(Value::real(1.0), 'T') == "1.0");
  CHECK(slt_format_value(Value::real(1e20), 'T') == "1.0e+20");
  CHECK(slt_format_value(Value::text("12abc"), 'I') == "12");
  CHECK(slt_format_value(Value::text("1e3"), 'I') == "1");
  CHECK(slt_format_value(Value::text("1e3"), 'R') == "1000.000");
  CHECK(slt_format_value(Value::integer(4294967298), 'I') == "2");  // sqlite3_column_int: low 32 bits
}
