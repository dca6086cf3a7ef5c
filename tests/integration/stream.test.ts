// Streamed results through the Worker: POST /sql with Accept: application/x-ndjson (or "stream":
// true for one JSON object written as the rows come) and the binding's stream(), read with
// client/stream.ts. A 20 MB result passes through the conductor's Wasm memory without it growing by
// anything like the result (an unstreamed answer of a third of it makes it grow by more than that).
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getCore } from "../../js-shim/core";
import { runQuery } from "../../js-shim/driver";
import { streamRows } from "../../client/stream";
import type { SqlValue } from "../../js-shim/codec";

const bigDaddy = (exports as any).default;
const DB = "stream";
const ROWS = 20000;
const PAD = 1000; // characters of text per row: 20 MB in all

async function q(sql: string) {
  return runQuery(env as any, DB, sql, [], { nodes: 4 });
}

async function post(body: Record<string, unknown>, accept?: string) {
  return bigDaddy.fetch(
    new Request("http://bigdaddy.local/sql", {
      method: "POST",
      headers: { "content-type": "application/json", ...(accept ? { accept } : {}) },
      body: JSON.stringify({ database: DB, ...body }),
    }),
  );
}

// Reads a response body chunk by chunk; returns the text and how many chunks it came in.
async function readAll(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const dec = new TextDecoder();
  let text = "";
  let chunks = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks++;
    text += dec.decode(value, { stream: true });
  }
  return { text, chunks };
}

describe("streamed results through the Worker", () => {
  it("loads 20,000 rows of 1 KB", async () => {
    await q("CREATE TABLE big (id INTEGER PRIMARY KEY, grp INTEGER, pad TEXT)");
    // Bound parameters, 90 rows a statement: nothing here makes the core hold much.
    for (let lo = 1; lo <= ROWS; lo += 30) {
      const values: string[] = [];
      const params: SqlValue[] = [];
      for (let id = lo; id < lo + 30 && id <= ROWS; id++) {
        values.push("(?, ?, ?)");
        params.push(id, id % 10, String(id).padStart(PAD, "0"));
      }
      await runQuery(env as any, DB, `INSERT INTO big VALUES ${values.join(", ")}`, params, { nodes: 4 });
    }
    const r = await q("SELECT count(*) FROM big");
    expect(r.rows[0][0]).toBe(ROWS);
  }, 600_000);

  it("a 20 MB result streams through a window of the conductor's memory; unstreamed, it takes the whole result", async () => {
    const core = getCore();
    const before = core.memoryBytes();
    let rows = 0;
    let bytes = 0;
    const r = await runQuery(env as any, DB, "SELECT * FROM big", [], {
      nodes: 4,
      onRows: (_cols, window) => {
        rows += window.length;
        for (const row of window) bytes += String(row[2]).length;
      },
    });
    rows += r.rows.length;
    for (const row of r.rows) bytes += String(row[2]).length;
    const streamed = core.memoryBytes() - before;
    expect(rows).toBe(ROWS);
    expect(bytes).toBe(ROWS * PAD);
    // Unstreamed, even a third of it makes the module grow by more than that third.
    const part = await q(`SELECT * FROM big WHERE id <= ${ROWS / 3}`);
    expect(part.rows.length).toBe(Math.floor(ROWS / 3));
    const unstreamed = core.memoryBytes() - before;
    console.log(`Wasm memory grew by ${streamed >> 20} MB streaming ${bytes >> 20} MB of rows; by ${unstreamed >> 20} MB after an unstreamed third`);
    expect(streamed).toBeLessThan(12 << 20);
    expect(unstreamed).toBeGreaterThan(streamed + (ROWS * PAD) / 3);
  }, 120_000);
  it("streams NDJSON: a columns line, one line per row, then the outcome", async () => {
    const res = await post({ query: "SELECT id, grp FROM big ORDER BY grp, id", rowMode: "array" }, "application/x-ndjson");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    const { text, chunks } = await readAll(res.body);
    const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(lines[0]).toEqual({ columns: ["id", "grp"] });
    const rows = lines.slice(1, -1);
    expect(rows.length).toBe(ROWS);
    const want: number[][] = [];
    for (let g = 0; g < 10; g++) for (let id = 1; id <= ROWS; id++) if (id % 10 === g) want.push([id, g]);
    expect(rows).toEqual(want);
    expect(lines.at(-1).rowsAffected).toBe(0);
    expect(lines.at(-1).meta.plan).toBe("scatter-merge");
    // Written as the windows came, not in one piece.
    expect(chunks).toBeGreaterThan(2);
  }, 120_000);

  it("streams one JSON object with \"stream\": true, as the unstreamed answer reads", async () => {
    const res = await post({ query: "SELECT id, grp FROM big WHERE grp = 3", stream: true });
    expect(res.status).toBe(200);
    const body = JSON.parse((await readAll(res.body)).text);
    expect(body.columns).toEqual(["id", "grp"]);
    expect(body.rows.length).toBe(ROWS / 10);
    expect(body.rows.every((r: any) => r.grp === 3 && r.id % 10 === 3)).toBe(true);
    expect(body.meta.plan).toBe("scatter");
  }, 120_000);

  it("answers small results and errors before any row as usual", async () => {
    let res = await post({ query: "SELECT id FROM big WHERE id = 7" }, "application/x-ndjson");
    const lines = (await res.text()).trimEnd().split("\n").map((l: string) => JSON.parse(l));
    expect(lines).toEqual([{ columns: ["id"] }, { id: 7 }, expect.objectContaining({ rowsAffected: 0 })]);
    res = await post({ query: "SELECT nope FROM big" }, "application/x-ndjson");
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/^no such column: nope/);
  });

  it("refuses to stream inside a transaction, saying so; the statement runs whole there", async () => {
    const begun = await (await post({ query: "BEGIN" })).json();
    expect(typeof begun.transaction).toBe("string");
    let res = await post({ query: "SELECT count(*) AS n FROM big", transaction: begun.transaction }, "application/x-ndjson");
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/^a result cannot be streamed inside a transaction/);
    res = await post({ query: "SELECT count(*) AS n FROM big", transaction: begun.transaction });
    expect(res.status).toBe(200);
    expect((await res.json()).rows).toEqual([{ n: ROWS }]);
    res = await post({ query: "ROLLBACK", transaction: begun.transaction });
    expect(res.status).toBe(200);
  });

  it("the binding's stream(), read with streamRows, gives every row once", async () => {
    const body = await bigDaddy.stream(DB, "SELECT id, length(pad) AS n FROM big", [], { rowMode: "array" });
    const it = streamRows<[number, number]>(body);
    const seen = new Set<number>();
    let end;
    for (;;) {
      const next = await it.next();
      if (next.done) {
        end = next.value;
        break;
      }
      expect(next.value[1]).toBe(PAD);
      seen.add(next.value[0]);
    }
    expect(seen.size).toBe(ROWS);
    expect(end.columns).toEqual(["id", "n"]);
    expect(end.meta.plan).toBe("scatter");
  }, 120_000);

});
