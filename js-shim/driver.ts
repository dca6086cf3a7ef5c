// Drives one statement through the conductor state machine: start, then send each batch of
// requests to the objects in parallel and feed the responses back, until the core is done.
import { CoreTrap, getCore } from "./core";
import { observeNode, observeStatement } from "./insights";
import { Reader, Writer, unbindable, type ResultSet, type SqlValue } from "./codec";
import { ERROR_CODE_NAME_OTHER, ErrorCode, ErrorCodeName, RequestMode, StepKind, Target } from "./abi";
import type { TestStep } from "./test-hooks";

export interface Env {
  STORAGE: DurableObjectNamespace;
  TOPOLOGY: DurableObjectNamespace;
  TRANSACTION: DurableObjectNamespace;
  CATALOG: DurableObjectNamespace;
  BIG_DADDY_TOKEN?: string;
  BIG_DADDY_LOCAL_DEV?: string;
  BIG_DADDY_TEST_HOOKS?: string; // "1": resize fault-injection hooks (tests only)
  BIG_DADDY_SLOW_MS?: string; // statements at least this slow are logged as JSON lines (default 500)
}

export interface QueryOptions {
  // Create the database with this many nodes if it does not exist; 0 or absent: it must exist
  // (a missing one answers "no such database: <name>").
  nodes?: number;
  mode?: "query" | "explain" | "topology" | "reshard" | "script" | "create" | "drop" | "databases" | "browse" | "export" | "export-abandon" | "import";
  // The topology object's own alarm runs resize steps: its topology requests stay local.
  topology?: Handle;
  // Test hook: throw after this many rounds of I/O (a step cut off part-way).
  failAfterRounds?: number;
  // Test hook (passed only with BIG_DADDY_TEST_HOOKS=1; js-shim/test-hooks.ts): called with each
  // round's storage requests before they are sent, once they are on their way and when their
  // answers are in, and with the requests sent after the answer; throwing cuts the statement off
  // there, as if its host died (nothing more is sent, not even a rollback).
  testStep?: TestStep;
  // Integral REALs come back as Real, so that JSON answers write them as REALs.
  markReals?: boolean;
  // The interactive transaction the statement runs in (BEGIN answers with meta.transaction), and
  // BEGIN's idle timeout.
  transaction?: string;
  transactionTimeoutMs?: number;
  // This isolate keeps the transaction for its later statements (a Transaction object, a batch).
  // Without it, statements that begin one fail with code 8 before anything runs.
  transactionHost?: boolean;
  // Keeps the Worker alive for requests sent after the answer (a commit's phase two).
  waitUntil?: (p: Promise<unknown>) => void;
  // A streamed result: the core hands each window of rows over as it goes (awaited before it goes
  // on, so a slow reader holds the statement back rather than piling rows up); the result returned
  // at the end holds only the last rows.
  onRows?: (columns: string[], rows: SqlValue[][]) => void | Promise<void>;
}

export interface QueryResult extends ResultSet {
  meta: Record<string, unknown>;
  // mode "script": every statement's result in order; `error` names the one that failed (the
  // statements before it stay applied, the ones after it did not run).
  script?: { results: QueryResult[]; error?: { index: number; message: string; code: number } };
}

// The code name of an error class when SQLite gave none (the core's Error::code_name, generated).
function defaultCodeName(code: number): string {
  return ErrorCodeName[code] ?? ERROR_CODE_NAME_OTHER;
}

export class BigDaddyError extends Error {
  // code: Big Daddy's error class (ErrorCode in ./abi: Sql, Unsupported, Retryable, Internal, Limit, ...);
  // sqliteCode: the machine-readable code clients see (SQLite's result code by name, e.g.
  // SQLITE_CONSTRAINT_UNIQUE, or BIGDADDY_UNSUPPORTED / _RETRY / _INTERNAL / _LIMIT).
  constructor(message: string, readonly code: number, readonly sqliteCode: string = defaultCodeName(code)) {
    super(message);
    this.name = "BigDaddyError";
  }
}

const MODES = {
  query: RequestMode.Query, explain: RequestMode.Explain, topology: RequestMode.Topology, reshard: RequestMode.ReshardStep,
  script: RequestMode.Script, create: RequestMode.Create, drop: RequestMode.Drop, databases: RequestMode.Databases,
  browse: RequestMode.Browse, export: RequestMode.Export, "export-abandon": RequestMode.ExportAbandon, import: RequestMode.Import,
} as const;
export const DEFAULT_NODES = 8;

export interface Handle { handle(req: Uint8Array, database?: string): Promise<Uint8Array> }

// The one object holding the catalog of databases.
export const CATALOG_OBJECT = "catalog";

