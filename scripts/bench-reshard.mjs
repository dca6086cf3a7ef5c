// Online resize throughput against a running Big Daddy (npm run bench starts `wrangler dev`):
// loads BENCH_RESIZE_ROWS rows (default 100,000) into 2 nodes, resizes to 5 through
// POST /api/databases/:db/resize, polls the job until it is done, and reports rows moved per
// second for the whole job (join to finish). Meanwhile 4 clients keep incrementing random rows
// (UPDATE ... SET n = n + 1): their latencies show how long writes pause, and sum(n) afterwards
// must have grown by exactly the number of acknowledged increments.
const base = process.argv[2] ?? "http://127.0.0.1:8787";
const database = `resize-bench-${Date.now()}`;
const ROWS = Number(process.env.BENCH_RESIZE_ROWS ?? 100_000);
const TO = Number(process.env.BENCH_RESIZE_TO ?? 5);

async function sql(query, params = []) {
  const res = await fetch(`${base}/sql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ database, query, params, create: true, nodes: 2 }),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`${query.slice(0, 60)}: ${body.error}`);
  return body;
}

async function resize(body) {
  const res = await fetch(`${base}/api/databases/${database}/resize`, body ? {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  } : undefined);
  const json = await res.json();
  if (res.status !== 200) throw new Error(`resize: ${json.error}`);
  return json.job;
}

await sql("CREATE TABLE kv (id INTEGER PRIMARY KEY, v TEXT, n INTEGER, r REAL)");
const batch = 500;
let inflight = [];
for (let base0 = 0; base0 < ROWS; base0 += batch) {
  const values = [], params = [];
  for (let i = base0; i < Math.min(ROWS, base0 + batch); i++) {
    values.push("(?, ?, ?, ?)");
    params.push(i + 1, `value-${i}-${"x".repeat(i % 40)}`, i % 1000, i / 7);
  }
  inflight.push(sql(`INSERT INTO kv VALUES ${values.join(", ")}`, params));
  if (inflight.length >= 4) { await Promise.all(inflight); inflight = []; }
}
await Promise.all(inflight);
const before = await sql("SELECT count(*) AS n, sum(n) AS s, total(r) AS t FROM kv");

const t0 = performance.now();
let job = await resize({ nodes: TO });
let running = true, acked = 0;
const lat = [];
const writers = Array.from({ length: 4 }, async (_, w) => {
  let seed = w + 1;
  while (running) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const a = performance.now();
    await sql("UPDATE kv SET n = n + 1 WHERE id = ?", [(seed % ROWS) + 1]);
    lat.push(performance.now() - a);
    acked++;
  }
});
while (job.active) {
  await new Promise((r) => setTimeout(r, 25));
  job = await resize();
  if (performance.now() - t0 > 600_000) throw new Error(`resize did not finish: ${JSON.stringify(job)}`);
}
const secs = (performance.now() - t0) / 1000;
running = false;
await Promise.all(writers);
if (job.phase !== "done") throw new Error(`resize ended in ${job.phase}: ${JSON.stringify(job)}`);
const after = await sql("SELECT count(*) AS n, sum(n) AS s, total(r) AS t FROM kv");
if (after.rows[0].n !== before.rows[0].n || after.rows[0].t !== before.rows[0].t || after.rows[0].s !== before.rows[0].s + acked)
  throw new Error(`data changed: ${JSON.stringify(before.rows)} + ${acked} increments -> ${JSON.stringify(after.rows)}`);
lat.sort((a, b) => a - b);
const p = (q) => lat[Math.min(lat.length - 1, Math.floor(lat.length * q))].toFixed(1);
const topo = await (await fetch(`${base}/api/databases/${database}`)).json();
const perNode = topo.nodes.map((n) => n.tables.kv.rows);
console.log(`resize 2 -> ${TO} nodes, ${ROWS} rows: ${job.rowsCopied} rows moved in ${secs.toFixed(2)} s = ` +
  `${Math.round(job.rowsCopied / secs)} rows/s (whole job, under load); rows per node after: ${perNode.join(" ")}`);
console.log(`  concurrent point updates during the resize: ${acked} acknowledged, all present; latency p50 ${p(0.5)} ms, ` +
  `p99 ${p(0.99)} ms, max ${lat[lat.length - 1].toFixed(1)} ms`);
