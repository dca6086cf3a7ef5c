// Foreign key actions between rows on different nodes (ON DELETE / ON UPDATE CASCADE, SET NULL,
// SET DEFAULT, RESTRICT, NO ACTION), on 4 nodes against one plain SQLite database with
// foreign_keys on: every statement runs on both, both succeed or fail with the same words, and
// after each one every table holds the same rows. Parents and children are sharded by their own
// ids, so a parent's children are spread over the other nodes; the conductor applies the actions
// inside the statement's transaction, so a failure anywhere (a constraint three levels down, a lost
// request) leaves nothing applied.
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "reference_pair.h"

using namespace bd;

namespace {

const std::vector<std::string> kSchema = {
    "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)",
    "CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users(id) ON DELETE CASCADE ON UPDATE CASCADE, "
    "title TEXT)",
    "CREATE INDEX posts_title ON posts(title)",
    "CREATE TABLE comments (id INTEGER PRIMARY KEY, post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE, body TEXT)",
    "CREATE TABLE likes (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id) ON DELETE SET NULL ON UPDATE SET NULL)",
    "CREATE TABLE flags (id INTEGER PRIMARY KEY, user_id INTEGER DEFAULT 2 REFERENCES users(id) ON DELETE SET DEFAULT, note TEXT)",
    "CREATE TABLE holds (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id) ON DELETE RESTRICT ON UPDATE NO ACTION)",
    // Only some rows may lose their post: a SET NULL three levels down fails a CHECK midway.
    "CREATE TABLE audit (id INTEGER PRIMARY KEY, post_id INTEGER REFERENCES posts(id) ON DELETE SET NULL, keep INTEGER, "
    "CHECK (post_id IS NOT NULL OR keep = 0))",
    "CREATE TABLE pairs (a INTEGER, b TEXT, PRIMARY KEY (a, b))",
    "CREATE TABLE uses (id INTEGER PRIMARY KEY, x INTEGER, y TEXT, "
    "FOREIGN KEY (x, y) REFERENCES pairs(a, b) ON UPDATE CASCADE ON DELETE CASCADE)",
    "CREATE TABLE emp (id INTEGER PRIMARY KEY, boss INTEGER REFERENCES emp(id) ON DELETE CASCADE ON UPDATE CASCADE)",
    "CREATE TABLE tags (name TEXT COLLATE NOCASE PRIMARY KEY)",
    "CREATE TABLE tagged (id INTEGER PRIMARY KEY, tag TEXT REFERENCES tags ON UPDATE CASCADE ON DELETE CASCADE)",
};
const std::vector<std::string> kTables = {"users", "posts", "comments", "likes", "flags", "holds",
                                          "audit", "pairs", "uses",     "emp",   "tags",  "tagged"};

// Every table's rows in key order.
std::string order_of(const std::string& table) { return table == "pairs" ? "1, 2" : "1"; }

struct Pair : testing::ReferencePair {
  Pair() : ReferencePair(4, "fk", {.foreign_keys = true, .avoid_planner_bugs = true}) {
    for (auto& s : kSchema) both(s);
    // Ids sharded over 4 nodes: a user's posts, a post's comments are mostly elsewhere.
    for (int i = 1; i <= 20; i++) both("INSERT INTO users VALUES (" + std::to_string(i) + ", 'u" + std::to_string(i) + "')");
    for (int i = 100; i < 160; i++)
      both("INSERT INTO posts VALUES (" + std::to_string(i) + ", " + std::to_string(i % 20 + 1) + ", 't" + std::to_string(i % 7) + "')");
    std::string comments = "INSERT INTO comments VALUES ";
    for (int i = 1000; i < 1120; i++)
      comments += (i > 1000 ? ", (" : "(") + std::to_string(i) + ", " + std::to_string(100 + i % 60) + ", 'c')";
    both(comments);
    for (int i = 1; i <= 40; i++) both("INSERT INTO likes VALUES (" + std::to_string(i) + ", " + std::to_string(i % 20 + 1) + ")");
    for (int i = 1; i <= 20; i++)
      both("INSERT INTO flags VALUES (" + std::to_string(i) + ", " + std::to_string(i % 18 + 3) + ", 'f" + std::to_string(i) + "')");
    both("INSERT INTO holds VALUES (1, 5), (2, NULL)");
    // Posts of user 9 (108, 128, 148): 128's audit row must keep its post.
    both("INSERT INTO audit VALUES (1, 108, 0), (2, 128, 1), (3, 101, 0)");
    both("INSERT INTO pairs VALUES (1, 'a'), (1, 'b'), (2, 'a'), (3, 'c')");
    both("INSERT INTO uses VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'a'), (4, 2, 'a'), (5, 3, 'c'), (6, NULL, 'a')");
    both("INSERT INTO emp VALUES (1, NULL), (2, 1), (3, 1), (4, 2), (5, 4), (6, 5), (7, 3), (8, NULL), (9, 8)");
    both("INSERT INTO tags VALUES ('rust'), ('Go'), ('sql')");
    both("INSERT INTO tagged VALUES (1, 'RUST'), (2, 'rust'), (3, 'go'), (4, 'SQL'), (5, NULL)");
    same_state();
  }