interface StorageStub extends Handle { wipe(): Promise<void> }

function stubFor(env: Env, database: string, target: number, node: number, local?: Handle): Handle {
  if (target === Target.Topology) return local ?? (env.TOPOLOGY.get(env.TOPOLOGY.idFromName(database)) as unknown as Handle);
  if (target === Target.Catalog) return env.CATALOG.get(env.CATALOG.idFromName(CATALOG_OBJECT)) as unknown as Handle;
  return storageStub(env, database, node);
}

function storageStub(env: Env, database: string, node: number): StorageStub {
  return env.STORAGE.get(env.STORAGE.idFromName(`${database}/${node}`)) as unknown as StorageStub;
}

// Requests the core hands over with its answer, to send without waiting (phase two of a commit;
// a lost one is repeated by the decision holder's alarm).
async function sendBackground(env: Env, database: string, step: Reader, options: QueryOptions) {
  const n = step.u32();
  const requests: { target: number; node: number; payload: Uint8Array }[] = [];
  for (let i = 0; i < n; i++) {
    const target = step.u8();
    const node = step.u32();
    const payload = step.bytes().slice();
    if (target !== Target.Sleep) requests.push({ target, node, payload });
  }
  if (options.testStep && requests.length) {
    const storage = requests.filter((r) => r.target === Target.Storage).map((r) => r.payload);
    if ((await options.testStep("background", storage)) === "skip") return;
  }
  const sends: Promise<unknown>[] = [];
  for (const { target, node, payload } of requests)
    sends.push(stubFor(env, database, target, node, options.topology).handle(payload).catch(() => {}));
  if (sends.length) {
    const all = Promise.all(sends);
    options.waitUntil?.(all);
  }
}

// Positional values, or values by parameter name (":a", "@a", "$a" bind by "a" or their spelling).
export type SqlParams = readonly SqlValue[] | Readonly<Record<string, SqlValue>>;

export async function runQuery(env: Env, database: string, sql: string, params: SqlParams = [], options: QueryOptions = {}): Promise<QueryResult> {
  if (typeof database !== "string" || database.length === 0 || database.length > 128)
    throw new BigDaddyError("database must be a non-empty string of at most 128 characters", ErrorCode.Sql);
  if (typeof sql !== "string") throw new BigDaddyError("query must be a string", ErrorCode.Sql);
  // A list binds ?/?NNN; an object binds :name, @name, $name (the core matches the names).
  const named = params !== null && typeof params === "object" && !Array.isArray(params) && !ArrayBuffer.isView(params) && !(params instanceof ArrayBuffer);
  if (!named && !Array.isArray(params)) throw new BigDaddyError("parameters must be an array, or an object of named values", ErrorCode.Sql);
  const names = named ? Object.keys(params) : [];
  const values: SqlValue[] = named ? Object.values(params as Record<string, SqlValue>) : (params as SqlValue[]);
  for (let i = 0; i < values.length; i++) {
    const why = unbindable(values[i]);
    if (why) throw new BigDaddyError(named ? `parameter "${names[i]}": ${why}` : `parameter ${i + 1}: ${why}`, ErrorCode.Sql);
  }
  try {
    return await drive(env, database, sql, values, named ? names : null, options);
  } catch (e) {
    // The Wasm instance trapped, in this statement or in another one while this one waited for
    // I/O: the instance is replaced and the statement fails (it cannot resume elsewhere).
    if (e instanceof CoreTrap) {
      const partial = e.cause_ === "" ? " (if it was a write, it may have been applied on some nodes)" : "";
      throw new BigDaddyError(e.message + partial, ErrorCode.Internal);
    }
    throw e;
  }
}

