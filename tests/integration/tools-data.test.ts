// Export, import, the table browser, query insights and slow-statement logs in workerd, through the
// Worker's HTTP API (the CLI's and the dashboard's view): the export streams in many bounded chunks
// and imports into another database with identical contents; a foreign dump's skipped statements
// are reported; browsing gives each row's node; insights keep the statements and per-node load.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { runQuery } from "../../js-shim/driver";

const bigDaddy = (exports as any).default;

async function http(path: string, init: RequestInit = {}) {
  return bigDaddy.fetch(new Request(`http://bigdaddy.local${path}`, init)) as Promise<Response>;
}
async function sql(database: string, query: string, params: unknown[] = []) {
  const res = await http("/sql", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ database, query, params, rowMode: "array" }) });
  const body = (await res.json()) as any;
  if (res.status !== 200) throw new Error(`${query}: ${body.error}`);
  return body;
}

// Every row of a table, canonical (storage classes kept apart), sorted.
async function contents(database: string, table: string, cols: string[]) {
  const canon = cols.map((c) => `typeof(${c}) || ':' || CASE typeof(${c}) WHEN 'real' THEN printf('%!.17g', ${c}) ELSE quote(${c}) END`).join(" || '|' || ");
  return (await sql(database, `SELECT ${canon} AS v FROM ${table} ORDER BY v`)).rows.map((r: any[]) => r[0]).join("\n");
}

async function load(db: string, rows: number) {
  await bigDaddy.createDatabase(db, { nodes: 4 });
  for (const q of [
    "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL, img BLOB, note)",
    "CREATE INDEX items_name ON items (name)",
    "CREATE TABLE countries (code TEXT PRIMARY KEY, name TEXT)",
    "PRAGMA bigdaddy_reference_table = 'countries'",
    "CREATE VIEW pricey AS SELECT id, name FROM items WHERE price > 40",
    "INSERT INTO countries VALUES ('fr', 'France'), ('jp', 'Japan'), ('ke', 'Kenya')",
  ]) await sql(db, q);
  for (let b = 0; b < rows; b += 250) {
    const values: string[] = [];
    for (let i = b; i < Math.min(rows, b + 250); i++)
      values.push(`(${i + 1}, 'item ''${i}''', ${i / 7}, ${i % 3 ? `X'0102${(i % 256).toString(16).padStart(2, "0")}'` : "NULL"}, ${i % 4 === 0 ? `${i}.0` : i % 4 === 1 ? `${9007199254740993n + BigInt(i)}` : i % 4 === 2 ? `'t${i}'` : "NULL"})`);
    await sql(db, `INSERT INTO items VALUES ${values.join(", ")}`);
  }
}

