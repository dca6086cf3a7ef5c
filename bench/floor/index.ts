// The bench's floor: the least a Worker can do for one SQL statement on Cloudflare. The Worker reads
// POST /sql {"database", "query", "params"} and forwards the statement to one SQLite-backed Durable
// Object (one per database name), which runs it with `ctx.storage.sql.exec` and returns the rows as
// objects, the shape Big Daddy's POST /sql returns. No parsing, planning, sharding or binary codec:
// `npm run bench` reports every Big Daddy workload as a ratio to this Worker, measured in the same run.
import { DurableObject } from "cloudflare:workers";

interface Env {
  FLOOR: DurableObjectNamespace<FloorDatabase>;
}

type Value = string | number | null | ArrayBuffer;

export class FloorDatabase extends DurableObject<Env> {
  query(sql: string, params: Value[]) {
    const cursor = this.ctx.storage.sql.exec(sql, ...params);
    const rows = cursor.toArray();
    return { columns: cursor.columnNames, rows, rowsAffected: cursor.rowsWritten };
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/health") return Response.json({ ok: true });
    if (url.pathname !== "/sql" || request.method !== "POST") return Response.json({ error: "use POST /sql" }, { status: 404 });
    const body = (await request.json()) as { database?: string; query?: string; params?: Value[] };
    if (typeof body.database !== "string" || typeof body.query !== "string")
      return Response.json({ error: "body must be {database, query, params}" }, { status: 400 });
    const stub = env.FLOOR.get(env.FLOOR.idFromName(body.database));
    try {
      return Response.json(await stub.query(body.query, body.params ?? []));
    } catch (e) {
      return Response.json({ error: String((e as Error)?.message ?? e) }, { status: 400 });
    }
  },
};
