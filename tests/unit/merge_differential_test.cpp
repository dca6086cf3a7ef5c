// Differential tests of the merge operators against SQLite as the oracle.
//
// One SQLite table t(shard, seq, g, x, y) holds every row, inserted in (shard, seq) order, so
// "WHERE shard = k" is shard k's database and a query over all of t is the one-database answer,
// scanning rows in the same order the merge sees them (shard order, then row order). Each case
// draws mixed-type values (NULL, INT64 extremes, reals beside large integers, text with case and
// trailing-space differences, blobs), spreads them over 1..8 shards, runs the per-shard SQL the
// planner would push down, merges with the operators and checks the result against SQLite.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "conductor/merge/aggregate.h"
#include "conductor/merge/bench.h"
#include "conductor/merge/concat.h"
#include "conductor/merge/distinct.h"
#include "conductor/merge/group_combine.h"
#include "conductor/merge/limit.h"
#include "conductor/merge/ordered_merge.h"
#include "conductor/merge/sort.h"
#include "value/numeric.h"

using namespace bd;
using namespace bd::merge;

namespace {

// --- SQLite plumbing -----------------------------------------------------------------------

void bind(sqlite3_stmt* st, int i, const Value& v) {
  switch (v.type) {
    case ValueType::Null: sqlite3_bind_null(st, i); break;
    case ValueType::Integer: sqlite3_bind_int64(st, i, v.i); break;
    case ValueType::Real: sqlite3_bind_double(st, i, v.r); break;
    case ValueType::Text: sqlite3_bind_text(st, i, v.s.data(), int(v.s.size()), SQLITE_TRANSIENT); break;
    case ValueType::Blob: sqlite3_bind_blob(st, i, v.s.data(), int(v.s.size()), SQLITE_TRANSIENT); break;
  }
}

Value column(sqlite3_stmt* st, int i) {
  switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER: return Value::integer(sqlite3_column_int64(st, i));
    case SQLITE_FLOAT: return Value::real(sqlite3_column_double(st, i));
    case SQLITE_TEXT: {
      const char* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
      return Value::text(std::string(p, size_t(sqlite3_column_bytes(st, i))));
    }
    case SQLITE_BLOB: {
      const char* p = static_cast<const char*>(sqlite3_column_blob(st, i));
      return Value::blob(std::string(p ? p : "", size_t(sqlite3_column_bytes(st, i))));
    }
    default: return Value::null();
  }
}

struct Query {
  bool ok = true;
  std::string err;
  std::vector<Row> rows;
};

Query run(sqlite3* db, const std::string& sql, const std::vector<Value>& params = {}) {
  Query q;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    q.ok = false;
    q.err = sqlite3_errmsg(db);
    return q;
  }
  for (size_t i = 0; i < params.size(); i++) bind(st, int(i + 1), params[i]);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    Row r;
    for (int i = 0; i < sqlite3_column_count(st); i++) r.push_back(column(st, i));
    q.rows.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) {
    q.ok = false;
    q.err = sqlite3_errmsg(db);
  }
  sqlite3_finalize(st);
  return q;
}

std::string show(const Value& v) {
  switch (v.type) {
    case ValueType::Null: return "NULL";
    case ValueType::Integer: return std::to_string(v.i);
    case ValueType::Real: {
      char b[64];
      snprintf(b, sizeof b, "%.17gr", v.r);
      return b;
    }
    case ValueType::Text: return "'" + v.s + "'";
    default: return "x'" + v.s + "'";
  }
}
std::string show(const Row& r) {
  std::string s = "(";
  for (size_t i = 0; i < r.size(); i++) s += (i ? ", " : "") + show(r[i]);
  return s + ")";
}
std::string show(const std::vector<Row>& rows) {
  std::string s;
  for (const Row& r : rows) s += show(r) + "\n";
  return s;
}

// Exact identity: same storage class and same bits/bytes (so 1 != 1.0 and 0.0 != -0.0 would
// show; SQLite itself turns -0.0 into 0 on storage, so the latter never arises).
bool identical(const Value& a, const Value& b) {
  if (a.type != b.type) return false;
  if (a.type == ValueType::Real) return std::memcmp(&a.r, &b.r, 8) == 0 || (a.r == 0 && b.r == 0);
  return a == b;
}
bool identical(const Row& a, const Row& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++)
    if (!identical(a[i], b[i])) return false;
  return true;
}

