// Schema changes inside interactive transactions, through the Worker in workerd (HTTP and the
// binding's transaction()): ROLLBACK gives back exactly the sqlite_master the transaction started
// from (text and order) with its rows; COMMIT leaves the schema a local D1 database (plain SQLite)
// has after the same statements, references renamed as SQLite renames them; what cannot be undone
// is refused before anything applies, and the transaction goes on.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const bigDaddy = (exports as any).default;
const localD1 = (env as any).LOCAL_D1 as D1Database;

async function post(body: Record<string, unknown>) {
  const res = await bigDaddy.fetch(
    new Request("http://bigdaddy.local/sql", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  );
  return { status: res.status, body: (await res.json()) as any };
}

async function ok(body: Record<string, unknown>) {
  const r = await post(body);
  expect(r.status, `${body.query}: ${JSON.stringify(r.body)}`).toBe(200);
  return r.body;
}

const kMaster = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE '_cf_%' ORDER BY rowid";
const master = async (database: string, transaction?: string) => (await ok({ database, transaction, query: kMaster })).rows;
const rows = async (database: string, query: string) => (await ok({ database, query })).rows;

const schema = [
  "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT)",
  "CREATE INDEX users_name ON users(name)",
  "CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users(id), title TEXT)",
  "CREATE VIEW named AS SELECT id, name FROM users WHERE name IS NOT NULL",
  "CREATE TABLE log (id INTEGER PRIMARY KEY, what TEXT)",
  "CREATE TRIGGER users_note BEFORE INSERT ON users BEGIN SELECT RAISE(IGNORE) WHERE new.name = 'nobody'; END",
];

async function setUp(database: string) {
  for (const query of schema) await ok({ database, create: true, nodes: 8, query });
  const values = Array.from({ length: 16 }, (_, i) => `(${i + 1}, 'u${i + 1}', 'e${i + 1}')`).join(", ");
  await ok({ database, query: `INSERT INTO users VALUES ${values}` });
  await ok({ database, query: `INSERT INTO posts VALUES ${Array.from({ length: 16 }, (_, i) => `(${100 + i}, ${i + 1}, 't')`).join(", ")}` });
  await ok({ database, query: "INSERT INTO log VALUES (1, 'kept')" });
}

describe("schema changes inside transactions", () => {
  it("ROLLBACK restores exactly the previous sqlite_master and the rows, on 8 nodes over HTTP", async () => {
    const database = "txn-ddl-rollback";
    await setUp(database);
    const before = await master(database);
    const data = { users: await rows(database, "SELECT * FROM users ORDER BY id"), log: await rows(database, "SELECT * FROM log") };
    const transaction = (await ok({ database, query: "BEGIN" })).transaction;
    const steps = [
      "ALTER TABLE users ADD COLUMN age INTEGER DEFAULT 0",
      "UPDATE users SET age = id",
      "ALTER TABLE users RENAME COLUMN name TO full_name",
      "ALTER TABLE users RENAME TO people",
      "CREATE INDEX people_age ON people(age)",
      "DROP INDEX users_name",
      "DROP VIEW named",
      "DROP TABLE log",
      "CREATE TABLE fresh (id INTEGER PRIMARY KEY, x TEXT)",
      "INSERT INTO fresh VALUES (1, 'new')",
    ];
    for (const query of steps) await ok({ database, transaction, query });
    const inside = await master(database, transaction);
    expect(inside.map((r: any) => r.name)).toEqual(["people", "posts", "users_note", "people_age", "fresh"]);
    expect(inside.find((r: any) => r.name === "posts").sql).toBe(
      'CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES "people"(id), title TEXT)',
    );
    await ok({ database, transaction, query: "ROLLBACK" });
    expect(await master(database)).toEqual(before);
    expect(await rows(database, "SELECT * FROM users ORDER BY id")).toEqual(data.users);
    expect(await rows(database, "SELECT * FROM log")).toEqual(data.log);
    expect(await rows(database, "SELECT count(*) AS n FROM named")).toEqual([{ n: 16 }]);
    expect((await post({ database, query: "SELECT * FROM fresh" })).body.error).toBe("no such table: fresh");
    // The restored indexes and trigger work.
    expect((await ok({ database, query: "SELECT id FROM users WHERE name = 'u7'" })).rows).toEqual([{ id: 7 }]);
    await ok({ database, query: "INSERT INTO users VALUES (99, 'nobody', NULL)" });
    expect(await rows(database, "SELECT count(*) AS n FROM users")).toEqual([{ n: 16 }]);
  });

  it("COMMIT keeps what plain SQLite (a local D1 database) has after the same statements, through the binding", async () => {
    const database = "txn-ddl-commit";
    await setUp(database);
    for (const s of ["DROP VIEW IF EXISTS named", "DROP TRIGGER IF EXISTS users_note", "DROP TABLE IF EXISTS posts", "DROP TABLE IF EXISTS log"])
      await localD1.prepare(s).run();
    for (const s of ["DROP TABLE IF EXISTS people", "DROP TABLE IF EXISTS users", "DROP TABLE IF EXISTS tail"]) await localD1.prepare(s).run();
    for (const s of schema) await localD1.prepare(s).run();
    const steps = [
      "ALTER TABLE users RENAME COLUMN email TO mail",
      "ALTER TABLE users RENAME TO people",
      "ALTER TABLE people ADD COLUMN age INTEGER",
      "DROP TABLE log",
      "CREATE TABLE tail (id INTEGER PRIMARY KEY, w TEXT)",
      "CREATE INDEX people_age ON people(age)",
    ];
    const tx = await bigDaddy.transaction(database);
    for (const s of steps) {
      await tx.query(s);
      await localD1.prepare(s).run();
    }
    await tx.commit();
    const expected = (await localD1.prepare(kMaster).all()).results;
    expect(await master(database)).toEqual(expected);
    // The view follows the rename, as SQLite rewrote it.
    expect(await rows(database, "SELECT count(*) AS n FROM named")).toEqual([{ n: 16 }]);
    expect(await rows(database, "SELECT mail FROM people WHERE id = 3")).toEqual([{ mail: "e3" }]);
  });

  it("what cannot be undone exactly is refused before anything applies; the transaction goes on", async () => {
    const database = "txn-ddl-refused";
    await setUp(database);
    const before = await master(database);
    const transaction = (await ok({ database, query: "BEGIN" })).transaction;
    await ok({ database, transaction, query: "UPDATE users SET name = 'changed' WHERE id = 1" });
    const dropColumn = await post({ database, transaction, query: "ALTER TABLE users DROP COLUMN email" });
    expect(dropColumn.status).toBe(400);
    expect(dropColumn.body.error).toMatch(/inside a transaction/);
    const index = await post({ database, transaction, query: "CREATE INDEX users_email ON users(email)" });
    expect(index.status).toBe(400);
    expect(index.body.error).toMatch(/inside a transaction/);
    expect(await master(database, transaction)).toEqual(before);
    expect((await ok({ database, transaction, query: "SELECT name FROM users WHERE id = 1" })).rows).toEqual([{ name: "changed" }]);
    await ok({ database, transaction, query: "COMMIT" });
    expect(await master(database)).toEqual(before);
    expect(await rows(database, "SELECT name FROM users WHERE id = 1")).toEqual([{ name: "changed" }]);
  });
});
