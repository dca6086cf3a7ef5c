// Lexer, parser and printer edge cases. `canon(sql)` parses, prints, and checks that the printed
// form parses back to an equal AST.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "sql/lexer.h"
#include "sql/parser.h"
#include "sql/printer.h"

using namespace bd::sql;

namespace {

std::string canon(const std::string& sql) {
  auto r = parse_script(sql);
  INFO(sql);
  if (!r.ok()) FAIL("parse error: " << r.error().message);
  std::string out;
  for (auto& st : *r) {
    if (!out.empty()) out += "; ";
    out += print(*st);
  }
  auto again = parse_script(out);
  INFO("printed: " << out);
  REQUIRE(again.ok());
  REQUIRE(again->size() == r->size());
  for (size_t i = 0; i < r->size(); i++) REQUIRE(*(*again)[i] == *(*r)[i]);
  return out;
}

std::string err(const std::string& sql) {
  auto r = parse_script(sql);
  INFO(sql);
  REQUIRE_FALSE(r.ok());
  return r.error().message;
}

const Expr& where_of(const StmtPtr& st) { return *st->as<Select>()->cores[0].where; }

std::vector<Tok> kinds(const std::string& sql) {
  std::vector<Token> t;
  tokenize(sql, t);
  std::vector<Tok> k;
  for (auto& x : t) k.push_back(x.kind);
  return k;
}

}  // namespace

TEST_CASE("lexer token classes", "[sql][lexer]") {
  CHECK(kinds("x - 1") == std::vector<Tok>{Tok::Id, Tok::Minus, Tok::Integer, Tok::End});
  CHECK(kinds("x -- c\n- 1") == std::vector<Tok>{Tok::Id, Tok::Minus, Tok::Integer, Tok::End});
  CHECK(kinds("a->b->>c") == std::vector<Tok>{Tok::Id, Tok::Ptr, Tok::Id, Tok::Ptr, Tok::Id, Tok::End});
  CHECK(kinds("1e5 .5 1. 0x1F 1_000 12abc") ==
        std::vector<Tok>{Tok::Float, Tok::Float, Tok::Float, Tok::Integer, Tok::QNumber, Tok::Illegal, Tok::End});
  CHECK(kinds("'it''s' X'0A' x'0' \"q\"\"x\" [a b] `c`") ==
        std::vector<Tok>{Tok::String, Tok::Blob, Tok::Illegal, Tok::Id, Tok::Id, Tok::Id, Tok::End});
  CHECK(kinds("? ?12 :a @b $c $d(x) #e") == std::vector<Tok>{Tok::Variable, Tok::Variable, Tok::Variable, Tok::Variable, Tok::Variable,
                                                             Tok::Variable, Tok::Variable, Tok::End});
  CHECK(kinds("/* c */ a /* unterminated") == std::vector<Tok>{Tok::Id, Tok::End});
  CHECK(kinds("<> != == <= >= << >> || | & ~ %") == std::vector<Tok>{Tok::Ne, Tok::Ne, Tok::Eq, Tok::Le, Tok::Ge, Tok::LShift, Tok::RShift,
                                                                     Tok::Concat, Tok::BitOr, Tok::BitAnd, Tok::BitNot, Tok::Rem,
                                                                     Tok::End});
  CHECK(kinds("select SeLeCt current_timestamp") == std::vector<Tok>{Tok::K_SELECT, Tok::K_SELECT, Tok::K_CURRENT_TIMESTAMP, Tok::End});
  // OVER / FILTER / WINDOW are keywords only in their contexts (tokenize.c analyze*Keyword).
  CHECK(kinds("f(x) over w")[4] == Tok::K_OVER);
  CHECK(kinds("x over")[1] == Tok::Id);
  CHECK(kinds("window w as")[0] == Tok::K_WINDOW);
  CHECK(kinds("window")[0] == Tok::Id);
}