describe("export and import over HTTP", () => {
  it("an export streams in bounded chunks and imports into another database with the same rows", async () => {
    await load("tools-export-src", 6000);
    const res = await http("/api/databases/tools-export-src/export");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/sql/);
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let dump = "", chunks = 0, largest = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks++;
      largest = Math.max(largest, value.length);
      dump += dec.decode(value, { stream: true });
    }
    // Streamed: the Worker never held the whole dump, one step's batch at most.
    expect(chunks).toBeGreaterThan(3);
    expect(largest).toBeLessThan(3 * 1024 * 1024);
    expect(dump).toMatch(/-- Big Daddy export complete: 2 tables, 6003 rows\n$/);
    expect(dump).toContain("PRAGMA bigdaddy_reference_table = 'countries';");
    expect(dump).toContain("CREATE VIEW pricey AS");

    await bigDaddy.createDatabase("tools-export-dst", { nodes: 3 });
    // The dump as a request body stream, in small pieces.
    const bytes = new TextEncoder().encode(dump);
    let pos = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (pos >= bytes.length) return c.close();
        c.enqueue(bytes.subarray(pos, pos + 7000));
        pos += 7000;
      },
    });
    const imp = await http("/api/databases/tools-export-dst/import", { method: "POST", body, duplex: "half" } as RequestInit);
    expect(imp.status).toBe(200);
    const lines = (await imp.text()).trim().split("\n").map((l) => JSON.parse(l));
    const last = lines[lines.length - 1];
    expect(last, JSON.stringify(last)).toMatchObject({ done: true, rows: 6003 });
    expect(lines[0].bytes).toBeGreaterThan(0); // progress lines, then the summary
    expect(last.skipped.map((s: any) => s.reason)).toEqual(["PRAGMA foreign_keys (no effect here)", "transaction control (the import commits statement by statement)"]);
    for (const [t, cols] of [["items", ["id", "name", "price", "img", "note"]], ["countries", ["code", "name"]]] as const)
      expect(await contents("tools-export-dst", t, [...cols]), t).toBe(await contents("tools-export-src", t, [...cols]));
    expect((await bigDaddy.topology("tools-export-dst")).tables.map((t: any) => [t.name, t.kind])).toEqual([["items", "sharded"], ["countries", "reference"], ["pricey", "view"]]);
    // No snapshot table is left on any node.
    const n = await sql("tools-export-src", "SELECT count(*) FROM items");
    expect(n.rows).toEqual([[6000]]);
  });

  it("errors: a missing database or table before the dump starts; a bad statement stops an import and says where", async () => {
    let res = await http("/api/databases/tools-nope/export");
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error).toBe("no such database: tools-nope");
    await bigDaddy.createDatabase("tools-export-err", { nodes: 2 });
    res = await http("/api/databases/tools-export-err/export?table=ghost");
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toBe("no such table: ghost");
    res = await http("/api/databases/tools-nope/import", { method: "POST", body: "SELECT 1;" });
    expect(res.status).toBe(404);
    res = await http("/api/databases/tools-export-err/import", { method: "POST", body: "CREATE TABLE t (id INTEGER PRIMARY KEY);\nINSERT INTO t VALUES (1);\nINSERT INTO nowhere VALUES (2);\nINSERT INTO t VALUES (3);\n" });
    const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l));
    const last = lines[lines.length - 1];
    expect(last.error).toBe("no such table: nowhere (in: INSERT INTO nowhere VALUES (2))");
    expect((await sql("tools-export-err", "SELECT id FROM t")).rows).toEqual([[1]]);
  });
});

describe("the table browser", () => {
  it("pages a table sorted by a column, each row with its node; a reference table's rows are on every node", async () => {
    await load("tools-browse", 300);
    const page = async (q: string) => {
      const res = await http(`/api/databases/tools-browse/tables/${q}`);
      const body = (await res.json()) as any;
      expect(res.status, JSON.stringify(body)).toBe(200);
      return body;
    };
    const p1 = await page("items/rows?sort=price&desc=1&limit=40&offset=0");
    expect(p1.columns).toEqual(["id", "name", "price", "img", "note"]);
    expect(p1.rows).toHaveLength(40);
    expect(p1.rows[0][0]).toBe(300);
    expect(p1.nodes).toHaveLength(40);
    for (let i = 0; i < 5; i++) {
      const plan = await bigDaddy.explain("tools-browse", "SELECT * FROM items WHERE id = ?", [p1.rows[i][0]]);
      expect(p1.nodes[i], `item ${p1.rows[i][0]}`).toBe(plan.rows.find((r: any) => r.step === "shard").node);
    }
    const p2 = await page("items/rows?sort=price&desc=1&limit=40&offset=40");
    expect(p2.rows[0][0]).toBe(260);
    const ref = await page("countries/rows");
    expect(ref.rows.map((r: any[]) => r[0])).toEqual(["fr", "jp", "ke"]);
    expect(ref.nodes).toEqual([null, null, null]);
    expect(ref.meta.kind).toBe("reference");
    const view = await page("pricey/rows?sort=id");
    expect(view.meta.kind).toBe("view");
    expect(view.rows.length).toBeGreaterThan(0);
    const bad = await http("/api/databases/tools-browse/tables/items/rows?sort=nope");
    expect(((await bad.json()) as any).error).toBe("no such column: nope");
  });
});