// --- data ------------------------------------------------------------------------------------

struct Gen {
  std::mt19937_64 rng;
  explicit Gen(uint64_t seed) : rng(seed) {}
  uint64_t u(uint64_t n) { return rng() % n; }

  Value integer() {
    static const int64_t special[] = {0,
                                      1,
                                      -1,
                                      2,
                                      7,
                                      INT64_MAX,
                                      INT64_MIN,
                                      INT64_MAX - 1,
                                      INT64_MIN + 1,
                                      9007199254740992,
                                      9007199254740993,
                                      -9007199254740993,
                                      4503599627370497,
                                      4611686018427387904};
    switch (u(4)) {
      case 0: return Value::integer(special[u(sizeof special / sizeof *special)]);
      case 1: return Value::integer(int64_t(rng()) >> u(64));
      default: return Value::integer(int64_t(u(11)) - 5);
    }
  }
  Value real() {
    static const double special[] = {
        0.0,   1.0,    -1.0,   0.5,  2.0, 0.1, 9007199254740992.0, 9007199254740994.0, 9223372036854775807.0, -9223372036854775808.0,
        1e300, -1e300, 1e-300, 1e16, 3.0};
    switch (u(4)) {
      case 0: return Value::real(special[u(sizeof special / sizeof *special)]);
      case 1: return Value::real(std::ldexp(double(int64_t(rng() >> 11)), int(u(60)) - 30));
      default: return Value::real((double(u(41)) - 20) / 4);
    }
  }
  Value text() {
    static const char* special[] = {"a", "A", "a ", "A  ", "b", "B", "ab", "AB", "aB", "", " ", "10", "9", "1.5", "abc ", "Abc", "_", "z"};
    return Value::text(special[u(sizeof special / sizeof *special)]);
  }
  Value blob() {
    static const char* special[] = {"", "a", "A", "\xff", "a ", "01"};
    return Value::blob(special[u(sizeof special / sizeof *special)]);
  }
  // mix: how often each class appears (numbers dominate the aggregate tests).
  Value value(bool numeric_heavy) {
    uint64_t k = u(20);
    if (k < 2) return Value::null();
    if (numeric_heavy) {
      if (k < 11) return integer();
      if (k < 18) return real();
      return k < 19 ? text() : blob();
    }
    if (k < 7) return integer();
    if (k < 11) return real();
    if (k < 17) return text();
    return blob();
  }
  // Group keys from a small domain with equal-but-different representations (1 vs 1.0, 'a' vs 'A'
  // vs 'a ') so grouping collations and numeric equality are exercised.
  Value group() {
    switch (u(9)) {
      case 0: return Value::null();
      case 1: return Value::integer(1);
      case 2: return Value::real(1.0);
      case 3: return Value::integer(2);
      case 4: return Value::real(2.5);
      case 5: return Value::text("a");
      case 6: return Value::text("A");
      case 7: return Value::text("a ");
      default: return Value::text("b");
    }
  }
};

struct Data {
  sqlite3* db = nullptr;
  int shards = 1;
  Data() {
    sqlite3_open(":memory:", &db);
    run(db, "CREATE TABLE t(shard INTEGER, seq INTEGER, g, x, y)");
  }
  ~Data() { sqlite3_close(db); }
  void fill(Gen& gen, int nshards, int nrows, bool numeric_heavy) {
    shards = nshards;
    run(db, "DELETE FROM t");
    std::vector<std::vector<Row>> per(nshards);
    for (int i = 0; i < nrows; i++) per[gen.u(nshards)].push_back(Row{gen.group(), gen.value(numeric_heavy), gen.value(numeric_heavy)});
    run(db, "BEGIN");
    for (int s = 0; s < nshards; s++)
      for (size_t q = 0; q < per[s].size(); q++)
        run(db, "INSERT INTO t VALUES(?,?,?,?,?)",
            {Value::integer(s), Value::integer(int64_t(q)), per[s][q][0], per[s][q][1], per[s][q][2]});
    run(db, "COMMIT");
  }
  // Runs `sql` (which filters with "shard = ?1") on every shard. Any shard error is the query's.
  std::vector<Query> per_shard(const std::string& sql) {
    std::vector<Query> out;
    for (int s = 0; s < shards; s++) out.push_back(run(db, sql, {Value::integer(s)}));
    return out;
  }
};

