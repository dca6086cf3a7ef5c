// The product surface: binding RPC (query, batch, explain, topology), HTTP (/sql with batches and
// EXPLAIN, errors), auth (token, login cookie, local development), the dashboard assets and the
// natural-language helper with a fake Workers AI binding.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { handleHttp, extractSql } from "../../js-shim/http";
import { secretsEqual } from "../../js-shim/auth";

const bigDaddy = (exports as any).default;
const TOKEN = "s3cret-token-for-tests";

// The Worker's HTTP handler with a chosen environment: production has no BIG_DADDY_LOCAL_DEV.
function call(path: string, init: RequestInit = {}, vars: Record<string, unknown> = {}) {
  return handleHttp(new Request(`https://bigdaddy.example${path}`, init), { ...(env as any), ...vars });
}
const prod = { BIG_DADDY_LOCAL_DEV: undefined };
const withToken = { BIG_DADDY_LOCAL_DEV: undefined, BIG_DADDY_TOKEN: TOKEN };

function post(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

// RPC promises are thenables; awaiting them inside try/catch keeps a rejection handled.
async function rejection(f: () => Promise<unknown>): Promise<Error> {
  try { await f(); } catch (e) { return e as Error; }
  throw new Error("expected the call to fail");
}

async function sqlHttp(body: Record<string, unknown>) {
  const res = await bigDaddy.fetch(new Request("http://bigdaddy.local/sql", post(body)));
  return { status: res.status, body: (await res.json()) as any };
}

describe("binding RPC", () => {
  it("query with rowMode, batch in order, explain, topology", async () => {
    const db = "product-rpc";
    let r = await bigDaddy.query(db, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)", [], { create: true, nodes: 4 });
    expect(r.meta.plan).toBe("ddl");
    r = await bigDaddy.query(db, "INSERT INTO items (id, name, qty) VALUES (?, ?, ?), (?, ?, ?)", [1, "apple", 3, 2, "pear", 5]);
    expect(r.rowsAffected).toBe(2);
    r = await bigDaddy.query(db, "SELECT id, name FROM items ORDER BY id", [], { rowMode: "array" });
    expect(r.columns).toEqual(["id", "name"]);
    expect(r.rows).toEqual([[1, "apple"], [2, "pear"]]);

    const b = await bigDaddy.batch(db, [
      { sql: "INSERT INTO items (id, name, qty) VALUES (?, ?, ?)", params: [3, "plum", 7] },
      { query: "UPDATE items SET qty = qty + 1 WHERE id = ?", params: [1] },
      { sql: "SELECT id, qty FROM items ORDER BY id" },
    ]);
    expect(b.error).toBeUndefined();
    expect(b.results).toHaveLength(3);
    expect(b.results[0].rowsAffected).toBe(1);
    expect(b.results[2].rows).toEqual([{ id: 1, qty: 4 }, { id: 2, qty: 5 }, { id: 3, qty: 7 }]);

    // A batch is one transaction: the first error says which statement failed, and nothing applies.
    const bad = await bigDaddy.batch(db, [
      { sql: "INSERT INTO items (id, name, qty) VALUES (4, 'fig', 1)" },
      { sql: "INSERT INTO nowhere VALUES (1)" },
      { sql: "INSERT INTO items (id, name, qty) VALUES (5, 'kiwi', 1)" },
    ]);
    expect(bad.results).toHaveLength(0);
    expect(bad.error).toMatchObject({ index: 1, code: 1 });
    expect(bad.error.message).toMatch(/no such table: nowhere/);
    r = await bigDaddy.query(db, "SELECT id FROM items WHERE id IN (4, 5) ORDER BY id");
    expect(r.rows).toEqual([]);

    // Errors arrive in SQLite's words, from query and from the tagged template alike.
    expect((await rejection(() => bigDaddy.query(db, "SELECT * FROM nope"))).message).toBe("no such table: nope");
    const sql = await bigDaddy.createConnection(db);
    expect((await rejection(() => sql`SELEC ${1}`)).message).toMatch(/^near "SELEC": syntax error/);

    const plan = await bigDaddy.explain(db, "SELECT * FROM items WHERE id = ?", [2]);
    expect(plan.meta.plan).toBe("route");
    expect(plan.meta.nodesTouched).toBe(0); // explained, not run
    expect(plan.columns).toEqual(["step", "node", "detail"]);
    expect(plan.rows[0]).toMatchObject({ step: "shard", detail: expect.stringContaining("FROM items WHERE id = ?") });

    const topo = await bigDaddy.topology(db);
    expect(topo.nodes).toHaveLength(4);
    expect(topo.vshards).toHaveLength(256);
    expect(topo.tables[0]).toMatchObject({ name: "items", kind: "sharded", shardKey: "id" });
  });

  // ORMs bind LIMIT/OFFSET as parameters (drizzle: "... order by ... limit ?"); across shards too.
  it("bound LIMIT and OFFSET parameters across shards", async () => {
    const db = "product-limit-params";
    await bigDaddy.query(db, "CREATE TABLE u (id INTEGER PRIMARY KEY, age INTEGER)", [], { create: true, nodes: 3 });
    await bigDaddy.query(db, "INSERT INTO u VALUES (1, 30), (2, 40), (3, 20), (4, 50)");
    let r = await bigDaddy.query(db, "SELECT id FROM u ORDER BY age DESC LIMIT ?", [2]);
    expect(r.rows).toEqual([{ id: 4 }, { id: 2 }]);
    r = await bigDaddy.query(db, "SELECT id FROM u WHERE age > ? ORDER BY id LIMIT ? OFFSET ?", [25, 2, 1]);
    expect(r.rows).toEqual([{ id: 2 }, { id: 4 }]);
  });

  it("createConnection: the README example's tagged template", async () => {
    const sql = await bigDaddy.createConnection("product-readme", { nodes: 10 });
    await sql`CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name TEXT)`;
    await sql`INSERT INTO users (name) VALUES (${"Ada"})`;
    const { rows, columns, rowsAffected, lastInsertRowid, meta } = await sql`SELECT * FROM users WHERE id = ${1}`;
    expect(rows).toEqual([{ id: 1, name: "Ada" }]);
    expect(columns).toEqual(["id", "name"]);
    expect(rowsAffected).toBe(0);
    expect(lastInsertRowid).toBe(0);
    expect(meta.plan).toBe("route");
    expect((await bigDaddy.topology("product-readme")).nodes).toHaveLength(10);
  });
});

describe("HTTP API", () => {
  it("POST /sql runs a batch in order and reports the failing statement", async () => {
    const database = "product-http-batch";
    let r = await sqlHttp({
      database,
      create: true,
      nodes: 3,
      batch: [
        { query: "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)" },
        { query: "INSERT INTO t (id, v) VALUES (?, ?), (?, ?)", params: [1, "a", 2, "b"] },
        { query: "SELECT v FROM t ORDER BY id" },
      ],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.results).toHaveLength(3);
    expect(r.body.results[1].rowsAffected).toBe(2);
    expect(r.body.results[2].rows).toEqual([{ v: "a" }, { v: "b" }]);

    r = await sqlHttp({ database, rowMode: "array", batch: [{ query: "SELECT id FROM t WHERE id = 2" }, { query: "SELEC 1" }] });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/near "SELEC": syntax error/);
    expect(r.body.statement).toBe(1);
    expect(r.body.results).toBeUndefined();

    r = await sqlHttp({ database, batch: "nope" });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/batch/);
  });

  it("POST /sql with explain: true returns the plan in meta", async () => {
    const database = "product-http-explain";
    await sqlHttp({ database, create: true, query: "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)" });
    const r = await sqlHttp({ database, query: "SELECT * FROM t WHERE id = ?", params: [7], explain: true });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.meta.plan).toBe("route");
    expect(r.body.columns).toEqual(["step", "node", "detail"]);
    expect(r.body.rows.map((x: any) => x.step)).toContain("shard");
  });

  it("errors are 4xx JSON without stack traces", async () => {
    const r = await sqlHttp({ database: "product-http-errors", create: true, query: "SELECT * FROM missing" });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body)).toEqual(["error", "code"]);
    expect(r.body.error).toBe("no such table: missing");
    expect(r.body.code).toBe("SQLITE_ERROR");
    expect(JSON.stringify(r.body)).not.toMatch(/\bat .*\.ts|driver|BigDaddyError/);
    for (const bad of [{ query: "SELECT 1" }, { database: "x" }, { database: "x", query: "SELECT 1", params: 3 }, { database: "x", create: true, query: "SELECT 1", nodes: -1 }]) {
      const e = await sqlHttp(bad);
      expect(e.status).toBe(400);
      expect(typeof e.body.error).toBe("string");
    }
    const nf = await bigDaddy.fetch(new Request("http://bigdaddy.local/nope"));
    expect(nf.status).toBe(404);
  });

  it("GET /api/databases/:db is the topology JSON; an unknown database is a 404", async () => {
    await sqlHttp({ database: "product-http-topo", create: true, nodes: 2, query: "CREATE TABLE t (id INTEGER PRIMARY KEY)" });
    let res = await bigDaddy.fetch(new Request("http://bigdaddy.local/api/databases/product-http-topo"));
    const body = (await res.json()) as any;
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ database: "product-http-topo", indexes: [], jobs: [] });
    expect(body.nodes).toHaveLength(2);
    res = await bigDaddy.fetch(new Request("http://bigdaddy.local/api/databases/product-never-created"));
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error).toBe("no such database: product-never-created");
    res = await bigDaddy.fetch(new Request("http://bigdaddy.local/api/databases/%E0%A4%A"));
    expect(res.status).toBe(400);
    // Reading never creates (a query parameter no longer does either).
    res = await bigDaddy.fetch(new Request("http://bigdaddy.local/api/databases/product-not-created-by-dash?nodes=3"));
    expect(res.status).toBe(404);
  });
});

