// The HTTP surface: POST /sql (single statements, batches, EXPLAIN), the topology JSON, the
// dashboard (static assets behind auth) and its natural-language helper. Plumbing only: statements
// go to the conductor (driver.ts); nothing here looks inside SQL.
import { BigDaddyError, runQuery, type Env as CoreEnv, type QueryResult, type SqlParams } from "./driver";
import { Real, type SqlValue } from "./codec";
import { getCore } from "./core";
import type { TransactionAnswer, TransactionOptions } from "./objects";
import type { TestStep } from "./test-hooks";
import { NDJSON, startStream } from "./stream";
import { checkCreateNodes, createDatabase, deleteDatabase, listDatabases } from "./catalog";
import { readInsights } from "./insights";
import { ErrorCode, ErrorCodeName, MAX_NODES } from "./abi";
import { exportResponse, importResponse } from "./dump";
import { authorize, endSessions, newSession, secretsEqual, sessionCookie, SESSION_COOKIE, type AuthEnv } from "./auth";

export interface Env extends CoreEnv, AuthEnv {
  ASSETS?: { fetch(request: Request): Promise<Response> };
  AI?: { run(model: string, input: Record<string, unknown>): Promise<unknown> };
  BIG_DADDY_AI_MODEL?: string;
}

// What keeps the Worker alive for work after the answer (ExecutionContext.waitUntil).
export interface Waiter { waitUntil(p: Promise<unknown>): void }

export type RowMode = "object" | "array";

export interface SqlResult {
  columns: string[];
  rows: Record<string, SqlValue>[] | SqlValue[][];
  rowsAffected: number | bigint;
  lastInsertRowid: number | bigint;
  meta: Record<string, unknown>;
}

export interface BatchStatement { sql?: string; query?: string; params?: SqlParams }

// A batch is one transaction: its statements run in order and apply together, or not at all. On
// failure `results` is empty and `error.index` names the statement that failed (-1: the commit).
export interface BatchResult {
  results: SqlResult[];
  // code: Big Daddy's error class (ErrorCode in ./abi: Sql, Unsupported, Retryable, Internal, Limit, ...);
  // sqliteCode: SQLite's result code by name (SQLITE_CONSTRAINT_UNIQUE, ...) or BIGDADDY_*.
  error?: { index: number; message: string; code: number; sqliteCode: string };
}

export function shape(r: QueryResult, rowMode: RowMode = "object"): SqlResult {
  const rows = rowMode === "array" ? r.rows : r.rows.map((row) => {
    const o: Record<string, SqlValue> = {};
    r.columns.forEach((c, i) => { o[c] = row[i]; });
    return o;
  });
  return { columns: r.columns, rows, rowsAffected: r.changes, lastInsertRowid: r.lastInsertRowid, meta: r.meta };
}

