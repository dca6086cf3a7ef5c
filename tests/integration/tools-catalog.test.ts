// The catalog of databases in workerd: creating is explicit (a mistyped name is refused, never
// created), GET /api/databases lists what exists with its size, DELETE removes every node's data
// (each storage object holds no table and no key afterwards, just like a never-used one) and is refused while a resize runs.
import { env, exports } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_NODES } from "../../js-shim/abi";

const bigDaddy = (exports as any).default;

async function http(path: string, init: RequestInit = {}) {
  const res = await bigDaddy.fetch(new Request(`http://bigdaddy.local${path}`, init));
  return { status: res.status, body: (await res.json()) as any };
}

function post(path: string, body: unknown, method = "POST") {
  return http(path, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

async function rejection(f: () => Promise<unknown>): Promise<Error> {
  try { await f(); } catch (e) { return e as Error; }
  throw new Error("expected the call to fail");
}

async function listed(): Promise<any[]> {
  const r = await http("/api/databases");
  expect(r.status).toBe(200);
  return r.body.databases;
}

// What a storage object holds, read inside it: tables of any kind, key-value entries and the
// SQLite file's size.
async function nodeContents(database: string, node: number) {
  const stub = (env as any).STORAGE.get((env as any).STORAGE.idFromName(`${database}/${node}`));
  return runInDurableObject(stub, async (_instance: unknown, state: DurableObjectState) => {
    const sql = state.storage.sql;
    const tables = sql.exec("SELECT count(*) AS n FROM sqlite_master").one().n as number;
    return { tables, keys: (await state.storage.list()).size, bytes: sql.databaseSize };
  });
}

// A wiped node is exactly a never-used object: no tables, no keys, and only the empty SQLite file
// (its one header page; opening an object's SQL storage creates it).
async function neverUsed() {
  const fresh = await nodeContents(`never-used-${Math.random()}`, 0);
  expect(fresh.tables).toBe(0);
  expect(fresh.bytes).toBeLessThanOrEqual(4096);
  return fresh;
}

async function waitForResize(db: string) {
  for (let i = 0; i < 600; i++) {
    const job = await bigDaddy.resizeStatus(db);
    if (!job || !job.active) return job;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("resize did not finish");
}

describe("creating is explicit", () => {
  it("a mistyped name is refused with a clear error and creates nothing (HTTP and binding)", async () => {
    await post("/api/databases", { name: "shop", nodes: 2 });
    let r = await post("/sql", { database: "shpo", query: "SELECT 1" });
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: "no such database: shpo", code: "BIGDADDY_NOT_FOUND" });
    r = await post("/sql", { database: "shpo", batch: [{ query: "SELECT 1" }] });
    expect(r.status).toBe(404);
    expect(r.body.error).toBe("no such database: shpo");
    expect((await http("/api/databases/shpo")).status).toBe(404);
    expect((await rejection(() => bigDaddy.query("shpo", "SELECT 1"))).message).toBe("no such database: shpo");
    expect((await rejection(() => bigDaddy.topology("shpo"))).message).toBe("no such database: shpo");
    expect((await rejection(() => bigDaddy.resize("shpo", { nodes: 3 }))).message).toBe("no such database: shpo");
    const names = (await listed()).map((d) => d.name);
    expect(names).toContain("shop");
    expect(names).not.toContain("shpo");
  });

  it("POST /api/databases creates (201), refuses a second time (409); create: true and createConnection create once", async () => {
    let r = await post("/api/databases", { name: "tools-created", nodes: 3 });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toEqual({ database: "tools-created", created: true, nodes: 3 });
    r = await post("/api/databases", { name: "tools-created", nodes: 5 });
    expect(r.status).toBe(409);
    expect(r.body.error).toBe("database already exists: tools-created");
    expect((await post("/api/databases", { nodes: 2 })).status).toBe(400);
    // One node cap (src/base/limits.h), the same over HTTP, the catalog and the core.
    const capWords = `"nodes" must be an integer from 1 to ${MAX_NODES}`;
    expect((await post("/api/databases", { name: "x", nodes: 0 })).body.error).toBe(capWords);
    expect((await post("/api/databases", { name: "x", nodes: MAX_NODES + 1 })).body.error).toBe(capWords);
    r = await post("/sql", { database: "tools-over-cap", create: true, nodes: MAX_NODES + 1, query: "SELECT 1" });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe(capWords);

    r = await post("/sql", { database: "tools-create-flag", create: true, nodes: 2, query: "CREATE TABLE t (id INTEGER PRIMARY KEY)" });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.meta.createdDatabase).toBe(true);
    r = await post("/sql", { database: "tools-create-flag", create: true, nodes: 7, query: "INSERT INTO t VALUES (1)" });
    expect(r.body.meta.createdDatabase).toBeUndefined();
    expect((await bigDaddy.topology("tools-create-flag")).nodes).toHaveLength(2);

    await bigDaddy.createConnection("tools-connection", { nodes: 3 });
    expect(await bigDaddy.createDatabase("tools-connection", { nodes: 9 })).toEqual({ database: "tools-connection", created: false, nodes: 3 });
    await bigDaddy.query("tools-query-create", "CREATE TABLE t (id INTEGER PRIMARY KEY)", [], { create: true, nodes: 2 });
    const b = await bigDaddy.batch("tools-batch-create", [{ sql: "CREATE TABLE t (id INTEGER PRIMARY KEY)" }], { create: true, nodes: 2 });
    expect(b.error).toBeUndefined();

    const byName = new Map((await listed()).map((d) => [d.name, d]));
    for (const [name, nodes] of [["tools-created", 3], ["tools-create-flag", 2], ["tools-connection", 3], ["tools-query-create", 2], ["tools-batch-create", 2]] as const) {
      expect(byName.get(name), name).toMatchObject({ name, nodes, state: "ready" });
      expect(byName.get(name).created).toBeGreaterThan(Date.UTC(2024, 0, 1));
    }
  });
});