std::vector<RowSourcePtr> sources(std::vector<Query>& qs) {
  std::vector<RowSourcePtr> v;
  for (Query& q : qs) v.push_back(std::make_unique<VectorSource>(std::move(q.rows)));
  return v;
}

const char* coll_sql(Collation c) {
  switch (c) {
    case Collation::NoCase: return " COLLATE NOCASE";
    case Collation::RTrim: return " COLLATE RTRIM";
    default: return "";
  }
}

Collation pick_coll(Gen& g) { return Collation(g.u(3)); }

}  // namespace

// --- ORDER BY + LIMIT/OFFSET -------------------------------------------------------------------

TEST_CASE("merge: OrderedMerge + Limit equal SQLite's ORDER BY/LIMIT/OFFSET over all rows", "[merge]") {
  Gen gen(20240601);
  Data data;
  int cases = 0, nonempty = 0;
  for (int iter = 0; iter < 700; iter++) {
    int nshards = 1 + int(gen.u(8));
    data.fill(gen, nshards, int(gen.u(40)), false);
    // One or two keys over x, y with random direction, collation and NULLS placement.
    std::vector<SortKey> keys;
    std::string order;
    int nkeys = 1 + int(gen.u(2));
    for (int k = 0; k < nkeys; k++) {
      SortKey key;
      key.column = int(gen.u(2));
      key.desc = gen.u(2);
      key.coll = pick_coll(gen);
      key.nulls = SortKey::Nulls(gen.u(3));
      keys.push_back(key);
      order += std::string(k ? ", " : "") + (key.column ? "y" : "x") + coll_sql(key.coll) + (key.desc ? " DESC" : " ASC") +
               (key.nulls == SortKey::First  ? " NULLS FIRST"
                : key.nulls == SortKey::Last ? " NULLS LAST"
                                             : "");
    }
    // LIMIT/OFFSET, including SQLite's negative readings; sometimes absent.
    bool has_limit = gen.u(4) != 0;
    int64_t limit = int64_t(gen.u(25)) - 3, offset = int64_t(gen.u(12)) - 2;
    std::string shard_limit, all_limit;
    LimitSpec spec;
    if (has_limit) {
      Value lv = Value::integer(limit), ov = Value::integer(offset);
      bool with_offset = gen.u(2);
      Result<LimitSpec> s = limit_from_values(lv, with_offset ? &ov : nullptr);
      REQUIRE(s.ok());
      spec = *s;
      all_limit = " LIMIT " + std::to_string(limit) + (with_offset ? " OFFSET " + std::to_string(offset) : "");
      // What the planner pushes: LIMIT limit+offset with no OFFSET (no limit stays no limit).
      if (spec.limit >= 0) shard_limit = " LIMIT " + std::to_string(spec.limit + spec.offset);
    }
    std::vector<Query> qs = data.per_shard("SELECT x, y, shard, seq FROM t WHERE shard = ?1 ORDER BY " + order + ", seq" + shard_limit);
    for (Query& q : qs) REQUIRE(q.ok);
    Query want = run(data.db, "SELECT x, y, shard, seq FROM t ORDER BY " + order + ", shard, seq" + all_limit);
    REQUIRE(want.ok);

    RowSourcePtr op = std::make_unique<OrderedMerge>(sources(qs), keys);
    if (has_limit) op = std::make_unique<Limit>(std::move(op), spec);
    Result<std::vector<Row>> got = drain(*op);
    REQUIRE(got.ok());
    INFO("ORDER BY " << order << all_limit << " shards=" << nshards << "\nwant:\n" << show(want.rows) << "got:\n" << show(*got));
    REQUIRE(got->size() == want.rows.size());
    for (size_t i = 0; i < got->size(); i++) REQUIRE(identical((*got)[i], want.rows[i]));
    cases++;
    nonempty += !got->empty();
  }
  CHECK(nonempty > 400);
}

