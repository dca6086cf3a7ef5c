// The SQLite surface over HTTP and the service binding, in workerd: parameter checks and named
// parameters, introspection from the catalog, global UNIQUE from inline constraints, and errors in
// SQLite's words with their result code.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const bigDaddy = (exports as any).default;

async function sqlHttp(body: Record<string, unknown>) {
  const res = await bigDaddy.fetch(
    new Request("http://bigdaddy.local/sql", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  );
  return { status: res.status, body: (await res.json()) as any };
}

// The error an RPC call rejects with (awaited here, so that no rejection goes unhandled).
async function rpcError(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (e) {
    return e as Error;
  }
  throw new Error("the call succeeded");
}

describe("parameters", () => {
  it("refuses too few or too many values with D1's message (400, SQLITE_RANGE)", async () => {
    const database = "surface-params";
    expect((await sqlHttp({ database, query: "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)", create: true, nodes: 4 })).status).toBe(200);
    expect((await sqlHttp({ database, query: "INSERT INTO t VALUES (?, ?)", params: [1, "a"] })).status).toBe(200);
    for (const params of [[], [1, 2]]) {
      const r = await sqlHttp({ database, query: "SELECT * FROM t WHERE id = ?", params });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ error: "Wrong number of parameter bindings for SQL query.", code: "SQLITE_RANGE" });
    }
    const thrown = await rpcError(bigDaddy.query(database, "SELECT * FROM t WHERE id = ?", []));
    expect(thrown.message).toBe("Wrong number of parameter bindings for SQL query.");
  });

  it("binds named parameters from an object over HTTP and the binding", async () => {
    const database = "surface-named";
    await sqlHttp({ database, query: "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)", create: true, nodes: 4 });
    let r = await sqlHttp({ database, query: "INSERT INTO t VALUES (:id, @name, $qty)", params: { id: 1, "@name": "pear", qty: 3 } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    r = await sqlHttp({ database, query: "SELECT name, qty FROM t WHERE id = :id", params: { id: 1 } });
    expect(r.body.rows).toEqual([{ name: "pear", qty: 3 }]);
    expect(r.body.meta.plan).toBe("route");
    r = await sqlHttp({ database, query: "SELECT * FROM t WHERE id = :id", params: { nope: 1 } });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('Missing named parameter "id"');
    const viaRpc = await bigDaddy.query(database, "SELECT qty FROM t WHERE name = $name", { name: "pear" });
    expect(viaRpc.rows).toEqual([{ qty: 3 }]);
    // A batch statement takes named values too.
    const b = await bigDaddy.batch(database, [{ sql: "UPDATE t SET qty = :q WHERE id = :id", params: { q: 9, id: 1 } }]);
    expect(b.error).toBeUndefined();
    expect(b.results[0].rowsAffected).toBe(1);
  });

  it("ON CONFLICT DO UPDATE SET name = ? binds its parameter on the nodes", async () => {
    const database = "surface-upsert";
    await sqlHttp({ database, query: "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)", create: true, nodes: 4 });
    const upsert = "INSERT INTO users (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = ?";
    for (const name of ["Ada", "Ada Lovelace"]) {
      const r = await sqlHttp({ database, query: upsert, params: [1, name, name] });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    const r = await sqlHttp({ database, query: "SELECT name FROM users WHERE id = 1" });
    expect(r.body.rows).toEqual([{ name: "Ada Lovelace" }]);
  });
});

describe("introspection and UNIQUE", () => {
  it("sqlite_master, pragma functions and PRAGMAs answer from the catalog; inline UNIQUE holds across nodes", async () => {
    const database = "surface-introspection";
    const ddl = [
      "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT)",
      "CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users(id) ON DELETE CASCADE, title TEXT, UNIQUE (author_id, title))",
      "CREATE INDEX posts_title ON posts(title)",
    ];
    for (const query of ddl) expect((await sqlHttp({ database, query, create: true, nodes: 4 })).status).toBe(200);
    let r = await sqlHttp({ database, query: "SELECT type, name, tbl_name, sql FROM sqlite_master", rowMode: "array" });
    expect(r.body.rows).toEqual([
      ["table", "users", "users", ddl[0]],
      ["index", "sqlite_autoindex_users_1", "users", null],
      ["table", "posts", "posts", ddl[1]],
      ["index", "sqlite_autoindex_posts_1", "posts", null],
      ["index", "posts_title", "posts", ddl[2]],
    ]);
    r = await sqlHttp({
      database,
      query: "SELECT m.name, p.name AS col, p.pk FROM sqlite_schema m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY 1, p.cid",
      rowMode: "array",
    });
    expect(r.body.rows).toEqual([
      ["posts", "id", 1], ["posts", "author_id", 0], ["posts", "title", 0],
      ["users", "id", 1], ["users", "email", 0], ["users", "name", 0],
    ]);
    r = await sqlHttp({ database, query: "PRAGMA foreign_key_list(posts)" });
    expect(r.body.rows).toMatchObject([{ table: "users", from: "author_id", to: "id", on_delete: "CASCADE" }]);
    r = await sqlHttp({ database, query: "PRAGMA index_list(users)" });
    expect(r.body.rows).toEqual([{ seq: 0, name: "sqlite_autoindex_users_1", unique: 1, origin: "u", partial: 0 }]);
    expect((await sqlHttp({ database, query: "PRAGMA user_version = 5" })).status).toBe(200);
    expect((await sqlHttp({ database, query: "PRAGMA user_version" })).body.rows).toEqual([{ user_version: 5 }]);
    expect((await sqlHttp({ database, query: "PRAGMA foreign_keys" })).body.rows).toEqual([{ foreign_keys: 1 }]);
    expect((await sqlHttp({ database, query: "PRAGMA foreign_keys = OFF" })).status).toBe(200);
    expect((await sqlHttp({ database, query: "PRAGMA quick_check" })).body.rows).toEqual([{ quick_check: "ok" }]);

    // UNIQUE across nodes: 20 users spread by id, then a duplicate email.
    const params: unknown[] = [];
    const values: string[] = [];
    for (let i = 1; i <= 20; i++) { values.push("(?, ?, ?)"); params.push(i, `u${i}@x`, `user ${i}`); }
    expect((await sqlHttp({ database, query: `INSERT INTO users VALUES ${values.join(", ")}`, params })).status).toBe(200);
    r = await sqlHttp({ database, query: "INSERT INTO users VALUES (21, 'u7@x', 'again')" });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: "UNIQUE constraint failed: users.email", code: "SQLITE_CONSTRAINT_UNIQUE" });
    r = await sqlHttp({ database, query: "SELECT count(*) AS n FROM users" });
    expect(r.body.rows).toEqual([{ n: 20 }]);
  });
});

