// ORMs side by side: the same application code (drizzle-orm with its drizzle-kit migrations, Kysely
// with kysely-d1) runs against a real local D1 database and against Big Daddy on 4 nodes through
// the D1-compatible client, and every step must give the same result (rows, counts, or the error
// D1 words). Each step's outcome is recorded as plain data and the two records are compared step
// by step, so a difference names the step.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { drizzle } from "drizzle-orm/d1";
import { asc, eq, sql } from "drizzle-orm";
import { Kysely, sql as ksql } from "kysely";
import { D1Dialect } from "kysely-d1";
import { d1 } from "../../client/d1";
import type { D1Database } from "../../client/d1";
import * as schema from "./orm/schema";
import journal from "./orm/migrations/meta/_journal.json";
import m0000 from "./orm/migrations/0000_init.sql?raw";
import m0001 from "./orm/migrations/0001_posts_title_not_null.sql?raw";

const bigDaddy = (exports as any).default;
const localD1 = (env as any).LOCAL_D1 as D1Database;
const migrationFiles: Record<string, string> = { "0000_init": m0000, "0001_posts_title_not_null": m0001 };

type Outcome = { step: string; value?: unknown; error?: string };

// A D1 result's meta is the database's own bookkeeping (duration, size, rows read, which server):
// what the application sees is the change count and the rows.
function comparable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(comparable);
  if (v && typeof v === "object" && "meta" in v && "success" in v) {
    const r = v as unknown as { meta: { changes: number }; results: unknown[] };
    return { changes: r.meta.changes, results: comparable(r.results) };
  }
  return v === undefined ? null : JSON.parse(JSON.stringify(v));
}

// Runs one step, recording its value or its error's message (D1's wording, without the cause).
async function record(log: Outcome[], step: string, f: () => Promise<unknown>) {
  try {
    log.push({ step, value: comparable(await f()) });
  } catch (e) {
    // drizzle wraps the driver's error ("Failed query: ..."), keeping it as the cause.
    const err = e as Error & { cause?: Error };
    const inner = err.message.startsWith("Failed query:") && err.cause ? err.cause : err;
    log.push({ step, error: inner.message });
  }
}

// The logical schema as a migration tool reads it back (D1's own tables left out).
async function schemaRows(db: D1Database) {
  const { results } = await db
    .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name <> 'd1_migrations' ORDER BY rowid")
    .all();
  return results;
}

// What drizzle-orm's D1 migrator does (drizzle-orm/d1/migrator), with the migration files bundled
// instead of read from disk: the migrations table, then every pending migration's statements (split
// at drizzle-kit's breakpoints) and its record, in one batch.
async function migrate(db: ReturnType<typeof drizzle<typeof schema>>) {
  await db.run(sql`CREATE TABLE IF NOT EXISTS __drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)`);
  const last = (await db.values(sql`SELECT id, hash, created_at FROM __drizzle_migrations ORDER BY created_at DESC LIMIT 1`))[0] as unknown[] | undefined;
  const batch: any[] = [];
  for (const entry of journal.entries) {
    if (last && Number(last[2]) >= entry.when) continue;
    const text = migrationFiles[entry.tag];
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
    const hash = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    for (const stmt of text.split("--> statement-breakpoint")) batch.push(db.run(sql.raw(stmt)));
    batch.push(db.run(sql.raw(`INSERT INTO "__drizzle_migrations" ("hash", "created_at") VALUES('${hash}', ${entry.when})`)));
  }
  if (batch.length) await db.batch(batch as any);
}

