// bigdaddy: the command line for a Big Daddy deployment (wrangler dev or a deployed Worker), over
// its HTTP API with the bearer token. Exit code 0 on success, 1 with a one-line error otherwise.
//
//   npx bigdaddy databases list|create|delete|info ...   npx bigdaddy query <db> "SQL"
//   npx bigdaddy resize <db> N                            npx bigdaddy migrations create|list|apply <db>
//   npx bigdaddy export <db> [--table t] > dump.sql       npx bigdaddy import <db> dump.sql
import { CliError, call, connection, db as dbPath, sql } from "./client.mjs";
import { migrations } from "./migrations.mjs";
import { exportDump, importDump } from "./dump.mjs";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

const USAGE = `usage: bigdaddy <command> [options]

  databases list [--json]                      the catalog: name, nodes, rows, size, created
  databases create <db> [--nodes N]            create a database (default 8 nodes)
  databases delete <db> [--yes]                delete it and every node's data (asks for the name)
  databases info <db> [--json]                 nodes, tables, indexes, the resize job
  query <db> "SQL" [--params JSON] [--json]    run one statement; table or JSON output
  resize <db> N                                grow or shrink to N nodes online, with progress
  migrations create <db> <name> [--dir D]      new empty migration file NNNN_<name>.sql
  migrations list <db> [--dir D]               migrations and whether each is applied
  migrations apply <db> [--dir D]              apply the pending ones in order, each atomically
  export <db> [--table T]... > dump.sql        a consistent SQL dump (schema, then rows), streamed
  import <db> <file.sql> [--create --nodes N]  load a dump (sqlite3 .dump, wrangler d1 export, ours)
  bench ...                                    the native benchmark (build/native/bigdaddy bench)

options: --url URL (or BIG_DADDY_URL; default http://localhost:8787)
         --token TOKEN (or BIG_DADDY_TOKEN)`;

// argv -> { positional, flags }: --name value, --name=value, boolean --flags.
const BOOLEAN = new Set(["json", "yes", "create", "help", "quiet"]);
export function parseArgs(argv) {
  const positional = [];
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") { positional.push(...argv.slice(i + 1)); break; }
    if (!a.startsWith("--")) { positional.push(a); continue; }
    const eq = a.indexOf("=");
    const name = a.slice(2, eq < 0 ? undefined : eq);
    let value;
    if (eq >= 0) value = a.slice(eq + 1);
    else if (BOOLEAN.has(name)) value = true;
    else {
      if (i + 1 >= argv.length) throw new CliError(`--${name} needs a value`);
      value = argv[++i];
    }
    if (name === "table") (flags.table ??= []).push(value);
    else flags[name] = value;
  }
  return { positional, flags };
}

function need(value, what) {
  if (value === undefined || value === "") throw new CliError(`missing ${what} (bigdaddy help lists the commands)`);
  return value;
}

function intFlag(value, what) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${what} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Output

const fmt = (n) => (typeof n === "number" ? n.toLocaleString("en-US") : n === null || n === undefined ? "—" : String(n));
export function fmtBytes(n) {
  if (typeof n !== "number") return "—";
  const u = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
}