// --- DISTINCT --------------------------------------------------------------------------------

TEST_CASE("merge: Distinct equals SELECT DISTINCT (1 = 1.0, NULLs equal, collations)", "[merge]") {
  Gen gen(777);
  Data data;
  for (int iter = 0; iter < 500; iter++) {
    int nshards = 1 + int(gen.u(8));
    data.fill(gen, nshards, int(gen.u(40)), gen.u(2));
    Collation cx = pick_coll(gen), cy = pick_coll(gen);
    bool two = gen.u(2);
    std::string cols = std::string("x") + coll_sql(cx) + (two ? std::string(", y") + coll_sql(cy) : "");
    std::vector<Collation> colls{cx, cy};

    // Unordered: shards dedup locally; the conductor concatenates and dedups again.
    std::vector<Query> qs = data.per_shard("SELECT DISTINCT " + cols + " FROM t WHERE shard = ?1");
    for (Query& q : qs) REQUIRE(q.ok);
    Query want = run(data.db, "SELECT DISTINCT " + cols + " FROM t");
    REQUIRE(want.ok);
    Distinct op(std::make_unique<Concat>(sources(qs)), colls);
    Result<std::vector<Row>> got = drain(op);
    REQUIRE(got.ok());
    INFO("SELECT DISTINCT " << cols << " shards=" << nshards << "\nwant:\n" << show(want.rows) << "got:\n" << show(*got));
    REQUIRE(got->size() == want.rows.size());
    // Same rows, same first-occurrence representatives, same order (SQLite emits in scan order).
    for (size_t i = 0; i < got->size(); i++) REQUIRE(identical((*got)[i], want.rows[i]));

    // Ordered + LIMIT: DISTINCT x ORDER BY x LIMIT n. Which of equal values represents a group
    // is unspecified in SQLite, so compare under the collation.
    int64_t lim = int64_t(gen.u(10));
    bool desc = gen.u(2);
    std::string ord = std::string(" ORDER BY 1") + (desc ? " DESC" : "");
    std::vector<Query> qs2 = data.per_shard("SELECT DISTINCT " + cols + " FROM t WHERE shard = ?1" + ord);
    Query want2 = run(data.db, "SELECT DISTINCT " + cols + " FROM t" + ord + " LIMIT " + std::to_string(lim));
    REQUIRE(want2.ok);
    std::vector<SortKey> keys{SortKey{0, desc, cx, SortKey::Default}};
    Limit op2(std::make_unique<Distinct>(std::make_unique<OrderedMerge>(sources(qs2), keys), colls), LimitSpec{lim, 0});
    Result<std::vector<Row>> got2 = drain(op2);
    REQUIRE(got2.ok());
    INFO("ordered want:\n" << show(want2.rows) << "got:\n" << show(*got2));
    REQUIRE(got2->size() == want2.rows.size());
    for (size_t i = 0; i < got2->size(); i++) REQUIRE(compare((*got2)[i][0], want2.rows[i][0], cx) == 0);
  }
}

// --- aggregates ------------------------------------------------------------------------------

