// FTS5 through the Worker, in workerd: a table created, filled and ranked on 4 storage nodes gives
// what one SQLite database gives (a local D1 database runs the same statements): the rows a MATCH
// finds, rank and bm25() with column weights value for value, highlight() and snippet().
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const bigDaddy = (exports as any).default;
const localD1 = (env as any).LOCAL_D1 as D1Database;

async function sql(body: Record<string, unknown>) {
  const res = await bigDaddy.fetch(
    new Request("http://bigdaddy.local/sql", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  );
  return { status: res.status, body: (await res.json()) as any };
}

const words = ["river", "stone", "maple", "cloud", "ember", "frost", "grove", "harbor", "island", "jasper", "kettle", "lantern", "meadow", "nectar", "orchid"];

// Deterministic documents: a small linear congruential generator, skewed towards the first words.
function documents(n: number) {
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  const word = () => words[Math.min(next() % words.length, next() % words.length)];
  const text = (lo: number, hi: number) => Array.from({ length: lo + (next() % (hi - lo + 1)) }, word).join(" ");
  return Array.from({ length: n }, () => [text(1, 3), text(3, 25)]);
}

describe("FTS5 on 4 nodes", () => {
  it("ranks as one SQLite database does: rank, bm25() with weights, highlight() and snippet()", async () => {
    const database = "fts-rank";
    const table = `docs_${Date.now() % 100000}`;
    const create = `CREATE VIRTUAL TABLE ${table} USING fts5(title, body)`;
    let r = await sql({ database, query: create, create: true, nodes: 4 });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    await localD1.prepare(create).run();
    const docs = documents(120);
    for (let i = 0; i < docs.length; i += 20) {
      const chunk = docs.slice(i, i + 20);
      const insert = `INSERT INTO ${table} (title, body) VALUES ` + chunk.map(() => "(?, ?)").join(", ");
      r = await sql({ database, query: insert, params: chunk.flat() });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      // The same rowids in D1 (Big Daddy allocates them from 1 in order here).
      await localD1.prepare(insert).bind(...chunk.flat()).run();
    }
    // The rows are on every node.
    r = await sql({ database, query: `SELECT count(*) AS n FROM ${table}` });
    expect(r.body.rows).toEqual([{ n: 120 }]);
    expect(r.body.meta.nodesTouched).toBe(4);
    const ids = await sql({ database, query: `SELECT rowid AS id FROM ${table} ORDER BY rowid` });
    const d1ids = await localD1.prepare(`SELECT rowid AS id FROM ${table} ORDER BY rowid`).all();
    expect(ids.body.rows).toEqual(d1ids.results);

    const queries = ["river", "maple OR frost", "stone cloud", '"river stone"', "mea*", "title:ember", "river NOT stone", "(grove OR island) AND river", "{title}:(maple OR cloud)"];
    for (const q of queries) {
      const ranked =
        `SELECT rowid AS id, rank AS r, bm25(${table}, 3.0, 0.5) AS w, highlight(${table}, 0, '[', ']') AS h, ` +
        `snippet(${table}, 1, '<', '>', '...', 5) AS s FROM ${table} WHERE ${table} MATCH ? ORDER BY rank, rowid LIMIT 10`;
      const a = await sql({ database, query: ranked, params: [q] });
      expect(a.status, JSON.stringify(a.body)).toBe(200);
      expect(a.body.meta.plan).toBe("fts-rank");
      const b = await localD1.prepare(ranked).bind(q).all();
      expect(a.body.rows, q).toEqual(b.results);
      expect(a.body.rows.length, q).toBeGreaterThan(0);
      const filtered = `SELECT rowid AS id FROM ${table} WHERE ${table} MATCH ? ORDER BY rowid`;
      const fa = await sql({ database, query: filtered, params: [q] });
      const fb = await localD1.prepare(filtered).bind(q).all();
      expect(fa.body.rows, q).toEqual(fb.results);
    }
    // Writes change the ranking as they do in SQLite.
    for (const w of [`DELETE FROM ${table} WHERE ${table} MATCH 'frost'`, `UPDATE ${table} SET body = 'river river river' WHERE rowid % 7 = 0`]) {
      r = await sql({ database, query: w });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      await localD1.prepare(w).run();
    }
    const after = `SELECT rowid AS id, rank AS r FROM ${table} WHERE ${table} MATCH 'river' ORDER BY rank, rowid`;
    const a = await sql({ database, query: after });
    expect(a.body.rows).toEqual((await localD1.prepare(after).all()).results);
    // The schema as SQLite shows it: the FTS5 table and its shadow tables.
    const schema = `SELECT type, name, sql FROM sqlite_master WHERE name LIKE '${table}%' ORDER BY name`;
    expect((await sql({ database, query: schema })).body.rows).toEqual((await localD1.prepare(schema).all()).results);
  });
});