async function drizzleApp(raw: D1Database): Promise<Outcome[]> {
  const log: Outcome[] = [];
  const db = drizzle(raw, { schema });
  const { users, teams, memberships, posts } = schema;
  await record(log, "migrate 0000 + 0001 (table recreation)", () => migrate(db));
  await record(log, "schema after migrations", () => schemaRows(raw));
  await record(log, "posts columns", async () => (await raw.prepare("PRAGMA table_info(posts)").all()).results);
  await record(log, "posts foreign keys", async () => (await raw.prepare("PRAGMA foreign_key_list(posts)").all()).results);
  await record(log, "migrate again: nothing pending", () => migrate(db));
  await record(log, "migrations recorded", async () => (await db.values(sql`SELECT hash IS NOT NULL, created_at FROM __drizzle_migrations ORDER BY created_at`)));

  await record(log, "insert users", () =>
    db.insert(users).values([
      { id: 1, email: "ada@x", name: "Ada" },
      { id: 2, email: "grace@x", name: "Grace" },
      { id: 3, email: "linus@x", name: "Linus" },
      { id: 4, email: "barbara@x", name: "Barbara" },
    ]).returning({ id: users.id }).then((rows) => rows.map((r) => r.id).sort()));  // RETURNING's order is arbitrary in SQLite
  await record(log, "duplicate email (inline UNIQUE)", () => db.insert(users).values({ id: 5, email: "ada@x", name: "Ada again" }));
  await record(log, "duplicate id", () => db.insert(users).values({ id: 1, email: "new@x", name: "New" }));
  await record(log, "insert teams", () => db.insert(teams).values([{ id: 10, slug: "core", ownerId: 1 }, { id: 11, slug: "web", ownerId: 2 }]));
  await record(log, "duplicate team slug", () => db.insert(teams).values({ id: 12, slug: "core", ownerId: 3 }));
  await record(log, "insert memberships", () =>
    db.insert(memberships).values([
      { userId: 1, teamId: 10, role: "admin" },
      { userId: 2, teamId: 10 },
      { userId: 2, teamId: 11, role: "admin" },
      { userId: 3, teamId: 11 },
    ]));
  await record(log, "onConflictDoUpdate on the composite primary key", () =>
    db.insert(memberships).values({ userId: 3, teamId: 11, role: "admin" })
      .onConflictDoUpdate({ target: [memberships.userId, memberships.teamId], set: { role: sql`excluded.role` } }).returning());
  await record(log, "onConflictDoNothing", () =>
    db.insert(memberships).values({ userId: 1, teamId: 10, role: "member" }).onConflictDoNothing().returning());
  await record(log, "onConflictDoUpdate with a bound value and a where", () =>
    db.insert(memberships).values({ userId: 2, teamId: 10, role: "admin" })
      .onConflictDoUpdate({ target: [memberships.userId, memberships.teamId], set: { role: "owner" }, setWhere: sql`${memberships.role} = 'member'` })
      .returning({ role: memberships.role }));
  await record(log, "insert posts", () =>
    db.insert(posts).values([
      { id: 100, authorId: 1, title: "Engines" },
      { id: 101, authorId: 1, title: "Numbers" },
      { id: 102, authorId: 2, title: "COBOL" },
      { id: 103, authorId: 3, title: "Kernels", likes: 7 },
    ]));
  await record(log, "post by a missing author (foreign key)", () => db.insert(posts).values({ id: 110, authorId: 99, title: "Orphan" }));
  await record(log, "move a post to a missing author", () => db.update(posts).set({ authorId: 98 }).where(eq(posts.id, 100)));
  await record(log, "delete a team that has no members", () => db.delete(teams).where(eq(teams.slug, "nobody")));
  await record(log, "duplicate (author, title)", () => db.insert(posts).values({ id: 104, authorId: 1, title: "Engines" }));
  await record(log, "title NOT NULL after the recreation", () => db.insert(posts).values({ id: 105, authorId: 1, title: null as any }));
  await record(log, "join", () =>
    db.select({ title: posts.title, author: users.name }).from(posts).innerJoin(users, eq(posts.authorId, users.id)).orderBy(posts.id));
  await record(log, "relational query", () =>
    db.query.users.findMany({
      orderBy: (u, { asc }) => [asc(u.id)],
      columns: { name: true },
      with: { posts: { columns: { title: true }, orderBy: (p, { asc }) => [asc(p.id)] }, memberships: { columns: { teamId: true, role: true } } },
    }));
  await record(log, "team with owner and members", () =>
    db.query.teams.findFirst({ where: (t, { eq }) => eq(t.slug, "web"), with: { owner: { columns: { name: true } }, members: { columns: { userId: true } } } }));
  await record(log, "batch", () =>
    db.batch([
      db.update(posts).set({ likes: sql`${posts.likes} + 1` }).where(eq(posts.authorId, 1)),
      db.select({ id: posts.id, likes: posts.likes }).from(posts).orderBy(asc(posts.id)),
    ]));
  await record(log, "CREATE TABLE ... AS SELECT", () =>
    raw.prepare("CREATE TABLE post_stats AS SELECT author_id, count(*) AS n, sum(likes) AS likes FROM posts GROUP BY author_id").run());
  await record(log, "its rows", async () => (await raw.prepare("SELECT * FROM post_stats ORDER BY author_id").all()).results);
  await record(log, "its schema", async () => (await raw.prepare("SELECT sql FROM sqlite_master WHERE name = 'post_stats'").all()).results);
  await record(log, "UPDATE ... FROM", () =>
    raw.prepare("UPDATE users SET name = name || ' (' || s.n || ')' FROM post_stats s WHERE s.author_id = users.id").run());
  await record(log, "DELETE with a correlated subquery", () =>
    raw.prepare("DELETE FROM post_stats WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = post_stats.author_id AND m.role = ?)")
      .bind("admin").run());
  await record(log, "post_stats after", async () => (await raw.prepare("SELECT author_id, n FROM post_stats ORDER BY author_id").all()).results);
  await record(log, "users after all", () => db.select().from(users).orderBy(users.id));
  return log;
}