TEST_CASE("the minus survives", "[sql][parser]") {
  CHECK(canon("UPDATE t SET x = x - 1 WHERE id = 5") == "UPDATE t SET x = x - 1 WHERE id = 5");
  CHECK(canon("SELECT x-1, x - -1, - -x, -(-x), x--1\n") == "SELECT x - 1, x - -1, - -x, - -x, x");
  CHECK(canon("SELECT 1-2-3, 1-(2-3)") == "SELECT 1 - 2 - 3, 1 - (2 - 3)");
}

TEST_CASE("operator precedence and associativity", "[sql][parser]") {
  CHECK(canon("SELECT a OR b AND c") == "SELECT a OR b AND c");
  CHECK(canon("SELECT (a OR b) AND c") == "SELECT (a OR b) AND c");
  CHECK(canon("SELECT NOT a = b") == "SELECT NOT a = b");
  auto r = parse_script("SELECT 1 WHERE NOT a = b");
  REQUIRE(r.ok());
  CHECK(where_of((*r)[0]).kind == ExprKind::Unary);  // NOT binds looser than =
  CHECK(canon("SELECT (NOT a) = b") == "SELECT (NOT a) = b");
  CHECK(canon("SELECT a + b * c, (a + b) * c, a * b + c") == "SELECT a + b * c, (a + b) * c, a * b + c");
  CHECK(canon("SELECT (a || b) * c, a * (b || c)") == "SELECT a || b * c, a * b || c");
  CHECK(canon("SELECT a || (b * c), (a * b) || c") == "SELECT a || (b * c), (a * b) || c");
  CHECK(canon("SELECT a < b = c < d") == "SELECT a < b = c < d");
  CHECK(canon("SELECT a & b + c, a << 1 | 2") == "SELECT a & b + c, a << 1 | 2");
  CHECK(canon("SELECT -a COLLATE nocase, -(a COLLATE nocase)") == "SELECT -a COLLATE nocase, -(a COLLATE nocase)");
  CHECK(canon("SELECT a = b BETWEEN c AND d + 1 = e") == "SELECT a = b BETWEEN c AND d + 1 = e");
  CHECK(canon("SELECT a BETWEEN (b AND c) AND d") == "SELECT a BETWEEN (b AND c) AND d");
  CHECK(canon("SELECT a NOT LIKE b ESCAPE c || d") == "SELECT a NOT LIKE b ESCAPE c || d");
  CHECK(canon("SELECT a IS NOT DISTINCT FROM b, a IS DISTINCT FROM b") == "SELECT a IS b, a IS NOT b");
  CHECK(canon("SELECT a ISNULL, a NOTNULL, a NOT NULL, a IS NULL") == "SELECT a ISNULL, a NOTNULL, a NOTNULL, a IS NULL");
  CHECK(canon("SELECT ~a + 1, -a * b, + a") == "SELECT ~a + 1, -a * b, +a");
  CHECK(canon("SELECT a->'$.x'->>'y'") == "SELECT a -> '$.x' ->> 'y'");
  CHECK(canon("SELECT a == b, a != b") == "SELECT a = b, a <> b");
  CHECK(canon("SELECT x IN (1, 2), x NOT IN (SELECT 1), x IN t, x IN main.t, x IN f(1), x IN ()") ==
        "SELECT x IN (1, 2), x NOT IN (SELECT 1), x IN t, x IN main.t, x IN f(1), x IN ()");
}

TEST_CASE("literals keep their exact text", "[sql][parser]") {
  CHECK(canon("SELECT 1e5, 0x10, 1.50, .5, 'it''s', X'aB', NULL, true, FALSE, current_date, 1_000") ==
        "SELECT 1e5, 0x10, 1.50, .5, 'it''s', X'aB', NULL, TRUE, FALSE, CURRENT_DATE, 1_000");
  CHECK(err("SELECT 1__0").find("unrecognized token: \"1__0\"") == 0);
  CHECK(err("SELECT 12abc") == "unrecognized token: \"12abc\" at line 1, column 8");
}

