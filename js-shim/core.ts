// Loads bigdaddy.wasm once per isolate and exposes its C ABI (wasm/ABI.md) as byte-in/byte-out
// calls. The module is imported precompiled (Workers forbid runtime compilation).
import wasmModule from "../build/wasm/bigdaddy.wasm";
import { Reader, Writer, type SqlValue } from "./codec";

export interface SqlStorageLike {
  exec(query: string, ...bindings: unknown[]): { columnNames: string[]; raw(): IterableIterator<unknown[]>; one(): unknown };
}

interface Exports {
  memory: WebAssembly.Memory;
  _initialize?: () => void;
  bd_alloc(n: number): number;
  bd_free(p: number): void;
  bd_storage_handle(p: number, n: number): number;
  bd_topology_handle(p: number, n: number): number;
  bd_catalog_handle(p: number, n: number): number;
  bd_insights_handle(p: number, n: number): number;
  bd_conductor_start(p: number, n: number): number;
  bd_conductor_resume(p: number, n: number): number;
  bd_conductor_abort(session: number): void;
  bd_health(p: number, n: number): number;
  bd_storage_recover(p: number, n: number): number;
  bd_storage_alarm(): number;
}

const dec = new TextDecoder();
// What one statement on a storage object may return (as the combine engine's limits).
const MAX_RESULT_ROWS = 200_000;
const MAX_RESULT_BYTES = 32 << 20;
// DO errors read "<sqlite message>: SQLITE_<CODE>" or "...: SQLITE_<CODE> (extended: SQLITE_<CODE>_<X>)";
// users get SQLite's own wording, and the core the (extended) code by name.
const SQLITE_SUFFIX = /:\s*(SQLITE_[A-Z_]+)(?:\s*\(extended:\s*(SQLITE_[A-Z_]+)\))?$/;

export class Core {
  private ex: Exports;
  // The SQL storage of the Durable Object currently calling into the module. Calls are synchronous,
  // so at most one object is inside the module at any moment.
  private sql: SqlStorageLike | null = null;
  // Which object that is, as a number the core keys its per-object memory by (wasm/ABI.md).
  private owner: object | null = null;
  private calling = ""; // the export running now (test hook: which calls an injected trap trips)
  private slots = new WeakMap<object, number>();
  private nextSlot = 1;

  constructor() {
    const imports = {
      bd: {
        sql_exec: (sp: number, sl: number, pp: number, pl: number) => this.sqlExec(sp, sl, pp, pl),
        // One page of a result: the cursor is read no further than maxRows rows / maxBytes bytes.
        sql_exec_page: (sp: number, sl: number, pp: number, pl: number, maxRows: number, maxBytes: number) =>
          this.sqlExec(sp, sl, pp, pl, { rows: maxRows >>> 0, bytes: maxBytes >>> 0 }),
        sql_size: () => (this.sql as { databaseSize?: number } | null)?.databaseSize ?? -1,
        object_slot: () => this.slotOf(this.owner),
        // The core's clock and entropy (datetime('now'), random(), ...): the host's own.
        now_ms: () => {
          // Only a statement's conductor trips it (not a background insights batch meanwhile).
          if (injectedTraps > 0 && this.calling.startsWith("bd_conductor")) {
            injectedTraps--;
            throw new Error("test hook: injected trap");
          }
          return Date.now();
        },
        random_fill: (p: number, n: number) => {
          for (let off = 0; off < n; off += 65536)
            crypto.getRandomValues(new Uint8Array(this.ex.memory.buffer, p + off, Math.min(65536, n - off)));
        },
        log: (level: number, p: number, n: number) => {
          const msg = dec.decode(new Uint8Array(this.ex.memory.buffer, p, n));
          (level >= 2 ? console.warn : console.log)(`[bigdaddy] ${msg}`);
        },
      },
      // wasi-libc links these for stdio paths the core never uses for I/O; stderr goes to the log.
      wasi_snapshot_preview1: {
        fd_write: (fd: number, iovs: number, iovsLen: number, nwritten: number) => {
          const view = new DataView(this.ex.memory.buffer);
          let total = 0, text = "";
          for (let i = 0; i < iovsLen; i++) {
            const p = view.getUint32(iovs + i * 8, true), n = view.getUint32(iovs + i * 8 + 4, true);
            text += dec.decode(new Uint8Array(this.ex.memory.buffer, p, n));
            total += n;
          }
          view.setUint32(nwritten, total, true);
          if (fd === 2 && text.trim()) console.warn(`[bigdaddy] ${text.trim()}`);
          return 0;
        },
        fd_close: () => 8,
        fd_seek: () => 8,
      },
    };
    const instance = new WebAssembly.Instance(wasmModule, imports);
    instancesCreated++;
    this.ex = instance.exports as unknown as Exports;
    this.ex._initialize?.();
  }

