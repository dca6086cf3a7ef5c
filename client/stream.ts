// Reads a streamed result (the binding's stream(), or POST /sql with Accept: application/x-ndjson):
// NDJSON lines — {"columns": [...]}, one line per row, then {"rowsAffected", "lastInsertRowid",
// "meta"} or {"error", "code"} — as an async iterator of rows. The iterator ends after the last
// line; it throws the statement's error if the result broke off, so a result is never taken for
// whole unless its last line arrived.
import type { SqlValue } from "./types.js";

export interface StreamEnd {
  columns: string[];
  rowsAffected: number;
  lastInsertRowid: number | bigint;
  meta: Record<string, unknown>;
}

// Integers beyond 2^53 come back as BigInt where the runtime gives the literal's source text.
function parseLine(line: string): any {
  return JSON.parse(line, function (_key: string, value: unknown, context?: { source?: string }) {
    if (typeof value === "number" && !Number.isSafeInteger(value) && typeof context?.source === "string" && /^-?\d+$/.test(context.source))
      return BigInt(context.source);
    return value;
  });
}

export async function* streamRows<Row = Record<string, SqlValue>>(body: ReadableStream<Uint8Array>): AsyncGenerator<Row, StreamEnd> {
  const reader = body.getReader();
  const dec = new TextDecoder();
  let buf = "";
  let columns: string[] | null = null;
  // The last line is the outcome, whatever the rows look like: each line waits for the next.
  let held: string | null = null;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (value) buf += dec.decode(value, { stream: true });
      if (done) buf += dec.decode();
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line) continue;
        if (columns === null) {
          columns = parseLine(line).columns as string[];
          continue;
        }
        if (held !== null) yield parseLine(held) as Row;
        held = line;
      }
      if (done) {
        if (columns === null || held === null || buf) throw new Error("the streamed result ended before its last line");
        const end = parseLine(held);
        if (typeof end?.error === "string") throw new Error(end.error);
        return { columns, rowsAffected: end.rowsAffected, lastInsertRowid: end.lastInsertRowid, meta: end.meta };
      }
    }
  } finally {
    reader.releaseLock();
  }
}
