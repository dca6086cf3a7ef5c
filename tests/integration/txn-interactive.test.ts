// Interactive transactions through the Worker in workerd: HTTP (`transaction` ids), the binding's
// transaction(), drizzle-orm's db.transaction() and its D1 migrator over the D1 client.
import { exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { drizzle } from "drizzle-orm/d1";
import { migrate } from "drizzle-orm/d1/migrator";
import { eq, sql } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { d1 } from "../../client/d1";

const bigDaddy = (exports as any).default;

// The migrator reads migration folders from disk, which a Worker has not: these are the folders.
const migrations = vi.hoisted(() => ({ list: [] as { sql: string[]; folderMillis: number; hash: string; bps: boolean }[] }));
vi.mock("drizzle-orm/migrator", () => ({ readMigrationFiles: () => migrations.list }));

// The message an RPC call fails with. (Only `then` is touched: any other property of an RPC promise
// is a pipelined call of its own, whose failure would go unhandled.)
function failure(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "resolved",
    (e: Error) => e.message,
  );
}

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

const count = async (database: string, table = "acc") => (await ok({ database, query: `SELECT count(*) AS n FROM ${table}` })).rows[0].n;
const total = async (database: string) => (await ok({ database, query: "SELECT sum(bal) AS s FROM acc" })).rows[0].s;

describe("interactive transactions over HTTP", () => {
  it("own writes inside, none outside until COMMIT; ROLLBACK undoes; finished and unknown ids are refused", async () => {
    const database = "txn-http";
    await ok({ database, create: true, nodes: 8, query: "CREATE TABLE acc (id INTEGER PRIMARY KEY, bal INTEGER)" });
    await ok({ database, query: "INSERT INTO acc VALUES (1, 100), (2, 100), (3, 100), (4, 100), (5, 100), (6, 100), (7, 100), (8, 100)" });
    const begun = await ok({ database, query: "BEGIN" });
    const transaction = begun.transaction;
    expect(transaction).toMatch(/^[0-9a-f]{64}$/);
    let r = await ok({ database, transaction, query: "UPDATE acc SET bal = bal - 40 WHERE id = 1" });
    expect(r.transaction).toBe(transaction);
    await ok({ database, transaction, query: "UPDATE acc SET bal = bal + 40 WHERE id = 6" });
    await ok({ database, transaction, query: "INSERT INTO acc VALUES (9, 1)" });
    r = await ok({ database, transaction, query: "SELECT sum(bal) AS s, count(*) AS n FROM acc" });
    expect(r.rows).toEqual([{ s: 801, n: 9 }]);
    expect(await total(database)).toBe(800);
    expect(await count(database)).toBe(8);
    expect((await ok({ database, query: "SELECT bal FROM acc WHERE id = 1" })).rows).toEqual([{ bal: 100 }]);
    r = await ok({ database, transaction, query: "COMMIT" });
    expect(r.transaction).toBeUndefined();
    expect(await total(database)).toBe(801);
    expect((await ok({ database, query: "SELECT bal FROM acc WHERE id = 1" })).rows).toEqual([{ bal: 60 }]);
    const again = await post({ database, transaction, query: "SELECT 1" });
    expect(again.status).toBe(400);
    expect(again.body.error).toMatch(/no such transaction/);

    const t2 = (await ok({ database, query: "BEGIN IMMEDIATE" })).transaction;
    await ok({ database, transaction: t2, query: "DELETE FROM acc WHERE id > 2" });
    expect((await ok({ database, transaction: t2, query: "SELECT count(*) AS n FROM acc" })).rows).toEqual([{ n: 2 }]);
    await ok({ database, transaction: t2, query: "ROLLBACK" });
    expect(await count(database)).toBe(9);

    expect((await post({ database, transaction: "f".repeat(64), query: "SELECT 1" })).status).toBe(400);
    const bad = await post({ database, transaction: "nope", query: "SELECT 1" });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("no such transaction: nope");
  });

  it("a failing statement is undone and the transaction goes on; SAVEPOINT/ROLLBACK TO undoes part", async () => {
    const database = "txn-http-savepoint";
    await ok({ database, create: true, nodes: 8, query: "CREATE TABLE acc (id INTEGER PRIMARY KEY, bal INTEGER CHECK (bal >= 0))" });
    await ok({ database, query: "INSERT INTO acc VALUES (1, 10), (2, 10), (3, 10), (4, 1), (5, 10), (6, 10)" });
    const transaction = (await ok({ database, query: "BEGIN" })).transaction;
    await ok({ database, transaction, query: "UPDATE acc SET bal = bal + 5 WHERE id = 1" });
    const bad = await post({ database, transaction, query: "UPDATE acc SET bal = bal - 2" });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("CHECK constraint failed: bal >= 0");
    expect(bad.body.transaction).toBe(transaction);
    await ok({ database, transaction, query: "SAVEPOINT a" });
    await ok({ database, transaction, query: "DELETE FROM acc" });
    expect((await ok({ database, transaction, query: "SELECT count(*) AS n FROM acc" })).rows).toEqual([{ n: 0 }]);
    await ok({ database, transaction, query: "ROLLBACK TO a" });
    await ok({ database, transaction, query: "UPDATE acc SET bal = bal + 1 WHERE id = 2" });
    await ok({ database, transaction, query: "COMMIT" });
    expect(await total(database)).toBe(10 + 5 + 10 + 1 + 10 + 1 + 10 + 10);
  });

  it("an idle transaction is rolled back after its timeout", async () => {
    const database = "txn-http-idle";
    await ok({ database, create: true, nodes: 8, query: "CREATE TABLE acc (id INTEGER PRIMARY KEY, bal INTEGER)" });
    await ok({ database, query: "INSERT INTO acc VALUES (1, 5), (2, 5)" });
    const transaction = (await ok({ database, query: "BEGIN", transactionTimeoutMs: 400 })).transaction;
    await ok({ database, transaction, query: "UPDATE acc SET bal = 0" });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const late = await post({ database, transaction, query: "COMMIT" });
    expect(late.status).toBe(400);
    expect(late.body.error).toMatch(/no such transaction/);
    // Rolled back everywhere, its locks gone: a write to the same rows goes through at once.
    expect(await total(database)).toBe(10);
    await ok({ database, query: "UPDATE acc SET bal = bal + 1" });
    expect(await total(database)).toBe(12);
  });
});