interface KyselyDb {
  person: { id: number; email: string; first_name: string | null };
  pet: { id: number; owner_id: number; name: string; species: string };
}

async function kyselyApp(raw: D1Database): Promise<Outcome[]> {
  const log: Outcome[] = [];
  const db = new Kysely<KyselyDb>({ dialect: new D1Dialect({ database: raw as any }) });
  await record(log, "create person (unique email)", () =>
    db.schema.createTable("person")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("email", "text", (c) => c.notNull().unique())
      .addColumn("first_name", "text")
      .execute());
  await record(log, "create pet (foreign key, table unique)", () =>
    db.schema.createTable("pet")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("owner_id", "integer", (c) => c.notNull().references("person.id").onDelete("cascade"))
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("species", "text", (c) => c.notNull())
      .addUniqueConstraint("pet_owner_name", ["owner_id", "name"])
      .execute());
  await record(log, "create index", () => db.schema.createIndex("pet_species").on("pet").column("species").execute());
  await record(log, "introspection: tables", async () =>
    (await db.introspection.getTables()).filter((t) => !t.name.startsWith("_cf_")).map((t) => ({
      name: t.name, isView: t.isView,
      columns: t.columns.map((c) => ({ name: c.name, dataType: c.dataType, isNullable: c.isNullable, isAutoIncrementing: c.isAutoIncrementing, hasDefaultValue: c.hasDefaultValue })),
    })));
  await record(log, "insert persons", () =>
    db.insertInto("person").values([
      { id: 1, email: "jennifer@x", first_name: "Jennifer" },
      { id: 2, email: "arnold@x", first_name: "Arnold" },
      { id: 3, email: "sylvester@x", first_name: null },
    ]).execute().then((r) => r.map((x) => Number(x.numInsertedOrUpdatedRows))));
  await record(log, "duplicate email", () => db.insertInto("person").values({ id: 4, email: "arnold@x", first_name: "A" }).execute());
  await record(log, "insert pets", () =>
    db.insertInto("pet").values([
      { id: 1, owner_id: 1, name: "Catto", species: "cat" },
      { id: 2, owner_id: 1, name: "Doggo", species: "dog" },
      { id: 3, owner_id: 2, name: "Hammo", species: "hamster" },
    ]).execute().then((r) => r.length));
  await record(log, "pet of a missing owner (foreign key)", () => db.insertInto("pet").values({ id: 5, owner_id: 42, name: "Ghost", species: "cat" }).execute());
  await record(log, "duplicate (owner, name)", () => db.insertInto("pet").values({ id: 4, owner_id: 1, name: "Catto", species: "cat" }).execute());
  await record(log, "join", () =>
    db.selectFrom("person").innerJoin("pet", "pet.owner_id", "person.id")
      .select(["person.first_name", "pet.name as pet_name"]).orderBy("pet.id").execute());
  await record(log, "aggregate", () =>
    db.selectFrom("pet").select(["species", db.fn.countAll<number>().as("n")]).groupBy("species").orderBy("species").execute());
  await record(log, "update", () => db.updateTable("person").set({ first_name: "Sly" }).where("id", "=", 3).executeTakeFirst().then((r) => Number(r.numUpdatedRows)));
  await record(log, "raw sql with introspection pragma", () => ksql`SELECT name, "notnull", pk FROM pragma_table_info('pet') ORDER BY cid`.execute(db).then((r) => r.rows));
  await record(log, "persons", () => db.selectFrom("person").selectAll().orderBy("id").execute());
  return log;
}

