import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

// Exact 64-bit integers end to end, through the Worker: the Durable Object SQL API hands numbers to
// JavaScript as doubles, yet every plan (route, scatter, ordered merge, aggregate, combine, writes
// with RETURNING) and both surfaces (JSON over HTTP, BigInt over the binding) must give SQLite's
// exact values.
const bigDaddy = (exports as any).default;

const MAX = "9223372036854775807", MIN = "-9223372036854775808", P53 = "9007199254740993";

// How a JavaScript client reads Big Daddy's JSON: integers are written digit for digit, so
// integers beyond 2^53 need the reviver's source text (REALs always carry a '.' or an exponent).
function parseExact(text: string): any {
  return JSON.parse(text, (_k, v, ctx?: { source?: string }) =>
    typeof v === "number" && ctx?.source && /^-?\d+$/.test(ctx.source) && !Number.isSafeInteger(v) ? BigInt(ctx.source) : v,
  );
}

// Sends `body` as JSON text written by hand, so integers can be given digit for digit.
async function sqlText(body: string) {
  const res = await bigDaddy.fetch(new Request("http://bigdaddy.local/sql", { method: "POST", headers: { "content-type": "application/json" }, body }));
  const text = await res.text();
  return { status: res.status, text, body: parseExact(text) };
}
const sql = (database: string, query: string, params = "[]") => sqlText(`{"database": ${JSON.stringify(database)}, "query": ${JSON.stringify(query)}, "params": ${params}}`);

