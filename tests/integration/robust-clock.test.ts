import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

// The core's SQLite reads the host's clock and entropy (Date.now(), crypto.getRandomValues): time
// functions give the real time, and random() is not the same sequence in every fresh isolate.
const bigDaddy = (exports as any).default;

async function sql(database: string, query: string, params: unknown[] = []) {
  const res = await bigDaddy.fetch(
    new Request("http://bigdaddy.local/sql", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ database, query, params, create: true }) }),
  );
  return { status: res.status, body: (await res.json()) as any };
}

// SQLite's "YYYY-MM-DD HH:MM:SS" (UTC) as epoch milliseconds.
const ms = (t: string) => Date.parse(t.replace(" ", "T") + "Z");

describe("clock and randomness", () => {
  it("datetime('now'), unixepoch() and CURRENT_TIMESTAMP in VALUES match the host clock", async () => {
    const db = "robust-clock";
    await sql(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, at TEXT)");
    const before = Date.now();
    let r = await sql(db, "SELECT datetime('now') AS now, unixepoch() AS epoch, CURRENT_TIMESTAMP AS ts");
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.meta.plan).toBe("combine"); // evaluated by the conductor's own SQLite
    const after = Date.now();
    const { now, epoch, ts } = r.body.rows[0];
    for (const t of [ms(now), ms(ts), epoch * 1000]) {
      expect(t).toBeGreaterThanOrEqual(before - 1000);
      expect(t).toBeLessThanOrEqual(after + 1000);
    }
    r = await sql(db, "INSERT INTO t VALUES (1, CURRENT_TIMESTAMP), (2, datetime('now'))");
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    r = await sql(db, "INSERT INTO t SELECT 3, datetime('now')");
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    r = await sql(db, "SELECT id, at FROM t ORDER BY id");
    expect(r.body.rows.map((x: any) => x.id)).toEqual([1, 2, 3]);
    for (const { at } of r.body.rows) {
      expect(Math.abs(ms(at) - Date.now())).toBeLessThan(2000);
    }
  });

  it("random() and randomblob() differ between two fresh isolates", async () => {
    const draws: string[] = [];
    for (let i = 0; i < 2; i++) {
      await bigDaddy.testFreshCore();
      const r = await sql(`robust-random-${i}`, "SELECT random() AS r, hex(randomblob(16)) AS b");
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      draws.push(`${r.body.rows[0].r}/${r.body.rows[0].b}`);
    }
    expect(draws[0]).not.toBe(draws[1]);
  });

  it("a trap mid-statement replaces the Wasm instance: later statements and /health work", async () => {
    const db = "robust-trap";
    await sql(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    await sql(db, "INSERT INTO t VALUES (1, 'a'), (2, 'b')");
    await bigDaddy.testInjectTrap();
    const instances = await bigDaddy.testCoreInstances();
    let r = await sql(db, "SELECT datetime('now') AS now, (SELECT group_concat(v) FROM t) AS vs");
    expect(r.status).toBe(500);
    expect(r.body.error).toMatch(/^the query engine failed \(.*injected trap\) and was restarted/);
    // The trapped instance never runs again: the next statement gets a fresh one.
    r = await sql(db, "SELECT 1 AS one");
    expect(r.body.rows).toEqual([{ one: 1 }]);
    expect(await bigDaddy.testCoreInstances()).toBe(instances + 1);
    for (let i = 0; i < 3; i++) {
      r = await sql(db, "SELECT (SELECT group_concat(v, '') FROM t) AS vs, length(datetime('now')) AS n");
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.rows).toEqual([{ vs: "ab", n: 19 }]);
    }
    const h = await bigDaddy.fetch(new Request("http://bigdaddy.local/health"));
    expect(h.status).toBe(200);
  });

  it("/health answers through the core", async () => {
    const res = await bigDaddy.fetch(new Request("http://bigdaddy.local/health"));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });
});