  // True once a call trapped (stack overflow, out-of-bounds access, unreachable, an exception
  // through an import): the instance's memory may be inconsistent, so it never runs again and
  // getCore() hands out a fresh one.
  poisoned = false;

  call(fn: "bd_storage_handle" | "bd_topology_handle" | "bd_catalog_handle" | "bd_insights_handle" | "bd_conductor_start" | "bd_conductor_resume" | "bd_health" | "bd_storage_recover", input: Uint8Array): Uint8Array {
    if (this.poisoned) throw new CoreTrap("the query engine was restarted after a failure; this statement was interrupted", "");
    try {
      this.calling = fn;
      const p = this.ex.bd_alloc(input.length);
      new Uint8Array(this.ex.memory.buffer, p, input.length).set(input);
      const out = this.ex[fn](p, input.length);
      this.ex.bd_free(p);
      if (!out) throw new Error(`${fn} returned no result (out of memory)`);
      const mem = new Uint8Array(this.ex.memory.buffer);
      const n = mem[out] | (mem[out + 1] << 8) | (mem[out + 2] << 16) | (mem[out + 3] << 24);
      const result = mem.slice(out + 4, out + 4 + (n >>> 0));
      this.ex.bd_free(out);
      return result;
    } catch (e) {
      this.poison();
      const what = String((e as Error)?.message ?? e);
      console.error(`[bigdaddy] ${fn} trapped (${what}); the Wasm instance is replaced`);
      throw new CoreTrap(`the query engine failed (${what}) and was restarted`, what);
    } finally {
      this.calling = "";
    }
  }

  private poison() {
    this.poisoned = true;
    if (core === this) core = null;
  }

  abort(session: number) {
    if (this.poisoned) return;
    try {
      this.ex.bd_conductor_abort(session);
    } catch {
      this.poison();
    }
  }

  // The alarm the last storage call asked for (transaction recovery): a time, -1 for none,
  // undefined when the call did not say.
  storageAlarm(): number | undefined {
    const at = this.ex.bd_storage_alarm();
    return at === -2 ? undefined : at;
  }
  // The module's linear memory (it only grows): the high-water mark of what the core has held.
  memoryBytes(): number { return this.ex.memory.buffer.byteLength; }

  // `owner`: the object the calls are for (its Durable Object state), so the core can tell objects apart.
  withSql<T>(sql: SqlStorageLike, fn: () => T, owner: object | null = null): T {
    const prev = this.sql, prevOwner = this.owner;
    this.sql = sql;
    this.owner = owner;
    try {
      return fn();
    } finally {
      this.sql = prev;
      this.owner = prevOwner;
    }
  }

  private slotOf(owner: object | null): number {
    if (!owner) return 0;
    let slot = this.slots.get(owner);
    if (slot === undefined) {
      slot = this.nextSlot++;
      this.slots.set(owner, slot);
    }
    return slot;
  }

