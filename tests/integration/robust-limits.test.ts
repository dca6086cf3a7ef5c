import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

// Limits that protect the isolate: one request must never take down the others. Every bad input
// gets a 4xx in SQLite's words (or naming the limit) within the time limit, the Wasm instance never
// traps, and ordinary queries keep answering, during and after.
const bigDaddy = (exports as any).default;

async function sql(database: string, query: string, params: unknown[] = []) {
  const t0 = Date.now();
  const res = await bigDaddy.fetch(
    new Request("http://bigdaddy.local/sql", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ database, query, params, create: true }) }),
  );
  return { status: res.status, body: (await res.json()) as any, ms: Date.now() - t0 };
}

const terms = (n: number, term: string, sep: string) => Array(n).fill(term).join(sep);
const INFINITE_CTE = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";

async function fill(db: string, rows: number) {
  expect((await sql(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)")).status).toBe(200);
  for (let b = 0; b < rows / 100; b++) {
    const params: number[] = [];
    for (let i = 1; i <= 100; i++) params.push(b * 100 + i, (b * 100 + i) % 10);
    const r = await sql(db, `INSERT INTO t (id, v) VALUES ${terms(100, "(?, ?)", ", ")}`, params);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }
}

describe("limits that protect the isolate", () => {
  it("20 of each bad input get a 4xx within the time limit; ordinary queries on another database still answer", async () => {
    const bad = "robust-limits-bad", good = "robust-limits-good";
    await fill(bad, 1000);
    await fill(good, 200);
    const instances = await bigDaddy.testCoreInstances();
    const inputs: { name: string; query: string; params?: unknown[]; error: RegExp }[] = [
      { name: "deep expression", query: `SELECT ${terms(100_000, "1", " + ")}`, error: /^Expression tree is too large \(maximum depth 1000\)/ },
      { name: "huge OR", query: `SELECT id FROM t WHERE ${terms(100_000, "id=1", " OR ")}`, error: /^Expression tree is too large \(maximum depth 1000\)/ },
      { name: "10,000 summed parameters", query: `SELECT ${terms(10_000, "?", " + ")}`, params: Array(10_000).fill(1), error: /^Expression tree is too large \(maximum depth 1000\)/ },
      { name: "1,000,000-row result", query: "SELECT a.id, b.id FROM t a, t b", error: /^result too large: more than 200000 rows/ },
      { name: "infinite recursive CTE", query: INFINITE_CTE, error: /^interrupted: the statement ran past its time limit \(1000 ms\)/ },
    ];
    for (const input of inputs) {
      for (let i = 0; i < 20; i++) {
        const r = await sql(bad, input.query, input.params);
        expect(r.status, `${input.name}: ${JSON.stringify(r.body).slice(0, 200)}`).toBe(400);
        expect(r.body.error).toMatch(input.error);
        expect(r.ms, input.name).toBeLessThan(5000);
      }
    }
    // During an infinite CTE, another client's SELECT 1 answers within 2 s.
    const cte = sql(bad, INFINITE_CTE);
    const one = await sql(good, "SELECT 1 AS one");
    expect(one.body.rows).toEqual([{ one: 1 }]);
    expect(one.ms).toBeLessThan(2000);
    expect((await cte).status).toBe(400);
    // Ordinary queries on the other database answer correctly; no call ever trapped.
    let r = await sql(good, "SELECT count(*) AS n, sum(v) AS s FROM t");
    expect(r.body.rows).toEqual([{ n: 200, s: 900 }]);
    r = await sql(good, "SELECT id, v FROM t WHERE id = 42");
    expect(r.body.rows).toEqual([{ id: 42, v: 2 }]);
    r = await sql(good, "SELECT v, count(*) AS n FROM t GROUP BY v ORDER BY v LIMIT 2");
    expect(r.body.rows).toEqual([{ v: 0, n: 20 }, { v: 1, n: 20 }]);
    r = await sql(bad, "SELECT count(*) AS n FROM t a, t b WHERE a.id = b.id");
    expect(r.body.rows).toEqual([{ n: 1000 }]);
    expect(await bigDaddy.testCoreInstances()).toBe(instances);
    const h = await bigDaddy.fetch(new Request("http://bigdaddy.local/health"));
    expect(h.status).toBe(200);
  });

  it("SQLite's other limits, in its words", async () => {
    const db = "robust-limits-sqlite";
    await fill(db, 100);
    const cases: [string, unknown[], RegExp][] = [
      [`SELECT ${terms(1000, "1", "+")}`, [], /^$/], // 1,000 terms: SQLite's depth exactly
      [`SELECT ${terms(1001, "1", "+")}`, [], /^Expression tree is too large \(maximum depth 1000\)/],
      [terms(501, "SELECT 1", " UNION ALL "), [], /^too many terms in compound SELECT/],
      [`SELECT 1 FROM ${terms(201, "t", ", ")}`, [], /^too many FROM clause terms, max: 200/],
      ["SELECT ?32767", [], /^variable number must be between \?1 and \?32766/],
      ["SELECT ?", Array(32767).fill(1), /^too many SQL variables/],
      [`SELECT '${"x".repeat(1_000_001)}'`, [], /^statement too long/],
      ["SELECT ?", [{ a: 1 }], /^parameter 1: unsupported type object/],
      ["SELECT ?, ?", [1, [1, [2]]], /^parameter 2: an array binds as a blob only when it holds byte values/],
    ];
    for (const [query, params, error] of cases) {
      const r = await sql(db, query, params);
      if (error.source === "^$") {
        expect(r.status, JSON.stringify(r.body).slice(0, 200)).toBe(200);
        expect(r.body.rows[0]).toEqual({ [Object.keys(r.body.rows[0])[0]]: 1000 });
        continue;
      }
      expect(r.status, `${query.slice(0, 40)}: ${JSON.stringify(r.body).slice(0, 200)}`).toBe(400);
      expect(r.body.error).toMatch(error);
    }
  });
});
