// Deferred foreign keys through the Worker in workerd: DEFERRABLE INITIALLY DEFERRED keys (and
// PRAGMA defer_foreign_keys) are checked when the transaction commits — over HTTP, the binding's
// batch, the D1 client and drizzle-orm's db.transaction(). A COMMIT that finds a dangling child
// fails with SQLite's error and leaves the transaction open and usable.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { drizzle } from "drizzle-orm/d1";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { d1 } from "../../client/d1";

const bigDaddy = (exports as any).default;

async function post(body: Record<string, unknown>) {
  const res = await bigDaddy.fetch(
    new Request("http://bigdaddy.local/sql", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  );
  return { status: res.status, body: (await res.json()) as any };
}

async function ok(body: Record<string, unknown>) {
  const r = await post(body);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

// Parents sharded by id; `posts` elsewhere (sharded by its own id), `profiles` co-located with its
// user (sharded by the key it references).
const schema = [
  "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
  "CREATE TABLE posts (id INTEGER PRIMARY KEY, author INTEGER NOT NULL REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED, title TEXT)",
  "CREATE TABLE profiles (user_id INTEGER PRIMARY KEY REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED, bio TEXT)",
  "CREATE TABLE notes (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id))",
];

async function setup(database: string) {
  for (const [i, q] of schema.entries()) await ok({ database, query: q, ...(i === 0 ? { create: true, nodes: 4 } : {}) });
}

const rows = async (database: string, query: string) => (await ok({ database, query })).rows;

describe("deferred foreign keys over HTTP", () => {
  it("children before parents commit; a dangling child fails the COMMIT, the transaction stays open and commits once fixed", async () => {
    const database = "fk-deferred-http";
    await setup(database);
    let transaction = (await ok({ database, query: "BEGIN" })).transaction;
    await ok({ database, transaction, query: "INSERT INTO posts VALUES (10, 1, 'first')" });
    await ok({ database, transaction, query: "INSERT INTO profiles VALUES (1, 'hi')" });
    await ok({ database, transaction, query: "INSERT INTO users VALUES (1, 'ann')" });
    await ok({ database, transaction, query: "COMMIT" });
    expect(await rows(database, "SELECT id, author FROM posts")).toEqual([{ id: 10, author: 1 }]);

    transaction = (await ok({ database, query: "BEGIN" })).transaction;
    await ok({ database, transaction, query: "INSERT INTO posts VALUES (11, 2, 'orphan')" });
    await ok({ database, transaction, query: "INSERT INTO profiles VALUES (2, 'orphan')" });
    const failed = await post({ database, transaction, query: "COMMIT" });
    expect(failed.status).toBe(400);
    expect(failed.body.error).toBe("FOREIGN KEY constraint failed");
    // Still open: its rows are there, nobody else sees them, and it commits once fixed.
    expect((await ok({ database, transaction, query: "SELECT count(*) AS n FROM posts" })).rows).toEqual([{ n: 2 }]);
    expect(await rows(database, "SELECT count(*) AS n FROM posts")).toEqual([{ n: 1 }]);
    await ok({ database, transaction, query: "INSERT INTO users VALUES (2, 'bob')" });
    await ok({ database, transaction, query: "COMMIT" });
    expect(await rows(database, "SELECT user_id FROM profiles ORDER BY 1")).toEqual([{ user_id: 1 }, { user_id: 2 }]);

    // ROLLBACK after a failed COMMIT gives everything back, and leaves no lock behind.
    transaction = (await ok({ database, query: "BEGIN" })).transaction;
    await ok({ database, transaction, query: "DELETE FROM users WHERE id = 1" });
    await ok({ database, transaction, query: "UPDATE users SET name = 'robert' WHERE id = 2" });
    expect((await post({ database, transaction, query: "COMMIT" })).body.error).toBe("FOREIGN KEY constraint failed");
    await ok({ database, transaction, query: "ROLLBACK" });
    expect(await rows(database, "SELECT id, name FROM users ORDER BY id")).toEqual([{ id: 1, name: "ann" }, { id: 2, name: "bob" }]);
    await ok({ database, query: "UPDATE users SET name = 'ann2' WHERE id = 1" });

    // PRAGMA defer_foreign_keys defers an immediate key until the COMMIT, then is off again.
    transaction = (await ok({ database, query: "BEGIN" })).transaction;
    await ok({ database, transaction, query: "PRAGMA defer_foreign_keys = ON" });
    await ok({ database, transaction, query: "INSERT INTO notes VALUES (1, 3)" });
    await ok({ database, transaction, query: "INSERT INTO users VALUES (3, 'cy')" });
    await ok({ database, transaction, query: "COMMIT" });
    expect(await rows(database, "SELECT user_id FROM notes")).toEqual([{ user_id: 3 }]);
    expect((await post({ database, query: "INSERT INTO notes VALUES (2, 99)" })).body.error).toBe("FOREIGN KEY constraint failed");
  });

  it("a batch is one transaction: deferred keys are checked at its end, and a failing one leaves nothing and no lock", async () => {
    const database = "fk-deferred-batch";
    await setup(database);
    const good = await post({
      database,
      batch: [{ query: "INSERT INTO posts VALUES (1, 7, 'p')" }, { query: "INSERT INTO profiles VALUES (7, 'x')" }, { query: "INSERT INTO users VALUES (7, 'g')" }],
    });
    expect(good.status, JSON.stringify(good.body)).toBe(200);
    const bad = await post({ database, batch: [{ query: "INSERT INTO users VALUES (8, 'h')" }, { query: "INSERT INTO posts VALUES (2, 9, 'q')" }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("FOREIGN KEY constraint failed");
    expect(await rows(database, "SELECT count(*) AS n FROM users")).toEqual([{ n: 1 }]);
    // Its transaction was rolled back: the same rows are writable at once.
    await ok({ database, query: "INSERT INTO users VALUES (8, 'h'), (9, 'i')" });

    const r = await bigDaddy.batch(database, [{ sql: "INSERT INTO posts VALUES (?, ?, ?)", params: [3, 10, "r"] }, { sql: "INSERT INTO users VALUES (10, 'j')" }]);
    expect(r.error).toBeUndefined();
    const r2 = await bigDaddy.batch(database, [{ sql: "INSERT INTO profiles VALUES (11, 'y')" }, { sql: "INSERT INTO posts VALUES (4, 1, 's')" }]);
    expect(r2.error?.message).toBe("FOREIGN KEY constraint failed");
    expect(await rows(database, "SELECT count(*) AS n FROM profiles")).toEqual([{ n: 1 }]);
  });
});

const users = sqliteTable("users", { id: integer("id").primaryKey(), name: text("name").notNull() });
const posts = sqliteTable("posts", { id: integer("id").primaryKey(), author: integer("author").notNull(), title: text("title") });

describe("deferred foreign keys over the D1 client", () => {
  it("BEGIN ... COMMIT with the plain D1 client: the failed COMMIT throws and the transaction goes on", async () => {
    const database = "fk-deferred-d1";
    await setup(database);
    const db = d1(bigDaddy, database);
    await db.prepare("BEGIN").run();
    await db.prepare("INSERT INTO posts VALUES (?, ?, ?)").bind(1, 5, "early").run();
    await expect(db.prepare("COMMIT").run()).rejects.toThrow(/FOREIGN KEY constraint failed/);
    await db.prepare("INSERT INTO users VALUES (?, ?)").bind(5, "late").run();
    await db.prepare("COMMIT").run();
    expect(await db.prepare("SELECT author FROM posts WHERE id = 1").first("author")).toBe(5);
  });

  it("drizzle's db.transaction() inserts children before parents; a dangling one rolls it all back", async () => {
    const database = "fk-deferred-drizzle";
    await setup(database);
    const db = drizzle(d1(bigDaddy, database));
    await db.transaction(async (tx) => {
      await tx.insert(posts).values({ id: 1, author: 20, title: "child first" });
      await tx.insert(users).values({ id: 20, name: "parent after" });
    });
    expect(await db.select().from(posts)).toEqual([{ id: 1, author: 20, title: "child first" }]);
    // drizzle wraps the failed COMMIT ("Failed query: commit"), the error under it is SQLite's.
    const failed = await db
      .transaction(async (tx) => {
        await tx.insert(users).values({ id: 21, name: "kept?" });
        await tx.insert(posts).values({ id: 2, author: 22, title: "dangling" });
      })
      .then(
        () => "committed",
        (e: any) => `${e.message} / ${e.cause?.message}`,
      );
    expect(failed).toMatch(/^Failed query: commit[^]*FOREIGN KEY constraint failed$/);
    expect(await db.$count(users)).toBe(1);
    expect(await db.$count(posts)).toBe(1);
  });
});
