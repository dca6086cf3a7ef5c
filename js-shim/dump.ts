// Export and import over HTTP, streamed both ways (conductor/dump.h does the work): the Worker holds
// one step's chunk at a time.
//   GET  /api/databases/:db/export[?table=t&table=u]  -> text/plain SQL dump
//   POST /api/databases/:db/import (body: SQL text)   -> NDJSON progress lines, then {"done": true, ...}
import { ErrorCode } from "./abi";
import { BigDaddyError, runQuery, type Env } from "./driver";

const IMPORT_CHUNK = 512 * 1024; // text handed to the core per step
const MAX_STATEMENT = 16 * 1024 * 1024; // one statement may not be larger than this

function snapshotId(): string {
  return `${Date.now()}x${crypto.randomUUID().replace(/-/g, "").slice(0, 16)}`;
}

function text(r: { rows: unknown[][] }, col: number): string {
  return String(r.rows[0]?.[col] ?? "");
}

export function exportResponse(env: Env, database: string, tables: string[], waitUntil: (p: Promise<unknown>) => void): Promise<Response> {
  const id = snapshotId();
  const enc = new TextEncoder();
  let cursor = "";
  let done = false;
  // The first step (the snapshot) runs before the response starts, so that its errors (no such
  // database, a resize in progress) are ordinary 4xx answers.
  return runQuery(env, database, "", [id, ...tables], { mode: "export" }).then((first) => {
    cursor = text(first, 1);
    const head = text(first, 0);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(enc.encode(head));
        if (!cursor) { done = true; controller.close(); }
      },
      async pull(controller) {
        try {
          const r = await runQuery(env, database, cursor, [id], { mode: "export" });
          controller.enqueue(enc.encode(text(r, 0)));
          cursor = text(r, 1);
          if (!cursor) { done = true; controller.close(); }
        } catch (e) {
          // The status line is gone: the dump ends without its last line, and the client sees the error.
          controller.enqueue(enc.encode(`\n-- Big Daddy export FAILED: ${(e as Error)?.message ?? e}\n`));
          controller.error(e);
          waitUntil(abandon(env, database, id));
        }
      },
      cancel() {
        if (!done) waitUntil(abandon(env, database, id));
      },
    }, { highWaterMark: 0 });
    return new Response(stream, {
      headers: {
        "content-type": "application/sql; charset=utf-8",
        "content-disposition": `attachment; filename="${database.replace(/[^A-Za-z0-9._-]/g, "_")}.sql"`,
        "cache-control": "no-store",
      },
    });
  });
}

async function abandon(env: Env, database: string, id: string) {
  try {
    await runQuery(env, database, "", [id], { mode: "export-abandon" });
  } catch (e) {
    console.warn(`bigdaddy: snapshot ${id} of ${database} not dropped (a later export drops it): ${(e as Error)?.message ?? e}`);
  }
}

interface ImportTotals { bytes: number; statements: number; rows: number; skipped: { reason: string; count: number; example: string }[] }

export function importResponse(env: Env, database: string, body: ReadableStream<Uint8Array> | null): Response {
  const enc = new TextEncoder();
  const totals: ImportTotals = { bytes: 0, statements: 0, rows: 0, skipped: [] };
  const merge = (skipped: ImportTotals["skipped"]) => {
    for (const s of skipped) {
      const e = totals.skipped.find((x) => x.reason === s.reason);
      if (e) e.count += s.count;
      else totals.skipped.push({ ...s });
    }
  };
  const out = new TransformStream<Uint8Array, Uint8Array>();
  const writer = out.writable.getWriter();
  const line = (o: unknown) => writer.write(enc.encode(JSON.stringify(o) + "\n"));
  const run = async () => {
    if (!body) throw new BigDaddyError("the request has no body: send the SQL dump", ErrorCode.Sql);
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let ended = false;
    let want = IMPORT_CHUNK;
    while (!ended || buffer.length) {
      while (!ended && buffer.length < want) {
        const { value, done } = await reader.read();
        if (done) ended = true;
        else buffer += value;
      }
      const r = await runQuery(env, database, buffer, [ended ? 1 : 0], { mode: "import" });
      const step = JSON.parse(text(r, 0));
      // `consumed` counts bytes of UTF-8; it ends right after a ';', on a character boundary.
      const bytes = enc.encode(buffer);
      const used = step.consumed >= bytes.length ? buffer.length : new TextDecoder().decode(bytes.subarray(0, step.consumed)).length;
      totals.bytes += step.consumed;
      totals.statements += step.statements;
      totals.rows += step.rows;
      merge(step.skipped);
      buffer = buffer.slice(used);
      await line({ bytes: totals.bytes, statements: totals.statements, rows: totals.rows });
      if (ended) break;
      // No complete statement yet: read on (one statement may be long, up to a limit).
      want = used === 0 ? buffer.length + IMPORT_CHUNK : IMPORT_CHUNK;
      if (want > MAX_STATEMENT) throw new BigDaddyError(`a statement in the dump is longer than ${MAX_STATEMENT} bytes`, ErrorCode.Sql);
    }
    await line({ done: true, ...totals });
  };
  run().then(
    () => writer.close(),
    async (e) => {
      try { await line({ error: (e as Error)?.message ?? String(e), ...totals }); } catch { /* client gone */ }
      await writer.close().catch(() => {});
    },
  );
  return new Response(out.readable, { headers: { "content-type": "application/x-ndjson", "cache-control": "no-store" } });
}