// `testStep`: test hooks only (driver.ts), never passed by the entrypoints.
export async function runBatch(env: CoreEnv, database: string, statements: readonly BatchStatement[], options: { nodes?: number; rowMode?: RowMode; markReals?: boolean; waitUntil?: (p: Promise<unknown>) => void; testStep?: TestStep } = {}): Promise<BatchResult> {
  if (!Array.isArray(statements)) throw new BigDaddyError("batch must be an array of {sql, params}", ErrorCode.Sql);
  const list: { text: string; params: SqlParams }[] = [];
  for (let index = 0; index < statements.length; index++) {
    const s = statements[index];
    const text = typeof s === "string" ? s : s?.sql ?? s?.query;
    if (typeof text !== "string")
      return { results: [], error: { index, message: `statement ${index} has no "sql" (or "query") string`, code: ErrorCode.Sql, sqliteCode: ErrorCodeName[ErrorCode.Sql] } };
    if (typeof s !== "string" && s.params !== undefined && !isParams(s.params))
      return {
        results: [],
        error: { index, message: `statement ${index}: "params" must be an array of values or an object of named values`, code: ErrorCode.Sql, sqliteCode: ErrorCodeName[ErrorCode.Sql] },
      };
    list.push({ text, params: (typeof s === "string" ? [] : s.params) ?? [] });
  }
  const base = { nodes: options.nodes, markReals: options.markReals, waitUntil: options.waitUntil, transactionHost: true, testStep: options.testStep };
  if (list.length === 0) return { results: [] };
  if (list.length === 1) {
    try {
      return { results: [shape(await runQuery(env, database, list[0].text, list[0].params, { ...base, transactionHost: false }), options.rowMode)] };
    } catch (e) {
      if (!(e instanceof BigDaddyError)) throw e;
      const message = e.code === ErrorCode.Transaction ? "a batch is one transaction already: it cannot begin another" : e.message;
      return { results: [], error: { index: 0, message, code: e.code === ErrorCode.Transaction ? ErrorCode.Sql : e.code, sqliteCode: e.code === ErrorCode.Transaction ? ErrorCodeName[ErrorCode.Sql] : e.sqliteCode } };
    }
  }
  // One transaction: every statement or none (the transaction lives in this isolate's core for
  // the length of the batch).
  const begun = await runQuery(env, database, "BEGIN", [], base);
  const transaction = String(begun.meta.transaction);
  const results: SqlResult[] = [];
  for (let index = 0; index < list.length; index++) {
    try {
      results.push(shape(await runQuery(env, database, list[index].text, list[index].params, { ...base, transaction }), options.rowMode));
    } catch (e) {
      if (!(e instanceof BigDaddyError)) throw e;
      await runQuery(env, database, "ROLLBACK", [], { ...base, transaction }).catch(() => {});
      return { results: [], error: { index, message: e.message, code: e.code, sqliteCode: e.sqliteCode } };
    }
  }
  try {
    await runQuery(env, database, "COMMIT", [], { ...base, transaction });
  } catch (e) {
    if (!(e instanceof BigDaddyError)) throw e;
    // A COMMIT refused by a deferred foreign key leaves the transaction open: the batch ends it.
    await runQuery(env, database, "ROLLBACK", [], { ...base, transaction }).catch(() => {});
    return { results: [], error: { index: -1, message: e.message, code: e.code, sqliteCode: e.sqliteCode } };
  }
  return { results };
}

// A script: statements separated by ';', run in order until one fails (each atomic on every node
// it touches; the script as a whole is not). Every statement's result is reported. With `atomic`
// the script is one transaction, as a batch is: all of it applies or none (then `results` is empty).
export interface ExecResult {
  results: SqlResult[];
  error?: { index: number; message: string; code: number; sqliteCode?: string };
}

export async function runScript(env: CoreEnv, database: string, script: string, options: { nodes?: number; rowMode?: RowMode; markReals?: boolean; atomic?: boolean; waitUntil?: (p: Promise<unknown>) => void } = {}): Promise<ExecResult> {
  if (typeof script !== "string") throw new BigDaddyError("script must be a string", ErrorCode.Sql);
  if (options.atomic) return runScriptAtomic(env, database, script, options);
  const r = await runQuery(env, database, script, [], { nodes: options.nodes, mode: "script", markReals: options.markReals });
  const results = (r.script?.results ?? []).map((x) => shape(x, options.rowMode));
  return r.script?.error ? { results, error: r.script.error } : { results };
}

