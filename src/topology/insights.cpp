#include "topology/insights.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include "base/json.h"
#include "topology/store.h"
#include "wire/codec.h"

namespace bd::insights {
namespace {

std::string error_response(const Error& e) {
  wire::Writer w;
  w.u8(static_cast<uint8_t>(e.code));
  w.str(e.message);
  return w.take();
}

Status exec(SqlHost& sql, std::string_view q, std::vector<Value> params = {}) {
  auto r = sql.exec(q, params);
  if (!r.ok()) return r.error();
  return ok_status();
}

// A number read back from the object's SQLite (its API may hand an integral REAL back as INTEGER).
double num(const Value& v) {
  if (v.type == ValueType::Integer) return static_cast<double>(v.i);
  if (v.type == ValueType::Real) return v.r;
  return 0;
}
int64_t inum(const Value& v) { return v.type == ValueType::Real ? static_cast<int64_t>(v.r) : v.i; }

Status init_schema(SqlHost& sql) {
  const char* ddl[] = {
      "CREATE TABLE IF NOT EXISTS _bd_insights_statements(id INTEGER PRIMARY KEY, at REAL NOT NULL, ms REAL NOT NULL, sql TEXT NOT NULL, "
      "plan TEXT NOT NULL, nodes INTEGER NOT NULL, rows_read INTEGER NOT NULL, rows_returned INTEGER NOT NULL, rows_written INTEGER NOT "
      "NULL, error TEXT NOT NULL)",
      "CREATE INDEX IF NOT EXISTS _bd_insights_statements_ms ON _bd_insights_statements(ms)",
      "CREATE TABLE IF NOT EXISTS _bd_insights_queries(sql TEXT PRIMARY KEY, count INTEGER NOT NULL, errors INTEGER NOT NULL, total_ms "
      "REAL NOT NULL, max_ms REAL NOT NULL, rows_read INTEGER NOT NULL, last_at REAL NOT NULL, plan TEXT NOT NULL)",
      "CREATE TABLE IF NOT EXISTS _bd_insights_load(bucket INTEGER NOT NULL, node INTEGER NOT NULL, count INTEGER NOT NULL, errors "
      "INTEGER NOT NULL, hist BLOB NOT NULL, PRIMARY KEY(bucket, node))",
  };
  for (auto* q : ddl)
    if (auto s = exec(sql, q); !s.ok()) return s;
  return ok_status();
}

using Hist = std::vector<uint32_t>;

Hist hist_decode(const std::string& blob) {
  Hist h(kBins, 0);
  for (size_t i = 0; i < static_cast<size_t>(kBins) && (i + 1) * 4 <= blob.size(); i++) std::memcpy(&h[i], blob.data() + i * 4, 4);
  return h;
}

std::string hist_encode(const Hist& h) {
  std::string out(h.size() * 4, '\0');
  for (size_t i = 0; i < h.size(); i++) std::memcpy(out.data() + i * 4, &h[i], 4);
  return out;
}

// The latency below which a fraction q of the requests finished (the upper edge of its bin).
double quantile(const Hist& h, double q) {
  uint64_t total = 0;
  for (auto c : h) total += c;
  if (total == 0) return 0;
  uint64_t want = static_cast<uint64_t>(std::ceil(q * static_cast<double>(total))), seen = 0;
  for (int i = 0; i < kBins; i++) {
    seen += h[i];
    if (seen >= want) return bin_upper_ms(i);
  }
  return bin_upper_ms(kBins - 1);
}

std::string fixed1(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

void statement_json(JsonWriter& j, const Row& r) {
  // id, at, ms, sql, plan, nodes, rows_read, rows_returned, rows_written, error
  j.begin_object();
  j.key("at").num(inum(r[1]));
  j.key("ms").raw(fixed1(num(r[2])));
  j.key("sql").str(r[3].s);
  j.key("plan").str(r[4].s);
  j.key("nodesTouched").num(inum(r[5]));
  j.key("rowsRead").num(inum(r[6]));
  j.key("rowsReturned").num(inum(r[7]));
  j.key("rowsWritten").num(inum(r[8]));
  if (!r[9].s.empty()) j.key("error").str(r[9].s);
  j.end_object();
}

Status record(SqlHost& sql, wire::Reader& r) {
  uint32_t n = r.count();
  for (uint32_t i = 0; i < n && r.ok(); i++) {
    StatementSample s;
    s.sql = std::string(r.str()).substr(0, kMaxSqlChars);
    s.ms = r.f64();
    s.plan = r.str();
    s.nodes_touched = r.u32();
    s.rows_read = r.i64();
    s.rows_returned = r.i64();
    s.rows_written = r.i64();
    s.at_ms = r.f64();
    s.error = std::string(r.str()).substr(0, kMaxSqlChars);
    if (!r.ok()) break;
    auto ins = exec(sql,
                    "INSERT INTO _bd_insights_statements(at, ms, sql, plan, nodes, rows_read, rows_returned, rows_written, error) VALUES "
                    "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    {Value::real(s.at_ms), Value::real(s.ms), Value::text(s.sql), Value::text(s.plan), Value::integer(s.nodes_touched),
                     Value::integer(s.rows_read), Value::integer(s.rows_returned), Value::integer(s.rows_written), Value::text(s.error)});
    if (!ins.ok()) return ins;
    auto q =
        exec(sql,
             "INSERT INTO _bd_insights_queries(sql, count, errors, total_ms, max_ms, rows_read, last_at, plan) VALUES (?, 1, ?, ?, ?, ?, "
             "?, ?) ON CONFLICT(sql) DO UPDATE SET count = count + 1, errors = errors + excluded.errors, total_ms = total_ms + "
             "excluded.total_ms, max_ms = max(max_ms, excluded.max_ms), rows_read = rows_read + excluded.rows_read, last_at = "
             "max(last_at, excluded.last_at), plan = excluded.plan",
             {Value::text(s.sql), Value::integer(s.error.empty() ? 0 : 1), Value::real(s.ms), Value::real(s.ms),
              Value::integer(s.rows_read), Value::real(s.at_ms), Value::text(s.plan)});
    if (!q.ok()) return q;
  }
  // Load: samples merged into (bucket, node) histograms.
  std::map<std::pair<int64_t, uint32_t>, std::pair<Hist, uint32_t>> load;  // -> histogram, errors
  uint32_t m = r.count();
  for (uint32_t i = 0; i < m && r.ok(); i++) {
    double at = r.f64();
    uint32_t node = r.u32();
    double ms = r.f64();
    bool ok = r.u8() != 0;
    if (!r.ok()) break;
    auto bucket = static_cast<int64_t>(std::floor(at / kBucketMs)) * kBucketMs;
    auto& slot = load[{bucket, node}];
    if (slot.first.empty()) slot.first.assign(kBins, 0);
    slot.first[bin_of(ms)]++;
    if (!ok) slot.second++;
  }
  if (!r.ok()) return Error::internal("corrupt insights request");
  int64_t newest = 0;
  for (auto& [key, slot] : load) {
    auto cur = sql.exec("SELECT count, errors, hist FROM _bd_insights_load WHERE bucket = ? AND node = ?",
                        {Value::integer(key.first), Value::integer(key.second)});
    if (!cur.ok()) return cur.error();
    Hist h = cur->rows.empty() ? Hist(kBins, 0) : hist_decode(cur->rows[0][2].s);
    uint64_t count = cur->rows.empty() ? 0 : static_cast<uint64_t>(inum(cur->rows[0][0]));
    uint64_t errors = (cur->rows.empty() ? 0 : static_cast<uint64_t>(inum(cur->rows[0][1]))) + slot.second;
    for (int b = 0; b < kBins; b++) {
      h[b] += slot.first[b];
      count += slot.first[b];
    }
    auto up = exec(sql, "INSERT OR REPLACE INTO _bd_insights_load(bucket, node, count, errors, hist) VALUES (?, ?, ?, ?, ?)",
                   {Value::integer(key.first), Value::integer(key.second), Value::integer(static_cast<int64_t>(count)),
                    Value::integer(static_cast<int64_t>(errors)), Value::blob(hist_encode(h))});
    if (!up.ok()) return up;
    newest = std::max(newest, key.first);
  }
  // Bounded: the newest statements and the slowest ones; the most recent statement texts; the last
  // 15 minutes of load.
  auto s = exec(sql,
                "DELETE FROM _bd_insights_statements WHERE id NOT IN (SELECT id FROM _bd_insights_statements ORDER BY id DESC LIMIT ?) "
                "AND id NOT IN (SELECT id FROM _bd_insights_statements ORDER BY ms DESC LIMIT ?)",
                {Value::integer(kRecentKept), Value::integer(kSlowestKept)});
  if (!s.ok()) return s;
  s = exec(sql, "DELETE FROM _bd_insights_queries WHERE sql NOT IN (SELECT sql FROM _bd_insights_queries ORDER BY last_at DESC LIMIT ?)",
           {Value::integer(kQueriesKept)});
  if (!s.ok()) return s;
  if (newest > 0) s = exec(sql, "DELETE FROM _bd_insights_load WHERE bucket < ?", {Value::integer(newest - kWindowMs)});
  return s;
}

Result<std::string> report(SqlHost& sql) {
  JsonWriter j;
  j.begin_object();
  const char* cols = "id, at, ms, sql, plan, nodes, rows_read, rows_returned, rows_written, error";
  auto recent = sql.exec(std::string("SELECT ") + cols + " FROM _bd_insights_statements ORDER BY id DESC LIMIT 50", {});
  if (!recent.ok()) return recent.error();
  j.key("recent").begin_array();
  for (auto& row : recent->rows) statement_json(j, row);
  j.end_array();
  auto slowest = sql.exec(std::string("SELECT ") + cols + " FROM _bd_insights_statements ORDER BY ms DESC, id DESC LIMIT 20", {});
  if (!slowest.ok()) return slowest.error();
  j.key("slowest").begin_array();
  for (auto& row : slowest->rows) statement_json(j, row);
  j.end_array();
  auto queries = sql.exec(
      "SELECT sql, count, errors, total_ms, max_ms, rows_read, last_at, plan FROM _bd_insights_queries ORDER BY total_ms DESC LIMIT 20",
      {});
  if (!queries.ok()) return queries.error();
  j.key("queries").begin_array();
  for (auto& q : queries->rows) {
    double count = std::max(1.0, num(q[1]));
    j.begin_object();
    j.key("sql").str(q[0].s);
    j.key("count").num(inum(q[1]));
    j.key("errors").num(inum(q[2]));
    j.key("totalMs").raw(fixed1(num(q[3])));
    j.key("avgMs").raw(fixed1(num(q[3]) / count));
    j.key("maxMs").raw(fixed1(num(q[4])));
    j.key("rowsRead").num(inum(q[5]));
    j.key("lastAt").num(inum(q[6]));
    j.key("plan").str(q[7].s);
    j.end_object();
  }
  j.end_array();
  // Load: every bucket of the window up to the newest one, per node (missing buckets are zeros).
  auto load = sql.exec("SELECT bucket, node, count, errors, hist FROM _bd_insights_load ORDER BY bucket, node", {});
  if (!load.ok()) return load.error();
  int64_t newest = 0;
  std::map<uint32_t, std::map<int64_t, const Row*>> by_node;
  for (auto& row : load->rows) {
    newest = std::max(newest, inum(row[0]));
    by_node[static_cast<uint32_t>(inum(row[1]))][inum(row[0])] = &row;
  }
  j.key("load").begin_object();
  j.key("bucketSeconds").num(kBucketMs / 1000);
  std::vector<int64_t> buckets;
  if (newest > 0)
    for (int64_t b = newest - kWindowMs + kBucketMs; b <= newest; b += kBucketMs) buckets.push_back(b);
  j.key("buckets").begin_array();
  for (auto b : buckets) j.num(b);
  j.end_array();
  j.key("nodes").begin_array();
  for (auto& [node, rows] : by_node) {
    j.begin_object().key("node").unum(node);
    std::vector<std::string> rps, p50, p99, errs;
    for (auto b : buckets) {
      auto it = rows.find(b);
      if (it == rows.end()) {
        rps.push_back("0");
        p50.push_back("null");
        p99.push_back("null");
        errs.push_back("0");
        continue;
      }
      const Row& row = *it->second;
      Hist h = hist_decode(row[4].s);
      rps.push_back(fixed1(num(row[2]) * 1000.0 / kBucketMs));
      p50.push_back(fixed1(quantile(h, 0.5)));
      p99.push_back(fixed1(quantile(h, 0.99)));
      errs.push_back(std::to_string(inum(row[3])));
    }
    for (auto [name, series] :
         {std::pair<const char*, std::vector<std::string>*>{"rps", &rps}, {"p50", &p50}, {"p99", &p99}, {"errors", &errs}}) {
      j.key(name).begin_array();
      for (auto& v : *series) j.raw(v);
      j.end_array();
    }
    j.end_object();
  }
  j.end_array();
  j.end_object();
  j.end_object();
  return j.take();
}

}  // namespace

Status forget(SqlHost& sql) {
  for (const char* q : {"DROP TABLE IF EXISTS _bd_insights_statements", "DROP TABLE IF EXISTS _bd_insights_queries",
                        "DROP TABLE IF EXISTS _bd_insights_load"})
    if (auto s = exec(sql, q); !s.ok()) return s;
  return ok_status();
}

int bin_of(double ms) {
  if (!(ms > 0)) return 0;
  int b = static_cast<int>(std::floor(4.0 * std::log2(1.0 + ms)));
  return std::clamp(b, 0, kBins - 1);
}

double bin_upper_ms(int bin) { return std::exp2((bin + 1) / 4.0) - 1.0; }

std::string record_request(const std::vector<StatementSample>& statements, const std::vector<LoadSample>& load) {
  wire::Writer w;
  w.u8(static_cast<uint8_t>(Op::Record));
  w.u32(static_cast<uint32_t>(statements.size()));
  for (auto& s : statements) {
    w.str(s.sql);
    w.f64(s.ms);
    w.str(s.plan);
    w.u32(s.nodes_touched);
    w.i64(s.rows_read);
    w.i64(s.rows_returned);
    w.i64(s.rows_written);
    w.f64(s.at_ms);
    w.str(s.error);
  }
  w.u32(static_cast<uint32_t>(load.size()));
  for (auto& l : load) {
    w.f64(l.at_ms);
    w.u32(l.node);
    w.f64(l.ms);
    w.u8(l.ok ? 1 : 0);
  }
  return w.take();
}

std::string report_request(std::string_view database) {
  wire::Writer w;
  w.u8(static_cast<uint8_t>(Op::Report));
  w.str(database);
  return w.take();
}

std::string handle(SqlHost& sql, std::string_view request) {
  wire::Reader r(request);
  auto op = static_cast<Op>(r.u8());
  if (!r.ok()) return error_response(Error::internal("empty insights request"));
  std::string database;
  if (op == Op::Report) database = r.str();
  auto present = topology::exists(sql);
  if (!present.ok()) return error_response(present.error());
  if (!*present) {
    if (op == Op::Record) return std::string(1, '\0');
    return error_response(Error::not_found("no such database: " + database));
  }
  if (auto s = init_schema(sql); !s.ok()) return error_response(s.error());
  if (op == Op::Record) {
    if (auto s = record(sql, r); !s.ok()) return error_response(s.error());
    return std::string(1, '\0');
  }
  if (op == Op::Report) {
    auto j = report(sql);
    if (!j.ok()) return error_response(j.error());
    wire::Writer w;
    w.u8(0);
    w.str(*j);
    return w.take();
  }
  return error_response(Error::internal("unknown insights op"));
}

Result<std::string> decode_report_response(std::string_view response) {
  wire::Reader r(response);
  uint8_t status = r.u8();
  if (status != 0) {
    std::string msg(r.str());
    return Error{static_cast<ErrorCode>(status), msg.empty() ? "insights error" : msg};
  }
  std::string json(r.str());
  if (!r.ok()) return Error::internal("corrupt insights response");
  return json;
}

}  // namespace bd::insights