describe("interactive transactions over the binding", () => {
  it("transaction(): query, sql tag, commit and rollback", async () => {
    const database = "txn-binding";
    await bigDaddy.query(database, "CREATE TABLE acc (id INTEGER PRIMARY KEY, bal INTEGER)", [], { create: true, nodes: 8 });
    await bigDaddy.query(database, "INSERT INTO acc VALUES (1, 50), (2, 50), (3, 50)");
    const tx = await bigDaddy.transaction(database);
    await tx.query("UPDATE acc SET bal = bal - ? WHERE id = ?", [20, 1]);
    await tx.sql`UPDATE acc SET bal = bal + ${20} WHERE id = ${3}`;
    expect((await tx.sql`SELECT bal FROM acc WHERE id = ${1}`).rows).toEqual([{ bal: 30 }]);
    expect((await bigDaddy.query(database, "SELECT bal FROM acc WHERE id = 1")).rows).toEqual([{ bal: 50 }]);
    await tx.commit();
    expect(await tx.open).toBe(false);
    expect((await bigDaddy.query(database, "SELECT bal FROM acc ORDER BY id")).rows).toEqual([{ bal: 30 }, { bal: 50 }, { bal: 70 }]);
    expect(await failure(tx.query("SELECT 1"))).toMatch(/no such transaction/);

    const tx2 = await bigDaddy.transaction(database);
    await tx2.query("DELETE FROM acc");
    await tx2.rollback();
    expect((await bigDaddy.query(database, "SELECT count(*) AS n FROM acc")).rows).toEqual([{ n: 3 }]);
    expect(await failure(bigDaddy.query(database, "BEGIN"))).toMatch(/transaction\(db\)/);
  });
});