async function runScriptAtomic(env: CoreEnv, database: string, script: string, options: { nodes?: number; rowMode?: RowMode; markReals?: boolean; waitUntil?: (p: Promise<unknown>) => void }): Promise<ExecResult> {
  const base = { nodes: options.nodes, markReals: options.markReals, waitUntil: options.waitUntil, transactionHost: true };
  const begun = await runQuery(env, database, "BEGIN", [], base);
  const transaction = String(begun.meta.transaction);
  // A rollback that fails is reported with the error that caused it, never hidden.
  const rollback = async (cause: string): Promise<string> => {
    try {
      await runQuery(env, database, "ROLLBACK", [], { ...base, transaction });
      return cause;
    } catch (e) {
      return `${cause}; rolling the script back failed too: ${(e as Error)?.message ?? e}`;
    }
  };
  let r: QueryResult;
  try {
    r = await runQuery(env, database, script, [], { ...base, mode: "script", transaction });
  } catch (e) {
    if (!(e instanceof BigDaddyError)) throw e;
    throw new BigDaddyError(await rollback(e.message), e.code, e.sqliteCode);
  }
  if (r.script?.error) {
    const failed = r.script.error;
    return { results: [], error: { ...failed, message: await rollback(failed.message) } };
  }
  try {
    await runQuery(env, database, "COMMIT", [], { ...base, transaction });
  } catch (e) {
    if (!(e instanceof BigDaddyError)) throw e;
    // A COMMIT refused by a deferred foreign key leaves the transaction open: the script ends it.
    await runQuery(env, database, "ROLLBACK", [], { ...base, transaction }).catch(() => {});
    return { results: [], error: { index: -1, message: e.message, code: e.code, sqliteCode: e.sqliteCode } };
  }
  return { results: (r.script?.results ?? []).map((x) => shape(x, options.rowMode)) };
}

// A list of positional values, or an object of values by parameter name.
function isParams(p: unknown): p is SqlParams {
  return Array.isArray(p) || (typeof p === "object" && p !== null && !ArrayBuffer.isView(p) && !(p instanceof ArrayBuffer));
}

// ---------------------------------------------------------------------------------------------
// Request routing

export async function handleHttp(request: Request, env: Env, ctx?: Waiter): Promise<Response> {
  try {
    return await route(request, env, ctx);
  } catch (e) {
    if (e instanceof BigDaddyError) return json(errorBody(e), statusFor(e.code));
    // Never a stack trace (or anything that might hold a secret) to the client.
    console.error(e);
    return json({ error: "internal error" }, 500);
  }
}

// A statement through the core (parser, printer, its SQLite). A trapped instance is replaced by the
// call itself, so a second try tells whether a fresh one serves.
function health(): Response {
  let detail = "";
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const out = getCore().call("bd_health", new Uint8Array(0));
      if (out[0] === 0) return json({ ok: true });
      detail = new TextDecoder().decode(out.subarray(5));
    } catch (e) {
      detail = String((e as Error)?.message ?? e);
    }
  }
  return json({ ok: false, error: detail }, 503);
}

export function statusFor(code: number): number {
  if (code === ErrorCode.Retryable) return 503; // retryable: the topology moved under us; try again
  if (code === ErrorCode.Internal) return 500;
  if (code === ErrorCode.Busy || code === ErrorCode.Conflict) return 409; // database is locked: a conflict rolled the transaction back
  if (code === ErrorCode.NotFound) return 404; // no such database
  return 400;
}

// The error body: SQLite's words, and whether running it again may succeed.
export function errorBody(e: BigDaddyError, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base = { error: e.message, code: e.sqliteCode };
  return e.code === ErrorCode.Busy || e.code === ErrorCode.Conflict || e.code === ErrorCode.Retryable ? { ...base, retryable: true, ...extra } : { ...base, ...extra };
}

