// drizzle-orm's D1 driver, unchanged, over the D1-compatible client, against Big Daddy in workerd.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { drizzle } from "drizzle-orm/d1";
import { and, asc, count, desc, eq, gt, inArray, like, relations, sql, sum } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { d1 } from "../../client/d1";

const bigDaddy = (exports as any).default;

// Big Daddy: UNIQUE constraints must include the shard key, so ids are INTEGER PRIMARY KEYs and
// there are no other UNIQUE columns.
const users = sqliteTable("users", {
  id: integer("id").primaryKey(),
  name: text("name").notNull(),
  email: text("email").notNull(),
  age: integer("age"),
  active: integer("active", { mode: "boolean" }).notNull().default(true),
});
const posts = sqliteTable("posts", {
  id: integer("id").primaryKey(),
  authorId: integer("author_id").notNull(),
  title: text("title").notNull(),
  likes: integer("likes").notNull().default(0),
  tags: text("tags", { mode: "json" }).$type<string[]>(),
});
const usersRelations = relations(users, ({ many }) => ({ posts: many(posts) }));
const postsRelations = relations(posts, ({ one }) => ({ author: one(users, { fields: [posts.authorId], references: [users.id] }) }));
const schema = { users, posts, usersRelations, postsRelations };

function database(name: string) {
  return drizzle(d1(bigDaddy, name, { create: true, nodes: 4 }), { schema });
}

async function createSchema(db: ReturnType<typeof database>) {
  await db.run(sql`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, age INTEGER, active INTEGER NOT NULL DEFAULT 1)`);
  await db.run(sql`CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL, title TEXT NOT NULL, likes INTEGER NOT NULL DEFAULT 0, tags TEXT)`);
}

