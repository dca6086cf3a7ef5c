// bigdaddy export <db> [--table t]... > dump.sql     bigdaddy import <db> <file.sql> [--create [--nodes N]]
//
// Both stream: the export is written to stdout as the Worker produces it (a consistent snapshot,
// see conductor/dump.h), the import sends the file as the request body and prints the Worker's
// progress lines. An export that fails midway exits 1 and its output lacks the final
// "-- Big Daddy export complete" line.
import { createReadStream, statSync } from "node:fs";
import { Readable } from "node:stream";
import { CliError, call, db as dbPath, request } from "./client.mjs";

const COMPLETE = "-- Big Daddy export complete: ";

async function errorOf(res) {
  const text = await res.text();
  try { return JSON.parse(text).error ?? text; } catch { return `${res.status} ${res.statusText}`; }
}

export async function exportDump(conn, args, io) {
  const [name] = args.positional;
  io.need(name, "<db>");
  const q = new URLSearchParams();
  for (const t of args.flags.table ?? []) q.append("table", t);
  const res = await request(conn, "GET", `${dbPath(name)}/export${q.size ? `?${q}` : ""}`);
  if (!res.ok) throw new CliError(await errorOf(res));
  let tail = "";
  let bytes = 0;
  const dec = new TextDecoder();
  try {
    for await (const chunk of res.body) {
      bytes += chunk.length;
      tail = (tail + dec.decode(chunk, { stream: true })).slice(-400);
      if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once("drain", r));
    }
  } catch (e) {
    const failed = /-- Big Daddy export FAILED: (.*)\n?$/.exec(tail);
    throw new CliError(`export of ${name} failed: ${failed ? failed[1] : e?.message ?? e}`);
  }
  const last = tail.trimEnd().split("\n").pop() ?? "";
  if (!last.startsWith(COMPLETE)) {
    const failed = /-- Big Daddy export FAILED: (.*)$/.exec(last);
    throw new CliError(`export of ${name} failed: ${failed ? failed[1] : "the dump ended early"}`);
  }
  io.note(`exported ${name}: ${last.slice(COMPLETE.length)}, ${(bytes / 1048576).toFixed(1)} MB`);
}

function bar(fraction, width = 30) {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return `[${"#".repeat(full)}${".".repeat(width - full)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
}

export async function importDump(conn, args, io) {
  const [name, file] = args.positional;
  io.need(name, "<db>");
  io.need(file, "<file.sql>");
  let size;
  try { size = statSync(file).size; } catch (e) { throw new CliError(`cannot read ${file}: ${e.code ?? e.message}`); }
  if (args.flags.create) {
    const nodes = args.flags.nodes === undefined ? undefined : io.intFlag(args.flags.nodes, "--nodes");
    try {
      await call(conn, "POST", "/api/databases", { name, nodes });
    } catch (e) {
      if (!(e instanceof CliError && e.status === 409)) throw e;
    }
  }
  const body = Readable.toWeb(createReadStream(file));
  const res = await request(conn, "POST", `${dbPath(name)}/import`, undefined, { body, duplex: "half", headers: { "content-type": "application/sql", ...(conn.token ? { authorization: `Bearer ${conn.token}` } : {}) } });
  if (!res.ok) throw new CliError(await errorOf(res));
  const tty = process.stderr.isTTY;
  const dec = new TextDecoder();
  let pending = "", last = null;
  for await (const chunk of res.body) {
    pending += dec.decode(chunk, { stream: true });
    let nl;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (!line.trim()) continue;
      const p = JSON.parse(line);
      last = p;
      if (p.error || p.done) continue;
      const text = `${bar(size ? p.bytes / size : 1)} ${p.statements.toLocaleString("en-US")} statements, ${p.rows.toLocaleString("en-US")} rows`;
      process.stderr.write(tty ? `\r\x1b[2K${text}` : `${text}\n`);
    }
  }
  if (tty) process.stderr.write("\n");
  if (!last) throw new CliError("the import ended without an answer");
  for (const s of last.skipped ?? []) io.note(`skipped ${s.count} × ${s.reason}, e.g. ${s.example}`);
  if (last.error) throw new CliError(`import into ${name} stopped: ${last.error} (${last.statements} statements before it were applied)`);
  io.out(`imported ${file} into ${name}: ${last.statements.toLocaleString("en-US")} statements, ${last.rows.toLocaleString("en-US")} rows`);
}