describe("query insights and slow statements", () => {
  it("keeps recent and slowest statements with plan, nodes and rows read, and per-node load", async () => {
    const db = "tools-insights";
    await bigDaddy.createDatabase(db, { nodes: 3 });
    await sql(db, "CREATE TABLE kv (id INTEGER PRIMARY KEY, v TEXT)");
    await sql(db, `INSERT INTO kv VALUES ${Array.from({ length: 90 }, (_, i) => `(${i}, 'v${i}')`).join(", ")}`);
    for (let i = 0; i < 20; i++) await sql(db, "SELECT v FROM kv WHERE id = ?", [i]);
    await sql(db, "SELECT count(*) FROM kv");
    await expect(sql(db, "SELECT * FROM nowhere")).rejects.toThrow(/no such table/);
    const res = await http(`/api/databases/${db}/insights`);
    const r = (await res.json()) as any;
    expect(res.status, JSON.stringify(r)).toBe(200);
    expect(r.recent[0]).toMatchObject({ sql: "SELECT * FROM nowhere", error: "no such table: nowhere" });
    const point = r.queries.find((q: any) => q.sql === "SELECT v FROM kv WHERE id = ?");
    expect(point).toMatchObject({ count: 20, errors: 0, plan: "route", rowsRead: 20 });
    const count = r.recent.find((s: any) => s.sql === "SELECT count(*) FROM kv");
    expect(count).toMatchObject({ plan: "scatter-count", nodesTouched: 3, rowsReturned: 1 });
    expect(r.slowest.length).toBeGreaterThan(0);
    for (let i = 1; i < r.slowest.length; i++) expect(r.slowest[i - 1].ms).toBeGreaterThanOrEqual(r.slowest[i].ms);
    // Load: every node answered requests; the buckets are 10 s wide over 15 minutes.
    expect(r.load.bucketSeconds).toBe(10);
    expect(r.load.buckets).toHaveLength(90);
    expect(r.load.nodes.map((n: any) => n.node)).toEqual([0, 1, 2]);
    for (const n of r.load.nodes) {
      expect(n.rps.reduce((a: number, b: number) => a + b, 0)).toBeGreaterThan(0);
      expect(n.p99.some((v: number | null) => typeof v === "number")).toBe(true);
    }
    // Deleting the database deletes its insights.
    await bigDaddy.deleteDatabase(db);
    expect((await http(`/api/databases/${db}/insights`)).status).toBe(404);
  });

  it("logs statements over the threshold as one JSON line each", async () => {
    const db = "tools-slow";
    await bigDaddy.createDatabase(db, { nodes: 2 });
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const slowEnv = { ...(env as any), BIG_DADDY_SLOW_MS: "0" };
      await runQuery(slowEnv, db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
      await runQuery(slowEnv, db, "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')");
      await runQuery(slowEnv, db, "SELECT * FROM t ORDER BY id");
      await runQuery({ ...(env as any), BIG_DADDY_SLOW_MS: "60000" }, db, "SELECT count(*) FROM t");
    } finally {
      var calls = log.mock.calls.map((c) => String(c[0]));
      log.mockRestore();
    }
    const lines = calls.filter((l) => l.includes("bigdaddy.slow_statement")).map((l) => JSON.parse(l));
    expect(lines.map((l) => l.sql)).toEqual(["CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')", "SELECT * FROM t ORDER BY id"]);
    expect(lines[2]).toMatchObject({ event: "bigdaddy.slow_statement", database: db, thresholdMs: 0, plan: "scatter-merge", nodesTouched: 2, rowsRead: 3, rowsReturned: 3 });
    expect(lines[1]).toMatchObject({ rowsWritten: 3 });
    expect(typeof lines[2].durationMs).toBe("number");
  });
});