namespace {

struct AggCase {
  std::string sql;        // the aggregate as the user writes it
  std::string shard_sql;  // its partial columns (Partial) or the raw argument (Distinct)
  AggregateSpec spec;     // column is relative; the test offsets it
};

std::vector<AggCase> agg_cases(Collation c) {
  std::string cx = std::string("x") + coll_sql(c);
  auto mk = [&](std::string sql, std::string shard, AggregateKind k, AggregateSpec::Input in, std::string sep = ",") {
    AggCase a;
    a.sql = std::move(sql);
    a.shard_sql = std::move(shard);
    a.spec.kind = k;
    a.spec.input = in;
    a.spec.coll = c;
    a.spec.separator = std::move(sep);
    return a;
  };
  using K = AggregateKind;
  const auto P = AggregateSpec::Partial, D = AggregateSpec::Distinct;
  return {
      mk("count(*)", "count(*)", K::CountStar, P),
      mk("count(x)", "count(x)", K::Count, P),
      mk("sum(x)", "sum(x)", K::Sum, P),
      mk("total(x)", "total(x)", K::Total, P),
      mk("avg(x)", "total(x), count(x)", K::Avg, P),
      mk("min(" + cx + ")", "min(" + cx + ")", K::Min, P),
      mk("max(" + cx + ")", "max(" + cx + ")", K::Max, P),
      mk("group_concat(x)", "group_concat(x)", K::GroupConcat, P),
      mk("string_agg(x, ' | ')", "string_agg(x, ' | ')", K::GroupConcat, P, " | "),
      mk("count(DISTINCT " + cx + ")", cx, K::Count, D),
      mk("sum(DISTINCT " + cx + ")", cx, K::Sum, D),
      mk("total(DISTINCT " + cx + ")", cx, K::Total, D),
      mk("avg(DISTINCT " + cx + ")", cx, K::Avg, D),
      mk("min(DISTINCT " + cx + ")", cx, K::Min, D),
      mk("max(DISTINCT " + cx + ")", cx, K::Max, D),
      mk("group_concat(DISTINCT " + cx + ")", cx, K::GroupConcat, D),
  };
}

// Integer inputs whose running sum leaves int64 make sum()'s overflow error depend on the order
// rows are added (see aggregate.h); such cases are skipped for sum() only, and counted.
bool order_sensitive_sum(const std::string& err_a, const std::string& err_b) {
  return err_a == "integer overflow" || err_b == "integer overflow";
}

// Per-aggregate result check. REAL sums are exact except where the data needs more than 53 bits
// per shard (see aggregate.h), which this data rarely does; those are counted and bounded.
struct Tally {
  int exact = 0, ulp = 0, loose = 0, overflow_skips = 0;
};

// `scale` bounds the magnitude of the inputs (total(abs(x))): REAL partials are rounded per
// shard, so with cancellation (1e300 + 5 - 1e300) the error is relative to the inputs, not to
// the result. `loose`: the order values are stepped in is unspecified (DISTINCT inside GROUP BY
// follows SQLite's sorter), so equal-but-different representatives and any concatenation
// order are accepted.
void check_value(const Value& got, const Value& want, const AggCase& a, double scale, bool loose, Tally& t) {
  INFO(a.sql << ": got " << show(got) << " want " << show(want));
  if (identical(got, want)) {
    t.exact++;
    return;
  }
  bool numeric_sum = a.spec.kind == AggregateKind::Sum || a.spec.kind == AggregateKind::Total || a.spec.kind == AggregateKind::Avg;
  if (numeric_sum && (a.spec.input == AggregateSpec::Partial || loose) && !got.is_null() && !want.is_null()) {
    double g = got.type == ValueType::Real ? got.r : double(got.i);
    double w = want.type == ValueType::Real ? want.r : double(want.i);
    if (!loose) REQUIRE(got.type == want.type);
    if (std::isfinite(w) || std::isfinite(g)) REQUIRE(std::fabs(g - w) <= 1e-14 * std::max(1.0, scale));
    (loose ? t.loose : t.ulp)++;
    return;
  }
  if (loose && a.spec.kind == AggregateKind::GroupConcat && got.type == ValueType::Text && want.type == ValueType::Text) {
    auto parts = [](const std::string& s) {
      std::vector<std::string> v;
      size_t b = 0;
      for (size_t e; (e = s.find(',', b)) != std::string::npos; b = e + 1) v.push_back(s.substr(b, e - b));
      v.push_back(s.substr(b));
      std::sort(v.begin(), v.end());
      return v;
    };
    std::vector<std::string> pg = parts(got.s), pw = parts(want.s);
    if (pg == pw) {
      t.loose++;
      return;
    }
    // Equal-but-different representatives (1 vs 1.0, 'a' vs 'A') render differently.
    REQUIRE(pg.size() == pw.size());
    t.loose++;
    return;
  }
  if (loose && compare(got, want, a.spec.coll) == 0) {
    t.loose++;
    return;
  }
  FAIL("mismatch");
}

double input_scale(sqlite3* db) {
  Query q = run(db, "SELECT total(abs(CAST(x AS REAL))) FROM t");
  return q.ok && !q.rows.empty() ? q.rows[0][0].r : 0;
}

}  // namespace

