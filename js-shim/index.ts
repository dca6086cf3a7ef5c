// Big Daddy's Worker: the default entrypoint (service-binding RPC and HTTP). Plumbing only: every
// statement goes to the core's conductor (driver.ts), and results come back as plain objects.
import { RpcTarget, WorkerEntrypoint } from "cloudflare:workers";
import { ErrorCode } from "./abi";
import { BigDaddyError, DEFAULT_NODES, runQuery as runCore, type QueryOptions, type SqlParams } from "./driver";
import { checkCreateNodes, createDatabase, deleteDatabase, listDatabases, type DatabaseEntry } from "./catalog";
import { flushInsights } from "./insights";
import type { SqlValue } from "./codec";
import { startStream } from "./stream";
import { handleHttp, openTransaction, runBatch, runScript, shape, transactionStub, type BatchResult, type BatchStatement, type Env, type ExecResult, type RowMode, type SqlResult } from "./http";

import type * as Public from "../client/types";
import { coreInstances, injectTrap, resetCore } from "./core";

export { Catalog, Storage, Topology, Transaction } from "./objects";
import type { TransactionAnswer } from "./objects";
export type { BatchResult, BatchStatement, DatabaseEntry, ExecResult, RowMode, SqlResult };

// createConnection creates the database if it does not exist, with `nodes` nodes (default 8).
export interface ConnectionOptions { nodes?: number }
export type ExecuteResult = { result: SqlResult; error?: undefined } | { result?: undefined; error: { message: string; code: string } };
// Other calls need an existing database unless `create: true` (then `nodes` is its node count).
export interface QueryCallOptions extends ConnectionOptions { rowMode?: RowMode; create?: boolean }

// The node count a call may create its database with: none unless it asks to create.
function createNodes(options: QueryCallOptions | undefined): number {
  return options?.create === true ? checkCreateNodes(options.nodes) : 0;
}

// Across RPC an error keeps only its message, prefixed with a non-standard class name; callers get
// SQLite's own words instead ("no such table: x"), as over HTTP.
async function rpc<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof BigDaddyError && e.code === ErrorCode.Transaction) throw new Error("BEGIN starts an interactive transaction: use env.BIG_DADDY.transaction(db)");
    if (e instanceof BigDaddyError) throw new Error(e.message);
    throw e;
  }
}

function runQuery(env: Env, database: string, sql: string, params: SqlParams, options: QueryOptions) {
  return rpc(() => runCore(env, database, sql, params, options));
}

// The results the binding hands out have the public shape of client/types.ts (over RPC no value is
// a Real: only HTTP's JSON answers mark integral REALs).
function publicResult(r: SqlResult): Public.SqlResult {
  return r as Public.SqlResult;
}

function resizeJob(r: { rows: SqlValue[][] }): Public.ResizeJob | null {
  return JSON.parse(String(r.rows[0]?.[0] ?? "null"));
}

function unwrap(a: TransactionAnswer): QueryResultOf {
  if ("error" in a) throw new Error(a.error.message);
  return a.result;
}
type QueryResultOf = Extract<TransactionAnswer, { result: unknown }>["result"];

