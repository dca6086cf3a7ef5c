// bigdaddy bench --scale [--users N] [--orders N] [--nodes N]: the queries an application makes of
// users and orders (orders co-located with their user, a global unique index on the order id), at
// 300,000 / 700,000 rows by default, each answered through the conductor as the Worker would.
// Per query: time per run, rows/s processed (rows of the tables it reads over the time), round
// trips and rows moved from the nodes, and the plan. Then a streamed `SELECT *` of a table of
// --stream-rows rows (1,000,000 by default; 0 skips it): the peak heap outside SQLite (the
// conductor plus the cluster's messages, an upper bound of what the conductor holds) while the
// result streams, against the same result answered whole.
// Then joins on columns that are neither table's shard key (--visits / --sessions rows, 0 skips
// them): staged by the join value on both sides (dual repartition), and two small tables (--small
// rows each) that the row counts let the planner gather. --only-joins skips everything else;
// --gather-cap N sets the combine engine's gather cap (100,000 as in the Worker).
#include <malloc.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#include "native/cluster.h"
#include "native/commands.h"
#include "sqlite3.h"

namespace bd::native {
namespace {

int64_t meta_int(const std::string& meta, const std::string& key) {
  auto p = meta.find("\"" + key + "\":");
  return p == std::string::npos ? -1 : std::atoll(meta.c_str() + p + key.size() + 3);
}

std::string meta_plan(const std::string& meta) {
  auto p = meta.find("\"plan\":\"");
  if (p == std::string::npos) return "?";
  return meta.substr(p + 8, meta.find('"', p + 8) - p - 8);
}

// Heap in use outside SQLite: the nodes' in-memory databases are SQLite's and not counted.
int64_t heap_outside_sqlite() { return static_cast<int64_t>(mallinfo2().uordblks) - sqlite3_memory_used(); }

}  // namespace

int scale_bench(int argc, char** argv) {
  int nodes = 4, users = 300000, orders = 700000, runs = 5, stream_rows = 1000000;
  int visits = 200000, sessions = 100000, small = 3000, gather_cap = 100000;
  bool only_joins = false;
  for (int i = 1; i < argc; i++) {
    auto arg = [&](const char* name, int& out) {
      if (!std::strcmp(argv[i], name) && i + 1 < argc) out = std::atoi(argv[++i]);
    };
    arg("--nodes", nodes);
    arg("--users", users);
    arg("--orders", orders);
    arg("--runs", runs);
    arg("--stream-rows", stream_rows);
    arg("--visits", visits);
    arg("--sessions", sessions);
    arg("--small", small);
    arg("--gather-cap", gather_cap);
    if (!std::strcmp(argv[i], "--only-joins")) only_joins = true;
  }
  // SQLite's own memory is counted (the build turns the count off by default) so that the nodes'
  // databases, their cursor tables included, can be told apart from the conductor's heap.
  sqlite3_shutdown();
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 1);
  sqlite3_initialize();
  ClusterOptions opts{nodes, "", "bench-scale"};
  opts.max_gather_rows = static_cast<uint64_t>(gather_cap);
  auto c = Cluster::open(opts);
  if (!c.ok()) {
    std::fprintf(stderr, "%s\n", c.error().message.c_str());
    return 1;
  }
  auto& cl = **c;
  auto must = [&](const std::string& sql) {
    auto r = cl.execute(sql);
    if (!r.ok()) {
      std::fprintf(stderr, "bench --scale: %s: %s\n", sql.substr(0, 80).c_str(), r.error().message.c_str());
      std::exit(1);
    }
    return std::move(*r);
  };
  // One query, run `runs` times: time per run, rows/s over `rows`, trips, moved rows, plan.
  auto timed = [&](const char* name, const std::string& sql, double rows) {
    QueryResult last;
    auto a = std::chrono::steady_clock::now();
    for (int r = 0; r < runs; r++) {
      auto res = cl.execute(sql);
      if (!res.ok()) {
        std::printf("%-32s refused: %s\n", name, res.error().message.c_str());
        return;
      }
      last = std::move(*res);
    }
    double per = std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count() / runs;
    std::printf("%-32s %12.2f %14.0f %8lld %10lld  %s\n", name, per * 1e3, rows / per,
                static_cast<long long>(meta_int(last.meta_json, "roundTrips")),
                static_cast<long long>(meta_int(last.meta_json, "rowsFetched")), meta_plan(last.meta_json).c_str());
  };
  if (!only_joins) {
    must("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, city TEXT, score INTEGER)");
    must("CREATE TABLE orders (user_id INTEGER, id INTEGER, total INTEGER, status TEXT, PRIMARY KEY (user_id, id))");
    must("CREATE UNIQUE INDEX orders_id ON orders (id)");
    auto t0 = std::chrono::steady_clock::now();
    for (int lo = 1; lo <= users; lo += 1000) {
      std::string sql = "INSERT INTO users VALUES ";
      for (int i = lo; i < lo + 1000 && i <= users; i++)
        sql += (i > lo ? ", (" : "(") + std::to_string(i) + ", 'user" + std::to_string(i) + "', 'c" + std::to_string(i % 17) + "', " +
               std::to_string((i * 37) % 101) + ")";
      must(sql);
    }
    for (int lo = 1; lo <= orders; lo += 1000) {
      std::string sql = "INSERT INTO orders VALUES ";
      for (int i = lo; i < lo + 1000 && i <= orders; i++)
        sql += (i > lo ? ", (" : "(") + std::to_string((static_cast<int64_t>(i) * 7919) % (users * 9 / 10) + 1) + ", " + std::to_string(i) +
               ", " + std::to_string((i * 7901) % 2000) + ", '" + (i % 3 ? "paid" : "open") + "')";
      must(sql);
    }
    double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("scale: %d users + %d orders on %d nodes, loaded in %.1f s (%.0f rows/s)\n", users, orders, nodes, load_s,
                (users + orders) / load_s);
    struct Q {
      const char* name;
      const char* sql;
      int tables;  // 1: orders, 2: users and orders (rows processed)
    };
    const Q queries[] = {
        {"one order and its user", "SELECT o.id, u.name FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = 5", 2},
        {"join IN (36, 43)", "SELECT u.name, o.total FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id IN (36, 43)", 2},
        {"LEFT JOIN key range", "SELECT u.id, o.id FROM users u LEFT JOIN orders o ON o.user_id = u.id WHERE u.id BETWEEN 100 AND 140", 2},
        {"semi-join IN (SELECT)", "SELECT id, name FROM users WHERE id IN (SELECT user_id FROM orders WHERE total > 1990)", 2},
        {"EXISTS correlated",
         "SELECT count(*) FROM users u WHERE EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id AND o.total > 1900)", 2},
        {"NOT EXISTS (anti-join)", "SELECT count(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id)", 2},
        {"count(DISTINCT user_id)", "SELECT count(DISTINCT user_id) FROM orders", 1},
        {"derived GROUP BY HAVING", "SELECT count(*) FROM (SELECT user_id FROM orders GROUP BY user_id HAVING count(*) >= 3)", 1},
        {"CTE grouped by user",
         "WITH s AS (SELECT user_id, sum(total) AS spent FROM orders GROUP BY user_id) SELECT count(*), sum(spent), max(spent) FROM s", 1},
        {"rank() OVER ... LIMIT 5", "SELECT id, total, rank() OVER (ORDER BY total DESC) AS r FROM orders ORDER BY total DESC, id LIMIT 5",
         1},
        {"UNION of two filtered selects",
         "SELECT id FROM users WHERE city = 'c7' AND score > 90 UNION SELECT user_id FROM orders WHERE total > 1995", 2},
        {"join grouped by users.city",
         "SELECT u.city, count(*), sum(o.total) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.city", 2},
    };
    std::printf("%-32s %12s %14s %8s %10s  %s\n", "query", "ms/run", "rows/s", "trips", "moved", "plan");
    for (auto& q : queries) timed(q.name, q.sql, q.tables == 2 ? users + orders : orders);
  }  // !only_joins
  if (stream_rows > 0 && !only_joins) {
    must("CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, at INTEGER, payload TEXT)");
    for (int lo = 1; lo <= stream_rows; lo += 1000) {
      std::string sql = "INSERT INTO events VALUES ";
      for (int i = lo; i < lo + 1000 && i <= stream_rows; i++)
        sql += (i > lo ? ", (" : "(") + std::to_string(i) + ", 'k" + std::to_string(i % 11) + "', " + std::to_string(1700000000 + i) +
               ", 'payload of event " + std::to_string(i) + "')";
      must(sql);
    }
    malloc_trim(0);
    int64_t base = heap_outside_sqlite(), peak = 0;
    uint64_t rows = 0, windows = 0;
    auto a = std::chrono::steady_clock::now();
    auto r = cl.execute_streamed("SELECT * FROM events", {}, [&](const ResultSet& w) {
      rows += w.rows.size();
      windows++;
      peak = std::max(peak, heap_outside_sqlite() - base);
    });
    if (!r.ok()) {
      std::fprintf(stderr, "bench --scale: streamed SELECT *: %s\n", r.error().message.c_str());
      return 1;
    }
    rows += r->rs.rows.size();
    if (rows != static_cast<uint64_t>(stream_rows)) {
      std::fprintf(stderr, "bench --scale: streamed %llu rows of %d\n", static_cast<unsigned long long>(rows), stream_rows);
      return 1;
    }
    double streamed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count();
    // Unstreamed, the whole answer is held (and one of this size is refused by the result limit):
    // the same figure for the largest part of the table an unstreamed answer may have.
    auto refused = cl.execute("SELECT * FROM events");
    std::string whole_note = refused.ok() ? "answered whole" : "unstreamed: " + refused.error().message;
    const int part = std::min(stream_rows, 150000);
    malloc_trim(0);
    base = heap_outside_sqlite();
    a = std::chrono::steady_clock::now();
    int64_t whole = 0;
    {
      auto w = must("SELECT * FROM events WHERE id <= " + std::to_string(part));
      whole = heap_outside_sqlite() - base;
    }
    double whole_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count();
    std::printf("streamed SELECT * of %llu rows: %.2f s, %llu windows, peak heap outside SQLite %.1f MB\n",
                static_cast<unsigned long long>(rows), streamed_s, static_cast<unsigned long long>(windows), peak / 1048576.0);
    std::printf("  %s; unstreamed %d rows of it: %.2f s, %.1f MB held\n", whole_note.c_str(), part, whole_s, whole / 1048576.0);
  }
  if (visits > 0 && sessions > 0) {
    // visits.session and sessions.token are neither table's shard key: each join below stages both
    // tables by the join value (or gathers them, where they are small or the build predates that).
    must("CREATE TABLE sessions (id INTEGER PRIMARY KEY, token INTEGER, agent TEXT)");
    must("CREATE TABLE visits (id INTEGER PRIMARY KEY, session INTEGER, page TEXT, ms INTEGER)");
    auto load = [&](const char* table, int n, auto&& row) {
      for (int lo = 1; lo <= n; lo += 1000) {
        std::string sql = std::string("INSERT INTO ") + table + " VALUES ";
        for (int i = lo; i < lo + 1000 && i <= n; i++) sql += (i > lo ? ", (" : "(") + row(i) + ")";
        must(sql);
      }
    };
    auto a = std::chrono::steady_clock::now();
    load("sessions", sessions, [&](int i) {
      return std::to_string(i) + ", " + std::to_string(static_cast<int64_t>(i) * 7919 % sessions + 1) + ", 'agent" +
             std::to_string(i % 13) + "'";
    });
    load("visits", visits, [&](int i) {
      return std::to_string(i) + ", " + std::to_string(static_cast<int64_t>(i) * 104729 % sessions + 1) + ", 'p" + std::to_string(i % 50) +
             "', " + std::to_string(i * 31 % 1000);
    });
    std::printf("joins: %d visits + %d sessions on %d nodes (gather cap %d), loaded in %.1f s\n", visits, sessions, nodes, gather_cap,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
    std::printf("%-32s %12s %14s %8s %10s  %s\n", "query", "ms/run", "rows/s", "trips", "moved", "plan");
    timed("non-key join grouped by agent",
          "SELECT s.agent, count(*), sum(v.ms) FROM visits v JOIN sessions s ON s.token = v.session GROUP BY s.agent", visits + sessions);
    timed("non-key join count, filtered", "SELECT count(*) FROM visits v JOIN sessions s ON s.token = v.session WHERE v.ms > 500",
          visits + sessions);
  }
  if (small > 0) {
    must("CREATE TABLE tags (id INTEGER PRIMARY KEY, code INTEGER, label TEXT)");
    must("CREATE TABLE notes (id INTEGER PRIMARY KEY, code INTEGER, body TEXT)");
    for (const char* t : {"tags", "notes"})
      for (int lo = 1; lo <= small; lo += 1000) {
        std::string sql = std::string("INSERT INTO ") + t + " VALUES ";
        for (int i = lo; i < lo + 1000 && i <= small; i++)
          sql += (i > lo ? ", (" : "(") + std::to_string(i) + ", " + std::to_string(static_cast<int64_t>(i) * 37 % small) + ", 'x" +
                 std::to_string(i) + "')";
        must(sql);
      }
    std::printf("small: tags %d + notes %d rows\n", small, small);
    timed("small non-key join", "SELECT count(*), max(n.body) FROM tags t JOIN notes n ON n.code = t.code", 2.0 * small);
  }
  return 0;
}

}  // namespace bd::native