describe("GET /api/databases and DELETE /api/databases/:db", () => {
  it("lists each database with rows (a reference table counted once) and bytes; deleting wipes every node", async () => {
    const db = "tools-delete";
    expect((await post("/api/databases", { name: db, nodes: 4 })).status).toBe(201);
    const statements = [
      "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)",
      "CREATE INDEX items_name ON items (name)",
      "CREATE TABLE countries (code TEXT PRIMARY KEY, name TEXT)",
      "PRAGMA bigdaddy_reference_table = 'countries'",
      "CREATE VIEW cheap AS SELECT * FROM items WHERE qty < 3",
      "INSERT INTO countries VALUES ('fr', 'France'), ('jp', 'Japan'), ('br', 'Brazil'), ('ke', 'Kenya'), ('nz', 'New Zealand')",
    ];
    for (const query of statements) expect((await post("/sql", { database: db, query })).status, query).toBe(200);
    const values = Array.from({ length: 100 }, (_, i) => `(${i + 1}, 'item-${i + 1}', ${i % 7})`).join(", ");
    expect((await post("/sql", { database: db, query: `INSERT INTO items VALUES ${values}` })).status).toBe(200);

    const entry = (await listed()).find((d) => d.name === db);
    expect(entry).toMatchObject({ name: db, nodes: 4, state: "ready", rows: 105 });
    expect(entry.bytes).toBeGreaterThan(0);
    const topo = await bigDaddy.topology(db);
    expect(topo.rows).toBe(105);
    expect(topo.tables.find((t: any) => t.name === "countries").rows).toBe(5);
    expect(topo.tables.find((t: any) => t.name === "cheap").rows).toBeUndefined();
    for (let n = 0; n < 4; n++) {
      const before = await nodeContents(db, n);
      expect(before.tables).toBeGreaterThan(2);
      expect(before.bytes).toBeGreaterThan(4096);
    }

    // Confirmed by name, or refused.
    let r = await http(`/api/databases/${db}`, { method: "DELETE" });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe(`confirm the deletion by naming the database: {"confirm": "${db}"}`);
    r = await post(`/api/databases/${db}`, { confirm: "tools-delet" }, "DELETE");
    expect(r.status).toBe(400);
    r = await post(`/api/databases/${db}`, { confirm: db }, "DELETE");
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ database: db, nodes: 4 });

    const empty = await neverUsed();
    for (let n = 0; n < 4; n++) expect(await nodeContents(db, n), `node ${n}`).toEqual(empty);
    expect((await http(`/api/databases/${db}`)).status).toBe(404);
    expect((await post("/sql", { database: db, query: "SELECT count(*) FROM items" })).body.error).toBe(`no such database: ${db}`);
    expect((await listed()).map((d) => d.name)).not.toContain(db);
    r = await http(`/api/databases/${db}?confirm=${db}`, { method: "DELETE" });
    expect(r.status).toBe(404);
    expect(r.body.error).toBe(`no such database: ${db}`);

    // The name can be used again: a new, empty database.
    expect((await post("/api/databases", { name: db, nodes: 2 })).status).toBe(201);
    r = await post("/sql", { database: db, query: "SELECT count(*) FROM items" });
    expect(r.body.error).toBe("no such table: items");
    expect((await bigDaddy.topology(db)).nodes).toHaveLength(2);
    expect(await bigDaddy.deleteDatabase(db)).toEqual({ database: db, nodes: 2 });
  });

  it("deleting is refused while a resize runs; after it, every node it reached is wiped", async () => {
    const db = "tools-delete-resize";
    await bigDaddy.createDatabase(db, { nodes: 2 });
    await bigDaddy.query(db, "CREATE TABLE kv (id INTEGER PRIMARY KEY, v TEXT)");
    const values = Array.from({ length: 400 }, (_, i) => `(${i}, 'v${i}')`).join(", ");
    await bigDaddy.query(db, `INSERT INTO kv VALUES ${values}`);
    const job = await bigDaddy.resize(db, { nodes: 3 });
    expect(job.active).toBe(true);
    const r = await http(`/api/databases/${db}?confirm=${db}`, { method: "DELETE" });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/^a resize is in progress \(phase [a-z-]+\); cancel it or wait for it to finish before deleting the database$/);
    expect((await bigDaddy.query(db, "SELECT count(*) AS n FROM kv")).rows).toEqual([{ n: 400 }]);
    expect((await waitForResize(db)).phase).toBe("done");
    expect(await bigDaddy.deleteDatabase(db)).toEqual({ database: db, nodes: 3 });
    const empty = await neverUsed();
    for (let n = 0; n < 3; n++) expect(await nodeContents(db, n), `node ${n}`).toEqual(empty);
  });
});