TEST_CASE("keywords usable as names", "[sql][parser]") {
  CHECK(canon("SELECT key, action, plan, rows, first, replace, query, temp, view, abort FROM t") ==
        "SELECT key, action, plan, rows, first, replace, query, temp, view, abort FROM t");
  CHECK(canon("CREATE TABLE key(action TEXT, plan, rows, first INT, replace, \"select\")") ==
        "CREATE TABLE \"key\" (\"action\" TEXT, \"plan\", \"rows\", \"first\" INT, \"replace\", \"select\")");
  CHECK(canon("SELECT replace(a, 'x', 'y'), like(a, b), left.x FROM t AS left") ==
        "SELECT replace(a, 'x', 'y'), like(a, b), left.x FROM t AS \"left\"");
  CHECK(canon("SELECT a AS first, b rows FROM t first") == "SELECT a AS \"first\", b AS \"rows\" FROM t AS \"first\"");
  CHECK(canon("SELECT \"true\", [group] FROM t") == "SELECT \"true\", \"group\" FROM t");
  CHECK(canon("SELECT \"MixedCase\", [a b], `c\"d`") == "SELECT MixedCase, \"a b\", \"c\"\"d\"");
  CHECK(canon("SELECT a over FROM t") == "SELECT a AS \"over\" FROM t");
  CHECK(err("SELECT raise FROM t") == "near \"FROM\": syntax error at line 1, column 14");
  CHECK(err("SELECT 1 left") == "near \"left\": syntax error at line 1, column 10");
}

TEST_CASE("parameters are numbered as SQLite numbers them", "[sql][parser]") {
  auto r = parse_script("SELECT ?, ?5, ?, :a, @b, :a, ?2");
  REQUIRE(r.ok());
  const auto& cols = (*r)[0]->as<Select>()->cores[0].columns;
  std::vector<int> idx;
  for (auto& c : cols) idx.push_back(c.expr->param_index);
  CHECK(idx == std::vector<int>{1, 5, 6, 7, 8, 7, 2});
  CHECK((*r)[0]->param_count == 8);
  CHECK(err("SELECT ?0").find("variable number must be between ?1 and ?32766") == 0);
  CHECK(canon("SELECT 1 LIMIT ?, ?") == "SELECT 1 LIMIT ?, ?");
}