describe("drizzle-orm (D1 driver) over the D1-compatible client", () => {
  it("schema, inserts, selects with where/orderBy/limit, joins, aggregates, updates, deletes", async () => {
    const db = database("drizzle-main");
    await createSchema(db);

    const inserted = await db.insert(users).values([
      { id: 1, name: "Ada", email: "ada@example.com", age: 36 },
      { id: 2, name: "Grace", email: "grace@example.com", age: 45 },
      { id: 3, name: "Linus", email: "linus@example.com", age: 28, active: false },
      { id: 4, name: "Barbara", email: "barbara@example.com", age: null },
    ]).returning({ id: users.id });
    expect(inserted.map((r) => r.id).sort()).toEqual([1, 2, 3, 4]);

    // An omitted INTEGER PRIMARY KEY is allocated by the topology; returning() reads it back.
    const [eve] = await db.insert(users).values({ name: "Eve", email: "eve@example.com", age: 22 }).returning();
    expect(eve).toMatchObject({ name: "Eve", active: true });
    expect(typeof eve.id).toBe("number");

    await db.insert(posts).values([
      { id: 10, authorId: 1, title: "Notes on the Analytical Engine", likes: 50, tags: ["math", "history"] },
      { id: 11, authorId: 1, title: "Bernoulli numbers", likes: 20, tags: ["math"] },
      { id: 12, authorId: 2, title: "COBOL", likes: 35, tags: [] },
      { id: 13, authorId: 3, title: "Just for fun", likes: 99 },
    ]);

    // Point lookup by the shard key (routed to one node).
    const ada = await db.select().from(users).where(eq(users.id, 1)).get();
    expect(ada).toEqual({ id: 1, name: "Ada", email: "ada@example.com", age: 36, active: true });

    // where / orderBy / limit / offset across shards.
    const older = await db.select({ name: users.name, age: users.age }).from(users)
      .where(and(gt(users.age, 25), eq(users.active, true))).orderBy(desc(users.age)).limit(2);
    expect(older).toEqual([{ name: "Grace", age: 45 }, { name: "Ada", age: 36 }]);
    const page2 = await db.select({ id: users.id }).from(users).orderBy(asc(users.id)).limit(2).offset(1);
    expect(page2).toEqual([{ id: 2 }, { id: 3 }]);
    const likeA = await db.select({ name: users.name }).from(users).where(like(users.name, "%a%")).orderBy(users.name);
    expect(likeA.map((r) => r.name)).toEqual(["Ada", "Barbara", "Grace"]);
    const some = await db.select({ id: users.id }).from(users).where(inArray(users.id, [2, 4, 99])).orderBy(users.id);
    expect(some).toEqual([{ id: 2 }, { id: 4 }]);

    // JSON-mode columns round-trip.
    const p10 = await db.select({ tags: posts.tags }).from(posts).where(eq(posts.id, 10)).get();
    expect(p10?.tags).toEqual(["math", "history"]);

    // Joins (cross-shard: the combine engine). Columns with equal names ("id") in both tables must not clash.
    const joined = await db.select({ postId: posts.id, title: posts.title, author: users.name })
      .from(posts).innerJoin(users, eq(posts.authorId, users.id)).orderBy(posts.id);
    expect(joined).toEqual([
      { postId: 10, title: "Notes on the Analytical Engine", author: "Ada" },
      { postId: 11, title: "Bernoulli numbers", author: "Ada" },
      { postId: 12, title: "COBOL", author: "Grace" },
      { postId: 13, title: "Just for fun", author: "Linus" },
    ]);
    const leftJoined = await db.select().from(users).leftJoin(posts, eq(posts.authorId, users.id))
      .where(eq(users.id, 4));
    expect(leftJoined).toEqual([{ users: { id: 4, name: "Barbara", email: "barbara@example.com", age: null, active: true }, posts: null }]);

    // Aggregates with GROUP BY.
    const perAuthor = await db.select({ author: users.name, n: count(posts.id), likes: sum(posts.likes) })
      .from(users).innerJoin(posts, eq(posts.authorId, users.id)).groupBy(users.name).orderBy(desc(count(posts.id)), users.name);
    expect(perAuthor).toEqual([
      { author: "Ada", n: 2, likes: "70" },
      { author: "Grace", n: 1, likes: "35" },
      { author: "Linus", n: 1, likes: "99" },
    ]);
    expect(await db.$count(users)).toBe(5);

    // Relational queries (db.query): nested posts per user.
    const withPosts = await db.query.users.findMany({
      where: (u, { inArray }) => inArray(u.id, [1, 2]),
      orderBy: (u, { asc }) => [asc(u.id)],
      columns: { id: true, name: true },
      with: { posts: { columns: { title: true }, orderBy: (p, { asc }) => [asc(p.id)] } },
    });
    expect(withPosts).toEqual([
      { id: 1, name: "Ada", posts: [{ title: "Notes on the Analytical Engine" }, { title: "Bernoulli numbers" }] },
      { id: 2, name: "Grace", posts: [{ title: "COBOL" }] },
    ]);
    const post = await db.query.posts.findFirst({ where: (p, { eq }) => eq(p.id, 13), with: { author: { columns: { name: true } } } });
    expect(post).toMatchObject({ id: 13, title: "Just for fun", author: { name: "Linus" } });

    // Updates and deletes report changes like D1.
    const upd = await db.update(posts).set({ likes: sql`${posts.likes} + 1` }).where(eq(posts.authorId, 1));
    expect(upd.meta.changes).toBe(2);
    const renamed = await db.update(users).set({ name: "Ada Lovelace" }).where(eq(users.id, 1)).returning({ name: users.name });
    expect(renamed).toEqual([{ name: "Ada Lovelace" }]);
    const likes = await db.select({ likes: posts.likes }).from(posts).where(eq(posts.authorId, 1)).orderBy(posts.id);
    expect(likes).toEqual([{ likes: 51 }, { likes: 21 }]);

    const del = await db.delete(posts).where(eq(posts.id, 13));
    expect(del.meta.changes).toBe(1);
    const deletedUsers = await db.delete(users).where(eq(users.active, false)).returning({ id: users.id });
    expect(deletedUsers).toEqual([{ id: 3 }]);
    expect(await db.$count(posts)).toBe(3);
    expect(await db.$count(users)).toBe(4);
  });

  it("batch runs statements in order and maps each result", async () => {
    const db = database("drizzle-batch");
    await createSchema(db);
    const [ins, upd, all, one] = await db.batch([
      db.insert(users).values([{ id: 1, name: "a", email: "a@x" }, { id: 2, name: "b", email: "b@x" }]),
      db.update(users).set({ age: 7 }).where(eq(users.id, 2)),
      db.select({ id: users.id, age: users.age }).from(users).orderBy(users.id),
      db.query.users.findFirst({ where: (u, { eq }) => eq(u.id, 2), columns: { name: true, age: true } }),
    ]);
    expect(ins.meta.changes).toBe(2);
    expect(upd.meta.changes).toBe(1);
    expect(all).toEqual([{ id: 1, age: null }, { id: 2, age: 7 }]);
    expect(one).toEqual({ name: "b", age: 7 });

    // A batch is one transaction, as in D1: the error names the failing statement, nothing applies.
    await expect(db.batch([
      db.insert(users).values({ id: 3, name: "c", email: "c@x" }),
      db.insert(posts).values({ id: 1, authorId: 1, title: sql`no_such_function()` as any }),
      db.insert(users).values({ id: 4, name: "d", email: "d@x" }),
    ])).rejects.toThrow(/batch statement 1: .*no such function: no_such_function/);
    expect((await db.select({ id: users.id }).from(users).orderBy(users.id)).map((r) => r.id)).toEqual([1, 2]);
  });
});