function cellText(v) {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

// A plain text table (columns padded; numbers right-aligned).
export function textTable(columns, rows) {
  const cells = rows.map((r) => r.map(cellText));
  const width = columns.map((c, i) => Math.max(String(c).length, ...cells.map((r) => r[i].length)));
  const numeric = columns.map((_, i) => rows.length > 0 && rows.every((r) => r[i] === null || typeof r[i] === "number"));
  const line = (r) => r.map((v, i) => (numeric[i] ? v.padStart(width[i]) : v.padEnd(width[i]))).join("  ").trimEnd();
  return [line(columns.map(String)), width.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n");
}

const out = (s) => process.stdout.write(s.endsWith("\n") ? s : s + "\n");
const note = (s) => process.stderr.write(s + "\n");

// ---------------------------------------------------------------------------------------------
// Commands

async function databases(conn, args) {
  const [sub, name] = args.positional;
  switch (sub) {
    case "list": {
      const { body, text } = await call(conn, "GET", "/api/databases");
      if (args.flags.json) return out(text);
      const list = body.databases ?? [];
      if (!list.length) return out("no databases");
      return out(textTable(["name", "nodes", "rows", "size", "created", "state"], list.map((d) =>
        [d.name, d.nodes, d.rows ?? null, fmtBytes(d.bytes), new Date(d.created).toISOString().replace("T", " ").slice(0, 19), d.resizing ? "resizing" : d.state])));
    }
    case "create": {
      const nodes = args.flags.nodes === undefined ? undefined : intFlag(args.flags.nodes, "--nodes");
      const { body } = await call(conn, "POST", "/api/databases", { name: need(name, "<db>"), nodes });
      return out(`created ${body.database} with ${body.nodes} nodes`);
    }
    case "delete": {
      need(name, "<db>");
      if (!args.flags.yes) {
        const typed = await ask(`This deletes ${name} and every node's data. Type the database name to confirm: `);
        if (typed !== name) throw new CliError(`not deleted: "${typed}" is not "${name}" (pass --yes in scripts)`);
      }
      const { body } = await call(conn, "DELETE", dbPath(name), { confirm: name });
      return out(`deleted ${body.database} (${body.nodes} nodes wiped)`);
    }
    case "info": {
      const { body: t, text } = await call(conn, "GET", dbPath(need(name, "<db>")));
      if (args.flags.json) return out(text);
      const lines = [`${t.database}: ${t.nodes.length} nodes, ${fmt(t.rows)} rows, ${fmtBytes(t.bytes)}, catalog version ${t.version}, epoch ${t.epoch}`];
      if (t.tables.length)
        lines.push("", textTable(["table", "kind", "shard key", "rows"], t.tables.map((x) => [x.name, x.kind, x.shardKey ?? "", x.rows ?? null])));
      if (t.indexes.length)
        lines.push("", textTable(["index", "table", "columns", "unique"], t.indexes.map((x) => [x.name, x.table, x.columns.join(", "), x.unique ? "yes" : ""])));
      lines.push("", textTable(["node", "rows", "size", "vshards"], t.nodes.map((n) => [n.node, n.rows, fmtBytes(n.bytes), n.vshards])));
      if (t.resize) lines.push("", `resize ${t.resize.fromNodes} → ${t.resize.toNodes} nodes: ${t.resize.phase}${t.resize.lastError ? ` (last error: ${t.resize.lastError})` : ""}`);
      return out(lines.join("\n"));
    }
    default:
      throw new CliError(`unknown databases command ${JSON.stringify(sub ?? "")}: use list, create, delete or info`);
  }
}

// One line from the terminal (or from stdin when it is not a terminal: no prompt is shown then).
function ask(question) {
  return new Promise((resolve) => {
    const tty = !!process.stdin.isTTY;
    const rl = createInterface({ input: process.stdin, output: tty ? process.stderr : undefined, terminal: tty });
    let answered = false;
    rl.question(tty ? question : "", (a) => { answered = true; rl.close(); resolve(a.trim()); });
    rl.on("close", () => { if (!answered) resolve(""); });
  });
}

async function query(conn, args) {
  const [name, text] = args.positional;
  need(name, "<db>");
  need(text, '"SQL"');
  let params = [];
  if (args.flags.params !== undefined) {
    try { params = JSON.parse(args.flags.params); } catch { throw new CliError("--params must be a JSON array (or object for named parameters)"); }
  }
  const body = { database: name, query: text, params, rowMode: "array" };
  if (args.flags.create) Object.assign(body, { create: true, nodes: args.flags.nodes === undefined ? undefined : intFlag(args.flags.nodes, "--nodes") });
  const { body: r, text: raw } = await sql(conn, body);
  if (args.flags.json) return out(raw);
  const m = r.meta ?? {};
  const summary = [
    `${fmt(r.rows.length)} row${r.rows.length === 1 ? "" : "s"}`,
    r.rowsAffected ? `${fmt(r.rowsAffected)} changed` : "",
    m.plan ? `plan ${m.plan}` : "",
    m.nodesTouched !== undefined ? `${m.nodesTouched} node${m.nodesTouched === 1 ? "" : "s"}` : "",
  ].filter(Boolean).join(" · ");
  if (r.columns.length) out(textTable(r.columns, r.rows));
  note(summary);
}

function bar(fraction, width = 30) {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return `[${"#".repeat(full)}${".".repeat(width - full)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
}

async function resize(conn, args) {
  const [name, n] = args.positional;
  const nodes = intFlag(need(n, "N (the node count)"), "N");
  let { body } = await call(conn, "POST", `${dbPath(need(name, "<db>"))}/resize`, { nodes });
  if (!body.job || !body.job.active) {
    if (!body.job || body.job.phase === "done") return out(`${name} is balanced on ${nodes} nodes already`);
  }
  const tty = process.stderr.isTTY;
  let last = "";
  for (;;) {
    const job = body.job;
    const fraction = job.phase === "done" ? 1 : job.rowsTotal ? job.rowsCopied / job.rowsTotal : 0;
    const line = `${bar(fraction)} ${job.phase} · ${fmt(job.rowsCopied)} of ${fmt(job.rowsTotal)} rows${job.lastError ? ` · retrying: ${job.lastError}` : ""}`;
    if (line !== last) {
      process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
      last = line;
    }
    if (!job.active) break;
    await new Promise((r) => setTimeout(r, 500));
    ({ body } = await call(conn, "GET", `${dbPath(name)}/resize`));
  }
  if (tty) process.stderr.write("\n");
  const job = body.job;
  if (job.phase !== "done") throw new CliError(`resize of ${name} ended in phase ${job.phase}${job.lastError ? `: ${job.lastError}` : ""}`);
  out(`resized ${name}: ${job.fromNodes} → ${job.toNodes} nodes, ${fmt(job.rowsCopied)} rows moved`);
}

// `bench` is the native benchmark's (build/native/bigdaddy bench); this only runs it.
function bench(argv) {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const bin = join(root, "build/native/bigdaddy");
  if (!existsSync(bin)) throw new CliError(`${bin} is not built: run npm run build first`);
  const r = spawnSync(bin, ["bench", ...argv], { stdio: "inherit" });
  if (r.status !== 0) throw new CliError(`bigdaddy bench exited with ${r.status ?? r.signal}`);
}

export { CliError };

export async function main(argv) {
  if (argv[0] === "bench") return bench(argv.slice(1));
  const args = parseArgs(argv);
  const [command, ...rest] = args.positional;
  if (!command || args.flags.help || command === "help") return out(USAGE);
  const conn = connection(args.flags);
  const sub = { positional: rest, flags: args.flags };
  switch (command) {
    case "databases": return databases(conn, sub);
    case "query": return query(conn, sub);
    case "resize": return resize(conn, sub);
    case "migrations": return migrations(conn, sub, { out, note, need, textTable });
    case "export": return exportDump(conn, sub, { need, note });
    case "import": return importDump(conn, sub, { need, note, out, intFlag });
    default: throw new CliError(`unknown command ${JSON.stringify(command)} (bigdaddy help lists the commands)`);
  }
}
