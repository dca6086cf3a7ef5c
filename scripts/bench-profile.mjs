// A V8 CPU profile of Big Daddy's Worker (and its Durable Objects, same isolate under `wrangler dev`)
// while one workload of scripts/bench-e2e.mjs runs, through the DevTools protocol of
// `wrangler dev --inspector-port`. Prints the functions with the most self time and a summary by
// kind (JavaScript of the shim, the Wasm core, the runtime), and writes the .cpuprofile (open it in
// Chrome DevTools or speedscope).
//
//   bash scripts/bench.sh profile                     (starts wrangler dev, profiles each workload)
//   node scripts/bench-profile.mjs <url> <inspector-port> <workload> [ops] [out]
//   workloads: point-select, point-insert, count, order-by, group-by, multi-insert
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import http from "node:http";

const [base, inspectorPort, workload = "point-select", opsArg = "600", out = `/tmp/bigdaddy-${workload}.cpuprofile`] = process.argv.slice(2);
const OPS = Number(opsArg);
const CONCURRENCY = 16;
const database = `profile-${workload}-${Date.now()}`;

async function sql(query, params = []) {
  const res = await fetch(`${base}/sql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ database, query, params, nodes: 8 }),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`${query.slice(0, 60)}: ${body.error}`);
  return body;
}

let next = 0;
const ops = {
  "point-select": () => sql("SELECT id, name, age FROM users WHERE id = ?", [1 + (next++ % 2000)]),
  "point-insert": () => sql("INSERT INTO events (id, v, n) VALUES (?, ?, ?)", [++next, `value-${next}`, next % 100]),
  count: () => sql("SELECT count(*) AS c FROM users"),
  "order-by": () => sql("SELECT id, name, age FROM users ORDER BY age DESC, id LIMIT 10"),
  "group-by": () => sql("SELECT age, count(*) AS c, avg(n) AS a FROM users GROUP BY age"),
  "multi-insert": () => {
    const lo = 1 + 500 * next++;
    return sql(`INSERT INTO bulk (id, v, n) VALUES ${Array.from({ length: 500 }, (_, k) => `(${lo + k}, 'bulk-${lo + k}', ${k % 100})`).join(", ")}`);
  },
};
if (!ops[workload]) throw new Error(`unknown workload ${workload}: ${Object.keys(ops).join(", ")}`);

// A minimal DevTools protocol client over a minimal WebSocket (wrangler's inspector proxy wants an
// Origin header, which Node's own WebSocket does not send).
const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
const target = targets.find((t) => t.webSocketDebuggerUrl) ?? targets[0];
const socket = await new Promise((resolve, reject) => {
  const u = new URL(target.webSocketDebuggerUrl);
  const req = http.request({
    host: u.hostname, port: u.port, path: u.pathname,
    headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Key": randomBytes(16).toString("base64"), "Sec-WebSocket-Version": "13", Origin: "http://localhost" },
  });
  req.on("upgrade", (_res, sock) => resolve(sock));
  req.on("response", (res) => reject(new Error(`inspector refused the WebSocket: ${res.statusCode}`)));
  req.on("error", reject);
  req.end();
});
const frame = (text) => {
  const payload = Buffer.from(text);
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x81, 0x80 | n]) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (n >= 126) { head[0] = 0x81; head[1] = 0x80 | (n < 65536 ? 126 : 127); n < 65536 ? head.writeUInt16BE(n, 2) : head.writeBigUInt64BE(BigInt(n), 2); }
  const mask = randomBytes(4);
  for (let i = 0; i < n; i++) payload[i] ^= mask[i & 3];
  return Buffer.concat([head, mask, payload]);
};
let id = 0;
const pending = new Map();
let buf = Buffer.alloc(0), message = [];
socket.on("data", (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  for (;;) {
    if (buf.length < 2) return;
    let n = buf[1] & 0x7f, off = 2;
    if (n === 126) { if (buf.length < 4) return; n = buf.readUInt16BE(2); off = 4; }
    else if (n === 127) { if (buf.length < 10) return; n = Number(buf.readBigUInt64BE(2)); off = 10; }
    if (buf.length < off + n) return;
    const fin = buf[0] & 0x80, opcode = buf[0] & 0x0f;
    if (opcode === 1 || opcode === 0) message.push(buf.subarray(off, off + n));
    buf = buf.subarray(off + n);
    if (fin && (opcode === 1 || opcode === 0)) {
      const msg = JSON.parse(Buffer.concat(message).toString());
      message = [];
      if (msg.id && pending.has(msg.id)) { pending.get(msg.id)(msg); pending.delete(msg.id); }
    }
  }
});
const send = (method, params = {}) => new Promise((resolve) => { pending.set(++id, resolve); socket.write(frame(JSON.stringify({ id, method, params }))); });

await sql("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, age INTEGER, email TEXT, n INTEGER)");
await sql("CREATE TABLE events (id INTEGER PRIMARY KEY, v TEXT, n INTEGER)");
await sql("CREATE TABLE bulk (id INTEGER PRIMARY KEY, v TEXT, n INTEGER)");
for (let lo = 1; lo <= 2000; lo += 500)
  await sql(`INSERT INTO users (id, name, age, email, n) VALUES ${Array.from({ length: 500 }, (_, k) => `(${lo + k}, 'user-${lo + k}', ${18 + ((lo + k) % 90)}, 'u${lo + k}@example.com', ${(lo + k) % 7})`).join(", ")}`);
for (let i = 0; i < 50; i++) await ops[workload](); // warm

await send("Profiler.enable");
await send("Profiler.setSamplingInterval", { interval: 100 });
await send("Profiler.start");
const t0 = performance.now();
let done = 0;
await Promise.all(Array.from({ length: CONCURRENCY }, async () => { while (done++ < OPS) await ops[workload](); }));
const secs = (performance.now() - t0) / 1000;
const { result } = await send("Profiler.stop");
socket.destroy();
const profile = result.profile;
writeFileSync(out, JSON.stringify(profile));

// Self time per function and per kind.
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const kinds = new Map();
const deltas = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) {
  const n = byId.get(profile.samples[i]);
  const f = n.callFrame;
  const us = deltas[i + 1] ?? 0;
  const where = f.url ? `${f.url.split("/").pop()}:${f.lineNumber + 1}` : "";
  const key = `${f.functionName || "(anonymous)"} ${where}`;
  self.set(key, (self.get(key) ?? 0) + us);
  const kind = f.url.startsWith("wasm://") ? "Wasm core" : f.url ? "JavaScript (shim, runtime glue)" : f.functionName.startsWith("(") ? f.functionName : "runtime (native)";
  kinds.set(kind, (kinds.get(kind) ?? 0) + us);
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
console.log(`${workload}: ${OPS} statements in ${secs.toFixed(2)} s (${(OPS / secs).toFixed(0)}/s, concurrency ${CONCURRENCY}); profile ${(total / 1000).toFixed(0)} ms sampled -> ${out}`);
for (const [k, v] of [...kinds].sort((a, b) => b[1] - a[1])) console.log(`  ${(100 * v / total).toFixed(1).padStart(5)}%  ${k}`);
// Inclusive time: a function and everything it called (a recursive function counted once per sample).
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const incl = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const us = deltas[i + 1] ?? 0;
  const seen = new Set();
  for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || "(anonymous)"} ${f.url ? `${f.url.split("/").pop()}:${f.lineNumber + 1}` : ""}`;
    if (seen.has(key)) continue;
    seen.add(key);
    incl.set(key, (incl.get(key) ?? 0) + us);
  }
}
console.log("  top functions by inclusive time (Wasm functions are named when the module keeps its name section):");
for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(1, 26)) console.log(`  ${(100 * v / total).toFixed(1).padStart(5)}%  ${(v / OPS).toFixed(1).padStart(7)} us/stmt  ${k}`);
console.log("  top functions by self time:");
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${(100 * v / total).toFixed(1).padStart(5)}%  ${(v / OPS).toFixed(1).padStart(7)} us/stmt  ${k}`);
