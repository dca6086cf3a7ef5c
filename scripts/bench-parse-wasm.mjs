// Parse throughput of the Wasm build inside V8 (node): the statements of the sqllogictest files,
// parse only: a warm-up, then 7 timed runs of at least 0.2 s each, reported with their median. Usage: node scripts/bench-parse-wasm.mjs [FILE...]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const wasmPath = process.env.BD_WASM || path.join(root, 'build/wasm/bigdaddy.wasm');  // BD_WASM: another build, for A/B runs

function sltStatements(text) {
  const out = [];
  let cur = null;
  for (let line of text.split('\n')) {
    line = line.replace(/\r$/, '');
    if (cur !== null) {
      if (line === '' || line === '----') { if (cur) out.push(cur); cur = null; continue; }
      cur = cur ? cur + '\n' + line : line;
      continue;
    }
    if (line.startsWith('statement ') || line.startsWith('query ')) cur = '';
  }
  if (cur) out.push(cur);
  return out;
}

function defaultFiles() {
  const dir = path.join(root, 'tests/sqllogictest');
  const files = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.test')) files.push(p);
    }
  };
  walk(dir);
  return files.sort();
}

const files = process.argv.slice(2).length ? process.argv.slice(2) : defaultFiles();
const stmts = files.flatMap((f) => sltStatements(fs.readFileSync(f, 'utf8')));
const payload = Buffer.from(stmts.join('\0'), 'utf8');
const bytesPerPass = payload.length - (stmts.length - 1);

// Whatever the module imports (host callbacks, WASI) is stubbed: parsing never calls out.
const module = new WebAssembly.Module(fs.readFileSync(wasmPath));
const imports = {};
for (const imp of WebAssembly.Module.imports(module)) {
  imports[imp.module] ??= {};
  if (imp.kind === 'function') imports[imp.module][imp.name] = () => 0;
}
const instance = new WebAssembly.Instance(module, imports);
const ex = instance.exports;
if (!ex.bd_parse_bench) {
  console.error('bigdaddy.wasm has no bd_parse_bench export (is wasm/parse_exports.cpp built?)');
  process.exit(1);
}
ex._initialize?.();
const ptr = ex.bd_alloc(payload.length);
new Uint8Array(ex.memory.buffer, ptr, payload.length).set(payload);

ex.bd_parse_bench(ptr, payload.length, 3);  // warm up: JIT tiers, node pools
// Several timed runs of at least 0.2 s each; the median is the figure (the machine is shared and
// noisy), min and max show the spread. Only bd_parse_bench runs inside the timed region.
const kRuns = 7;
const runs = [];
let totalPasses = 0;
let totalSecs = 0;
let statementsPerPass = 0;
for (let run = 0; run < kRuns; run++) {
  let passes = 0;
  let statements = 0n;
  const t0 = process.hrtime.bigint();
  let secs = 0;
  while (secs < 0.2) {
    statements += ex.bd_parse_bench(ptr, payload.length, 1);
    passes++;
    secs = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  statementsPerPass = Number(statements) / passes;
  runs.push((bytesPerPass * passes) / 1e6 / secs);
  totalPasses += passes;
  totalSecs += secs;
}
ex.bd_free?.(ptr);
const sorted = [...runs].sort((a, b) => a - b);
const median = sorted[kRuns >> 1];
console.log(`wasm parse: ${stmts.length} inputs, ${bytesPerPass} bytes per pass, ${totalPasses} passes in ${totalSecs.toFixed(3)} s (${kRuns} runs)`);
console.log(`wasm parse: runs (MB/s): ${runs.map((m) => m.toFixed(1)).join(' ')}`);
console.log(`wasm parse: median ${median.toFixed(1)} MB/s (min ${sorted[0].toFixed(1)}, max ${sorted[kRuns - 1].toFixed(1)}), ${Math.round((median * 1e6 / bytesPerPass) * statementsPerPass)} statements/s`);
