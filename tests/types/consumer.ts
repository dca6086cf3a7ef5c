// Typechecked by `npx tsc -p .` (an npm test suite), never run: what a consumer Worker writes
// against Big Daddy's service binding must typecheck, and misuse must not. Each @ts-expect-error
// line fails the typecheck if it stops being an error.
import type BigDaddy from "../../js-shim/index";
import type { BigDaddyBinding } from "../../client/types";

interface Env {
  BIG_DADDY: Service<BigDaddy>;
  TYPED: BigDaddyBinding;
}

export default {
  async fetch(_request, env) {
    // The binding typed from the Worker's own class.
    const r = await env.BIG_DADDY.query("db", "SELECT id FROM users WHERE id = ?", [1]);
    const columns: string[] = r.columns;
    const batch = await env.BIG_DADDY.batch("db", [{ sql: "SELECT 1" }]);
    const n: number = batch.results.length;
    const sqlRpc = await env.BIG_DADDY.createConnection("db", { nodes: 4 });
    const viaRpc = await sqlRpc`SELECT ${1} AS id`;
    const rowsAffected: number | bigint = viaRpc.rowsAffected;
    const topology = await env.BIG_DADDY.topology("db");
    const nodes: number = topology.nodes.length;
    const job = await env.BIG_DADDY.resizeStatus("db");
    const phase: string | undefined = job?.phase;

    // The hand-written binding interface: rows typed by the caller.
    const sql = await env.TYPED.createConnection("db", { nodes: 10 });
    const { rows } = await sql<{ id: number; name: string }>`SELECT id, name FROM users WHERE id = ${1}`;
    const id: number = rows[0].id;
    const name: string = rows[0].name;
    // @ts-expect-error a column the row type does not have
    rows[0].missing;
    // @ts-expect-error an id is a number, not a string
    const wrong: string = rows[0].id;
    const q = await env.TYPED.query<{ total: number }>("db", "SELECT sum(x) AS total FROM t");
    const total: number = q.rows[0].total;
    // @ts-expect-error parameters are SQL values, not arbitrary objects
    await env.TYPED.query("db", "SELECT ?", [new Map()]);

    return Response.json({ columns, n, nodes, phase, rowsAffected: String(rowsAffected), id, name, wrong, total });
  },
} satisfies ExportedHandler<Env>;