TEST_CASE("select forms", "[sql][parser]") {
  CHECK(canon("select distinct a from t where b group by a having count(*) > 1 order by 1 desc limit 5 offset 2") ==
        "SELECT DISTINCT a FROM t WHERE b GROUP BY a HAVING count(*) > 1 ORDER BY 1 DESC LIMIT 5 OFFSET 2");
  CHECK(canon("SELECT * FROM a, b JOIN c ON x LEFT OUTER JOIN d USING (k) NATURAL JOIN e CROSS JOIN f "
              "RIGHT JOIN g ON 1 FULL OUTER JOIN h ON 2 INNER JOIN i") ==
        "SELECT * FROM a, b JOIN c ON x LEFT JOIN d USING (k) NATURAL JOIN e CROSS JOIN f RIGHT JOIN g ON 1 "
        "FULL JOIN h ON 2 JOIN i");
  CHECK(canon("SELECT t.*, s.x FROM (SELECT 1 AS x) s, (a JOIN b) AS j, main.t INDEXED BY i, u NOT INDEXED, "
              "json_each('[1]') AS je") ==
        "SELECT t.*, s.x FROM (SELECT 1 AS x) AS s, (a JOIN b) AS j, main.t INDEXED BY i, u NOT INDEXED, "
        "json_each('[1]') AS je");
  CHECK(canon("SELECT 1 UNION ALL SELECT 2 INTERSECT SELECT 3 EXCEPT VALUES (4), (5) UNION SELECT 6 ORDER BY 1") ==
        "SELECT 1 UNION ALL SELECT 2 INTERSECT SELECT 3 EXCEPT VALUES (4), (5) UNION SELECT 6 ORDER BY 1");
  CHECK(canon("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 5), "
              "d AS MATERIALIZED (SELECT 2), e AS NOT MATERIALIZED (SELECT 3) SELECT * FROM c") ==
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 5), d AS MATERIALIZED (SELECT 2), "
        "e AS NOT MATERIALIZED (SELECT 3) SELECT * FROM c");
  CHECK(canon("SELECT a FROM t ORDER BY a COLLATE nocase DESC NULLS FIRST, b NULLS LAST LIMIT 2, 3") ==
        "SELECT a FROM t ORDER BY a COLLATE nocase DESC NULLS FIRST, b NULLS LAST LIMIT 2, 3");
  auto r = parse_script("SELECT 1 LIMIT 2, 3");
  REQUIRE(r.ok());
  CHECK((*r)[0]->as<Select>()->limit->count->text == "3");
  CHECK((*r)[0]->as<Select>()->limit->offset->text == "2");
  CHECK(canon("SELECT EXISTS (SELECT 1), (SELECT 2), (1, 2) = (3, 4), CAST(a AS VARCHAR(8)), CAST(b AS DECIMAL(10, -2)), "
              "CAST(c AS UNSIGNED BIG INT), CAST(d AS)") ==
        "SELECT EXISTS (SELECT 1), (SELECT 2), (1, 2) = (3, 4), CAST(a AS VARCHAR(8)), CAST(b AS DECIMAL(10, -2)), "
        "CAST(c AS UNSIGNED BIG INT), CAST(d AS)");
  CHECK(canon("SELECT CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END, CASE x WHEN 1 THEN 'a' END") ==
        "SELECT CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END, CASE x WHEN 1 THEN 'a' END");
  CHECK(canon("SELECT count(DISTINCT a), group_concat(b, ',' ORDER BY c DESC), count(*) FILTER (WHERE a > 1), "
              "total(x) FILTER (WHERE y) OVER w FROM t") ==
        "SELECT count(DISTINCT a), group_concat(b, ',' ORDER BY c DESC), count(*) FILTER (WHERE a > 1), "
        "total(x) FILTER (WHERE y) OVER w FROM t");
}

TEST_CASE("window functions", "[sql][parser]") {
  CHECK(canon("SELECT row_number() OVER (PARTITION BY a ORDER BY b ROWS BETWEEN UNBOUNDED PRECEDING AND "
              "CURRENT ROW EXCLUDE TIES), sum(x) OVER (w RANGE 2 PRECEDING), rank() OVER w, "
              "avg(x) OVER (GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE NO OTHERS), "
              "max(x) OVER (ORDER BY y ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW), "
              "min(x) OVER () FROM t WINDOW w AS (ORDER BY a), w2 AS (w PARTITION BY b)") ==
        "SELECT row_number() OVER (PARTITION BY a ORDER BY b ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW "
        "EXCLUDE TIES), sum(x) OVER (w RANGE 2 PRECEDING), rank() OVER w, avg(x) OVER (GROUPS BETWEEN 1 PRECEDING "
        "AND 1 FOLLOWING EXCLUDE NO OTHERS), max(x) OVER (ORDER BY y ROWS BETWEEN CURRENT ROW AND UNBOUNDED "
        "FOLLOWING EXCLUDE CURRENT ROW), min(x) OVER () FROM t WINDOW w AS (ORDER BY a), w2 AS (w PARTITION BY b)");
}

