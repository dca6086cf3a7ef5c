// Online resharding through the native cluster: a resize moves rows between nodes while writers
// and readers keep going, interleaved round trip by round trip with the job's steps, and job
// steps are cut off mid-way (a restarted object) to show every step resumes safely.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>
#include <string>
#include "cluster_helpers.h"

using bd::Value;
using bd::testing::run;

namespace {

const char* kSchema[] = {
    "CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT, balance REAL)",
    "CREATE INDEX accounts_owner ON accounts (owner)",
    "CREATE TABLE users (email TEXT PRIMARY KEY, name TEXT, age INTEGER)",
    "CREATE TABLE events (kind TEXT, payload BLOB, n)",
    "CREATE TABLE items (id INTEGER PRIMARY KEY, sku TEXT, qty INTEGER)",
    "CREATE TABLE countries (code TEXT PRIMARY KEY, name TEXT)",
    "PRAGMA bigdaddy_reference_table = 'countries'",
};

void load(bd::native::Cluster& c, int rows) {
  for (auto* s : kSchema) run(c, s);
  run(c, "INSERT INTO countries VALUES ('fr', 'France'), ('jp', 'Japan'), ('br', 'Brazil')");
  for (int base = 0; base < rows; base += 250) {
    std::string a = "INSERT INTO accounts (id, owner, balance) VALUES ", u = "INSERT INTO users VALUES ", e = "INSERT INTO events VALUES ",
                it = "INSERT INTO items (id, sku, qty) VALUES ";
    for (int i = base; i < base + 250 && i < rows; i++) {
      std::string sep = i > base ? ", " : "";
      a += sep + "(" + std::to_string(i + 1) + ", 'owner" + std::to_string(i % 97) + "', " + std::to_string(i) + ".0)";
      u += sep + "('u" + std::to_string(i) + "@x', 'name" + std::to_string(i) + "', " + std::to_string(i % 90) + ")";
      e += sep + "('k" + std::to_string(i % 7) + "', x'" + (i % 2 ? "00ff" : "abcd") + "', " + (i % 3 ? std::to_string(i) : "1.5") + ")";
      it += sep + "(" + std::to_string(i + 1) + ", 'sku" + std::to_string(i) + "', " + std::to_string(i % 13) + ")";
    }
    run(c, a);
    run(c, u);
    run(c, e);
    run(c, it);
  }
}

// Everything a user could check about the data: counts and order-independent checksums.
std::string fingerprint(bd::native::Cluster& c) {
  std::string out;
  for (auto* q : {"SELECT count(*), sum(id), total(balance), group_concat(owner, '') FROM (SELECT * FROM accounts ORDER BY id)",
                  "SELECT count(*), sum(age), group_concat(email || name, '') FROM (SELECT * FROM users ORDER BY email)",
                  "SELECT count(*), total(n), group_concat(kind || hex(payload) || typeof(n), '') FROM (SELECT * FROM events ORDER BY "
                  "kind, hex(payload), n)",
                  "SELECT count(*), sum(qty), group_concat(sku, '') FROM (SELECT * FROM items ORDER BY id)",
                  "SELECT group_concat(code || name, '') FROM (SELECT * FROM countries ORDER BY code)"}) {
    auto r = run(c, q);
    for (auto& v : r.rs.rows[0])
      out += (v.type == bd::ValueType::Text ? v.s : v.type == bd::ValueType::Real ? std::to_string(v.r) : std::to_string(v.i)) + "|";
  }
  return out;
}

int64_t rows_on(bd::native::Cluster& c, int node, const char* table) {
  auto r = c.node_exec(node, std::string("SELECT count(*) FROM ") + table);
  REQUIRE(r.ok());
  return r->rows[0][0].i;
}

// Runs a request of the given mode (3: one resize step, 2: topology report) to its end.
bd::native::QueryResult run_mode(bd::native::Cluster& c, bd::RequestMode mode) {
  int t = c.begin(0, "", {}, mode);
  while (!c.advance(t)) {
  }
  auto r = c.finish(t);
  if (!r.ok()) FAIL(r.error().message);
  return std::move(*r);
}

// One resize step; returns the job's JSON.
std::string resize_step(bd::native::Cluster& c) { return run_mode(c, bd::RequestMode::ReshardStep).rs.rows.at(0).at(0).s; }

// How many nodes the topology report lists.
size_t nodes_listed(bd::native::Cluster& c) {
  std::string json = run_mode(c, bd::RequestMode::Topology).meta_json;
  size_t listed = 0;
  for (size_t p = 0; (p = json.find("\"status\":\"up\"", p)) != std::string::npos; p++) listed++;
  return listed;
}

}  // namespace