async function route(request: Request, env: Env, ctx?: Waiter): Promise<Response> {
  const waitUntil = ctx ? (p: Promise<unknown>) => ctx.waitUntil(p) : undefined;
  const url = new URL(request.url);
  const path = url.pathname;
  if (path === "/health" && (request.method === "GET" || request.method === "HEAD")) return health();

  const isDash = path === "/" || path === "/dash" || path.startsWith("/dash/");
  if (path === "/login" && request.method === "POST") return login(request, env);
  if (path === "/logout" && request.method === "POST") {
    // A signed-in logout ends every dashboard session (a copied cookie stops working too).
    const who = await authorize(request, env);
    if (who.ok && who.via !== "open") await endSessions(env);
    return new Response(null, { status: 303, headers: { location: "/dash/", "set-cookie": sessionCookie("", url.protocol === "https:", 0) } });
  }

  const auth = await authorize(request, env);
  if (!auth.ok) {
    if (isDash && request.method === "GET" && acceptsHtml(request)) return loginPage(env, auth.error, 401);
    return json({ error: auth.error }, auth.status);
  }

  if (path === "/") return Response.redirect(new URL("/dash/", url).toString(), 302);
  if (isDash) {
    if (!env.ASSETS) return json({ error: "dashboard assets are not configured (wrangler.jsonc \"assets\")" }, 404);
    const res = await env.ASSETS.fetch(request);
    const headers = new Headers(res.headers);
    headers.set("cache-control", "no-store");
    headers.set("x-content-type-options", "nosniff");
    headers.set("referrer-policy", "no-referrer");
    return new Response(res.body, { status: res.status, headers });
  }

  if (path === "/sql") {
    if (request.method !== "POST") return json({ error: "use POST /sql" }, 405);
    return sql(request, env, ctx);
  }
  // The catalog: GET lists the databases (with their current size), POST {name, nodes} creates one.
  if (path === "/api/databases") {
    if (request.method === "GET") return json({ databases: await listDatabases(env, { sizes: url.searchParams.get("sizes") !== "0" }) });
    if (request.method !== "POST") return json({ error: "use GET or POST /api/databases" }, 405);
    const body = await readJson(request);
    if (typeof body?.name !== "string" || body.name.length === 0) return json({ error: "missing \"name\" (the database to create)" }, 400);
    const r = await createDatabase(env, body.name, checkCreateNodes(body.nodes));
    if (!r.created) return json({ error: `database already exists: ${body.name}` }, 409);
    return json(r, 201);
  }
  // GET: the database's topology; DELETE: deletes it and every node's data, confirmed by name
  // (`{"confirm": "<name>"}` or `?confirm=<name>`).
  const m = path.match(/^\/api\/databases\/([^/]+)$/);
  if (m) {
    let database: string;
    try { database = decodeURIComponent(m[1]); } catch { return json({ error: "malformed database name in the URL" }, 400); }
    if (request.method === "DELETE") {
      let confirm = url.searchParams.get("confirm");
      if (confirm === null && request.headers.get("content-type")?.includes("application/json")) confirm = (await readJson(request))?.confirm ?? null;
      if (confirm !== database)
        return json({ error: `confirm the deletion by naming the database: {"confirm": "${database}"}` }, 400);
      return json(await deleteDatabase(env, database));
    }
    if (request.method !== "GET") return json({ error: "use GET or DELETE" }, 405);
    const r = await runQuery(env, database, "", [], { mode: "topology" });
    return json(r.meta);
  }
  // GET /api/databases/:db/tables/:table/rows?sort=<column>&desc=1&limit=50&offset=0: a page of
  // the table's rows with the node each lives on (the dashboard's table browser).
  const br = path.match(/^\/api\/databases\/([^/]+)\/tables\/([^/]+)\/rows$/);
  if (br) {
    if (request.method !== "GET") return json({ error: "use GET" }, 405);
    let database: string, table: string;
    try { database = decodeURIComponent(br[1]); table = decodeURIComponent(br[2]); } catch { return json({ error: "malformed name in the URL" }, 400); }
    const int = (k: string, d: number) => { const v = url.searchParams.get(k); const n = v === null ? d : Number(v); return Number.isInteger(n) ? n : NaN; };
    const params = [url.searchParams.get("sort") || null, url.searchParams.get("desc") === "1" ? 1 : 0, int("limit", 50), int("offset", 0)];
    if (params.some((p) => typeof p === "number" && Number.isNaN(p))) return json({ error: "limit and offset must be integers" }, 400);
    const r = await runQuery(env, database, table, params, { mode: "browse" });
    const { rowNodes, ...meta } = r.meta as Record<string, unknown>;
    return json({ ...shape(r, "array"), meta, nodes: rowNodes });
  }
  // GET /api/databases/:db/export[?table=t]: the SQL dump, streamed; POST .../import: load one.
  const dm = path.match(/^\/api\/databases\/([^/]+)\/(export|import)$/);
  if (dm) {
    let database: string;
    try { database = decodeURIComponent(dm[1]); } catch { return json({ error: "malformed database name in the URL" }, 400); }
    if (dm[2] === "export") {
      if (request.method !== "GET") return json({ error: "use GET" }, 405);
      return exportResponse(env, database, url.searchParams.getAll("table"), (p) => waitUntil?.(p));
    }
    if (request.method !== "POST") return json({ error: "use POST with the SQL dump as the body" }, 405);
    // The database must exist (POST /api/databases creates one): check before streaming.
    await runQuery(env, database, "", [], { mode: "topology" });
    return importResponse(env, database, request.body);
  }
  // GET /api/databases/:db/insights: recent and slowest statements, statements by text, load per node.
  const ins = path.match(/^\/api\/databases\/([^/]+)\/insights$/);
  if (ins) {
    if (request.method !== "GET") return json({ error: "use GET" }, 405);
    let database: string;
    try { database = decodeURIComponent(ins[1]); } catch { return json({ error: "malformed database name in the URL" }, 400); }
    return json(await readInsights(env, database));
  }
  // POST /api/databases/:db/resize {"nodes": N} starts (or reports) an online resize;
  // {"cancel": true} cancels one that has not begun to switch over. GET reports the job.
  const rz = path.match(/^\/api\/databases\/([^/]+)\/resize$/);
  if (rz) {
    let database: string;
    try { database = decodeURIComponent(rz[1]); } catch { return json({ error: "malformed database name in the URL" }, 400); }
    let statement = "PRAGMA bigdaddy_resize";
    if (request.method === "POST") {
      let body: any;
      try { body = await request.json(); } catch { return json({ error: "body must be JSON: {\"nodes\": N} or {\"cancel\": true}" }, 400); }
      if (body?.cancel === true) statement = "PRAGMA bigdaddy_resize = 'cancel'";
      else if (Number.isInteger(body?.nodes)) statement = `PRAGMA bigdaddy_resize = ${body.nodes}`;
      else return json({ error: "body must be JSON: {\"nodes\": N} or {\"cancel\": true}" }, 400);
    } else if (request.method !== "GET") {
      return json({ error: "use GET or POST" }, 405);
    }
    const r = await runQuery(env, database, statement, []);
    return json({ job: JSON.parse(String(r.rows[0]?.[0] ?? "null")) });
  }
  if (path === "/api/config" && request.method === "GET") {
    return json({ ai: typeof env.AI?.run === "function", auth: auth.via });
  }
  if (path === "/api/nl2sql") {
    if (request.method !== "POST") return json({ error: "use POST /api/nl2sql" }, 405);
    return nl2sql(request, env);
  }
  return json({ error: "not found" }, 404);
}

