// Big Daddy's Worker: the default entrypoint (service-binding RPC and HTTP). Plumbing only: every
// statement goes to the core's conductor (driver.ts), and results come back as plain objects.
import { WorkerEntrypoint } from "cloudflare:workers";
import { BigDaddyError, DEFAULT_NODES, runQuery, type Env, type QueryResult } from "./driver";
import type { SqlValue } from "./codec";

export { Storage, Topology } from "./objects";

export interface ConnectionOptions { nodes?: number }
export type RowMode = "object" | "array";

export interface SqlResult {
  columns: string[];
  rows: Record<string, SqlValue>[] | SqlValue[][];
  rowsAffected: number;
  lastInsertRowid: number;
  meta: Record<string, unknown>;
}

function shape(r: QueryResult, rowMode: RowMode = "object"): SqlResult {
  const rows = rowMode === "array" ? r.rows : r.rows.map((row) => {
    const o: Record<string, SqlValue> = {};
    r.columns.forEach((c, i) => { o[c] = row[i]; });
    return o;
  });
  return { columns: r.columns, rows, rowsAffected: r.changes, lastInsertRowid: r.lastInsertRowid, meta: r.meta };
}

export default class BigDaddy extends WorkerEntrypoint<Env> {
  // env.BIG_DADDY.createConnection("db", { nodes: 10 }) -> sql`SELECT ... ${value}`; interpolated
  // values are always bound parameters: the template's strings are joined with "?".
  async createConnection(databaseId: string, options: ConnectionOptions = {}) {
    const env = this.env;
    const nodes = options.nodes ?? DEFAULT_NODES;
    await runQuery(env, databaseId, "", [], { nodes, mode: "topology" });
    return async (strings: readonly string[] | string, ...values: SqlValue[]) => {
      const text = typeof strings === "string" ? strings : Array.from(strings).join("?");
      return shape(await runQuery(env, databaseId, text, values, { nodes }));
    };
  }

  async query(databaseId: string, sql: string, params: SqlValue[] = [], options: ConnectionOptions & { rowMode?: RowMode } = {}) {
    return shape(await runQuery(this.env, databaseId, sql, params, { nodes: options.nodes }), options.rowMode);
  }

  async topology(databaseId: string) {
    const r = await runQuery(this.env, databaseId, "", [], { mode: "topology", nodes: 0 });
    return r.meta;
  }

  async fetch(request: Request): Promise<Response> {
    try {
      return await this.route(request);
    } catch (e) {
      if (e instanceof BigDaddyError) return json({ error: e.message }, e.code === 4 ? 500 : 400);
      console.error(e);
      return json({ error: "internal error" }, 500);
    }
  }

  private async route(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/health") return json({ ok: true });
    if (!authorized(request, this.env)) return json({ error: "unauthorized" }, 401);
    if (url.pathname === "/sql" && request.method === "POST") {
      let body: any;
      try { body = await request.json(); } catch { return json({ error: "request body must be JSON" }, 400); }
      if (typeof body?.database !== "string") return json({ error: "missing \"database\"" }, 400);
      if (typeof body?.query !== "string") return json({ error: "missing \"query\"" }, 400);
      if (body.params !== undefined && !Array.isArray(body.params)) return json({ error: "\"params\" must be an array" }, 400);
      const r = await runQuery(this.env, body.database, body.query, body.params ?? [], { nodes: body.nodes });
      return json(shape(r, body.rowMode === "array" ? "array" : "object"));
    }
    const m = url.pathname.match(/^\/api\/databases\/([^/]+)$/);
    if (m && request.method === "GET") {
      const r = await runQuery(this.env, decodeURIComponent(m[1]), "", [], { mode: "topology", nodes: 0 });
      return json(r.meta);
    }
    return json({ error: "not found" }, 404);
  }
}

function authorized(request: Request, env: Env): boolean {
  const token = env.BIG_DADDY_TOKEN;
  if (!token) return true;
  const header = request.headers.get("authorization") ?? "";
  const given = header.startsWith("Bearer ") ? header.slice(7) : "";
  return timingSafeEqual(given, token);
}

function timingSafeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a), eb = new TextEncoder().encode(b);
  let diff = ea.length ^ eb.length;
  for (let i = 0; i < eb.length; i++) diff |= (ea[i % (ea.length || 1)] ?? 0) ^ eb[i];
  return diff === 0;
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v instanceof ArrayBuffer ? Array.from(new Uint8Array(v)) : v)), {
    status,
    headers: { "content-type": "application/json" },
  });
}