describe("errors", () => {
  it("keep SQLite's words with no code suffix, and carry the code over HTTP and RPC", async () => {
    const database = "surface-errors";
    await sqlHttp({ database, query: "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL, n INTEGER CHECK (n > 0))", create: true, nodes: 4 });
    const cases: [string, string, string][] = [
      ["INSERT INTO t VALUES (1, NULL, 1)", "NOT NULL constraint failed: t.v", "SQLITE_CONSTRAINT_NOTNULL"],
      ["INSERT INTO t VALUES (1, 'a', 0)", "CHECK constraint failed: n > 0", "SQLITE_CONSTRAINT_CHECK"],
      ["SELECT * FROM nope", "no such table: nope", "SQLITE_ERROR"],
      ["CREATE TABLE t (x)", "table t already exists", "SQLITE_ERROR"],
    ];
    for (const [query, error, code] of cases) {
      const r = await sqlHttp({ database, query });
      expect(r.status, query).toBe(400);
      expect(r.body, query).toEqual({ error, code });
      const e = await bigDaddy.execute(database, query);
      expect(e.error, query).toEqual({ message: error, code });
      expect((await rpcError(bigDaddy.query(database, query))).message, query).toBe(error);
    }
    await sqlHttp({ database, query: "INSERT INTO t VALUES (1, 'a', 1)" });
    const dup = await sqlHttp({ database, query: "INSERT INTO t VALUES (1, 'b', 1)" });
    expect(dup.body).toEqual({ error: "UNIQUE constraint failed: t.id", code: "SQLITE_CONSTRAINT_PRIMARYKEY" });
    const batch = await sqlHttp({ database, batch: [{ query: "SELECT 1" }, { query: "INSERT INTO t VALUES (1, 'b', 1)" }] });
    expect(batch.body).toMatchObject({ error: "UNIQUE constraint failed: t.id", code: "SQLITE_CONSTRAINT_PRIMARYKEY", statement: 1 });
  });
});