// Steps D1 refuses but Big Daddy answers: D1 must fail them, and Big Daddy must give `expected`.
type Refused = Record<string, unknown>;

function compare(label: string, local: Outcome[], big: Outcome[], refusedByD1: Refused = {}) {
  expect(big.map((o) => o.step), label).toEqual(local.map((o) => o.step));
  for (let i = 0; i < local.length; i++) {
    const step = local[i].step;
    if (step in refusedByD1) {
      expect(local[i].error, `${label}: D1 refuses "${step}"`).toBeDefined();
      expect(big[i], `${label}: step "${step}"`).toEqual({ step, value: refusedByD1[step] });
    } else {
      expect(big[i], `${label}: step "${step}"`).toEqual(local[i]);
    }
  }
}

describe("ORMs against a local D1 and Big Daddy, the same code", () => {
  it("drizzle-orm: drizzle-kit migrations with a table recreation, inline UNIQUE, upserts, joins, relational queries, batch", async () => {
    const local = await drizzleApp(localD1);
    const big = await drizzleApp(d1(bigDaddy, "orm-drizzle", { create: true, nodes: 4 }));
    compare("drizzle", local, big);
    // The application's own expectations hold on D1 (so the comparison compares something).
    expect(local.find((o) => o.step === "duplicate email (inline UNIQUE)")?.error).toMatch(/UNIQUE constraint failed: users.email/);
    expect(local.find((o) => o.step === "title NOT NULL after the recreation")?.error).toBeDefined();
    expect(local.find((o) => o.step === "post by a missing author (foreign key)")?.error).toMatch(/FOREIGN KEY constraint failed/);
  });

  it("Kysely with kysely-d1: schema builder with unique(), introspection, queries", async () => {
    const local = await kyselyApp(localD1);
    const big = await kyselyApp(d1(bigDaddy, "orm-kysely", { create: true, nodes: 4 }));
    // D1's authorizer refuses the catalog query Kysely's introspector issues ("not authorized");
    // Big Daddy answers it as SQLite does.
    const column = (name: string, dataType: string, isNullable: boolean, isAutoIncrementing = false) =>
      ({ name, dataType, isNullable, isAutoIncrementing, hasDefaultValue: false });
    compare("kysely", local, big, {
      "introspection: tables": [
        { name: "person", isView: false, columns: [column("id", "INTEGER", true, true), column("email", "TEXT", false), column("first_name", "TEXT", true)] },
        {
          name: "pet", isView: false,
          columns: [column("id", "INTEGER", true, true), column("owner_id", "INTEGER", false), column("name", "TEXT", false), column("species", "TEXT", false)],
        },
      ],
    });
    expect(local.find((o) => o.step === "duplicate email")?.error).toMatch(/UNIQUE constraint failed: person.email/);
  });
});