TEST_CASE("dml statements", "[sql][parser]") {
  CHECK(canon("insert or replace into main.t as x (a, b) values (1, 2), (3, 4) returning a, b AS bb") ==
        "INSERT OR REPLACE INTO main.t AS x (a, b) VALUES (1, 2), (3, 4) RETURNING a, b AS bb");
  CHECK(canon("REPLACE INTO t SELECT * FROM u WHERE 1") == "REPLACE INTO t SELECT * FROM u WHERE 1");
  CHECK(canon("INSERT INTO t DEFAULT VALUES") == "INSERT INTO t DEFAULT VALUES");
  CHECK(canon("INSERT INTO t VALUES (1) ON CONFLICT (a) WHERE a > 0 DO UPDATE SET b = excluded.b WHERE b < 3 "
              "ON CONFLICT (b COLLATE nocase) DO NOTHING ON CONFLICT DO NOTHING RETURNING *") ==
        "INSERT INTO t VALUES (1) ON CONFLICT (a) WHERE a > 0 DO UPDATE SET b = excluded.b WHERE b < 3 "
        "ON CONFLICT (b COLLATE nocase) DO NOTHING ON CONFLICT DO NOTHING RETURNING *");
  CHECK(canon("WITH c AS (SELECT 1) UPDATE OR IGNORE t SET (a, b) = (1, 2), c = c + 1 FROM u WHERE t.id = u.id RETURNING *") ==
        "WITH c AS (SELECT 1) UPDATE OR IGNORE t SET (a, b) = (1, 2), c = c + 1 FROM u WHERE t.id = u.id RETURNING *");
  CHECK(canon("DELETE FROM t INDEXED BY i WHERE a RETURNING a") == "DELETE FROM t INDEXED BY i WHERE a RETURNING a");
  // The embedded SQLite is built without SQLITE_ENABLE_UPDATE_DELETE_LIMIT.
  CHECK(err("DELETE FROM t ORDER BY a LIMIT 1").find("near \"ORDER\": syntax error") == 0);
  ParseOptions opts;
  opts.update_delete_limit = true;
  auto r = parse_script("UPDATE t SET a = 1 ORDER BY b LIMIT 2 OFFSET 1; DELETE FROM t LIMIT 1", opts);
  REQUIRE(r.ok());
  CHECK(print(*(*r)[0]) == "UPDATE t SET a = 1 ORDER BY b LIMIT 2 OFFSET 1");
  CHECK(print(*(*r)[1]) == "DELETE FROM t LIMIT 1");
}

