import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { d1 } from "../../client/d1";

// Statements and batches over 8 nodes are all or nothing, through the Worker path (HTTP, binding,
// D1 client) in workerd.
const bigDaddy = (exports as any).default;

async function http(body: Record<string, unknown>) {
  const res = await bigDaddy.fetch(
    new Request("http://bigdaddy.local/sql", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  );
  return { status: res.status, body: (await res.json()) as any };
}

async function one(database: string, query: string, params: unknown[] = []) {
  const r = await http({ database, query, params, create: true, nodes: 8 });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

describe("transactions: atomic statements and batches (8 nodes, workerd)", () => {
  it("an UPDATE whose CHECK fails on one node changes nothing", async () => {
    const db = "txn-check";
    await one(db, "CREATE TABLE chk (id INTEGER PRIMARY KEY, qty INTEGER CHECK (qty >= 0))");
    const values: string[] = [];
    for (let i = 1; i <= 40; i++) values.push(`(${i}, ${i === 23 ? 2 : 10 + i})`);
    await one(db, `INSERT INTO chk VALUES ${values.join(", ")}`);
    const before = (await one(db, "SELECT sum(qty) AS s FROM chk")).rows[0].s;
    const spread = (await one(db, "SELECT count(*) AS n FROM chk")).meta.nodesTouched;
    expect(spread).toBe(8);
    const r = await http({ database: db, query: "UPDATE chk SET qty = qty - 5" });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe("CHECK constraint failed: qty >= 0");
    expect((await one(db, "SELECT sum(qty) AS s FROM chk")).rows[0].s).toBe(before);
  });

  it("a multi-row INSERT whose last row repeats an id inserts nothing", async () => {
    const db = "txn-collide";
    await one(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    await one(db, "INSERT INTO t VALUES (7, 'old')");
    const values: string[] = [];
    for (let i = 100; i < 130; i++) values.push(`(${i}, 'new')`);
    const r = await http({ database: db, query: `INSERT INTO t VALUES ${values.join(", ")}, (7, 'again')` });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe("UNIQUE constraint failed: t.id");
    expect((await one(db, "SELECT count(*) AS n FROM t")).rows).toEqual([{ n: 1 }]);
  });

  it("a failing HTTP batch applies nothing", async () => {
    const db = "txn-batch-http";
    await one(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    const r = await http({
      database: db,
      batch: [
        { query: "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')" },
        { query: "UPDATE t SET v = 'changed'" },
        { query: "INSERT INTO t VALUES (2, 'dup')" },
        { query: "INSERT INTO t VALUES (4, 'd')" },
      ],
    });
    expect(r.status).toBe(400);
    expect(r.body.statement).toBe(2);
    expect(r.body.error).toBe("UNIQUE constraint failed: t.id");
    expect((await one(db, "SELECT count(*) AS n FROM t")).rows).toEqual([{ n: 0 }]);
    const ok = await http({ database: db, batch: [{ query: "INSERT INTO t VALUES (1, 'a'), (2, 'b')" }, { query: "SELECT count(*) AS n FROM t" }] });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.results[1].rows).toEqual([{ n: 2 }]);
  });

  it("a failing binding batch and a failing D1 batch apply nothing", async () => {
    const db = "txn-batch-binding";
    await bigDaddy.query(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", [], { create: true, nodes: 8 });
    const r = await bigDaddy.batch(db, [
      { sql: "INSERT INTO t VALUES (?, ?), (?, ?)", params: [1, "a", 2, "b"] },
      { sql: "INSERT INTO t VALUES (?, ?)", params: [3, "c"] },
      { sql: "INSERT INTO nope VALUES (1)" },
    ]);
    expect(r.error?.index).toBe(2);
    expect(r.error?.message).toBe("no such table: nope");
    expect((await bigDaddy.query(db, "SELECT count(*) AS n FROM t")).rows).toEqual([{ n: 0 }]);

    const d = d1(bigDaddy, db);
    await expect(
      d.batch([d.prepare("INSERT INTO t VALUES (?, ?)").bind(10, "x"), d.prepare("INSERT INTO t VALUES (?, ?)").bind(10, "y")]),
    ).rejects.toThrow(/D1_ERROR: batch statement 1: UNIQUE constraint failed: t.id/);
    expect(await d.prepare("SELECT count(*) AS n FROM t").first("n")).toBe(0);
    const ok = await d.batch([d.prepare("INSERT INTO t VALUES (?, ?)").bind(10, "x"), d.prepare("SELECT v FROM t WHERE id = ?").bind(10)]);
    expect(ok[1].results).toEqual([{ v: "x" }]);
  });
});