TEST_CASE("merge: scalar aggregate combination equals SQLite over all rows", "[merge]") {
  Gen gen(99);
  Data data;
  Tally tally;
  for (int iter = 0; iter < 500; iter++) {
    int nshards = 1 + int(gen.u(8));
    data.fill(gen, nshards, int(gen.u(30)), gen.u(4) != 0);
    Collation c = pick_coll(gen);
    for (const AggCase& a : agg_cases(c)) {
      Query want = run(data.db, "SELECT " + a.sql + " FROM t");
      std::string shard_sql = a.spec.input == AggregateSpec::Partial ? "SELECT " + a.shard_sql + " FROM t WHERE shard = ?1"
                                                                     : "SELECT DISTINCT " + a.shard_sql + " FROM t WHERE shard = ?1";
      std::vector<Query> qs = data.per_shard(shard_sql);
      std::string shard_err, partials;
      for (Query& q : qs) {
        if (!q.ok && shard_err.empty()) shard_err = q.err;
        partials += show(q.rows);
      }
      INFO("partials:\n" << partials);
      GroupCombineSpec spec;
      spec.aggregates.push_back(a.spec);
      GroupCombine op(std::make_unique<Concat>(sources(qs)), spec);
      Result<std::vector<Row>> got = shard_err.empty() ? drain(op) : Result<std::vector<Row>>(Error::sql(shard_err));
      std::string got_err = got.ok() ? "" : got.error().message;
      INFO(a.sql << " shards=" << nshards << " sqlite error='" << want.err << "' ours='" << got_err << "'");
      if (want.ok != got.ok()) {
        REQUIRE(a.spec.kind == AggregateKind::Sum);
        REQUIRE(order_sensitive_sum(want.err, got_err));
        tally.overflow_skips++;
        continue;
      }
      if (!want.ok) {
        REQUIRE(want.err == got_err);
        continue;
      }
      REQUIRE(got->size() == 1);
      REQUIRE(want.rows.size() == 1);
      check_value((*got)[0][0], want.rows[0][0], a, input_scale(data.db), false, tally);
    }
  }
  INFO("exact=" << tally.exact << " ulp=" << tally.ulp << " loose=" << tally.loose << " overflow_skips=" << tally.overflow_skips);
  WARN("exact=" << tally.exact << " ulp=" << tally.ulp << " loose=" << tally.loose << " overflow_skips=" << tally.overflow_skips);
  CHECK(tally.exact > 7000);
  CHECK(tally.ulp * 50 < tally.exact);
  CHECK(tally.overflow_skips * 20 < tally.exact);
}

TEST_CASE("merge: scalar aggregates over no rows", "[merge]") {
  for (bool sorted : {false, true}) {
    GroupCombineSpec spec;
    spec.sorted_input = sorted;
    for (AggregateKind k : {AggregateKind::CountStar, AggregateKind::Count, AggregateKind::Sum, AggregateKind::Total, AggregateKind::Avg,
                            AggregateKind::Min, AggregateKind::Max, AggregateKind::GroupConcat}) {
      AggregateSpec a;
      a.kind = k;
      a.column = 0;
      spec.aggregates.push_back(a);
    }
    std::vector<RowSourcePtr> none;
    GroupCombine op(std::make_unique<Concat>(std::move(none)), spec);
    auto got = drain(op);
    REQUIRE(got.ok());
    REQUIRE(got->size() == 1);
    const Row& r = (*got)[0];
    CHECK(identical(r[0], Value::integer(0)));
    CHECK(identical(r[1], Value::integer(0)));
    CHECK(r[2].is_null());
    CHECK(identical(r[3], Value::real(0.0)));
    CHECK(r[4].is_null());
    CHECK(r[5].is_null());
    CHECK(r[6].is_null());
    CHECK(r[7].is_null());
  }
}

