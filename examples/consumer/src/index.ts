import type { BigDaddyBinding } from "../../../client/types";

interface Env { BIG_DADDY: BigDaddyBinding }

export default {
  async fetch(request, env) {
    const sql = await env.BIG_DADDY.createConnection("my-database", { nodes: 10 });
    await sql`CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name TEXT)`;
    await sql`INSERT INTO users (name) VALUES (${"Ada"})`;          // values are bound parameters
    const { rows } = await sql<{ id: number; name: string }>`SELECT * FROM users WHERE id = ${1}`;
    return Response.json(rows);
  },
} satisfies ExportedHandler<Env>;