describe("exact integers", () => {
  it("round-trip through route, scatter, merge, aggregate and combine plans over HTTP", async () => {
    const db = "robust-int-http";
    await bigDaddy.createDatabase(db);
    expect((await sql(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, r REAL, a)")).status).toBe(200);
    let r = await sql(db, `INSERT INTO t VALUES (1, ${MAX}, 2.5, 'x'), (2, ${P53}, 0.5, ${MIN}), (3, ${MIN}, 1.5, NULL)`);
    expect(r.status, r.text).toBe(200);
    // Parameters: JSON integer literals bind as exact INTEGERs, into any column.
    r = await sql(db, "INSERT INTO t VALUES (?, ?, ?, ?)", `[4, ${P53}, 1e300, ${MAX}]`);
    expect(r.status, r.text).toBe(200);
    r = await sql(db, "INSERT INTO t VALUES (?, ?, ?, ?) RETURNING id, i, a", `[${MAX}, -9007199254740993, 1e19, 1e19]`);
    expect(r.status, r.text).toBe(200);
    expect(r.body.rows).toEqual([{ id: BigInt(MAX), i: -9007199254740993n, a: 1e19 }]);
    expect(r.body.lastInsertRowid).toBe(BigInt(MAX));
    expect(r.text).toContain(`"lastInsertRowid":${MAX}`);
    expect(r.text).toContain(`"a":10000000000000000000.0`); // a REAL is written as one

    // route
    r = await sql(db, "SELECT i, a FROM t WHERE id = 1");
    expect(r.body.meta.plan).toBe("route");
    expect(r.body.rows).toEqual([{ i: BigInt(MAX), a: "x" }]);
    expect(r.text).toContain(`"i":${MAX}`);
    r = await sql(db, "SELECT id, i FROM t WHERE id = ?", `[${MAX}]`);
    expect(r.body.rows).toEqual([{ id: BigInt(MAX), i: -9007199254740993n }]);
    // scatter + ordered merge
    r = await sql(db, "SELECT id, i, a FROM t ORDER BY i", "[]");
    expect(r.body.meta.plan).toBe("scatter-merge");
    expect(r.body.rows.map((x: any) => x.i)).toEqual([BigInt(MIN), -9007199254740993n, 9007199254740993n, 9007199254740993n, BigInt(MAX)]);
    r = await sql(db, "SELECT i FROM t WHERE i > 9007199254740992");
    expect(r.body.rows.map((x: any) => x.i).sort()).toEqual([9007199254740993n, 9007199254740993n, BigInt(MAX)].sort());
    // aggregates over shards
    r = await sql(db, "SELECT max(i), min(i), max(a), count(*) FROM t");
    expect(r.body.meta.plan).toBe("scatter-aggregate");
    expect(r.body.rows).toEqual([{ "max(i)": BigInt(MAX), "min(i)": BigInt(MIN), "max(a)": "x", "count(*)": 5 }]);
    r = await sql(db, "SELECT sum(i) FROM t WHERE id IN (2, 4)");
    expect(r.body.rows).toEqual([{ "sum(i)": 18014398509481986n }]);
    // combine engine (a self-join over gathered rows)
    r = await sql(db, "SELECT a.id, b.i FROM t a JOIN t b ON b.id = a.id + 1 ORDER BY a.id");
    expect(r.body.meta.plan).toBe("combine");
    expect(r.body.rows).toEqual([{ id: 1, i: 9007199254740993n }, { id: 2, i: BigInt(MIN) }, { id: 3, i: 9007199254740993n }]);
    r = await sql(db, "SELECT 9223372036854775807 - 1 AS x, -9223372036854775807 - 1 AS y");
    expect(r.text).toContain(`"x":9223372036854775806,"y":${MIN}`);
  });

  it("sum overflow is SQLite's error; 1e300 and 1e19 are REALs; non-finite REALs stay numbers", async () => {
    const db = "robust-int-overflow";
    await bigDaddy.createDatabase(db);
    await sql(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, r REAL)");
    let r = await sql(db, "INSERT INTO t VALUES (?, ?, ?), (?, ?, ?)", `[1, ${MAX}, 1e300, 2, 1, 1e19]`);
    expect(r.status, r.text).toBe(200);
    r = await sql(db, "SELECT sum(i) FROM t");
    expect(r.status).toBe(400);
    expect(r.body.error).toBe("integer overflow");
    r = await sql(db, "SELECT id, typeof(r), r FROM t ORDER BY id");
    expect(r.body.rows).toEqual([{ id: 1, "typeof(r)": "real", r: 1e300 }, { id: 2, "typeof(r)": "real", r: 1e19 }]);
    r = await sql(db, "INSERT INTO t (id, i) VALUES (3, ?)", "[1e19]");
    r = await sql(db, "SELECT typeof(i), i FROM t WHERE id = 3");
    expect(r.body.rows).toEqual([{ "typeof(i)": "real", i: 1e19 }]);
    r = await sql(db, "SELECT 1e999 AS inf, -1e999 AS ninf, 2.0 AS two");
    expect(r.text).toContain(`"inf":9e999,"ninf":-9e999,"two":2.0`);
    expect(r.body.rows).toEqual([{ inf: Infinity, ninf: -Infinity, two: 2 }]);
  });

  it("a small integer parameter stays an INTEGER on the nodes: division, typeof, text, untyped columns, staged rows", async () => {
    const db = "robust-int-params";
    await bigDaddy.createDatabase(db, { nodes: 4 });
    await sql(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, x)");
    await sql(db, "INSERT INTO t VALUES (1, 1), (2, 2)");
    // Routed to one node and scattered to all: the parameter is bound on the nodes.
    for (const where of ["WHERE id = 1", ""]) {
      const r = await sql(db, `SELECT typeof(?1) AS t, ?1 / 2 AS half, ?1 || '' AS s, ?2 / 2 AS r FROM t ${where} LIMIT 1`, "[5, 5.0]");
      expect(r.body.rows, r.text).toEqual([{ t: "integer", half: 2, s: "5", r: 2.5 }]);
    }
    await sql(db, "UPDATE t SET x = ?1 WHERE id = ?2", "[7, 1]");
    await sql(db, "INSERT INTO t (id, x) VALUES (3, ?1)", "[8]");
    let r = await sql(db, "SELECT id, typeof(x) AS t, x || '' AS s FROM t ORDER BY id");
    expect(r.body.rows).toEqual([{ id: 1, t: "integer", s: "7" }, { id: 2, t: "integer", s: "2" }, { id: 3, t: "integer", s: "8" }]);
    // Rows staged on other nodes (a repartition join) keep their INTEGERs in untyped columns.
    await sql(db, "CREATE TABLE u (k INTEGER PRIMARY KEY, tid INTEGER, n)");
    await sql(db, "INSERT INTO u VALUES (10, 1, 5), (20, 2, 6.0), (30, 3, 7)");
    const begin = await sql(db, "BEGIN");
    const txn = JSON.stringify(begin.body.transaction);
    r = await sqlText(`{"database": "${db}", "transaction": ${txn}, "query": "SELECT t.id, u.n || '' AS s, typeof(u.n) AS t FROM t JOIN u ON u.tid = t.id ORDER BY 1"}`);
    expect(r.body.rows, r.text).toEqual([{ id: 1, s: "5", t: "integer" }, { id: 2, s: "6.0", t: "real" }, { id: 3, s: "7", t: "integer" }]);
    await sqlText(`{"database": "${db}", "transaction": ${txn}, "query": "ROLLBACK"}`);
  });

  it("the binding takes and returns BigInt beyond 2^53", async () => {
    const db = "robust-int-rpc";
    await bigDaddy.query(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, x)", [], { create: true });
    const ins = await bigDaddy.query(db, "INSERT INTO t VALUES (?, ?, ?)", [BigInt(MAX), BigInt(MIN), 2 ** 60]);
    expect(ins.lastInsertRowid).toBe(BigInt(MAX));
    let r = await bigDaddy.query(db, "SELECT id, i, x, typeof(x) FROM t");
    expect(r.rows).toEqual([{ id: BigInt(MAX), i: BigInt(MIN), x: 2n ** 60n, "typeof(x)": "integer" }]);
    await bigDaddy.query(db, "INSERT INTO t VALUES (1, ?, ?)", [9007199254740993n, 1e19]);
    r = await bigDaddy.query(db, "SELECT sum(i) AS s, max(x) AS m FROM t WHERE id = 1 OR i > 0", [], { rowMode: "array" });
    expect(r.rows).toEqual([[9007199254740993n, 1e19]]);
    const err = await bigDaddy.query(db, "SELECT ?", [2n ** 64n]).then(() => null, (e: Error) => e);
    expect(err?.message).toBe("parameter 1: integer out of the 64-bit range");
  });
});