  std::vector<Row> big_rows(const std::string& table) {
    auto r = big->execute("SELECT * FROM " + table + " ORDER BY " + order_of(table));
    if (!r.ok()) FAIL(r.error().message);
    return r->rs.rows;
  }

  void same_state() {
    for (auto& t : kTables) {
      auto b = ref_run("SELECT * FROM " + t + " ORDER BY " + order_of(t));
      auto a = big_rows(t);
      INFO("table " << t << "\nBig Daddy:\n" << testing::show_rows(a) << "SQLite:\n" << testing::show_rows(b.rows));
      CHECK(a == b.rows);
    }
  }

  // One statement on both: the same success or the same error, then the same rows everywhere.
  void check(const std::string& sql) {
    ReferencePair::check({sql});
    same_state();
  }
};

int64_t count(native::Cluster& c, const std::string& table) { return testing::run(c, "SELECT count(*) FROM " + table).rs.rows[0][0].i; }

}  // namespace

TEST_CASE("fk actions: CASCADE, SET NULL, SET DEFAULT and RESTRICT reach children on other nodes, as in SQLite (4 nodes)") {
  Pair p;
  // A parent's children and grandchildren on other nodes: posts go, their comments go, likes lose
  // the user, flags fall back to their default user.
  p.check("DELETE FROM users WHERE id = 3");
  // The key changes (the parent row moves to another node): posts follow, likes lose it.
  p.check("UPDATE users SET id = 104 WHERE id = 4");
  p.check("UPDATE users SET name = 'renamed' WHERE id = 6");
  // Several keys at once, each child following its own parent's new key.
  p.check("UPDATE users SET id = id + 1000 WHERE id BETWEEN 6 AND 8");
  // RESTRICT / NO ACTION: refused while a child holds the key, whatever other actions would do.
  p.check("DELETE FROM users WHERE id = 5");
  p.check("UPDATE users SET id = 55 WHERE id = 5");
  // SET DEFAULT to a parent that is being deleted: the child would point nowhere.
  p.check("UPDATE flags SET user_id = 2 WHERE id <= 3");
  p.check("DELETE FROM users WHERE id = 2");
  // A SET NULL three levels down fails a CHECK (audit row 2 must keep post 128 of user 9), after
  // users, posts and comments were already written on several nodes: nothing stays.
  p.check("DELETE FROM users WHERE id = 9");
  p.check("UPDATE audit SET keep = 0 WHERE id = 2");
  p.check("DELETE FROM users WHERE id = 9");
  // A scatter over many parents.
  p.check("DELETE FROM users WHERE id > 12 AND id < 1000");
  p.check("DELETE FROM posts WHERE title = 't3'");
  // Composite keys.
  p.check("UPDATE pairs SET b = 'z' WHERE a = 1 AND b = 'a'");
  p.check("UPDATE pairs SET a = 20 WHERE a = 2");
  p.check("DELETE FROM pairs WHERE a = 3");
  // A table referencing itself: a subtree goes, a key change reaches the rows under it.
  p.check("UPDATE emp SET id = 80 WHERE id = 8");
  p.check("DELETE FROM emp WHERE id = 2");
  p.check("DELETE FROM emp WHERE id = 1");
  // The parent's collation decides which children follow.
  p.check("UPDATE tags SET name = 'Rustlang' WHERE name = 'rust'");
  p.check("DELETE FROM tags WHERE name = 'GO'");
  p.check("DELETE FROM tags WHERE name = 'nope'");
  // The parent's changes count, not the children's.
  p.check("DELETE FROM users WHERE id = 1");
}