// Request bodies keep every number exact: an integer literal within the 64-bit range is an
// INTEGER (a BigInt beyond 2^53), any other number a REAL (`2.0` and `1e3` included, as SQLite's
// JSON reader has them).
export function parseJsonExact(text: string): any {
  return JSON.parse(text, function (_key: string, value: unknown, context?: { source?: string }) {
    if (typeof value !== "number" || typeof context?.source !== "string") return value;
    const src = context.source;
    if (/^-?\d+$/.test(src)) {
      if (Number.isSafeInteger(value)) return value;
      const big = BigInt(src);
      return big >= -(2n ** 63n) && big < 2n ** 63n ? big : value;
    }
    return Number.isInteger(value) ? new Real(value) : value;
  });
}

async function readJson(request: Request): Promise<any> {
  let text: string;
  try {
    text = await request.text();
    return parseJsonExact(text);
  } catch {
    throw new BigDaddyError("request body must be JSON", ErrorCode.Sql);
  }
}

function checkNodes(nodes: unknown): number | undefined {
  if (nodes === undefined || nodes === null) return undefined;
  if (typeof nodes !== "number" || !Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES)
    throw new BigDaddyError(`"nodes" must be an integer from 1 to ${MAX_NODES}`, ErrorCode.Sql);
  return nodes;
}