TEST_CASE("ddl statements", "[sql][parser]") {
  CHECK(canon("CREATE TEMP TABLE IF NOT EXISTS s.t (id INTEGER PRIMARY KEY DESC ON CONFLICT FAIL AUTOINCREMENT, "
              "a VARCHAR(8) NOT NULL DEFAULT 'x' COLLATE nocase, b DECIMAL(10,2) DEFAULT -1.5 CHECK (b > 0), "
              "c UNSIGNED BIG INT UNIQUE NULL DEFAULT (1 + 2), d REFERENCES p(x) ON DELETE CASCADE ON UPDATE SET NULL "
              "MATCH FULL DEFERRABLE INITIALLY DEFERRED, e AS (a || b) STORED, f INT GENERATED ALWAYS AS (1) VIRTUAL, "
              "g DEFAULT CURRENT_TIMESTAMP, h DEFAULT hello, CONSTRAINT pk PRIMARY KEY (a, b DESC), "
              "UNIQUE (c) ON CONFLICT IGNORE CHECK (a <> b) FOREIGN KEY (d, e) REFERENCES q (x, y) NOT DEFERRABLE) "
              "WITHOUT ROWID, STRICT") ==
        "CREATE TEMP TABLE IF NOT EXISTS s.t (id INTEGER PRIMARY KEY DESC ON CONFLICT FAIL AUTOINCREMENT, "
        "a VARCHAR(8) NOT NULL DEFAULT 'x' COLLATE nocase, b DECIMAL(10, 2) DEFAULT -1.5 CHECK (b > 0), "
        "c UNSIGNED BIG INT UNIQUE NULL DEFAULT (1 + 2), d REFERENCES p (x) ON DELETE CASCADE ON UPDATE SET NULL "
        "MATCH \"FULL\" DEFERRABLE INITIALLY DEFERRED, e AS (a || b) STORED, f INT GENERATED ALWAYS AS (1) VIRTUAL, "
        "g DEFAULT CURRENT_TIMESTAMP, h DEFAULT hello, CONSTRAINT pk PRIMARY KEY (a, b DESC), "
        "UNIQUE (c) ON CONFLICT IGNORE, CHECK (a <> b), FOREIGN KEY (d, e) REFERENCES q (x, y) NOT DEFERRABLE) "
        "WITHOUT ROWID, STRICT");
  CHECK(canon("CREATE TABLE t2 AS SELECT * FROM t") == "CREATE TABLE t2 AS SELECT * FROM t");
  CHECK(canon("CREATE UNIQUE INDEX IF NOT EXISTS main.i ON t (a COLLATE nocase ASC, b + 1 DESC) WHERE a > 0") ==
        "CREATE UNIQUE INDEX IF NOT EXISTS main.i ON t (a COLLATE nocase ASC, b + 1 DESC) WHERE a > 0");
  CHECK(canon("CREATE TEMP VIEW IF NOT EXISTS v(a, b) AS SELECT 1, 2") == "CREATE TEMP VIEW IF NOT EXISTS v (a, b) AS SELECT 1, 2");
  CHECK(canon("CREATE TRIGGER IF NOT EXISTS tr BEFORE UPDATE OF a, b ON t FOR EACH ROW WHEN new.a > 0 BEGIN "
              "INSERT INTO log VALUES (new.a); UPDATE u SET x = old.a WHERE y = 1; DELETE FROM w WHERE z; "
              "SELECT RAISE(ABORT, 'no'), RAISE(IGNORE); END") ==
        "CREATE TRIGGER IF NOT EXISTS tr BEFORE UPDATE OF a, b ON t FOR EACH ROW WHEN new.a > 0 BEGIN "
        "INSERT INTO log VALUES (new.a); UPDATE u SET x = old.a WHERE y = 1; DELETE FROM w WHERE z; "
        "SELECT RAISE(ABORT, 'no'), RAISE(IGNORE); END");
  CHECK(canon("CREATE TRIGGER tr INSTEAD OF DELETE ON v BEGIN SELECT 1; END") ==
        "CREATE TRIGGER tr INSTEAD OF DELETE ON v BEGIN SELECT 1; END");
  CHECK(canon("DROP TABLE IF EXISTS main.t; DROP INDEX i; DROP VIEW v; DROP TRIGGER IF EXISTS tr") ==
        "DROP TABLE IF EXISTS main.t; DROP INDEX i; DROP VIEW v; DROP TRIGGER IF EXISTS tr");
  CHECK(canon("ALTER TABLE t RENAME TO u; ALTER TABLE t RENAME a TO b; ALTER TABLE t ADD c INT NOT NULL DEFAULT 0; "
              "ALTER TABLE t DROP COLUMN d; ALTER TABLE t ADD CONSTRAINT ck CHECK (a > 0); "
              "ALTER TABLE t ALTER COLUMN a SET NOT NULL; ALTER TABLE t ALTER a DROP NOT NULL; "
              "ALTER TABLE t DROP CONSTRAINT ck") ==
        "ALTER TABLE t RENAME TO u; ALTER TABLE t RENAME COLUMN a TO b; ALTER TABLE t ADD COLUMN c INT NOT NULL "
        "DEFAULT 0; ALTER TABLE t DROP COLUMN d; ALTER TABLE t ADD CONSTRAINT ck CHECK (a > 0); ALTER TABLE t "
        "ALTER COLUMN a SET NOT NULL; ALTER TABLE t ALTER COLUMN a DROP NOT NULL; ALTER TABLE t DROP CONSTRAINT ck");
  CHECK(canon("CREATE VIRTUAL TABLE IF NOT EXISTS f USING fts5(a, b, tokenize = 'porter ascii')") ==
        "CREATE VIRTUAL TABLE IF NOT EXISTS f USING fts5(a, b, tokenize = 'porter ascii')");
  CHECK(err("CREATE TABLE t(a) WITHOUT foo") == "unknown table option: foo at line 1, column 27");
  CHECK(err("CREATE VIEW v(a COLLATE x) AS SELECT 1").find("syntax error after column name \"a\"") == 0);
}