TEST_CASE("fk actions: inside an interactive transaction, ROLLBACK undoes the cascade on every node and COMMIT keeps it") {
  Pair p;
  auto begin = testing::run(*p.big, "BEGIN");
  REQUIRE_FALSE(begin.transaction.empty());
  auto del = p.big->execute_in_txn(begin.transaction, "DELETE FROM users WHERE id = 10");
  REQUIRE(del.ok());
  auto inside = p.big->execute_in_txn(begin.transaction, "SELECT count(*) FROM posts WHERE author_id = 10");
  REQUIRE(inside.ok());
  CHECK(inside->rs.rows[0][0].i == 0);
  // A failing statement is undone with its cascade; the transaction goes on.
  auto bad = p.big->execute_in_txn(begin.transaction, "DELETE FROM users WHERE id = 9");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "CHECK constraint failed: post_id IS NOT NULL OR keep = 0");
  REQUIRE(p.big->execute_in_txn(begin.transaction, "ROLLBACK").ok());
  p.same_state();

  begin = testing::run(*p.big, "BEGIN");
  REQUIRE(p.big->execute_in_txn(begin.transaction, "DELETE FROM users WHERE id = 10").ok());
  auto bad2 = p.big->execute_in_txn(begin.transaction, "DELETE FROM users WHERE id = 9");
  REQUIRE_FALSE(bad2.ok());
  auto moved = p.big->execute_in_txn(begin.transaction, "UPDATE users SET id = 111 WHERE id = 1");
  INFO((moved.ok() ? std::string() : moved.error().message));
  REQUIRE(moved.ok());
  REQUIRE(p.big->execute_in_txn(begin.transaction, "COMMIT").ok());
  p.ref_run("DELETE FROM users WHERE id = 10");
  p.ref_run("UPDATE users SET id = 111 WHERE id = 1");
  p.same_state();
}

TEST_CASE("fk actions: PRAGMA foreign_keys = OFF runs no action, as in SQLite") {
  Pair p;
  REQUIRE(p.big->execute_script("PRAGMA foreign_keys = OFF; DELETE FROM users WHERE id = 10").ok());
  p.ref_run("PRAGMA foreign_keys = OFF");
  p.ref_run("DELETE FROM users WHERE id = 10");
  p.ref_run("PRAGMA foreign_keys = ON");
  p.same_state();
  CHECK(count(*p.big, "posts") == 60);
}

TEST_CASE("fk actions: a node lost midway through a cascade leaves nothing applied on any node") {
  // The statement's k-th storage request finds its node gone: from then on every message to that
  // node is lost, for every third k until the statement no longer reaches a k-th request (it makes
  // about 70). Each time,
  // once recovery ran, either all of it applied (the node was not needed after the commit point)
  // or none of it, and no undo row or lock is left.
  int rolled_back = 0;
  for (int k = 0;; k += 3) {
    Pair p;
    int seen = 0;
    int down = -1;
    p.big->set_fault_hook([&](const native::Message& m) {
      if (!m.background && seen++ == k) down = static_cast<int>(m.node);
      return static_cast<int>(m.node) == down ? native::Fault::Drop : native::Fault::None;
    });
    auto r = p.big->execute("DELETE FROM users WHERE id = 12");
    p.big->set_fault_hook(nullptr);
    for (int i = 0; i < 5; i++) {
      p.big->set_time_ms(p.big->time_ms() + 120'000);
      p.big->run_alarms();
    }
    if (down < 0) {
      REQUIRE(r.ok());
      break;
    }
    INFO("node " << down << " lost from request " << k << ": " << (r.ok() ? std::string("answered ok") : r.error().message));
    auto users = count(*p.big, "users WHERE id = 12");
    if (users == 1) {
      CHECK_FALSE(r.ok());
      rolled_back++;
    } else {
      p.ref_run("DELETE FROM users WHERE id = 12");
    }
    p.same_state();
    for (int n = 0; n < p.big->nodes(); n++) {
      auto counts = p.big->txn_counts(n);
      REQUIRE(counts.ok());
      CHECK(counts->undo == 0);
      CHECK(counts->locks == 0);
    }
  }
  CHECK(rolled_back > 10);  // the statement took several round trips, and losing a node in them undid it
}