TEST_CASE("reshard: PRAGMA bigdaddy_resize grows 2 nodes to 5; every row, index entry and reference row comes along") {
  auto c = bd::testing::cluster(2, "reshard-basic");
  load(*c, 2000);
  std::string before = fingerprint(*c);

  auto started = run(*c, "PRAGMA bigdaddy_resize = 5");
  REQUIRE(started.rs.rows[0][0].s.find("\"phase\":\"join\"") != std::string::npos);
  // While it runs, the schema cannot change (clear error, nothing applied).
  auto ddl = c->execute("CREATE TABLE later (id INTEGER PRIMARY KEY)");
  REQUIRE(!ddl.ok());
  REQUIRE(ddl.error().message.find("being resized") != std::string::npos);

  auto json = c->run_resize();
  REQUIRE(json.ok());
  INFO(*json);
  REQUIRE(json->find("\"phase\":\"done\"") != std::string::npos);
  REQUIRE(json->find("\"rowsCopied\":") != std::string::npos);
  // 153 virtual shards move (2 x 128 -> 52 + 4 x 51), in 3 waves of 51.
  REQUIRE(json->find("\"vshardsMoving\":153") != std::string::npos);
  REQUIRE(json->find("\"wave\":3,\"waves\":3") != std::string::npos);

  REQUIRE(fingerprint(*c) == before);
  REQUIRE(c->nodes() == 5);
  int64_t total = 0;
  for (int n = 0; n < 5; n++) {
    int64_t here = rows_on(*c, n, "accounts");
    CHECK(here > 200);  // ~2000/5 each
    total += here;
    CHECK(rows_on(*c, n, "countries") == 3);  // reference rows on every node, new ones too
    CHECK(rows_on(*c, n, "_bd_idx_accounts_owner") > 0);
    // No staging or change-capture leftovers.
    auto leftovers =
        c->node_exec(n,
                     "SELECT count(*) FROM sqlite_schema WHERE name LIKE '\\_bd\\_stage%' ESCAPE '\\' OR name LIKE '\\_bd\\_cap%' ESCAPE "
                     "'\\' OR name LIKE '\\_bd\\_ksid%' ESCAPE '\\' OR name IN ('_bd_changes', '_bd_moving')");
    REQUIRE(leftovers.ok());
    CHECK(leftovers->rows[0][0].i == 0);
  }
  REQUIRE(total == 2000);
  // Point reads route to the new owners (one node), the global index still finds every row.
  for (int id : {1, 777, 1999}) {
    auto r = run(*c, "SELECT owner FROM accounts WHERE id = ?", {Value::integer(id)});
    REQUIRE(r.rs.rows.size() == 1);
    REQUIRE(r.meta_json.find("\"nodesTouched\":1") != std::string::npos);
  }
  auto by_owner = run(*c, "SELECT count(*) FROM accounts WHERE owner = 'owner5'");
  REQUIRE(by_owner.rs.rows[0][0].i == 21);  // i % 97 == 5 for i < 2000
  auto user = run(*c, "SELECT name FROM users WHERE email = 'u1234@x'");
  REQUIRE(user.rs.rows.size() == 1);
  REQUIRE(user.rs.rows[0][0].s == "name1234");
  // Writes after the resize: new ids, new rows land on all nodes; DDL works again.
  run(*c, "INSERT INTO accounts (owner, balance) VALUES ('late', 1.0)");
  REQUIRE(run(*c, "SELECT count(*) FROM accounts WHERE owner = 'late'").rs.rows[0][0].i == 1);
  run(*c, "CREATE TABLE later (id INTEGER PRIMARY KEY)");
  run(*c, "INSERT INTO later VALUES (1), (2), (3)");
  REQUIRE(run(*c, "SELECT count(*) FROM later").rs.rows[0][0].i == 3);
  // The topology report shows the finished job.
  auto again = run(*c, "PRAGMA bigdaddy_resize");
  REQUIRE(again.rs.rows[0][0].s.find("\"phase\":\"done\"") != std::string::npos);
}

TEST_CASE("reshard: bad resize requests are refused with clear errors") {
  auto c = bd::testing::cluster(3, "reshard-errors");
  run(*c, "CREATE TABLE t (id INTEGER PRIMARY KEY)");
  auto zero = c->execute("PRAGMA bigdaddy_resize = 0");
  REQUIRE(!zero.ok());
  auto bad = c->execute("PRAGMA bigdaddy_resize = 'lots'");
  REQUIRE(!bad.ok());
  REQUIRE(bad.error().message.find("usage") != std::string::npos);
  auto cancel = c->execute("PRAGMA bigdaddy_resize = 'cancel'");
  REQUIRE(!cancel.ok());
  REQUIRE(cancel.error().message.find("no resize") != std::string::npos);
  // Same size: nothing to do, no job.
  REQUIRE(run(*c, "PRAGMA bigdaddy_resize = 3").rs.rows[0][0].s == "null");
}

TEST_CASE("reshard: a cancel before the switch leaves the data where it was") {
  auto c = bd::testing::cluster(2, "reshard-cancel");
  load(*c, 600);
  std::string before = fingerprint(*c);
  run(*c, "PRAGMA bigdaddy_resize = 4");
  // Join and capture, then cancel during the copy.
  for (int i = 0; i < 3; i++) resize_step(*c);
  run(*c, "PRAGMA bigdaddy_resize = 'cancel'");
  auto json = c->run_resize();
  REQUIRE(json.ok());
  INFO(*json);
  REQUIRE(json->find("\"phase\":\"cancelled\"") != std::string::npos);
  REQUIRE(fingerprint(*c) == before);
  for (int n = 2; n < 4; n++) CHECK(rows_on(*c, n, "accounts") == 0);
  // A new resize can run after the cancelled one.
  run(*c, "PRAGMA bigdaddy_resize = 4");
  json = c->run_resize();
  REQUIRE(json.ok());
  REQUIRE(json->find("\"phase\":\"done\"") != std::string::npos);
  REQUIRE(fingerprint(*c) == before);
  for (int n = 0; n < 4; n++) CHECK(rows_on(*c, n, "accounts") > 50);
}