TEST_CASE("other statements", "[sql][parser]") {
  CHECK(canon("PRAGMA cache_size = -2000; PRAGMA main.table_info(t); PRAGMA foreign_keys = ON; PRAGMA x('a b')") ==
        "PRAGMA cache_size = -2000; PRAGMA main.table_info(t); PRAGMA foreign_keys = ON; PRAGMA x(\"a b\")");
  CHECK(canon("BEGIN; BEGIN IMMEDIATE TRANSACTION; COMMIT; END TRANSACTION; ROLLBACK; SAVEPOINT s; "
              "RELEASE SAVEPOINT s; ROLLBACK TRANSACTION TO SAVEPOINT s") ==
        "BEGIN; BEGIN IMMEDIATE; COMMIT; COMMIT; ROLLBACK; SAVEPOINT s; RELEASE s; ROLLBACK TO s");
  CHECK(canon("ANALYZE; ANALYZE main.t; REINDEX; REINDEX t; VACUUM; VACUUM main INTO 'f.db'") ==
        "ANALYZE; ANALYZE main.t; REINDEX; REINDEX t; VACUUM; VACUUM main INTO 'f.db'");
  CHECK(canon("ATTACH DATABASE 'x.db' AS x KEY 'k'; DETACH x") == "ATTACH 'x.db' AS x KEY 'k'; DETACH x");
  CHECK(canon("EXPLAIN SELECT 1; EXPLAIN QUERY PLAN SELECT 1") == "EXPLAIN SELECT 1; EXPLAIN QUERY PLAN SELECT 1");
}

TEST_CASE("scripts and errors", "[sql][parser]") {
  auto r = parse_script(";; SELECT 1;; SELECT 2 ;");
  REQUIRE(r.ok());
  CHECK(r->size() == 2);
  CHECK(err("SELECT * FORM t") == "near \"FORM\": syntax error at line 1, column 10");
  CHECK(err("SELECT a,\n  b FROM t WHERE") == "incomplete input at line 2, column 17");
  CHECK(err("SELECT 1 SELECT 2") == "near \"SELECT\": syntax error at line 1, column 10");
  CHECK(err("SELECT 1 ORDER BY 1 UNION SELECT 2").find("ORDER BY clause should come after UNION not before") == 0);
  CHECK(err("SELECT * FROM t LEFT foo JOIN u").find("unknown join type: LEFT foo") == 0);
  CHECK(err("SELECT * FROM t ON 1").find("a JOIN clause is required before ON") == 0);
  CHECK(err("VALUES (1), (1, 2)").find("all VALUES must have the same number of terms") == 0);
  CHECK(err("SELECT 'abc").find("unrecognized token: \"'abc\"") == 0);
  CHECK(err("SELECT (SELECT 1) over x").find("near \"over\": syntax error") == 0);
  CHECK(parse_statement("SELECT 1;").ok());
  CHECK_FALSE(parse_statement("SELECT 1; SELECT 2").ok());
  auto e = parse_expression("a + b * 2");
  REQUIRE(e.ok());
  CHECK(print(**e) == "a + b * 2");
  CHECK_FALSE(parse_expression("a +").ok());
  std::string deep(5000, '(');
  CHECK(err("SELECT " + deep).find("Expression tree is too large") == 0);
}

TEST_CASE("ast clone, equality and positions", "[sql][ast]") {
  auto a = parse_statement("SELECT a + 1 FROM t WHERE b = 2");
  auto b = parse_statement("select   a+1 from t   where b=2");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(**a == **b);  // positions ignored
  StmtPtr c = (*a)->clone();
  CHECK(*c == **a);
  c->as<Select>()->cores[0].where->right->text = "3";
  CHECK_FALSE(*c == **a);
  CHECK((*a)->as<Select>()->cores[0].where->right->text == "2");  // deep copy
  const Expr& w = *(*b)->as<Select>()->cores[0].where;
  CHECK(w.pos.offset == 28);
  CHECK(w.right->pos.offset == 30);
  LineCol lc = line_col("a\nbc", 3);
  CHECK(lc.line == 2);
  CHECK(lc.column == 2);
}