describe("D1 interface details", () => {
  it("prepare/bind/first/all/raw/run/exec behave like D1", async () => {
    const db = d1(bigDaddy, "d1-shapes", { create: true, nodes: 3 });
    const ex = await db.exec("CREATE TABLE kv (id INTEGER PRIMARY KEY, k TEXT, v BLOB); CREATE TABLE other (id INTEGER PRIMARY KEY)");
    expect(ex.duration).toBeGreaterThanOrEqual(0);
    expect(ex.count).toBeGreaterThanOrEqual(1);

    const ins = await db.prepare("INSERT INTO kv (id, k, v) VALUES (?1, ?2, ?3)").bind(1, "one", new Uint8Array([1, 2, 255])).run();
    expect(ins.success).toBe(true);
    expect(ins.meta).toMatchObject({ changes: 1, last_row_id: 1, changed_db: true, served_by: "big-daddy" });
    expect(typeof ins.meta.duration).toBe("number");
    await db.prepare("INSERT INTO kv (id, k, v) VALUES (?, ?, ?)").bind(2, true, null).run();

    const stmt = db.prepare("SELECT id, k, v FROM kv WHERE id = ?");
    expect(await stmt.bind(1).first()).toEqual({ id: 1, k: "one", v: [1, 2, 255] });
    expect(await stmt.bind(2).first("k")).toBe("1"); // booleans bind as 1/0 (TEXT affinity makes it "1")
    expect(await db.prepare("SELECT ? AS t, ? AS f").bind(true, false).first()).toEqual({ t: 1, f: 0 });
    expect(await stmt.bind(3).first()).toBeNull();
    await expect(stmt.bind(1).first("nope")).rejects.toThrow(/D1_COLUMN_NOTFOUND/);

    const all = await db.prepare("SELECT id, k FROM kv ORDER BY id").all();
    expect(all.results).toEqual([{ id: 1, k: "one" }, { id: 2, k: "1" }]);
    expect(all.meta.rows_read).toBeGreaterThanOrEqual(2);
    expect(await db.prepare("SELECT id, k FROM kv ORDER BY id").raw()).toEqual([[1, "one"], [2, "1"]]);
    expect(await db.prepare("SELECT id, id AS k FROM kv WHERE id = 2").raw({ columnNames: true })).toEqual([["id", "k"], [2, 2]]);

    const results = await db.batch([
      db.prepare("UPDATE kv SET k = ? WHERE id = ?").bind("two", 2),
      db.prepare("SELECT k FROM kv WHERE id = ?").bind(2),
    ]);
    expect(results[0].meta.changes).toBe(1);
    expect(results[1].results).toEqual([{ k: "two" }]);

    await expect(db.prepare("SELECT * FROM nope").all()).rejects.toThrow(/^D1_ERROR: no such table: nope/);
    expect(() => db.prepare("SELECT ?").bind(undefined)).toThrow(/D1_TYPE_ERROR/);
    await expect(db.dump()).rejects.toThrow(/not supported/);
    const session = db.withSession("first-unconstrained");
    expect(await session.prepare("SELECT count(*) AS n FROM kv").first("n")).toBe(2);
    expect(session.getBookmark()).toBeNull();
  });
});