namespace {

// A writer's or reader's statement in flight.
struct Op {
  int ticket = 0;
  char kind = 0;  // i(nsert) u(pdate) d(elete) r(ead)
  int64_t key = 0;
  int64_t value = 0;
  int version = 0;  // reads: the key's write count when the read began
};

void concurrent_resize(bool with_faults, uint32_t seed) {
  auto opened = bd::native::Cluster::open({2, "", with_faults ? "reshard-faults" : "reshard-concurrent", 300});
  REQUIRE(opened.ok());
  auto c = std::move(*opened);
  run(*c, "CREATE TABLE kv (k INTEGER PRIMARY KEY, v INTEGER NOT NULL, tag TEXT)");
  run(*c, "CREATE INDEX kv_tag ON kv (tag)");
  std::map<int64_t, int64_t> model;  // acknowledged state
  for (int base = 0; base < 3000; base += 200) {
    std::string sql = "INSERT INTO kv VALUES ";
    for (int k = base; k < base + 200; k++) {
      sql += (k > base ? ", (" : "(") + std::to_string(k) + ", " + std::to_string(k * 10) + ", 't" + std::to_string(k % 50) + "')";
      model[k] = k * 10;
    }
    run(*c, sql);
  }
  run(*c, "PRAGMA bigdaddy_resize = 5");

  std::mt19937 rng(seed);
  std::set<int64_t> busy;            // keys with a write in flight: their state is not known until it ends
  std::map<int64_t, int> writes_to;  // writes begun per key: a read overlapping one proves nothing
  std::vector<Op> ops(6);            // 4 writers, 2 readers
  int64_t next_key = 100000;
  int acknowledged = 0, failed_writes = 0, reads = 0, job_steps = 0, cut_steps = 0;
  int job = c->begin(0, "", {}, bd::RequestMode::ReshardStep);
  int job_rounds = 0, cut_after = -1;
  bool done = false;
  std::string last_json;
  for (int round = 0; !done && round < 200000; round++) {
    for (size_t w = 0; w < ops.size(); w++) {
      Op& op = ops[w];
      if (!op.ticket) {
        // Start a new operation on a key nobody else is writing.
        bool reader = w >= 4;
        int64_t key = static_cast<int64_t>(rng() % 3000);
        if (!reader && rng() % 4 == 0) key = next_key++;
        if (busy.count(key)) continue;
        op = Op{};
        op.key = key;
        op.value = static_cast<int64_t>(rng() % 1000000);
        if (reader) {
          op.kind = 'r';
          op.ticket = c->begin(static_cast<int>(w % 2), "SELECT v FROM kv WHERE k = ?", {Value::integer(key)});
        } else if (!model.count(key)) {
          op.kind = 'i';
          op.ticket = c->begin(static_cast<int>(w % 2), "INSERT INTO kv VALUES (?, ?, ?)",
                               {Value::integer(key), Value::integer(op.value), Value::text("t" + std::to_string(key % 50))});
        } else if (rng() % 3 == 0) {
          op.kind = 'd';
          op.ticket = c->begin(static_cast<int>(w % 2), "DELETE FROM kv WHERE k = ?", {Value::integer(key)});
        } else {
          op.kind = 'u';
          op.ticket = c->begin(static_cast<int>(w % 2), "UPDATE kv SET v = ? WHERE k = ?", {Value::integer(op.value), Value::integer(key)});
        }
        if (op.kind != 'r') {
          busy.insert(key);
          writes_to[key]++;
        }
        op.version = writes_to[key];
        op.value = op.kind == 'r' ? (model.count(key) ? model[key] : -1) : op.value;
        continue;
      }
      if (!c->advance(op.ticket)) continue;
      auto r = c->finish(op.ticket);
      op.ticket = 0;
      if (op.kind == 'r') {
        reads++;
        REQUIRE(r.ok());
        // A row that exists (and nobody is writing) is always found, with its acknowledged value.
        if (!busy.count(op.key) && writes_to[op.key] == op.version) {
          INFO("key " << op.key);
          if (op.value < 0) {
            REQUIRE(r->rs.rows.empty());
          } else {
            REQUIRE(r->rs.rows.size() == 1);
            REQUIRE(r->rs.rows[0][0].i == op.value);
          }
        }
        continue;
      }
      busy.erase(op.key);
      if (!r.ok()) {
        failed_writes++;
        FAIL("point write failed during the resize: " << r.error().message);
      }
      acknowledged++;
      if (op.kind == 'd')
        model.erase(op.key);
      else
        model[op.key] = op.value;
    }
    // The job: one round trip per round; with faults, some steps are cut off part-way.
    if (with_faults && cut_after < 0) cut_after = static_cast<int>(rng() % 6);
    if (round % 3) continue;  // the job gets one round trip for every three of each client
    job_rounds++;
    bool finished = c->advance(job);
    if (!finished && with_faults && job_rounds > cut_after && rng() % 3 == 0) {
      (void)c->finish(job);  // the runner dies mid-step; the next one starts over from the saved phase
      cut_steps++;
      finished = true;
      last_json.clear();
    } else if (finished) {
      auto r = c->finish(job);
      REQUIRE(r.ok());
      last_json = r->rs.rows[0][0].s;
      REQUIRE(last_json.find("\"failures\":0") != std::string::npos);
      job_steps++;
      if (last_json.find("\"active\":false") != std::string::npos) done = true;
    }
    if (finished && !done) {
      job = c->begin(0, "", {}, bd::RequestMode::ReshardStep);
      job_rounds = 0;
      cut_after = -1;
    }
  }
  INFO(last_json);
  REQUIRE(done);
  REQUIRE(last_json.find("\"phase\":\"done\"") != std::string::npos);
  // Drain the operations still in flight.
  for (auto& op : ops) {
    if (!op.ticket) continue;
    while (!c->advance(op.ticket)) {
    }
    auto r = c->finish(op.ticket);
    REQUIRE(r.ok());
    if (op.kind == 'd')
      model.erase(op.key);
    else if (op.kind != 'r')
      model[op.key] = op.value;
  }
  INFO("acknowledged " << acknowledged << " reads " << reads << " steps " << job_steps << " cut " << cut_steps << " " << last_json);
  CHECK(acknowledged > 150);
  CHECK(reads > 100);
  CHECK(failed_writes == 0);
  if (with_faults) CHECK(cut_steps > 3);
  // Every acknowledged write is there exactly once, nothing else is.
  auto all = run(*c, "SELECT k, v FROM kv ORDER BY k");
  REQUIRE(all.rs.rows.size() == model.size());
  size_t i = 0;
  for (auto& [k, v] : model) {
    INFO("row " << i);
    REQUIRE(all.rs.rows[i][0].i == k);
    REQUIRE(all.rs.rows[i][1].i == v);
    i++;
  }
  int64_t total = 0;
  for (int n = 0; n < 5; n++) {
    int64_t here = rows_on(*c, n, "kv");
    CHECK(here > static_cast<int64_t>(model.size()) / 10);
    total += here;
  }
  REQUIRE(total == static_cast<int64_t>(model.size()));  // no row on two nodes
  // The global index agrees with the rows.
  for (int tag : {0, 17, 49}) {
    std::string t = "t" + std::to_string(tag);
    auto via_index = run(*c, "SELECT count(*) FROM kv WHERE tag = ?", {Value::text(t)});
    auto scan = run(*c, "SELECT count(*) FROM kv WHERE tag || '' = ?", {Value::text(t)});
    REQUIRE(via_index.rs.rows[0][0].i == scan.rs.rows[0][0].i);
  }
}

}  // namespace

