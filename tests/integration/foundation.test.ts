import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

// The default entrypoint, as a service binding would see it.
const bigDaddy = (exports as any).default;

async function http(path: string, init?: RequestInit) {
  const res = await bigDaddy.fetch(new Request(`http://bigdaddy.local${path}`, init));
  return { status: res.status, body: (await res.json()) as any };
}

async function sqlHttp(database: string, query: string, params: unknown[] = [], extra: Record<string, unknown> = {}) {
  return http("/sql", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ database, query, params, ...extra }),
  });
}

describe("foundation: HTTP", () => {
  it("answers /health", async () => {
    const r = await http("/health");
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
  });

  it("creates a table, inserts 1,000 rows spread over all nodes, reads them back", async () => {
    const db = "http-foundation";
    let r = await sqlHttp(db, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)", [], { create: true });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    // 1,000 rows in 10 statements of 100 rows, all bound parameters.
    for (let b = 0; b < 10; b++) {
      const values: string[] = [];
      const params: unknown[] = [];
      for (let i = 0; i < 100; i++) {
        const id = b * 100 + i + 1;
        values.push("(?, ?, ?)");
        params.push(id, `item-${id}`, id % 7);
      }
      r = await sqlHttp(db, `INSERT INTO items (id, name, qty) VALUES ${values.join(", ")}`, params);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.rowsAffected).toBe(100);
    }
    r = await sqlHttp(db, "SELECT COUNT(*) AS n FROM items");
    expect(r.body.rows).toEqual([{ n: 1000 }]);
    expect(r.body.meta.nodesTouched).toBe(8);

    for (const id of [1, 500, 1000]) {
      r = await sqlHttp(db, "SELECT id, name, qty FROM items WHERE id = ?", [id]);
      expect(r.body.rows).toEqual([{ id, name: `item-${id}`, qty: id % 7 }]);
      // A point query touches exactly one node.
      expect(r.body.meta.nodesTouched).toBe(1);
      expect(r.body.meta.plan).toBe("route");
    }

    r = await sqlHttp(db, "SELECT id FROM items WHERE id = 42", [], { rowMode: "array" });
    expect(r.body.rows).toEqual([[42]]);

    const topo = await http(`/api/databases/${db}`);
    expect(topo.status).toBe(200);
    expect(topo.body.nodes).toHaveLength(8);
    const perNode = topo.body.nodes.map((n: any) => n.tables.items.rows);
    expect(perNode.reduce((a: number, b: number) => a + b, 0)).toBe(1000);
    for (const n of perNode) expect(n).toBeGreaterThan(0);
    expect(topo.body.tables[0]).toMatchObject({ name: "items", kind: "sharded", shardKey: "id" });
    // Each node reports its database size (ctx.storage.sql.databaseSize).
    for (const n of topo.body.nodes) expect(n.bytes).toBeGreaterThan(0);
    // Global indexes and views are listed as such.
    await sqlHttp(db, "CREATE INDEX items_name ON items (name)");
    await sqlHttp(db, "CREATE VIEW cheap AS SELECT * FROM items WHERE qty < 2");
    const after = await http(`/api/databases/${db}`);
    expect(after.body.indexes).toEqual([expect.objectContaining({ name: "items_name", table: "items", columns: ["name"], global: true })]);
    expect(after.body.tables.map((t: any) => [t.name, t.kind])).toEqual([["items", "sharded"], ["cheap", "view"]]);
  });

  it("returns SQLite's errors as 4xx JSON", async () => {
    let r = await sqlHttp("http-errors", "SELEC 1");
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/near "SELEC": syntax error/);
    r = await sqlHttp("http-errors", "SELECT * FROM missing", [], { create: true });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/no such table: missing/);
    r = await http("/sql", { method: "POST", body: "not json" });
    expect(r.status).toBe(400);
  });
});

