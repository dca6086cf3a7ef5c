// Queries at scale through the Worker under `wrangler dev` (npm run bench starts it): the users and
// orders workload of tests/integration/scale-data.ts (the same generator and queries as the workerd
// scale test and, at 10^6 rows, `bigdaddy bench --scale`) loaded over POST /sql, then each query
// BENCH_SCALE_RUNS times: ms per run, rows/s processed (rows of the tables it reads over the time),
// round trips and rows moved (the answer's meta), the plan. Then `SELECT * FROM orders` streamed as
// NDJSON (Accept: application/x-ndjson): time, rows/s, the first row's latency, and the growth of the
// workerd processes' resident memory while it streams against an unstreamed answer of part of it.
//   node scripts/bench-scale.mjs URL   (BENCH_SCALE_USERS, default 200000; BENCH_SCALE_ORDERS, 400000;
//   BENCH_WORKERD_PIDS: pids whose VmRSS is sampled, space-separated)
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { transform } from "esbuild";

const base = process.argv[2] ?? "http://127.0.0.1:8787";
const USERS = Number(process.env.BENCH_SCALE_USERS ?? 200_000);
const ORDERS = Number(process.env.BENCH_SCALE_ORDERS ?? 400_000);
const RUNS = Number(process.env.BENCH_SCALE_RUNS ?? 3);
const database = `scale-bench-${Date.now()}`;
const pids = (process.env.BENCH_WORKERD_PIDS ?? "").split(/\s+/).filter(Boolean);

// The workload's one definition (TypeScript), compiled for Node.
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tmp = mkdtempSync(join(tmpdir(), "bench-scale-"));
const ts = readFileSync(join(root, "tests/integration/scale-data.ts"), "utf8");
writeFileSync(join(tmp, "scale-data.mjs"), (await transform(ts, { loader: "ts", format: "esm" })).code);
const { SCHEMA, QUERIES, inserts } = await import(pathToFileURL(join(tmp, "scale-data.mjs")).href);
rmSync(tmp, { recursive: true, force: true });

async function post(body, headers = {}) {
  return fetch(`${base}/sql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ database, nodes: 4, create: true, ...body }),
  });
}

async function sql(query) {
  for (let attempt = 0; ; attempt++) {
    const res = await post({ query });
    const text = await res.text();
    // wrangler dev answered instead of the Worker (it restarted the Worker under the request): a
    // read is repeated once the Worker answers again; the bench's writes are not (counted, reported).
    if (text.startsWith("Your worker restarted") && attempt < 3 && /^\s*SELECT|^\s*WITH/i.test(query)) {
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`${query.slice(0, 60)}: HTTP ${res.status}: ${text.slice(0, 200)}`);
    }
    if (res.status !== 200) throw new Error(`${query.slice(0, 60)}: ${body.error}`);
    return body;
  }
}

function rss() {
  let kb = 0;
  for (const pid of pids) {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) kb += Number(m[1]);
    } catch {}
  }
  return kb * 1024;
}

// The peak of rss() while `fn` runs, above its value before.
async function peakRss(fn) {
  const before = rss();
  let peak = before;
  const timer = setInterval(() => { peak = Math.max(peak, rss()); }, 20);
  try {
    const out = await fn();
    peak = Math.max(peak, rss());
    return { out, grew: peak - before };
  } finally {
    clearInterval(timer);
  }
}

const mb = (b) => (b / 1048576).toFixed(1);

for (const s of SCHEMA) await sql(s);
const t0 = performance.now();
let inflight = [];
for (const s of inserts({ users: USERS, orders: ORDERS })) {
  inflight.push(sql(s));
  if (inflight.length >= 4) {
    await Promise.all(inflight);
    inflight = [];
  }
}
await Promise.all(inflight);
const loadS = (performance.now() - t0) / 1000;
const nu = (await sql("SELECT count(*) AS n FROM users")).rows[0].n, no = (await sql("SELECT count(*) AS n FROM orders")).rows[0].n;
if (nu !== USERS || no !== ORDERS) throw new Error(`loaded ${nu} users and ${no} orders`);
console.log(`scale (wrangler dev): ${USERS} users + ${ORDERS} orders on 4 nodes, loaded in ${loadS.toFixed(1)} s (${Math.round((USERS + ORDERS) / loadS)} rows/s)`);

const reads = (q) => (/\busers\b/i.test(q) && /\borders\b/i.test(q) ? USERS + ORDERS : /\busers\b/i.test(q) ? USERS : ORDERS);
console.log(`${"query".padEnd(100)} ${"ms/run".padStart(10)} ${"rows/s".padStart(12)} ${"trips".padStart(6)} ${"moved".padStart(8)}  plan`);
for (const { sql: q } of QUERIES) {
  await sql(q); // warm: the isolate's topology and SQLite's caches
  let last;
  const a = performance.now();
  for (let r = 0; r < RUNS; r++) last = await sql(q);
  const per = (performance.now() - a) / RUNS;
  const m = last.meta ?? {};
  console.log(
    `${q.slice(0, 100).padEnd(100)} ${per.toFixed(1).padStart(10)} ${String(Math.round(reads(q) / (per / 1000))).padStart(12)} ${String(m.roundTrips).padStart(6)} ${String(m.rowsFetched).padStart(8)}  ${m.plan}`,
  );
}

// Streamed: every order as NDJSON, read as it comes.
const streamed = await peakRss(async () => {
  const a = performance.now();
  const res = await post({ query: "SELECT * FROM orders", rowMode: "array" }, { accept: "application/x-ndjson" });
  if (res.status !== 200) throw new Error(`streamed SELECT *: HTTP ${res.status}: ${await res.text()}`);
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let rest = "", lines = 0, first = 0, last = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const text = rest + dec.decode(value, { stream: true });
    const parts = text.split("\n");
    rest = parts.pop();
    if (parts.length) last = parts[parts.length - 1];
    if (!first && parts.length > 1) first = performance.now() - a;
    lines += parts.length;
  }
  const end = JSON.parse(last);
  if (end.error) throw new Error(`streamed SELECT *: ${end.error}`);
  return { rows: lines - 2, ms: performance.now() - a, first };
});
const { rows, ms, first } = streamed.out;
if (rows !== ORDERS) throw new Error(`streamed ${rows} rows of ${ORDERS}`);
const part = Math.min(ORDERS, 150_000);
const whole = await peakRss(async () => {
  const a = performance.now();
  const r = await sql(`SELECT * FROM orders WHERE id <= ${part}`);
  if (r.rows.length !== part) throw new Error(`unstreamed part: ${r.rows.length} rows`);
  return performance.now() - a;
});
console.log(
  `streamed SELECT * FROM orders (NDJSON): ${rows} rows in ${(ms / 1000).toFixed(2)} s (${Math.round(rows / (ms / 1000))} rows/s), first row after ${first.toFixed(0)} ms` +
    (pids.length ? `, workerd RSS grew ${mb(streamed.grew)} MB` : ""),
);
console.log(`  unstreamed ${part} rows of it: ${(whole.out / 1000).toFixed(2)} s` + (pids.length ? `, workerd RSS grew ${mb(whole.grew)} MB` : ""));