TEST_CASE("reshard: 4 writers and 2 readers keep going while 2 nodes grow to 5; every acknowledged write is there once") {
  concurrent_resize(false, 7);
}

TEST_CASE("reshard: the same, with resize steps cut off part-way (a restarted object) again and again") { concurrent_resize(true, 11); }

TEST_CASE("reshard: INSERT OR REPLACE during the copy (a delete no trigger sees) still leaves one row per key") {
  auto c = bd::testing::cluster(2, "reshard-replace");
  run(*c, "CREATE TABLE users (email TEXT PRIMARY KEY, name TEXT)");
  std::string sql = "INSERT INTO users VALUES ";
  for (int i = 0; i < 1000; i++) sql += (i ? ", ('" : "('") + std::to_string(i) + "@x', 'old')";
  run(*c, sql);
  run(*c, "PRAGMA bigdaddy_resize = 4");
  // Join, capture and the first copy batch (small batches: the default cluster copies 4000 rows).
  for (int i = 0; i < 3; i++) resize_step(*c);
  // Every row is replaced: SQLite deletes the old row (rowid r1) and inserts a new one (rowid r2).
  for (int i = 0; i < 1000; i += 7) run(*c, "INSERT OR REPLACE INTO users VALUES (?, 'new')", {Value::text(std::to_string(i) + "@x")});
  auto json = c->run_resize();
  REQUIRE(json.ok());
  INFO(*json);
  REQUIRE(json->find("\"phase\":\"done\"") != std::string::npos);
  REQUIRE(run(*c, "SELECT count(*), count(DISTINCT email), sum(name = 'new') FROM users").rs.rows[0][0].i == 1000);
  auto r = run(*c, "SELECT count(DISTINCT email), sum(name = 'new') FROM users");
  REQUIRE(r.rs.rows[0][0].i == 1000);
  REQUIRE(r.rs.rows[0][1].i == 143);
  int64_t total = 0;
  for (int n = 0; n < 4; n++) total += rows_on(*c, n, "users");
  REQUIRE(total == 1000);
}