async function sql(request: Request, env: Env, ctx?: Waiter): Promise<Response> {
  const body = await readJson(request);
  if (typeof body !== "object" || body === null) return json({ error: "request body must be a JSON object" }, 400);
  if (typeof body.database !== "string") return json({ error: "missing \"database\"" }, 400);
  // The database must exist, unless the request asks to create it ("create": true, "nodes": N).
  const nodes = body.create === true ? checkCreateNodes(checkNodes(body.nodes)) : 0;
  const rowMode: RowMode = body.rowMode === "array" ? "array" : "object";
  if (body.batch !== undefined) {
    if (!Array.isArray(body.batch)) return json({ error: "\"batch\" must be an array of {query, params}" }, 400);
    const r = await runBatch(env, body.database, body.batch, { nodes, rowMode, markReals: true, waitUntil: ctx ? (p) => ctx.waitUntil(p) : undefined });
    if (r.error) {
      const e = new BigDaddyError(r.error.message, r.error.code, r.error.sqliteCode);
      return json(errorBody(e, r.error.index >= 0 ? { statement: r.error.index } : {}), statusFor(r.error.code));
    }
    return json({ results: r.results });
  }
  if (body.script !== undefined) {
    if (typeof body.script !== "string") return json({ error: "\"script\" must be a string of statements separated by ';'" }, 400);
    if (body.params !== undefined) return json({ error: "a script takes no \"params\" (use batch for statements with parameters)" }, 400);
    // "atomic": true runs the script as one transaction (all of it or none).
    const r = await runScript(env, body.database, body.script, { nodes, rowMode, markReals: true, atomic: body.atomic === true, waitUntil: ctx ? (p) => ctx.waitUntil(p) : undefined });
    if (r.error) return json({ error: r.error.message, statement: r.error.index, results: r.results }, statusFor(r.error.code));
    return json({ results: r.results });
  }
  if (typeof body.query !== "string") return json({ error: "missing \"query\"" }, 400);
  if (body.params !== undefined && !isParams(body.params))
    return json({ error: "\"params\" must be an array of values or an object of named values" }, 400);
  const mode = body.explain === true ? "explain" : "query";
  // Streamed: NDJSON when asked for by Accept, or one JSON object written as the rows come.
  const ndjson = (request.headers.get("accept") ?? "").includes(NDJSON);
  const streamed = mode === "query" && (ndjson || body.stream === true);
  if (body.transaction !== undefined) {
    if (streamed) return json({ error: "a result cannot be streamed inside a transaction (read it with a plain query in the transaction)" }, 400);
    // A statement of an open transaction: it runs in the transaction's own object.
    const stub = typeof body.transaction === "string" ? transactionStub(env, body.transaction) : null;
    if (!stub) return json({ error: `no such transaction: ${String(body.transaction)}` }, 400);
    const a: TransactionAnswer = await stub.query(body.database, body.query, body.params ?? [], { nodes, markReals: true });
    return answer(a, rowMode, body.transaction);
  }
  try {
    if (streamed) {
      const s = await startStream(env, body.database, body.query, body.params ?? [], { nodes, rowMode, format: ndjson ? "ndjson" : "json", waitUntil: ctx ? (p) => ctx.waitUntil(p) : undefined });
      const headers = { "content-type": ndjson ? NDJSON : "application/json", "cache-control": "no-store" };
      return new Response(s.kind === "done" ? s.text : s.body, { headers });
    }
    const r = await runQuery(env, body.database, body.query, body.params ?? [], { nodes, mode, markReals: true });
    return json(shape(r, rowMode));
  } catch (e) {
    if (!(e instanceof BigDaddyError) || e.code !== ErrorCode.Transaction) throw e;
  }
  // BEGIN (or SAVEPOINT): the transaction gets an object of its own; its id is the answer's.
  const timeoutMs = body.transactionTimeoutMs;
  if (timeoutMs !== undefined && (typeof timeoutMs !== "number" || !(timeoutMs > 0)))
    return json({ error: "\"transactionTimeoutMs\" must be a positive number" }, 400);
  const { id, answer: a } = await openTransaction(env, body.database, body.query, body.params ?? [], { nodes, timeoutMs, markReals: true });
  return answer(a, rowMode, id);
}

