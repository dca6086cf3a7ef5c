// Existing D1 code, moved to Big Daddy: only the line that makes `db` changes.
import { d1, type BigDaddyBinding } from "../../../client/d1";

interface Env { BIG_DADDY: BigDaddyBinding }

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const db = d1(env.BIG_DADDY, "d1-example", { create: true, nodes: 4 }); // was: const db = env.DB;
    await db.exec("CREATE TABLE IF NOT EXISTS visits (id INTEGER PRIMARY KEY, path TEXT, at TEXT)");
    const path = new URL(request.url).pathname;
    await db.prepare("INSERT INTO visits (path, at) VALUES (?, ?)").bind(path, new Date().toISOString()).run();
    const { results } = await db
      .prepare("SELECT path, count(*) AS visits FROM visits GROUP BY path ORDER BY visits DESC, path LIMIT 10")
      .all<{ path: string; visits: number }>();
    return Response.json(results);
  },
};