TEST_CASE("reshard: split a virtual shard, move one half to another node; point reads and writes follow") {
  auto c = bd::testing::cluster(2, "reshard-split-move");
  run(*c, "CREATE TABLE kv (k INTEGER PRIMARY KEY, v INTEGER)");
  std::string sql = "INSERT INTO kv VALUES ";
  for (int i = 0; i < 3000; i++) sql += (i ? ", (" : "(") + std::to_string(i) + ", " + std::to_string(i * 3) + ")";
  run(*c, sql);
  // A resize first, so that the nodes track ownership: a split must tell the owner of the new id.
  run(*c, "PRAGMA bigdaddy_resize = 3");
  REQUIRE(c->run_resize()->find("\"phase\":\"done\"") != std::string::npos);
  // Virtual shard 1 (node 1 from the start) splits in two; both halves stay on its node.
  auto split = run(*c, "PRAGMA bigdaddy_split_vshard = 1");
  REQUIRE(split.rs.rows.size() == 2);
  REQUIRE(split.rs.rows[0][3].i == split.rs.rows[1][3].i);
  const int64_t half = split.rs.rows[1][0].i;  // the new virtual shard's id
  REQUIRE(half == 256);
  const int64_t owner = split.rs.rows[1][3].i;
  // Every row is still found by a point read that names its (possibly new) virtual shard.
  for (int i = 0; i < 3000; i += 3) {
    auto r = run(*c, "SELECT v FROM kv WHERE k = ?", {Value::integer(i)});
    REQUIRE(r.rs.rows.size() == 1);
    REQUIRE(r.rs.rows[0][0].i == i * 3);
  }
  for (int i = 0; i < 3000; i += 5) run(*c, "UPDATE kv SET v = v + 1 WHERE k = ?", {Value::integer(i)});
  // Move the new half to another node, online.
  const int64_t to = (owner + 1) % 3;
  auto before_to = rows_on(*c, static_cast<int>(to), "kv"), before_owner = rows_on(*c, static_cast<int>(owner), "kv");
  auto job = run(*c, "PRAGMA bigdaddy_move_vshard = '256:" + std::to_string(to) + "'");
  REQUIRE(job.rs.rows[0][0].s.find("\"vshardsMoving\":1") != std::string::npos);
  auto json = c->run_resize();
  REQUIRE(json.ok());
  INFO(*json);
  REQUIRE(json->find("\"phase\":\"done\"") != std::string::npos);
  auto moved = rows_on(*c, static_cast<int>(to), "kv") - before_to;
  CHECK(moved > 0);  // ~3000/512 rows hash into half a virtual shard
  CHECK(rows_on(*c, static_cast<int>(owner), "kv") == before_owner - moved);
  auto all = run(*c, "SELECT count(*), sum(v) FROM kv");
  REQUIRE(all.rs.rows[0][0].i == 3000);
  REQUIRE(all.rs.rows[0][1].i == 3 * (2999 * 3000 / 2) + 600);
  for (int i = 0; i < 3000; i++) {
    auto r = run(*c, "SELECT v FROM kv WHERE k = ?", {Value::integer(i)});
    REQUIRE(r.rs.rows.size() == 1);
  }
  // Clear errors for bad placement requests.
  auto bad = c->execute("PRAGMA bigdaddy_move_vshard = '256:9'");
  REQUIRE(!bad.ok());
  REQUIRE(bad.error().message.find("no such node") != std::string::npos);
  bad = c->execute("PRAGMA bigdaddy_move_vshard = '999:1'");
  REQUIRE(!bad.ok());
  REQUIRE(bad.error().message.find("no such virtual shard") != std::string::npos);
  bad = c->execute("PRAGMA bigdaddy_move_vshard = 'x'");
  REQUIRE(!bad.ok());
  REQUIRE(bad.error().message.find("usage") != std::string::npos);
  bad = c->execute("PRAGMA bigdaddy_split_vshard = 999");
  REQUIRE(!bad.ok());
}

TEST_CASE("reshard: large rows are copied in batches bounded by bytes, not only by row count") {
  auto c = bd::testing::cluster(2, "reshard-large-rows");
  run(*c, "CREATE TABLE docs (id INTEGER PRIMARY KEY, body BLOB)");
  for (int i = 0; i < 240; i++)
    run(*c, "INSERT INTO docs VALUES (?, ?)", {Value::integer(i), Value::blob(std::string(200000, static_cast<char>('a' + i % 26)))});
  auto before = run(*c, "SELECT count(*), sum(length(body)), sum(unicode(CAST(body AS TEXT))) FROM docs").rs.rows[0];
  run(*c, "PRAGMA bigdaddy_resize = 3");
  // Each source moves ~40 rows of 200 KB = 8 MB or more: several batches under the 8 MB cap. Once
  // copied, every row is rewritten: the catch-up replays them, also in rounds under the cap.
  int copy_steps = 0, replay_steps = 0;
  bool rewritten = false;
  for (;;) {
    const std::string json = resize_step(*c);
    if (json.find("\"phase\":\"copy\"") != std::string::npos) copy_steps++;
    if (json.find("catch-up\"") != std::string::npos) replay_steps++;
    if (!rewritten && json.find("\"phase\":\"catch-up\"") != std::string::npos) {
      for (int i = 0; i < 240; i++)
        run(*c, "UPDATE docs SET body = ? WHERE id = ?",
            {Value::blob(std::string(300000, static_cast<char>('A' + i % 26))), Value::integer(i)});
      before = run(*c, "SELECT count(*), sum(length(body)), sum(unicode(CAST(body AS TEXT))) FROM docs").rs.rows[0];
      rewritten = true;
    }
    if (json.find("\"active\":false") != std::string::npos) break;
  }
  REQUIRE(rewritten);
  CHECK(copy_steps >= 2);
  CHECK(replay_steps >= 3);
  auto after = run(*c, "SELECT count(*), sum(length(body)), sum(unicode(CAST(body AS TEXT))) FROM docs").rs.rows[0];
  REQUIRE(after == before);
  REQUIRE(after[1].i == 240 * 300000);
  CHECK(rows_on(*c, 2, "docs") > 40);
}