function answer(a: TransactionAnswer, rowMode: RowMode, id: string): Response {
  if ("error" in a) {
    const e = new BigDaddyError(a.error.message, a.error.code);
    return json(errorBody(e, a.open ? { transaction: id } : {}), statusFor(a.error.code));
  }
  return json(a.open ? { ...shape(a.result, rowMode), transaction: id } : shape(a.result, rowMode));
}

interface TransactionStub {
  open(database: string, sql: string, params: SqlValue[], options: TransactionOptions): Promise<TransactionAnswer>;
  query(database: string, sql: string, params: SqlValue[], options?: TransactionOptions): Promise<TransactionAnswer>;
}

// The object of transaction `id` (a Durable Object id string), or null for a malformed id.
export function transactionStub(env: CoreEnv, id: string): TransactionStub | null {
  if (!/^[0-9a-f]{64}$/.test(id)) return null;
  try {
    return env.TRANSACTION.get(env.TRANSACTION.idFromString(id)) as unknown as TransactionStub;
  } catch {
    return null;
  }
}

export async function openTransaction(env: CoreEnv, database: string, sql: string, params: SqlValue[], options: TransactionOptions) {
  const oid = env.TRANSACTION.newUniqueId();
  const stub = env.TRANSACTION.get(oid) as unknown as TransactionStub;
  return { id: oid.toString(), answer: await stub.open(database, sql, params, options) };
}

// ---------------------------------------------------------------------------------------------
// Dashboard login: POST /login with the token sets an HttpOnly session cookie derived from it.

async function login(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  const token = env.BIG_DADDY_TOKEN;
  let given = "";
  const type = request.headers.get("content-type") ?? "";
  try {
    if (type.includes("application/json")) given = String((await request.json() as any)?.token ?? "");
    else given = String((await request.formData()).get("token") ?? "");
  } catch { given = ""; }
  if (!token) return loginPage(env, "no BIG_DADDY_TOKEN is configured on this Worker", 401);
  if (!(await secretsEqual(given, token))) return loginPage(env, "wrong token", 401);
  return new Response(null, {
    status: 303,
    headers: { location: "/dash/", "set-cookie": sessionCookie(await newSession(env, token), url.protocol === "https:") },
  });
}