const accounts = sqliteTable("accounts", { id: integer("id").primaryKey(), owner: text("owner").notNull(), bal: integer("bal").notNull() });

describe("drizzle-orm over the D1 client", () => {
  it("db.transaction() commits, rolls back on a throw, and nests with savepoints", async () => {
    const db = drizzle(d1(bigDaddy, "txn-drizzle", { create: true, nodes: 8 }));
    await db.run(sql`CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, bal INTEGER NOT NULL)`);
    await db.insert(accounts).values([{ id: 1, owner: "a", bal: 100 }, { id: 2, owner: "b", bal: 100 }]);
    await db.transaction(async (tx) => {
      await tx.update(accounts).set({ bal: sql`${accounts.bal} - 30` }).where(eq(accounts.id, 1));
      await tx.update(accounts).set({ bal: sql`${accounts.bal} + 30` }).where(eq(accounts.id, 2));
      const [row] = await tx.select().from(accounts).where(eq(accounts.id, 1));
      expect(row.bal).toBe(70);
    });
    expect((await db.select().from(accounts)).map((r) => r.bal).sort()).toEqual([130, 70]);

    await expect(db.transaction(async (tx) => {
      await tx.delete(accounts);
      throw new Error("changed my mind");
    })).rejects.toThrow("changed my mind");
    expect(await db.$count(accounts)).toBe(2);

    await db.transaction(async (tx) => {
      await tx.insert(accounts).values({ id: 3, owner: "c", bal: 1 });
      await expect(tx.transaction(async (inner) => {
        await inner.insert(accounts).values({ id: 4, owner: "d", bal: 1 });
        throw new Error("inner fails");
      })).rejects.toThrow("inner fails");
      await tx.transaction(async (inner) => {
        await inner.insert(accounts).values({ id: 5, owner: "e", bal: 1 });
      });
    });
    expect((await db.select({ id: accounts.id }).from(accounts)).map((r) => r.id).sort()).toEqual([1, 2, 3, 5]);
  });

  it("the D1 migrator applies migrations atomically: a failing one leaves nothing", async () => {
    const db = drizzle(d1(bigDaddy, "txn-migrate", { create: true, nodes: 8 }));
    migrations.list = [
      { folderMillis: 1, hash: "h1", bps: true, sql: ["CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT)", "INSERT INTO things VALUES (1, 'one'), (2, 'two')"] },
      { folderMillis: 2, hash: "h2", bps: true, sql: ["CREATE TABLE other (id INTEGER PRIMARY KEY)", "INSERT INTO missing VALUES (1)"] },
    ];
    await expect(migrate(db, { migrationsFolder: "unused" })).rejects.toThrow(/no such table: missing/);
    expect(await failure(bigDaddy.query("txn-migrate", "SELECT * FROM things"))).toMatch(/no such table: things/);
    expect(await failure(bigDaddy.query("txn-migrate", "SELECT * FROM other"))).toMatch(/no such table: other/);
    expect((await db.all(sql`SELECT count(*) AS n FROM __drizzle_migrations`))[0]).toEqual({ n: 0 });

    migrations.list[1].sql[1] = "INSERT INTO other VALUES (1)";
    await migrate(db, { migrationsFolder: "unused" });
    expect((await db.all(sql`SELECT count(*) AS n FROM things`))[0]).toEqual({ n: 2 });
    expect((await db.all(sql`SELECT count(*) AS n FROM other`))[0]).toEqual({ n: 1 });
    expect((await db.all(sql`SELECT count(*) AS n FROM __drizzle_migrations`))[0]).toEqual({ n: 2 });
  });
});