TEST_CASE("reshard: moving rows is not an insert or a delete for the users' triggers") {
  auto c = bd::testing::cluster(2, "reshard-triggers");
  run(*c, "CREATE TABLE audit (what TEXT)");
  run(*c, "PRAGMA bigdaddy_reference_table = 'audit'");
  run(*c, "CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INTEGER)");
  run(*c, "CREATE TRIGGER orders_in AFTER INSERT ON orders BEGIN INSERT INTO audit VALUES ('in'); END");
  run(*c, "CREATE TRIGGER orders_out AFTER DELETE ON orders BEGIN INSERT INTO audit (what) VALUES ('out'); END");
  std::string sql = "INSERT INTO orders VALUES ";
  for (int i = 0; i < 500; i++) sql += (i ? ", (" : "(") + std::to_string(i) + ", 1)";
  run(*c, sql);
  int64_t audit0 = rows_on(*c, 0, "audit"), audit1 = rows_on(*c, 1, "audit");
  run(*c, "PRAGMA bigdaddy_resize = 4");
  auto json = c->run_resize();
  REQUIRE(json.ok());
  INFO(*json);
  REQUIRE(json->find("\"phase\":\"done\"") != std::string::npos);
  CHECK(rows_on(*c, 0, "audit") == audit0);
  CHECK(rows_on(*c, 1, "audit") == audit1);
  CHECK(rows_on(*c, 2, "audit") == audit0);  // node 0's copy, nothing added by the move
  CHECK(rows_on(*c, 3, "audit") == audit0);
  // The triggers still exist on every node, the new ones included.
  for (int n = 0; n < 4; n++) {
    auto t = c->node_exec(n, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name LIKE 'orders_%'");
    REQUIRE(t.ok());
    CHECK(t->rows[0][0].i == 2);
  }
  REQUIRE(run(*c, "SELECT count(*), sum(qty) FROM orders").rs.rows[0][0].i == 500);
}

#include <sqlite3.h>
#include "storage/ops.h"
#include "topology/reshard.h"

TEST_CASE("reshard: keyspace-range predicates select exactly the rows of the chosen virtual shards") {
  // 256 equal shards, one of them split unevenly in three, and the whole keyspace as one shard.
  bd::Topology topo;
  const uint64_t width = (~uint64_t{0}) / 256 + 1;
  for (uint32_t i = 0; i < 256; i++) topo.vshards.push_back({i, width * i, i == 255 ? ~uint64_t{0} : width * (i + 1) - 1, i % 3});
  topo.vshards[7].hi = topo.vshards[7].lo + 12345;  // an unaligned piece
  topo.vshards.push_back({256, topo.vshards[7].lo + 12346, width * 8 - 1, 1});
  bd::Topology whole;
  whole.vshards.push_back({0, 0, ~uint64_t{0}, 0});
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
  std::mt19937_64 rng(42);
  auto check = [&](const bd::Topology& t, const std::vector<uint32_t>& ids) {
    std::vector<bd::storage::KsidRange> ranges;
    for (auto& v : t.vshards)
      if (std::find(ids.begin(), ids.end(), v.id) != ids.end()) ranges.push_back({v.lo, v.hi});
    std::string sql = "SELECT " + bd::storage::ksid_ranges_sql(ranges, "?1");
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    for (int i = 0; i < 4000; i++) {
      uint64_t u = rng();
      if (i % 4 == 0) u = t.vshards[rng() % t.vshards.size()].lo;  // range edges too
      if (i % 4 == 1) u = t.vshards[rng() % t.vshards.size()].hi;
      bool want = false;
      for (auto& v : t.vshards)
        if (u >= v.lo && u <= v.hi && std::find(ids.begin(), ids.end(), v.id) != ids.end()) want = true;
      sqlite3_bind_int64(st, 1, static_cast<int64_t>(u));
      REQUIRE(sqlite3_step(st) == SQLITE_ROW);
      INFO(u << " " << sql.substr(0, 200));
      REQUIRE((sqlite3_column_int64(st, 0) != 0) == want);
      sqlite3_reset(st);
    }
    sqlite3_finalize(st);
  };
  check(topo, {0, 2, 4, 100, 127, 128, 129, 255});
  check(topo, {7, 256, 8});
  check(topo, {256});
  std::vector<uint32_t> odd;
  for (uint32_t i = 1; i < 256; i += 2) odd.push_back(i);
  check(topo, odd);
  check(whole, {0});
  check(topo, {});
  sqlite3_close(db);
}

TEST_CASE("reshard: a failing step is reported (phase, error, count) and retried until it succeeds") {
  auto c = bd::testing::cluster(2, "reshard-failure");
  run(*c, "CREATE TABLE kv (id INTEGER PRIMARY KEY, v INTEGER)");
  std::string sql = "INSERT INTO kv VALUES ";
  for (int i = 0; i < 1000; i++) sql += (i ? ", (" : "(") + std::to_string(i) + ", " + std::to_string(i) + ")";
  run(*c, sql);
  run(*c, "PRAGMA bigdaddy_resize = 3");
  auto step = [&] { return resize_step(*c); };
  std::string json;
  while ((json = step()).find("\"phase\":\"activate\"") == std::string::npos) REQUIRE(json.find("\"active\":true") != std::string::npos);
  // Sabotage: a row on the target with the id of a row about to arrive there.
  auto staged = c->node_exec(2, "SELECT id FROM _bd_stage_kv LIMIT 1");
  REQUIRE(staged.ok());
  REQUIRE(staged->rows.size() == 1);
  std::string id = std::to_string(staged->rows[0][0].i);
  REQUIRE(c->node_exec(2, "INSERT INTO kv (id, v) VALUES (" + id + ", -1)").ok());
  json = step();
  INFO(json);
  REQUIRE(json.find("\"phase\":\"activate\"") != std::string::npos);
  REQUIRE(json.find("\"failures\":1") != std::string::npos);
  REQUIRE(json.find("\"lastError\":\"activate: UNIQUE constraint failed") != std::string::npos);
  // The topology report and the status statement show it too.
  REQUIRE(run(*c, "PRAGMA bigdaddy_resize").rs.rows[0][0].s.find("UNIQUE constraint failed") != std::string::npos);
  REQUIRE(step().find("\"failures\":2") != std::string::npos);  // retried, still failing
  // Fixed by hand: the next retry succeeds, the error clears, the job completes.
  REQUIRE(c->node_exec(2, "DELETE FROM kv WHERE id = " + id).ok());
  json = step();
  REQUIRE(json.find("\"phase\":\"cleanup\"") != std::string::npos);
  REQUIRE(json.find("\"failures\":0") != std::string::npos);
  REQUIRE(json.find("lastError") == std::string::npos);
  auto done = c->run_resize();
  REQUIRE(done.ok());
  REQUIRE(done->find("\"phase\":\"done\"") != std::string::npos);
  auto all = run(*c, "SELECT count(*), sum(v) FROM kv");
  REQUIRE(all.rs.rows[0][0].i == 1000);
  REQUIRE(all.rs.rows[0][1].i == 999 * 1000 / 2);
}

TEST_CASE("reshard: a write to every node during the fence waits and then applies once everywhere") {
  auto c = bd::testing::cluster(2, "reshard-scatter-write");
  run(*c, "CREATE TABLE kv (id INTEGER PRIMARY KEY, v INTEGER)");
  std::string sql = "INSERT INTO kv VALUES ";
  for (int i = 0; i < 1000; i++) sql += (i ? ", (" : "(") + std::to_string(i) + ", 0)";
  run(*c, sql);
  run(*c, "PRAGMA bigdaddy_resize = 3");
  auto step = [&] { return resize_step(*c); };
  while (step().find("\"phase\":\"final-catch-up\"") == std::string::npos) {
  }
  // The sources now refuse writes to the moving shards. A scatter UPDATE is checked on every node
  // first (a resize is running), so it is refused before it applies anywhere, backs off, and
  // applies after the switch, exactly once per row.
  int update = c->begin(1, "UPDATE kv SET v = v + 1");
  bool job_done = false;
  int job = c->begin(0, "", {}, bd::RequestMode::ReshardStep);
  for (int round = 0; round < 100000; round++) {
    bool upd_done = c->advance(update);
    if (!job_done && c->advance(job)) {
      auto r = c->finish(job);
      REQUIRE(r.ok());
      if (r->rs.rows[0][0].s.find("\"active\":false") != std::string::npos)
        job_done = true;
      else
        job = c->begin(0, "", {}, bd::RequestMode::ReshardStep);
    }
    if (upd_done && job_done) break;
  }
  auto r = c->finish(update);
  if (!r.ok()) FAIL(r.error().message);
  REQUIRE(r->rs.changes == 1000);
  auto all = run(*c, "SELECT count(*), sum(v), min(v), max(v) FROM kv");
  REQUIRE(all.rs.rows[0][0].i == 1000);
  REQUIRE(all.rs.rows[0][1].i == 1000);
  REQUIRE(all.rs.rows[0][2].i == 1);
  REQUIRE(all.rs.rows[0][3].i == 1);
}

TEST_CASE("reshard: shrinking 5 nodes to 2 moves every row off the leaving nodes, which leave the topology") {
  auto c = bd::testing::cluster(5, "reshard-shrink");
  load(*c, 1500);
  std::string before = fingerprint(*c);
  run(*c, "PRAGMA bigdaddy_resize = 2");
  auto json = c->run_resize();
  REQUIRE(json.ok());
  INFO(*json);
  REQUIRE(json->find("\"phase\":\"done\"") != std::string::npos);
  REQUIRE(fingerprint(*c) == before);
  for (int n = 2; n < 5; n++) {
    CHECK(rows_on(*c, n, "accounts") == 0);
    CHECK(rows_on(*c, n, "_bd_idx_accounts_owner") == 0);
  }
  CHECK(rows_on(*c, 0, "accounts") + rows_on(*c, 1, "accounts") == 1500);
  // The topology report lists 2 nodes; new rows land only there.
  CHECK(nodes_listed(*c) == 2);
  for (int i = 0; i < 200; i++) run(*c, "INSERT INTO items (sku, qty) VALUES ('n', 1)");
  for (int n = 2; n < 5; n++) CHECK(rows_on(*c, n, "items") == 0);
  for (int id : {1, 700, 1500}) REQUIRE(run(*c, "SELECT owner FROM accounts WHERE id = ?", {Value::integer(id)}).rs.rows.size() == 1);
  REQUIRE(run(*c, "SELECT count(*) FROM accounts WHERE owner = 'owner5'").rs.rows[0][0].i == 16);  // i % 97 == 5, i < 1500
  // And it can grow again.
  run(*c, "PRAGMA bigdaddy_resize = 4");
  json = c->run_resize();
  REQUIRE(json.ok());
  REQUIRE(json->find("\"phase\":\"done\"") != std::string::npos);
  for (int n = 0; n < 4; n++) CHECK(rows_on(*c, n, "accounts") > 200);
  CHECK(rows_on(*c, 4, "accounts") == 0);
}

TEST_CASE("reshard: shrinking away nodes a cancelled resize left empty needs no moves") {
  auto c = bd::testing::cluster(2, "reshard-shrink-empty");
  run(*c, "CREATE TABLE kv (id INTEGER PRIMARY KEY, v INTEGER)");
  run(*c, "INSERT INTO kv VALUES (1, 1), (2, 2), (3, 3)");
  run(*c, "PRAGMA bigdaddy_resize = 4");
  for (int i = 0; i < 2; i++) resize_step(*c);  // join and capture
  run(*c, "PRAGMA bigdaddy_resize = 'cancel'");
  REQUIRE(c->run_resize()->find("\"phase\":\"cancelled\"") != std::string::npos);
  auto job = run(*c, "PRAGMA bigdaddy_resize = 2");
  REQUIRE(job.rs.rows[0][0].s.find("\"vshardsMoving\":0") != std::string::npos);
  auto json = c->run_resize();
  REQUIRE(json.ok());
  INFO(*json);
  REQUIRE(json->find("\"phase\":\"done\"") != std::string::npos);
  CHECK(nodes_listed(*c) == 2);
  REQUIRE(run(*c, "SELECT count(*), sum(v) FROM kv").rs.rows[0][1].i == 6);
}

TEST_CASE("reshard: reference tables reach new nodes in bounded batches, exactly") {
  auto opened = bd::native::Cluster::open({2, "", "reshard-reference", 100});  // 100-row copy batches
  REQUIRE(opened.ok());
  auto c = std::move(*opened);
  run(*c, "CREATE TABLE countries (code TEXT PRIMARY KEY, name TEXT, area REAL, data BLOB)");
  run(*c, "PRAGMA bigdaddy_reference_table = 'countries'");
  for (int base = 0; base < 1000; base += 100) {
    std::string sql = "INSERT INTO countries VALUES ";
    for (int i = base; i < base + 100; i++)
      sql += (i > base ? ", ('c" : "('c") + std::to_string(i) + "', 'n" + std::to_string(i) + "', " +
             (i % 3 ? std::to_string(i) + ".0" : "2.5") + ", x'0a" + (i % 2 ? "ff" : "00") + "')";
    run(*c, sql);
  }
  run(*c, "PRAGMA bigdaddy_resize = 3");
  auto json = c->run_resize();
  REQUIRE(json.ok());
  REQUIRE(json->find("\"phase\":\"done\"") != std::string::npos);
  const char* q =
      "SELECT count(*), group_concat(code || name || area || typeof(area) || hex(data), ',') FROM (SELECT * FROM countries ORDER BY rowid)";
  auto on0 = c->node_exec(0, q), on2 = c->node_exec(2, q);
  REQUIRE(on0.ok());
  REQUIRE(on2.ok());
  REQUIRE(on0->rows[0][0].i == 1000);
  REQUIRE(on2->rows == on0->rows);
}

TEST_CASE("reshard: a database with only reference tables (nothing sharded) resizes too") {
  auto c = bd::testing::cluster(2, "reshard-only-reference");
  run(*c, "CREATE TABLE countries (code TEXT PRIMARY KEY, name TEXT)");
  run(*c, "PRAGMA bigdaddy_reference_table = 'countries'");
  run(*c, "INSERT INTO countries VALUES ('fr', 'France'), ('jp', 'Japan')");
  run(*c, "PRAGMA bigdaddy_resize = 3");
  auto json = c->run_resize();
  REQUIRE(json.ok());
  INFO(*json);
  REQUIRE(json->find("\"phase\":\"done\"") != std::string::npos);
  CHECK(rows_on(*c, 2, "countries") == 2);
  REQUIRE(run(*c, "SELECT count(*) FROM countries").rs.rows[0][0].i == 2);
}
