// End-to-end workload over HTTP against a running Big Daddy (npm run bench starts `wrangler dev`):
// point insert, point select, full count, and a scatter ORDER BY/LIMIT. Bounded in count and time.
const base = process.argv[2] ?? "http://127.0.0.1:8787";
const database = `bench-${Date.now()}`;
const N = Number(process.env.BENCH_OPS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

async function sql(query, params = []) {
  const res = await fetch(`${base}/sql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ database, query, params, nodes: 8 }),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`${query}: ${body.error}`);
  return body;
}

async function run(name, count, op) {
  const lat = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < count) {
      const i = next++;
      const a = performance.now();
      await op(i);
      lat.push(performance.now() - a);
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const p = (q) => lat[Math.min(lat.length - 1, Math.floor(lat.length * q))].toFixed(2);
  console.log(`${name.padEnd(34)} ${(count / secs).toFixed(0).padStart(8)} ops/s   p50 ${p(0.5).padStart(7)} ms   p99 ${p(0.99).padStart(7)} ms   (${count} ops, concurrency ${CONCURRENCY})`);
}

// Baseline: the same HTTP round trip with no engine work at all (GET /health), so the engine's own
// cost shows as the difference (or ratio) against it in the same run.
await run("baseline: GET /health (no engine work)", N, () => fetch(`${base}/health`).then((r) => r.text()));
await sql("CREATE TABLE kv (id INTEGER PRIMARY KEY, v TEXT, n INTEGER)");
await run("point insert", N, (i) => sql("INSERT INTO kv (id, v, n) VALUES (?, ?, ?)", [i + 1, `value-${i}`, i % 100]));
await run("point select", N, (i) => sql("SELECT v FROM kv WHERE id = ?", [(i % N) + 1]));
await run("full count (8 shards)", 200, () => sql("SELECT count(*) FROM kv"));
await run("scatter ORDER BY/LIMIT 10 (8 shards)", 200, () => sql("SELECT id, n FROM kv ORDER BY n DESC, id LIMIT 10"));
const c = await sql("SELECT count(*) AS n FROM kv");
if (c.rows[0].n !== N) throw new Error(`expected ${N} rows, got ${c.rows[0].n}`);
// The rows are spread over every node (GET /api/databases/:db), and a point read touches one node.
const topo = await (await fetch(`${base}/api/databases/${database}`)).json();
const perNode = topo.nodes.map((n) => n.tables.kv.rows);
if (perNode.length !== 8 || perNode.some((n) => n === 0)) throw new Error(`rows not spread: ${perNode}`);
const one = await sql("SELECT v FROM kv WHERE id = ?", [42]);
if (one.rows[0].v !== "value-41" || one.meta.nodesTouched !== 1) throw new Error(`point read: ${JSON.stringify(one)}`);
console.log(`rows per node: ${perNode.join(" ")}; point read touched ${one.meta.nodesTouched} node`);
