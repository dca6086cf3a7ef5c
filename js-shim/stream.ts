// Streamed results: a SELECT's rows leave the Worker as the core hands them over, a window at a
// time, so a result of any size passes through a bounded amount of memory. Plumbing only: the core
// decides the windows; this writes them out as NDJSON or as one JSON object written piece by piece.
import { ErrorCode } from "./abi";
import { runQuery, BigDaddyError, type Env } from "./driver";
import type { SqlValue } from "./codec";
import { jsonText, type RowMode } from "./http";

export type StreamFormat = "ndjson" | "json";

export interface StreamOptions {
  nodes?: number;
  rowMode?: RowMode;
  format?: StreamFormat;
  // Keeps the Worker alive for requests sent after the answer (a multi-node write's commit).
  waitUntil?: (p: Promise<unknown>) => void;
}

// Either the whole answer (the statement finished before any window was handed over: small
// results, writes) or a stream that is being written. Errors before the first row throw, as
// unstreamed statements do.
export type Started = { kind: "done"; text: string } | { kind: "stream"; body: ReadableStream<Uint8Array> };

export const NDJSON = "application/x-ndjson";

function rowText(columns: string[], row: SqlValue[], rowMode: RowMode): string {
  if (rowMode === "array") return jsonText(row);
  const o: Record<string, SqlValue> = {};
  columns.forEach((c, i) => { o[c] = row[i]; });
  return jsonText(o);
}

class Writer {
  private first = true;
  constructor(readonly columns: string[], readonly format: StreamFormat, readonly rowMode: RowMode) {}
  head(): string {
    return this.format === "ndjson" ? jsonText({ columns: this.columns }) + "\n" : `{"columns":${jsonText(this.columns)},"rows":[`;
  }
  rows(rows: SqlValue[][]): string {
    let out = "";
    for (const row of rows) {
      const t = rowText(this.columns, row, this.rowMode);
      if (this.format === "ndjson") out += t + "\n";
      else out += (this.first ? "" : ",") + t;
      this.first = false;
    }
    return out;
  }
  tail(end: Record<string, unknown>): string {
    if (this.format === "ndjson") return jsonText(end) + "\n";
    const body = jsonText(end);
    return "]" + (body === "{}" ? "}" : "," + body.slice(1));
  }
}

export async function startStream(env: Env, database: string, sql: string, params: SqlValue[], options: StreamOptions = {}): Promise<Started> {
  const format = options.format ?? "ndjson";
  const rowMode = options.rowMode ?? "object";
  const enc = new TextEncoder();
  const pipe = new TransformStream<Uint8Array, Uint8Array>();
  const out = pipe.writable.getWriter();
  let w: Writer | null = null;
  let begun: (() => void) | null = null;
  const streaming = new Promise<void>((resolve) => { begun = resolve; });
  const send = async (text: string) => {
    await out.ready;
    await out.write(enc.encode(text));
  };
  const finished = runQuery(env, database, sql, params, {
    nodes: options.nodes,
    markReals: true,
    waitUntil: options.waitUntil,
    onRows: async (columns, rows) => {
      if (!w) {
        w = new Writer(columns, format, rowMode);
        begun?.();
        await send(w.head());
      }
      await send(w.rows(rows));
    },
  }).then(
    (r) => ({ ok: true as const, r }),
    (e) => ({ ok: false as const, e }),
  );
  const first = await Promise.race([streaming.then(() => null), finished]);
  if (first !== null && !w) {
    // Finished before any window went out: one piece, or the error as usual.
    if (!first.ok) throw first.e;
    const r = first.r;
    const whole = new Writer(r.columns, format, rowMode);
    const end = { rowsAffected: r.changes, lastInsertRowid: r.lastInsertRowid, meta: r.meta };
    return { kind: "done", text: whole.head() + whole.rows(r.rows) + whole.tail(end) };
  }
  // Rows are flowing: the rest (last rows, then the outcome) follows on the stream.
  const rest = finished.then(async (result) => {
    const writer = w as Writer;
    try {
      if (result.ok) {
        const r = result.r;
        await send(writer.rows(r.rows) + writer.tail({ rowsAffected: r.changes, lastInsertRowid: r.lastInsertRowid, meta: r.meta }));
      } else {
        const e = result.e;
        if (!(e instanceof BigDaddyError)) console.error(e);
        const message = e instanceof BigDaddyError ? e.message : "internal error";
        await send(writer.tail({ error: message, code: e instanceof BigDaddyError ? e.code : ErrorCode.Internal }));
      }
      await out.close();
    } catch {
      // The reader went away: nothing left to tell it.
      await out.abort().catch(() => {});
    }
  });
  void rest;
  return { kind: "stream", body: pipe.readable };
}