describe("foundation: value fidelity through Durable Objects", () => {
  it("keeps REAL vs INTEGER in untyped columns when rows are gathered for the combine engine", async () => {
    const sql = await bigDaddy.createConnection("fidelity", { nodes: 4 });
    await sql`CREATE TABLE m (id INTEGER PRIMARY KEY, v)`;
    await sql`INSERT INTO m VALUES (1, 2.0), (2, 3), (3, 'x'), (4, NULL)`;
    // The subquery (not a shard-key column: not co-located) sends this through the combine engine
    // (rows gathered from every node).
    const r = await sql`SELECT id, typeof(v) AS t, v / 4 AS q FROM m WHERE id IN (SELECT id + 0 FROM m) ORDER BY id`;
    expect(r.meta.plan).toBe("combine");
    expect(r.rows).toEqual([
      { id: 1, t: "real", q: 0.5 },
      { id: 2, t: "integer", q: 0 },
      { id: 3, t: "text", q: 0 },
      { id: 4, t: "null", q: null },
    ]);
  });
});

describe("foundation: aggregates over shards keep SQLite's types", () => {
  it("sum of REALs that add up to an integral value stays REAL through Durable Objects", async () => {
    const sql = await bigDaddy.createConnection("agg-types", { nodes: 4 });
    await sql`CREATE TABLE p (id INTEGER PRIMARY KEY, price REAL, g TEXT)`;
    for (let i = 1; i <= 12; i++) await sql`INSERT INTO p VALUES (${i}, ${i % 2 ? 2.0 : 3.0}, ${i % 3 ? "a" : "b"})`;
    const r = await sql`SELECT g, sum(price) / 4 AS q, typeof(sum(price)) AS t, max(price) / 2 AS h FROM p GROUP BY g ORDER BY g`;
    expect(r.meta.plan).toBe("scatter-aggregate");
    expect(r.rows).toEqual([
      { g: "a", q: 5, t: "real", h: 1.5 },
      { g: "b", q: 2.5, t: "real", h: 1.5 },
    ]);
  });
});

describe("foundation: foreign keys in Durable Objects", () => {
  it("accepts children whose parent lives on another node (the key is not co-located)", async () => {
    const sql = await bigDaddy.createConnection("fk", { nodes: 4 });
    await sql`CREATE TABLE parent (id INTEGER PRIMARY KEY)`;
    await sql`CREATE TABLE child (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES parent(id))`;
    for (let i = 1; i <= 8; i++) await sql`INSERT INTO parent VALUES (${i})`;
    for (let i = 1; i <= 8; i++) await sql`INSERT INTO child VALUES (${100 + i}, ${i})`;
    const r = await sql`SELECT count(*) AS n FROM child JOIN parent ON parent.id = child.pid`;
    expect(r.rows).toEqual([{ n: 8 }]);
  });
});

describe("foundation: service binding", () => {
  it("createConnection returns the sql tagged template; values are bound, not spliced", async () => {
    const sql = await bigDaddy.createConnection("rpc-foundation", { nodes: 4 });
    await sql`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)`;
    const evil = "x'); DROP TABLE users; --";
    for (let i = 1; i <= 20; i++) await sql`INSERT INTO users (id, name) VALUES (${i}, ${i === 7 ? evil : "user" + i})`;
    const one = await sql`SELECT name FROM users WHERE id = ${7}`;
    expect(one.rows).toEqual([{ name: evil }]);
    expect(one.meta.nodesTouched).toBe(1);
    const count = await sql`SELECT count(*) AS n FROM users`;
    expect(count.rows).toEqual([{ n: 20 }]);
    expect(count.meta.nodesTouched).toBe(4);
    const topo = await bigDaddy.topology("rpc-foundation");
    expect(topo.nodes).toHaveLength(4);
  });

  it("allocates ids when the key is omitted, and they never collide", async () => {
    const sql = await bigDaddy.createConnection("rpc-ids", { nodes: 4 });
    await sql`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)`;
    const ids = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const r = await sql`INSERT INTO notes (body) VALUES (${"n" + i})`;
      ids.add(r.lastInsertRowid);
    }
    expect(ids.size).toBe(30);
    const r = await sql`SELECT count(DISTINCT id) AS n FROM notes`;
    expect(r.rows[0].n).toBe(30);
  });
});
