// What the Worker measures about the statements it runs, and where it goes:
//  - slow statements (over BIG_DADDY_SLOW_MS, default 500 ms) are logged as one JSON line each
//    (`wrangler tail` shows them; Workers Logs indexes the fields);
//  - every statement and every storage round trip is buffered per database in this isolate and
//    sent in batches (every couple of seconds, or when a buffer fills) to the database's topology
//    object, which keeps them in bounded tables (topology/insights.h) for the dashboard.
// Measuring only: what is kept, for how long, and the percentiles are the core's.
import { InsightsOp } from "./abi";
import { Writer } from "./codec";
import { BigDaddyError, type Env } from "./driver";

export const DEFAULT_SLOW_MS = 500;
const FLUSH_MS = 2_000;
const MAX_STATEMENTS = 100; // per database per batch; more waits for the next batch (or is dropped)
const MAX_LOAD = 4_000;
const MAX_SQL = 2_000;

interface Statement {
  sql: string; ms: number; plan: string; nodes: number; rowsRead: number; rowsReturned: number; rowsWritten: number; at: number; error: string;
}
interface Load { at: number; node: number; ms: number; ok: boolean }
interface Buffer { statements: Statement[]; load: Load[]; since: number; dropped: number }

const buffers = new Map<string, Buffer>();

function bufferFor(database: string): Buffer {
  let b = buffers.get(database);
  if (!b) { b = { statements: [], load: [], since: Date.now(), dropped: 0 }; buffers.set(database, b); }
  return b;
}

function slowMs(env: Env): number {
  const v = Number((env as { BIG_DADDY_SLOW_MS?: string }).BIG_DADDY_SLOW_MS);
  return Number.isFinite(v) && v >= 0 ? v : DEFAULT_SLOW_MS;
}

export interface StatementOutcome {
  meta?: Record<string, unknown>;
  rows?: number;
  changes?: number;
  error?: string;
}

// One statement (or script) that ran through the conductor.
export function observeStatement(env: Env, database: string, sql: string, startedAt: number, outcome: StatementOutcome) {
  const ms = Date.now() - startedAt;
  const meta = outcome.meta ?? {};
  const s: Statement = {
    sql: sql.length > MAX_SQL ? sql.slice(0, MAX_SQL) : sql,
    ms,
    plan: typeof meta.plan === "string" ? meta.plan : "",
    nodes: typeof meta.nodesTouched === "number" ? meta.nodesTouched : 0,
    rowsRead: typeof meta.rowsFetched === "number" ? meta.rowsFetched : 0,
    rowsReturned: outcome.rows ?? 0,
    rowsWritten: outcome.changes ?? 0,
    at: startedAt,
    error: outcome.error ?? "",
  };
  if (ms >= slowMs(env)) {
    console.log(JSON.stringify({
      event: "bigdaddy.slow_statement", database, durationMs: ms, thresholdMs: slowMs(env), sql: s.sql, plan: s.plan,
      nodes: Array.isArray(meta.nodes) ? meta.nodes : [], nodesTouched: s.nodes, roundTrips: meta.roundTrips ?? null,
      rowsRead: s.rowsRead, rowsReturned: s.rowsReturned, rowsWritten: s.rowsWritten, ...(s.error ? { error: s.error } : {}),
    }));
  }
  const b = bufferFor(database);
  if (b.statements.length < MAX_STATEMENTS * 4) b.statements.push(s);
  else b.dropped++;
}

// One storage round trip to node `node` of `database`.
export function observeNode(database: string, node: number, startedAt: number, ok: boolean) {
  const b = bufferFor(database);
  if (b.load.length < MAX_LOAD * 4) b.load.push({ at: startedAt, node, ms: Date.now() - startedAt, ok });
}

function encode(statements: Statement[], load: Load[]): Uint8Array {
  const w = new Writer(256 + statements.reduce((a, s) => a + s.sql.length * 3 + s.error.length * 3 + 64, 0) + load.length * 24);
  w.u8(InsightsOp.Record);
  w.u32(statements.length);
  for (const s of statements) {
    w.str(s.sql); w.f64(s.ms); w.str(s.plan); w.u32(s.nodes);
    w.i64(BigInt(s.rowsRead)); w.i64(BigInt(s.rowsReturned)); w.i64(BigInt(s.rowsWritten)); w.f64(s.at); w.str(s.error);
  }
  w.u32(load.length);
  for (const l of load) { w.f64(l.at); w.u32(l.node); w.f64(l.ms); w.u8(l.ok ? 1 : 0); }
  return w.finish();
}

interface InsightsStub { insights(req: Uint8Array): Promise<Uint8Array> }
const stub = (env: Env, database: string) => env.TOPOLOGY.get(env.TOPOLOGY.idFromName(database)) as unknown as InsightsStub;

async function send(env: Env, database: string, b: Buffer) {
  while (b.statements.length || b.load.length) {
    const statements = b.statements.splice(0, MAX_STATEMENTS);
    const load = b.load.splice(0, MAX_LOAD);
    const out = new Uint8Array(await stub(env, database).insights(encode(statements, load)));
    if (out[0] !== 0) throw new Error(`insights of ${database} not recorded (status ${out[0]})`);
  }
  b.since = Date.now();
}

// Sends the buffers that are due (or all of them, or one database's): for ctx.waitUntil.
export async function flushInsights(env: Env, options: { all?: boolean; database?: string } = {}): Promise<void> {
  const now = Date.now();
  const due: Promise<void>[] = [];
  for (const [database, b] of buffers) {
    if (options.database !== undefined && database !== options.database) continue;
    const full = b.statements.length >= MAX_STATEMENTS || b.load.length >= MAX_LOAD;
    if (!options.all && options.database === undefined && !full && now - b.since < FLUSH_MS) continue;
    if (!b.statements.length && !b.load.length) { buffers.delete(database); continue; }
    due.push(send(env, database, b).catch((e) => console.warn(`bigdaddy: insights of ${database} not recorded: ${(e as Error)?.message ?? e}`)));
  }
  await Promise.all(due);
}

// The database's insights report (after sending what this isolate still holds for it).
export async function readInsights(env: Env, database: string): Promise<unknown> {
  await flushInsights(env, { database });
  const w = new Writer(16 + database.length * 3);
  w.u8(InsightsOp.Report);
  w.str(database);
  const out = new Uint8Array(await stub(env, database).insights(w.finish()));
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const text = new TextDecoder().decode(out.subarray(5, 5 + view.getUint32(1, true)));
  if (out[0] !== 0) throw new BigDaddyError(text || "insights unavailable", out[0]);
  return JSON.parse(text);
}

// A database deleted: what this isolate holds for it goes too.
export function forgetInsights(database: string) {
  buffers.delete(database);
}