// `names`: the parameter names of an object of named values (null: positional values).
async function drive(env: Env, database: string, sql: string, values: readonly SqlValue[], names: string[] | null, options: QueryOptions): Promise<QueryResult> {
  const core = getCore();
  const w = new Writer(64 + sql.length * 3);
  w.str(database);
  w.str(sql);
  w.row(values as SqlValue[]);
  w.u32(options.nodes ?? 0);
  w.u8(MODES[options.mode ?? "query"] ?? RequestMode.Query);
  w.str(options.transaction ?? "");
  w.u32(options.transactionTimeoutMs ?? 0);
  w.u8(options.transactionHost ? 1 : 0);
  w.u8(options.onRows ? 1 : 0);
  if (names) {
    w.u32(names.length);
    for (const n of names) w.str(n);
  }
  let step = new Reader(core.call("bd_conductor_start", w.finish()), options.markReals);
  let rounds = 0;
  // Statements are measured for the slow-statement log and query insights (insights.ts).
  const observed = (options.mode ?? "query") === "query" ? Date.now() : 0;
  for (;;) {
    const kind = step.u8();
    const session = step.u32();
    if (kind === StepKind.Done) {
      const rs = step.resultSet();
      const metaJson = step.str();
      const result: QueryResult = { ...rs, meta: metaJson ? JSON.parse(metaJson) : {} };
      // Every statement's output of a script (none for a single statement), then its failure.
      const results: QueryResult[] = [];
      for (let n = step.u32(), i = 0; i < n; i++) {
        const r = step.resultSet();
        const m = step.str();
        results.push({ ...r, meta: m ? JSON.parse(m) : {} });
      }
      let failed: { index: number; code: number; message: string } | undefined;
      if (step.u8() === 1) {
        const index = step.u32(), code = step.u8();
        failed = { index, code, message: step.str() };
      }
      if (options.mode === "script") {
        result.script = { results };
        if (failed) result.script.error = failed;
      }
      await sendBackground(env, database, step, options);
      if (observed) observeStatement(env, database, sql, observed, { meta: result.meta, rows: rs.rows.length, changes: Number(rs.changes) });
      return result;
    }
    if (kind === StepKind.Failed) {
      const code = step.u8();
      const message = step.str();
      const sqliteCode = step.str();
      await sendBackground(env, database, step, options);
      if (observed) observeStatement(env, database, sql, observed, { error: message });
      throw new BigDaddyError(message, code, sqliteCode);
    }
    if (kind === StepKind.Rows) {
      const rs = step.resultSet();
      try {
        await options.onRows?.(rs.columns, rs.rows);
      } catch (e) {
        core.abort(session);
        throw e;
      }
      const rw = new Writer(16);
      rw.u32(session);
      rw.u32(0);
      step = new Reader(core.call("bd_conductor_resume", rw.finish()), options.markReals);
      continue;
    }
    const n = step.u32();
    const round: { target: number; node: number; payload: Uint8Array }[] = [];
    for (let i = 0; i < n; i++) {
      const target = step.u8();
      const node = step.u32();
      round.push({ target, node, payload: step.bytes().slice() });
    }
    // Test hooks only: the storage requests of this round, for options.testStep.
    const storage = options.testStep ? round.filter((r) => r.target === Target.Storage).map((r) => r.payload) : [];
    const testStep = async (at: "send" | "sent") => {
      try {
        await options.testStep!(at, storage);
      } catch (e) {
        core.abort(session);
        throw e;
      }
    };
    if (storage.length) await testStep("send");
    const sends: Promise<[boolean, Uint8Array]>[] = [];
    for (const { target, node, payload } of round) {
      if (target === Target.Sleep) {
        // Backoff while a resize switches over: `node` is the wait in milliseconds.
        sends.push(new Promise((resolve) => setTimeout(() => resolve([true, new Uint8Array(0)]), node)));
        continue;
      }
      if (target === Target.Wipe) {
        // Deleting the database: the storage object drops everything it holds.
        sends.push(storageStub(env, database, node).wipe().then(
          () => [true, new Uint8Array(0)] as [boolean, Uint8Array],
          (e) => [false, new TextEncoder().encode(String(e?.message ?? e))] as [boolean, Uint8Array],
        ));
        continue;
      }
      const sent = target === Target.Storage ? Date.now() : 0;
      sends.push(
        stubFor(env, database, target, node, options.topology).handle(payload, target === Target.Topology ? database : undefined).then(
          (r) => { if (sent) observeNode(database, node, sent, true); return [true, new Uint8Array(r)] as [boolean, Uint8Array]; },
          (e) => { if (sent) observeNode(database, node, sent, false); return [false, new TextEncoder().encode(String(e?.message ?? e))] as [boolean, Uint8Array]; },
        ),
      );
    }
    if (storage.length) await testStep("sent");
    let responses: [boolean, Uint8Array][];
    try {
      responses = await Promise.all(sends);
      if (options.failAfterRounds !== undefined && ++rounds >= options.failAfterRounds)
        throw new Error(`test hook: step cut off after ${rounds} round trips`);
      if (storage.length)
        await options.testStep!("answered", storage, round.flatMap((r, i) => (r.target === Target.Storage ? [responses[i][1]] : [])));
    } catch (e) {
      core.abort(session);
      throw e;
    }
    const rw = new Writer(256);
    rw.u32(session);
    rw.u32(responses.length);
    for (const [ok, bytes] of responses) { rw.u8(ok ? 1 : 0); rw.bytes(bytes); }
    step = new Reader(core.call("bd_conductor_resume", rw.finish()), options.markReals);
  }
}