  private sqlExec(sp: number, sl: number, pp: number, pl: number, page?: { rows: number; bytes: number }): number {
    const mem = new Uint8Array(this.ex.memory.buffer);
    const query = dec.decode(mem.subarray(sp, sp + sl));
    const params = new Reader(mem.slice(pp, pp + pl)).row();
    const w = new Writer(1024);
    try {
      if (!this.sql) throw new Error("no SQL storage bound to this call");
      const cursor = this.sql.exec(query, ...params.map(toBinding));
      const columns = cursor.columnNames;
      w.u8(0);
      w.u32(columns.length);
      for (const c of columns) w.str(c);
      const countAt = w.pos;
      w.u32(0);
      // Numbers arrive as doubles: a safe integer is exact; a larger integral number may be a
      // rounded INTEGER (or a REAL), so it goes as a REAL and its column is flagged for the core
      // to read back exactly (src/host/exact.h). Rows are written as the cursor yields them, up to
      // the limits of one result.
      const inexact = new Set<number>();
      let count = 0;
      // A page (sql_exec_page) stops after the row that passes its byte budget (counted as
      // encoded, about as SqlHost::exec_page counts).
      let more = false;
      const pageStart = w.pos;
      for (const row of cursor.raw()) {
        if (page && (count >= page.rows || w.pos - pageStart > page.bytes)) {
          more = true;
          break;
        }
        if (++count > MAX_RESULT_ROWS) throw new Error(`result too large: more than ${MAX_RESULT_ROWS} rows (the limit for one result)`);
        for (let c = 0; c < columns.length; c++) {
          const v = row[c];
          if (typeof v === "number") {
            if (Number.isSafeInteger(v) && !Object.is(v, -0)) w.int(v);
            else {
              w.u8(2);
              w.f64(v);
              if (Number.isInteger(v)) inexact.add(c);
            }
          } else w.value(v as SqlValue);
        }
        if (w.pos > MAX_RESULT_BYTES) throw new Error(`result too large: more than ${MAX_RESULT_BYTES >> 20} MB (the limit for one result)`);
      }
      // A cursor left with rows keeps its statement running until it is garbage-collected, and a
      // running statement locks the schema (a snapshot's CREATE TABLE would fail): one() ends the
      // statement whatever is left (it throws when that is not exactly one row).
      if (more) {
        try { cursor.one(); } catch { /* ended */ }
      }
      w.patchU32(countAt, count);
      w.i64(0n);
      w.i64(0n);
      w.u32(inexact.size);
      for (const c of inexact) w.u32(c);
      if (page) w.u8(more ? 1 : 0);
    } catch (e) {
      w.pos = 0;
      w.u8(1);
      const message = String((e as Error)?.message ?? e);
      const m = SQLITE_SUFFIX.exec(message);
      w.str(m ? message.slice(0, m.index) : message);
      w.str(m ? m[2] ?? m[1] : "");
    }
    const out = w.finish();
    const p = this.ex.bd_alloc(out.length + 4);
    const view = new DataView(this.ex.memory.buffer);
    view.setUint32(p, out.length, true);
    new Uint8Array(this.ex.memory.buffer, p + 4, out.length).set(out);
    return p;
  }
}

// The Durable Object SQL API takes no BigInt: an integer beyond 2^53 is bound as its decimal
// text, which INTEGER/NUMERIC columns convert back to the exact integer.
function toBinding(v: SqlValue): unknown {
  if (typeof v === "bigint") return v.toString();
  return v;
}

// A call into the Wasm instance trapped (or ran on an instance that had): the instance is gone.
export class CoreTrap extends Error {
  constructor(message: string, readonly cause_: string) {
    super(message);
    this.name = "CoreTrap";
  }
}

let core: Core | null = null;
export function getCore(): Core {
  core ??= new Core();
  return core;
}

// Test hooks: the next call gets a fresh Wasm instance (as a new isolate would); the next read of
// the clock by a statement's conductor throws through the running Wasm code (as a trap would).
export function resetCore() {
  core = null;
}
let injectedTraps = 0;
let instancesCreated = 0;
export function coreInstances() {
  return instancesCreated;
}
export function injectTrap() {
  injectedTraps++;
}
