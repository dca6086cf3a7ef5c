// Databases as things one creates, lists and deletes: thin calls into the core's create / drop /
// catalog modes (conductor/databases.h), shared by the binding and the HTTP API.
import { BigDaddyError, DEFAULT_NODES, runQuery, type Env } from "./driver";
import { forgetInsights } from "./insights";
import { ErrorCode, MAX_NODES } from "./abi";

export interface DatabaseEntry {
  name: string;
  /** Node count now (from its topology), or at creation when the topology could not be read. */
  nodes: number;
  /** Milliseconds since the Unix epoch. */
  created: number;
  /** "ready", or "deleting" while (or if interrupted while) it is deleted. */
  state: string;
  /** Rows (a reference table's copies counted once) and bytes on all nodes; null when unknown. */
  rows: number | null;
  bytes: number | null;
  /** A resize job is running. */
  resizing?: boolean;
  error?: string;
}

function jsonRow(r: { rows: unknown[][] }): any {
  return JSON.parse(String(r.rows[0]?.[0] ?? "null"));
}

export function checkCreateNodes(nodes: unknown): number {
  if (nodes === undefined || nodes === null) return DEFAULT_NODES;
  if (typeof nodes !== "number" || !Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES)
    throw new BigDaddyError(`"nodes" must be an integer from 1 to ${MAX_NODES}`, ErrorCode.Sql);
  return nodes;
}

// Creates the database if it does not exist: {database, created, nodes}.
export async function createDatabase(env: Env, database: string, nodes?: number): Promise<{ database: string; created: boolean; nodes: number }> {
  return jsonRow(await runQuery(env, database, "", [], { mode: "create", nodes: checkCreateNodes(nodes) }));
}

// Deletes the database and everything its nodes hold: {database, nodes}.
export async function deleteDatabase(env: Env, database: string): Promise<{ database: string; nodes: number }> {
  forgetInsights(database);
  return jsonRow(await runQuery(env, database, "", [], { mode: "drop" }));
}

// The catalog, each entry with its current size. Sizes come from each database's topology report
// (one request per node), a few databases at a time.
export async function listDatabases(env: Env, options: { sizes?: boolean } = {}): Promise<DatabaseEntry[]> {
  const entries: DatabaseEntry[] = jsonRow(await runQuery(env, "catalog", "", [], { mode: "databases" })) ?? [];
  for (const e of entries) { e.rows = null; e.bytes = null; }
  if (options.sizes === false) return entries;
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const e = entries[next++];
      if (e.state !== "ready") continue;
      try {
        const topo = (await runQuery(env, e.name, "", [], { mode: "topology" })).meta as any;
        e.nodes = Array.isArray(topo.nodes) ? topo.nodes.length : e.nodes;
        e.rows = typeof topo.rows === "number" ? topo.rows : null;
        e.bytes = typeof topo.bytes === "number" ? topo.bytes : null;
        e.resizing = !!topo.resize?.active;
      } catch (err) {
        e.error = (err as Error)?.message ?? String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, entries.length) }, worker));
  return entries;
}
