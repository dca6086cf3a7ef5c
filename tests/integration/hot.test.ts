// Hot spots in workerd: the storage objects count requests per virtual shard in memory (each its
// own counters, though they share the isolate's Wasm instance), the topology JSON shows the
// hottest shards, and PRAGMA bigdaddy_rebalance moves shards off the hot node in the topology
// object's alarm, as in production.
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { runQuery } from "../../js-shim/driver";

async function q(db: string, sql: string, params: unknown[] = []) {
  return runQuery(env as any, db, sql, params as any, { nodes: 4 });
}

const topology = async (db: string) => (await runQuery(env as any, db, "", [], { mode: "topology", nodes: 0 })).meta as any;

it("counts requests per virtual shard on each storage object, shows the hottest, and rebalances online", async () => {
  const db = `hot-${Date.now()}`;
  await q(db, "CREATE TABLE kv (id INTEGER PRIMARY KEY, v TEXT)");
  await q(db, `INSERT INTO kv (id, v) VALUES ${Array.from({ length: 200 }, (_, i) => `(${i + 1}, 'v${i + 1}')`).join(", ")}`);
  for (let i = 0; i < 60; i++) expect((await q(db, "SELECT v FROM kv WHERE id = ?", [7])).rows).toEqual([["v7"]]);
  for (let i = 1; i <= 200; i++) await q(db, "UPDATE kv SET v = v || '!' WHERE id = ?", [i]);

  const t = await topology(db);
  const hot = t.hotShards[0];
  expect(hot.requests).toBeGreaterThanOrEqual(61); // id 7's shard: 60 reads, its update (and the insert)
  const id7 = t.vshards.find((v: any) => v.id === hot.vshard);
  expect(id7.node).toBe(hot.node);
  // Each object kept its own counters: every node counted requests, the hot node the most.
  const requests = t.nodes.map((n: any) => n.requests);
  expect(requests.every((r: number) => r > 0)).toBe(true);
  expect(Math.max(...requests)).toBe(requests[hot.node]);

  const plan = await q(db, "PRAGMA bigdaddy_rebalance");
  expect(plan.columns).toEqual(["action", "vshard", "from_node", "to_node", "requests"]);
  expect(plan.rows.length).toBeGreaterThan(0);
  const moves = plan.rows.filter((r: any) => r[0] === "move");
  const splits = plan.rows.filter((r: any) => r[0] === "split");
  for (const [, , from, to] of moves) expect(from).not.toBe(to);
  // The job runs in the topology object's alarm: wait for it.
  let job: any;
  for (let i = 0; i < 400; i++) {
    job = JSON.parse(String((await q(db, "PRAGMA bigdaddy_resize")).rows[0][0]));
    if (!job?.active) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  if (moves.length) expect(job.phase).toBe("done");
  const after = await topology(db);
  for (const [, vshard, , to] of moves) expect(after.vshards.find((v: any) => v.id === vshard).node).toBe(to);
  expect(after.vshards.length).toBe(256 + splits.length);
  // The load the nodes counted, placed as the shards are now, is more even than before.
  const spread = (vshards: any[]) => {
    const per = new Array(4).fill(0);
    for (const v of t.vshards) per[vshards.find((x: any) => x.id === v.id).node] += v.requests;
    return Math.max(...per) / (per.reduce((a, b) => a + b, 0) / 4);
  };
  expect(spread(after.vshards)).toBeLessThan(spread(t.vshards));
  const all = await q(db, "SELECT count(*), sum(length(v)) FROM kv");
  expect(all.rows[0][0]).toBe(200);
  for (let i = 1; i <= 200; i += 19) expect((await q(db, "SELECT v FROM kv WHERE id = ?", [i])).rows).toEqual([[`v${i}!`]]);
}, 60_000);