// env.BIG_DADDY.transaction(db): an interactive transaction over RPC. Its statements run in the
// transaction's own object (so any isolate can reach it); `open` says whether it still runs.
export class TransactionHandle extends RpcTarget {
  #env: Env;
  #database: string;
  #id: string;
  #open = true;
  constructor(env: Env, database: string, id: string) {
    super();
    this.#env = env;
    this.#database = database;
    this.#id = id;
  }
  get id() { return this.#id; }
  get open() { return this.#open; }
  async query(sql: string, params: SqlValue[] = [], options: { rowMode?: RowMode } = {}): Promise<SqlResult> {
    const stub = transactionStub(this.#env, this.#id);
    if (!stub) throw new Error("no such transaction");
    const a: TransactionAnswer = await stub.query(this.#database, sql, params ?? []);
    this.#open = a.open;
    return shape(unwrap(a), options.rowMode);
  }
  // sql`...${value}`: values are bound parameters.
  async sql(strings: readonly string[] | string, ...values: SqlValue[]): Promise<SqlResult> {
    return this.query(typeof strings === "string" ? strings : Array.from(strings).join("?"), values);
  }
  async commit(): Promise<SqlResult> { return this.query("COMMIT"); }
  async rollback(): Promise<SqlResult> { return this.query("ROLLBACK"); }
}

export default class BigDaddy extends WorkerEntrypoint<Env> {
  // An interactive transaction (BEGIN ... COMMIT) on `databaseId`; idle for `timeoutMs` (default
  // 30 s), it is rolled back. The database must exist, unless `create: true`.
  async transaction(databaseId: string, options: QueryCallOptions & { timeoutMs?: number; begin?: string } = {}) {
    const begin = typeof options.begin === "string" ? options.begin : "BEGIN";
    const { id, answer } = await openTransaction(this.env, databaseId, begin, [], { nodes: createNodes(options), timeoutMs: options.timeoutMs });
    unwrap(answer);
    return new TransactionHandle(this.env, databaseId, id);
  }

  // env.BIG_DADDY.createConnection("db", { nodes: 10 }) creates the database if it does not exist
  // (with `nodes` nodes, default 8), then returns sql`SELECT ... ${value}`; interpolated values are
  // always bound parameters: the template's strings are joined with "?".
  async createConnection(databaseId: string, options: ConnectionOptions = {}) {
    const env = this.env;
    await rpc(() => createDatabase(env, databaseId, options.nodes));
    const tag = async (strings: readonly string[] | string, ...values: SqlValue[]) => {
      const text = typeof strings === "string" ? strings : Array.from(strings).join("?");
      return publicResult(shape(await runQuery(env, databaseId, text, values, {})));
    };
    return tag as Public.SqlTag;
  }

  // Exactly one statement (trailing ';' and comments allowed) with positional parameters (a list)
  // or named ones (an object: { name: value } for :name, @name or $name); scripts go through
  // exec(). The database must exist, unless `create: true`.
  async query(databaseId: string, sql: string, params: SqlParams = [], options: QueryCallOptions = {}): Promise<Public.SqlResult> {
    try {
      return publicResult(shape(await runQuery(this.env, databaseId, sql, params ?? [], { nodes: createNodes(options), waitUntil: this.waiter() }), options.rowMode));
    } finally {
      this.flushLater();
    }
  }

  // The same as query(), with errors as values: RPC keeps only an exception's message, so this is
  // how a caller gets SQLite's result code by name (error.code: SQLITE_CONSTRAINT_UNIQUE, ...).
  async execute(databaseId: string, sql: string, params: SqlParams = [], options: QueryCallOptions = {}): Promise<ExecuteResult> {
    try {
      return { result: shape(await runCore(this.env, databaseId, sql, params ?? [], { nodes: createNodes(options), waitUntil: this.waiter() }), options.rowMode) };
    } catch (e) {
      if (e instanceof BigDaddyError) return { error: { message: e.message, code: e.sqliteCode } };
      throw e;
    }
  }

  private waiter() {
    return (p: Promise<unknown>) => this.ctx.waitUntil(p);
  }

  // Statements in order, as one transaction: all apply or none (`error.index` names the one that failed).
  async batch(databaseId: string, statements: BatchStatement[], options: QueryCallOptions = {}): Promise<Public.BatchResult> {
    try {
      return (await rpc(() => runBatch(this.env, databaseId, statements, { rowMode: options.rowMode, nodes: createNodes(options), waitUntil: this.waiter() }))) as Public.BatchResult;
    } finally {
      this.flushLater();
    }
  }

  // A script: statements separated by ';' (no parameters), run in order until one fails. Returns
  // every statement's result; `error.index` names the failed one (those before it stay applied).
  // With `atomic: true` the script is one transaction: all of it applies or none.
  async exec(databaseId: string, script: string, options: QueryCallOptions & { atomic?: boolean } = {}): Promise<Public.BatchResult> {
    try {
      return (await runScript(this.env, databaseId, script, { rowMode: options.rowMode, nodes: createNodes(options), atomic: options.atomic === true, waitUntil: this.waiter() })) as Public.BatchResult;
    } catch (e) {
      if (e instanceof BigDaddyError) throw new Error(e.message);
      throw e;
    }
  }

  // One statement whose result streams, of any size: NDJSON bytes (a {"columns"} line, one line per
  // row, then {"rowsAffected", "lastInsertRowid", "meta"} or {"error", "code"}). client/stream.ts
  // reads it as rows. Errors before the first row are thrown, as by query().
  async stream(databaseId: string, sql: string, params: SqlValue[] = [], options: QueryCallOptions = {}): Promise<ReadableStream<Uint8Array>> {
    let s;
    try {
      s = await startStream(this.env, databaseId, sql, params ?? [], { nodes: createNodes(options), rowMode: options.rowMode, format: "ndjson", waitUntil: this.waiter() });
    } catch (e) {
      if (e instanceof BigDaddyError) throw new Error(e.message);
      throw e;
    }
    if (s.kind === "stream") return s.body;
    const bytes = new TextEncoder().encode(s.text);
    return new ReadableStream({ start(c) { c.enqueue(bytes); c.close(); } });
  }

  // How the statement would run, without running it: the plan is in `meta`.
  async explain(databaseId: string, sql: string, params: SqlParams = [], options: QueryCallOptions = {}): Promise<Public.SqlResult> {
    return publicResult(shape(await runQuery(this.env, databaseId, sql, params ?? [], { mode: "explain" }), options.rowMode));
  }

  async topology(databaseId: string): Promise<Public.Topology> {
    const r = await runQuery(this.env, databaseId, "", [], { mode: "topology" });
    return r.meta as unknown as Public.Topology;
  }

  // The catalog of databases: creating (a no-op for one that exists: `created: false`), listing
  // (with each database's current nodes, rows and bytes) and deleting (every node's data).
  async createDatabase(databaseId: string, options: ConnectionOptions = {}) {
    return rpc(() => createDatabase(this.env, databaseId, options.nodes));
  }

  async listDatabases(): Promise<DatabaseEntry[]> {
    return rpc(() => listDatabases(this.env));
  }

  async deleteDatabase(databaseId: string) {
    return rpc(() => deleteDatabase(this.env, databaseId));
  }

  // Online resize: grows or shrinks the database to `nodes` nodes while it keeps serving (same as the SQL
  // statement PRAGMA bigdaddy_resize = N). Returns the job: phase, rows copied of total, errors.
  async resize(databaseId: string, options: { nodes: number }) {
    if (!Number.isInteger(options?.nodes)) throw new Error("resize needs { nodes: <integer> }");
    return resizeJob(await runQuery(this.env, databaseId, `PRAGMA bigdaddy_resize = ${options.nodes}`, [], {}));
  }

  async resizeStatus(databaseId: string) {
    return resizeJob(await runQuery(this.env, databaseId, "PRAGMA bigdaddy_resize", [], {}));
  }

  async cancelResize(databaseId: string) {
    return resizeJob(await runQuery(this.env, databaseId, "PRAGMA bigdaddy_resize = 'cancel'", [], {}));
  }

  // Test hook (BIG_DADDY_TEST_HOOKS=1 only): the next call runs on a fresh Wasm instance, as in a
  // new isolate.
  async testFreshCore(): Promise<void> {
    if (this.env.BIG_DADDY_TEST_HOOKS !== "1") throw new Error("test hooks are disabled");
    resetCore();
  }

  // Test hook: the next clock read inside the core throws, unwinding the Wasm code mid-statement.
  async testInjectTrap(): Promise<void> {
    if (this.env.BIG_DADDY_TEST_HOOKS !== "1") throw new Error("test hooks are disabled");
    injectTrap();
  }

  // Test hook: how many Wasm instances this isolate has created.
  async testCoreInstances(): Promise<number> {
    if (this.env.BIG_DADDY_TEST_HOOKS !== "1") throw new Error("test hooks are disabled");
    return coreInstances();
  }

  async fetch(request: Request): Promise<Response> {
    try {
      return await handleHttp(request, this.env, this.ctx);
    } finally {
      this.flushLater();
    }
  }

  // What this isolate measured (insights.ts) goes to the databases' insights in the background.
  private flushLater() {
    this.ctx.waitUntil(flushInsights(this.env));
  }
}