function acceptsHtml(request: Request): boolean {
  return (request.headers.get("accept") ?? "").includes("text/html");
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(env: Env, error: string, status: number): Response {
  const canLogin = !!env.BIG_DADDY_TOKEN;
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Big Daddy — sign in</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{font:15px system-ui,sans-serif;background:#0f172a;color:#e2e8f0;display:grid;place-items:center;height:100vh;margin:0}
form{background:#1e293b;padding:2rem;border-radius:12px;min-width:320px}h1{margin:0 0 1rem;font-size:1.3rem}
input,button{font:inherit;padding:.55rem .7rem;border-radius:6px;border:1px solid #475569;width:100%;box-sizing:border-box}
input{background:#0f172a;color:inherit;margin:.4rem 0 1rem}button{background:#f59e0b;border:0;font-weight:600;cursor:pointer}
.err{color:#fca5a5;margin:0 0 1rem}</style></head><body>
<form method="post" action="/login"><h1>Big Daddy dashboard</h1>
<p class="err">${escapeHtml(error)}</p>
${canLogin ? `<label>Token<input type="password" name="token" autocomplete="current-password" autofocus required></label><button type="submit">Sign in</button>` : `<p>Set a token with <code>wrangler secret put BIG_DADDY_TOKEN</code>.</p>`}
</form></body></html>`;
  return new Response(html, { status, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" } });
}

// ---------------------------------------------------------------------------------------------
// Natural language → SQL with Workers AI, where an `AI` binding is configured. Returns the SQL
// only; the dashboard shows it and the user decides to run it.

export const DEFAULT_AI_MODEL = "@cf/meta/llama-3.3-70b-instruct-fp8-fast";

async function nl2sql(request: Request, env: Env): Promise<Response> {
  if (typeof env.AI?.run !== "function") return json({ error: "no Workers AI binding (\"ai\": {\"binding\": \"AI\"}) is configured" }, 404);
  const body = await readJson(request);
  if (typeof body?.database !== "string") return json({ error: "missing \"database\"" }, 400);
  if (typeof body?.request !== "string" || !body.request.trim()) return json({ error: "missing \"request\"" }, 400);
  const topo = (await runQuery(env, body.database, "", [], { mode: "topology" })).meta as any;
  const schema = (Array.isArray(topo.tables) ? topo.tables : [])
    .map((t: any) => (typeof t.sql === "string" ? t.sql : `CREATE TABLE ${t.name} (...)`) + ";")
    .join("\n");
  const messages = [
    {
      role: "system",
      content:
        "You translate a request into exactly one SQLite SQL statement for the database whose schema follows. " +
        "Reply with the SQL statement only: no explanation, no markdown.\n\nSchema:\n" + (schema || "(no tables yet)"),
    },
    { role: "user", content: body.request },
  ];
  const model = env.BIG_DADDY_AI_MODEL || DEFAULT_AI_MODEL;
  let out: unknown;
  try {
    out = await env.AI.run(model, { messages, max_tokens: 512 });
  } catch (e) {
    console.error(e);
    return json({ error: "the AI model did not answer" }, 502);
  }
  const text = typeof out === "string" ? out : typeof (out as any)?.response === "string" ? (out as any).response : "";
  const statement = extractSql(text);
  if (!statement) return json({ error: "the AI model returned no SQL" }, 502);
  return json({ sql: statement, model });
}

export function extractSql(text: string): string {
  let t = text.trim();
  const fence = /```(?:sqlite|sql)?\s*([\s\S]*?)```/i.exec(t);
  if (fence) t = fence[1].trim();
  return t.replace(/;\s*$/, "").trim();
}

// A REAL always reads as one: `2.0`, `1e+300`, never bare digits.
function realText(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "null" : v > 0 ? "9e999" : "-9e999";
  const t = String(v);
  return /^-?\d+$/.test(t) ? t + ".0" : t;
}

// Integers are written digit for digit (beyond 2^53 too: read them with a JSON.parse reviver, see
// README), REALs as JSON numbers, +/-Infinity as 9e999 / -9e999 (as SQLite's JSON functions do),
// blobs as arrays of byte values.
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;
function jsonValue(_key: string, v: unknown): unknown {
  if (typeof v === "bigint") return rawJSON(v.toString());
  if (v instanceof Real) return rawJSON(realText(v.value));
  if (typeof v === "number" && !Number.isFinite(v)) return Number.isNaN(v) ? null : rawJSON(realText(v));
  if (v instanceof ArrayBuffer) return Array.from(new Uint8Array(v));
  return v;
}

export function jsonText(body: unknown): string {
  return JSON.stringify(body, jsonValue);
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(jsonText(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
  });
}

export { SESSION_COOKIE };