describe("auth", () => {
  const query = { database: "product-auth", create: true, nodes: 2, query: "SELECT 42 AS answer" };

  it("/health is always open", async () => {
    expect((await call("/health", {}, prod)).status).toBe(200);
    expect((await call("/health", {}, withToken)).status).toBe(200);
  });

  it("without a token outside local development: 401 everywhere", async () => {
    for (const [path, init] of [["/sql", post(query)], ["/api/databases/product-auth", {}], ["/dash/", {}], ["/dash/app.js", {}], ["/api/config", {}]] as const) {
      const res = await call(path, init, prod);
      expect(res.status, path).toBe(401);
      expect(((await res.json()) as any).error).toMatch(/unauthorized/);
    }
    // Even a bearer header does not help when no token is configured.
    expect((await call("/sql", post(query, { authorization: "Bearer anything" }), prod)).status).toBe(401);
  });

  it("wrong token: 401; right token: the result; the token is never echoed", async () => {
    for (const header of ["Bearer wrong", `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, TOKEN, "Basic abc", "Bearer "]) {
      const res = await call("/sql", post(query, { authorization: header }), withToken);
      expect(res.status, header).toBe(401);
      const text = await res.text();
      expect(text).not.toContain(TOKEN);
    }
    expect((await call("/sql", post(query), withToken)).status).toBe(401);
    const res = await call("/sql", post(query, { authorization: `Bearer ${TOKEN}` }), withToken);
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).rows).toEqual([{ answer: 42 }]);
    const topo = await call("/api/databases/product-auth", { headers: { authorization: `Bearer ${TOKEN}` } }, withToken);
    expect(topo.status).toBe(200);
  });

  it("local development (.dev.vars) opens the API without a token", async () => {
    expect((env as any).BIG_DADDY_LOCAL_DEV).toBe("1");
    const res = await call("/sql", post(query), { BIG_DADDY_LOCAL_DEV: "1" });
    expect(res.status).toBe(200);
    // A configured token wins over local development.
    expect((await call("/sql", post(query), { ...withToken, BIG_DADDY_LOCAL_DEV: "1" })).status).toBe(401);
  });

  it("dashboard login: form, cookie, then the dashboard and API open", async () => {
    let res = await call("/dash/", { headers: { accept: "text/html" } }, withToken);
    expect(res.status).toBe(401);
    const page = await res.text();
    expect(page).toContain('action="/login"');
    expect(page).not.toContain(TOKEN);

    res = await call("/login", { method: "POST", body: new URLSearchParams({ token: "wrong" }) }, withToken);
    expect(res.status).toBe(401);
    expect(res.headers.get("set-cookie")).toBeNull();

    res = await call("/login", { method: "POST", body: new URLSearchParams({ token: TOKEN }), redirect: "manual" }, withToken);
    expect(res.status).toBe(303);
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Secure/);
    expect(setCookie).not.toContain(TOKEN);
    const cookie = setCookie.split(";")[0];

    res = await call("/dash/", { headers: { cookie, accept: "text/html" } }, withToken);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("SQL console");
    res = await call("/sql", post(query, { cookie }), withToken);
    expect(res.status).toBe(200);
    // A cross-site POST riding on the cookie is refused.
    res = await call("/sql", post(query, { cookie, origin: "https://evil.example" }), withToken);
    expect(res.status).toBe(401);
    // A forged cookie is refused.
    res = await call("/sql", post(query, { cookie: "bd_session=" + "0".repeat(64) }), withToken);
    expect(res.status).toBe(401);
  });

  it("compares secrets in constant time regardless of length", async () => {
    expect(await secretsEqual("abc", "abc")).toBe(true);
    expect(await secretsEqual("abc", "abd")).toBe(false);
    expect(await secretsEqual("", "abc")).toBe(false);
    expect(await secretsEqual("abc", "abcabc")).toBe(false);
  });
});

describe("dashboard", () => {
  it("serves /dash/ and its assets in local development", async () => {
    let res = await bigDaddy.fetch(new Request("http://bigdaddy.local/dash/"));
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const s of ["SQL console", "Virtual shards", "Jobs", "Indexes", "Nodes", "Tables", "All databases", "Create"]) expect(html).toContain(s);
    res = await bigDaddy.fetch(new Request("http://bigdaddy.local/dash/app.js"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/javascript/);
    await res.arrayBuffer();
    res = await bigDaddy.fetch(new Request("http://bigdaddy.local/", { redirect: "manual" }));
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toMatch(/\/dash\/$/);
  });

  it("/api/config says whether natural language is available", async () => {
    let res = await call("/api/config", {}, { BIG_DADDY_LOCAL_DEV: "1" });
    expect(await res.json()).toEqual({ ai: false, auth: "open" });
    res = await call("/api/config", {}, { BIG_DADDY_LOCAL_DEV: "1", AI: { run: async () => ({}) } });
    expect(((await res.json()) as any).ai).toBe(true);
  });

  it("natural language → SQL with a (fake) Workers AI binding; the SQL is returned, not run", async () => {
    const database = "product-nl";
    await bigDaddy.query(database, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, age INTEGER)", [], { create: true, nodes: 2 });
    const calls: any[] = [];
    const AI = {
      async run(model: string, input: any) {
        calls.push({ model, input });
        return { response: "```sql\nSELECT name FROM users WHERE age > 30 ORDER BY name;\n```" };
      },
    };
    const res = await call("/api/nl2sql", post({ database, request: "names of users older than 30" }), { BIG_DADDY_LOCAL_DEV: "1", AI });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.sql).toBe("SELECT name FROM users WHERE age > 30 ORDER BY name");
    expect(calls).toHaveLength(1);
    expect(calls[0].model).toMatch(/^@cf\//);
    const [system, user] = calls[0].input.messages;
    expect(system.role).toBe("system");
    expect(system.content).toContain("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, age INTEGER)");
    expect(user).toEqual({ role: "user", content: "names of users older than 30" });

    // Without an AI binding: a clear 404; a failing model: a 502 without internals.
    expect((await call("/api/nl2sql", post({ database, request: "x" }), { BIG_DADDY_LOCAL_DEV: "1" })).status).toBe(404);
    const broken = { async run() { throw new Error("internal model failure with secrets"); } };
    const r2 = await call("/api/nl2sql", post({ database, request: "x" }), { BIG_DADDY_LOCAL_DEV: "1", AI: broken });
    expect(r2.status).toBe(502);
    expect(await r2.text()).not.toContain("secrets");
    // And it sits behind auth like everything else.
    expect((await call("/api/nl2sql", post({ database, request: "x" }), { ...withToken, AI })).status).toBe(401);
  });

  it("extractSql strips fences and the trailing semicolon", () => {
    expect(extractSql("SELECT 1;")).toBe("SELECT 1");
    expect(extractSql("Here:\n```sqlite\nSELECT 2\n```")).toBe("SELECT 2");
  });
});