TEST_CASE("merge: sum() integer overflow and REAL rules", "[merge]") {
  auto sum_of = [](std::vector<Value> partials) {
    AggregateSpec a;
    a.kind = AggregateKind::Sum;
    Accumulator acc(&a);
    for (Value& v : partials) acc.add(Row{v});
    return acc.finish();
  };
  auto r = sum_of({Value::integer(INT64_MAX), Value::integer(1)});
  REQUIRE(!r.ok());
  CHECK(r.error().message == "integer overflow");
  r = sum_of({Value::integer(INT64_MAX), Value::integer(1), Value::real(0.5)});
  REQUIRE(r.ok());  // a REAL after the overflow makes the sum approximate, not an error
  CHECK(r->type == ValueType::Real);
  r = sum_of({Value::integer(INT64_MAX), Value::integer(-1)});
  CHECK(identical(*r, Value::integer(INT64_MAX - 1)));
  r = sum_of({Value::null(), Value::null()});
  CHECK(r->is_null());
  r = sum_of({Value::integer(3), Value::real(0.0)});
  CHECK(identical(*r, Value::real(3.0)));
}

// --- GROUP BY --------------------------------------------------------------------------------

TEST_CASE("merge: GroupCombine equals GROUP BY (+HAVING), sorted and buffered", "[merge]") {
  Gen gen(4242);
  Data data;
  Tally tally;
  int groups_checked = 0;
  for (int iter = 0; iter < 300; iter++) {
    int nshards = 1 + int(gen.u(8));
    data.fill(gen, nshards, int(gen.u(50)), gen.u(4) != 0);
    Collation gc = pick_coll(gen), xc = pick_coll(gen);
    bool sorted = gen.u(2);
    bool having = gen.u(3) == 0;
    std::string gk = std::string("g") + coll_sql(gc);
    // Pick a few aggregates; one shard query carries all partials, plus one NULL-padded
    // distinct-values branch per DISTINCT aggregate (UNION ALL), as the protocol allows.
    std::vector<AggCase> all = agg_cases(xc), picked;
    int n = 1 + int(gen.u(4));
    for (int i = 0; i < n; i++) picked.push_back(all[gen.u(all.size())]);
    if (having) picked.insert(picked.begin(), all[0]);  // count(*) for HAVING count(*) > 2

    std::vector<std::string> partial_cols;  // per aggregate, its column list in the partial branch
    std::vector<int> col_of;
    int width = 0;
    for (AggCase& a : picked) {
      col_of.push_back(1 + width);
      width += a.spec.input == AggregateSpec::Partial ? partial_width(a.spec.kind) : 1;
    }
    auto branch = [&](int which) {  // which = -1: partial branch; else distinct branch for picked[which]
      std::string s = "SELECT " + gk;
      for (size_t i = 0; i < picked.size(); i++) {
        const AggCase& a = picked[i];
        int w = a.spec.input == AggregateSpec::Partial ? partial_width(a.spec.kind) : 1;
        bool mine = which < 0 ? a.spec.input == AggregateSpec::Partial : int(i) == which;
        if (mine)
          s += ", " + a.shard_sql;
        else
          for (int k = 0; k < w; k++) s += ", NULL";
      }
      s += " FROM t WHERE shard = ?1 GROUP BY " + gk;
      if (which >= 0) s += ", " + picked[which].shard_sql;
      return s;
    };
    std::string shard_sql = "SELECT * FROM (" + branch(-1);
    for (size_t i = 0; i < picked.size(); i++)
      if (picked[i].spec.input == AggregateSpec::Distinct) shard_sql += " UNION ALL " + branch(int(i));
    shard_sql += ")";
    if (sorted) shard_sql += " ORDER BY 1" + std::string(coll_sql(gc));

    std::string user_sql = "SELECT " + gk;
    for (AggCase& a : picked) user_sql += ", " + a.sql;
    user_sql += " FROM t GROUP BY " + gk + (having ? " HAVING count(*) > 2" : "") + " ORDER BY 1";
    Query want = run(data.db, user_sql);
    std::vector<Query> qs = data.per_shard(shard_sql);
    std::string shard_err;
    for (Query& q : qs) {
      INFO(shard_sql);
      if (!q.ok && q.err != "integer overflow") FAIL(q.err);
      if (!q.ok && shard_err.empty()) shard_err = q.err;
    }

    GroupCombineSpec spec;
    spec.keys.push_back(GroupKey{0, gc});
    spec.sorted_input = sorted;
    for (size_t i = 0; i < picked.size(); i++) {
      AggregateSpec a = picked[i].spec;
      a.column = col_of[i];
      spec.aggregates.push_back(a);
    }
    if (having) spec.having = [](const Row& r) -> Result<bool> { return r[1].i > 2; };
    RowSourcePtr in =
        sorted ? RowSourcePtr(std::make_unique<OrderedMerge>(sources(qs), std::vector<SortKey>{SortKey{0, false, gc, SortKey::Default}}))
               : RowSourcePtr(std::make_unique<Concat>(sources(qs)));
    GroupCombine op(std::move(in), spec);
    Result<std::vector<Row>> got = shard_err.empty() ? drain(op) : Result<std::vector<Row>>(Error::sql(shard_err));
    std::string got_err = got.ok() ? "" : got.error().message;
    INFO(user_sql << "\nshard: " << shard_sql << "\nsqlite error='" << want.err << "' ours='" << got_err << "'");
    if (want.ok != got.ok()) {
      REQUIRE(order_sensitive_sum(want.err, got_err));
      tally.overflow_skips++;
      continue;
    }
    if (!want.ok) continue;
    INFO("want:\n" << show(want.rows) << "got:\n" << show(*got));
    REQUIRE(got->size() == want.rows.size());
    double scale = input_scale(data.db);
    for (size_t r = 0; r < got->size(); r++) {
      const Row& g = (*got)[r];
      const Row& w = want.rows[r];
      REQUIRE(compare(g[0], w[0], gc) == 0);  // the group's representative value is unspecified
      for (size_t i = 0; i < picked.size(); i++) {
        const AggCase& a = picked[i];
        // min/max/DISTINCT keep the first of equal values; within a group SQLite's "first" follows
        // its sorter, not scan order, so 1 vs 1.0 (or 'a' vs 'A') may legitimately differ.
        if ((a.spec.kind == AggregateKind::Min || a.spec.kind == AggregateKind::Max) && !identical(g[1 + i], w[1 + i])) {
          REQUIRE(compare(g[1 + i], w[1 + i], a.spec.coll) == 0);
          continue;
        }
        check_value(g[1 + i], w[1 + i], a, scale, a.spec.input == AggregateSpec::Distinct, tally);
      }
      groups_checked++;
    }
  }
  INFO("exact=" << tally.exact << " ulp=" << tally.ulp << " loose=" << tally.loose << " overflow_skips=" << tally.overflow_skips);
  WARN("exact=" << tally.exact << " ulp=" << tally.ulp << " loose=" << tally.loose << " overflow_skips=" << tally.overflow_skips);
  CHECK(groups_checked > 1000);
  CHECK(tally.ulp * 50 < tally.exact);
}

// --- Sort ------------------------------------------------------------------------------------

TEST_CASE("merge: Sort is a stable full sort", "[merge]") {
  std::vector<Row> rows{{Value::text("b"), Value::integer(0)},
                        {Value::text("A"), Value::integer(1)},
                        {Value::text("a"), Value::integer(2)},
                        {Value::null(), Value::integer(3)}};
  Sort op(std::make_unique<VectorSource>(rows), {SortKey{0, false, Collation::NoCase, SortKey::Last}});
  auto got = drain(op);
  REQUIRE(got.ok());
  REQUIRE(got->size() == 4);
  CHECK((*got)[0][1].i == 1);
  CHECK((*got)[1][1].i == 2);
  CHECK((*got)[2][1].i == 0);
  CHECK((*got)[3][1].i == 3);
}

TEST_CASE("merge: bench_ordered_merge_limit_ns runs", "[merge][bench]") {
  double ns = bench_ordered_merge_limit_ns(8, 10, 10);
  CHECK(ns > 0);
  CHECK(ns < 1e6);
}
