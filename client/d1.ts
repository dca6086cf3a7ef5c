// A D1-compatible client over Big Daddy's service binding:
//
//   import { d1 } from "big-daddy-client/d1";
//   const db = d1(env.BIG_DADDY, "my-database");
//   const { results } = await db.prepare("SELECT * FROM users WHERE id = ?").bind(1).all();
//
// Existing D1 code and ORMs (drizzle-orm/d1, kysely-d1) run unchanged. Differences from D1:
//  - batch() is one transaction, as in D1: all statements apply or none.
//  - BEGIN/COMMIT/ROLLBACK/SAVEPOINT work (D1 refuses them): BEGIN opens an interactive transaction
//    (env.BIG_DADDY.transaction) and this database object runs every statement in it until it ends,
//    so drizzle's db.transaction() works. Use one d1() object per request while a transaction runs.
//  - prepare() takes exactly one statement (as D1 does): anything after it is an error, not run.
//  - dump() is not supported.
import type {
  BatchStatement, BigDaddyBinding, D1ClientOptions, D1Database, D1DatabaseSession, D1ExecResult, D1Meta,
  D1PreparedStatement, D1Result, SqlResult, SqlValue, TransactionHandle,
} from "./types.js";

export type * from "./types.js";

/** A D1Database backed by Big Daddy database `databaseId`, reached through `binding` (env.BIG_DADDY). */
export function d1(binding: BigDaddyBinding, databaseId: string, options: D1ClientOptions = {}): D1Database {
  if (!binding || typeof binding.query !== "function") throw new TypeError("d1(): the first argument must be the Big Daddy service binding (env.BIG_DADDY)");
  if (typeof databaseId !== "string" || !databaseId) throw new TypeError("d1(): databaseId must be a non-empty string");
  return new BigDaddyD1Database(binding, databaseId, options);
}

// RPC turns the Worker's errors into plain Errors whose message starts with the class name.
function d1Error(e: unknown, prefix = ""): Error {
  const raw = e instanceof Error ? e.message : String(e);
  const message = raw.replace(/^BigDaddyError:\s*/, "");
  return new Error(`D1_ERROR: ${prefix}${message}`, { cause: e });
}

// An error with its code, worded as D1 words it: SQLite's message, then the primary result code,
// and the extended one in parentheses ("UNIQUE constraint failed: t.x: SQLITE_CONSTRAINT (extended:
// SQLITE_CONSTRAINT_UNIQUE)"). D1 checks parameter counts itself, without a code; errors with no
// code more specific than SQLITE_ERROR (most of them Big Daddy's own checks) keep their words alone.
function d1CodedError(error: { message: string; code: string }, prefix = ""): Error {
  let text = error.message;
  if (error.code && error.code !== "SQLITE_RANGE" && error.code !== "SQLITE_ERROR") {
    const primary = error.code.startsWith("SQLITE_") ? error.code.split("_").slice(0, 2).join("_") : error.code;
    text += `: ${primary}${primary !== error.code ? ` (extended: ${error.code})` : ""}`;
  }
  const cause = new Error(text);
  return new Error(`D1_ERROR: ${prefix}${text}`, { cause });
}

function toParam(v: unknown, i: number): SqlValue {
  if (v === undefined) throw new Error(`D1_TYPE_ERROR: Type 'undefined' not supported for value 'undefined' at position ${i + 1}`);
  if (v === null || typeof v === "number" || typeof v === "string" || typeof v === "bigint") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v instanceof ArrayBuffer) return v;
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
  if (Array.isArray(v) && v.every((b) => Number.isInteger(b) && b >= 0 && b < 256)) return new Uint8Array(v).buffer;
  if (v instanceof Date) return v.toISOString();
  throw new Error(`D1_TYPE_ERROR: Type '${typeof v}' not supported for value '${String(v)}' at position ${i + 1}`);
}

// D1 hands blobs back as arrays of byte values.
function fromValue(v: unknown): unknown {
  if (v instanceof ArrayBuffer) return Array.from(new Uint8Array(v));
  if (ArrayBuffer.isView(v)) return Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  return v;
}

function rowsOf(r: SqlResult<unknown>): unknown[][] {
  return (r.rows as unknown[][]).map((row) => row.map(fromValue));
}

// Like D1 (and SQLite's own row objects), a later column of the same name wins.
function objectsOf(r: SqlResult<unknown>): Record<string, unknown>[] {
  return rowsOf(r).map((row) => {
    const o: Record<string, unknown> = {};
    r.columns.forEach((c, i) => { o[c] = row[i]; });
    return o;
  });
}

function metaOf(r: SqlResult<unknown>, duration: number): D1Meta {
  const m = r.meta ?? {};
  return {
    served_by: "big-daddy",
    duration,
    changes: r.rowsAffected,
    last_row_id: Number(r.lastInsertRowid),
    changed_db: r.rowsAffected > 0 || m.plan === "ddl",
    size_after: 0,
    rows_read: typeof m.rowsRead === "number" ? m.rowsRead : r.rows.length,
    rows_written: typeof m.rowsWritten === "number" ? m.rowsWritten : r.rowsAffected,
    bigdaddy: { ...m, lastInsertRowid: r.lastInsertRowid },
  };
}

function d1Result<T>(r: SqlResult<unknown>, duration: number): D1Result<T> {
  return { success: true, meta: metaOf(r, duration), results: objectsOf(r) as T[] };
}

// The statement's first keyword (after comments and whitespace), upper-cased.
function firstKeyword(sql: string): string {
  const m = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*([A-Za-z]+)/.exec(sql);
  return m ? m[1].toUpperCase() : "";
}

class BigDaddyD1Database implements D1Database {
  // The interactive transaction this object's statements run in (BEGIN ... COMMIT/ROLLBACK).
  private tx: TransactionHandle | null = null;

  constructor(readonly binding: BigDaddyBinding, readonly databaseId: string, readonly options: D1ClientOptions) {}

  prepare(query: string): D1PreparedStatement {
    if (typeof query !== "string") throw new TypeError("prepare(): query must be a string");
    return new BigDaddyD1PreparedStatement(this, query, []);
  }

  async query(sql: string, params: SqlValue[]): Promise<[SqlResult<unknown>, number]> {
    const t0 = Date.now();
    let coded: { message: string; code: string } | undefined;
    try {
      if (!this.tx) {
        const head = firstKeyword(sql);
        if (head === "BEGIN" || head === "SAVEPOINT") {
          if (params.length) throw new Error("BEGIN takes no parameters");
          this.tx = await this.binding.transaction(this.databaseId, { create: this.options.create, nodes: this.options.nodes, begin: sql });
          return [{ columns: [], rows: [], rowsAffected: 0, lastInsertRowid: 0, meta: { plan: "begin" } }, Date.now() - t0];
        }
        // Errors as values, with SQLite's code (an exception over RPC keeps only its message).
        const x = await this.binding.execute<unknown>(this.databaseId, sql, params, { create: this.options.create, nodes: this.options.nodes, rowMode: "array" });
        if (!x.error) return [x.result, Date.now() - t0];
        coded = x.error;
      } else {
        const tx = this.tx;
        try {
          const r = await tx.query<unknown>(sql, params, { rowMode: "array" });
          if (typeof r.meta?.transaction !== "string") this.tx = null;  // COMMIT, ROLLBACK, RELEASE of the outermost
          return [r, Date.now() - t0];
        } catch (e) {
          if (!(await tx.open)) this.tx = null;
          throw e;
        }
      }
    } catch (e) {
      throw d1Error(e);
    }
    throw d1CodedError(coded!);
  }

  async batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    if (!Array.isArray(statements)) throw new TypeError("batch(): expects an array of prepared statements");
    if (statements.length === 0) return [];
    const list: BatchStatement[] = statements.map((s, i) => {
      if (!(s instanceof BigDaddyD1PreparedStatement)) throw new TypeError(`batch(): statement ${i} was not prepared by this database`);
      return { sql: s.sql, params: s.params };
    });
    const t0 = Date.now();
    if (this.tx) {
      // Inside a transaction: the batch is a savepoint of it (all of it, or none).
      await this.query("SAVEPOINT bd_batch", []);
      const out: D1Result<T>[] = [];
      for (let i = 0; i < list.length; i++) {
        try {
          const [r] = await this.query(list[i].sql!, (list[i].params ?? []) as SqlValue[]); // D1 binds positionally
          out.push(d1Result<T>(r, 0));
        } catch (e) {
          if (this.tx) await this.query("ROLLBACK TO bd_batch", []).then(() => this.query("RELEASE bd_batch", [])).catch(() => {});
          throw d1Error((e as Error).message.replace(/^D1_ERROR: /, ""), `batch statement ${i}: `);
        }
      }
      await this.query("RELEASE bd_batch", []);
      const duration = Date.now() - t0;
      return out.map((x) => ({ ...x, meta: { ...x.meta, duration } }));
    }
    let r;
    try {
      r = await this.binding.batch<unknown>(this.databaseId, list, { create: this.options.create, nodes: this.options.nodes, rowMode: "array" });
    } catch (e) {
      throw d1Error(e);
    }
    if (r.error) throw d1CodedError({ message: r.error.message, code: r.error.sqliteCode }, `batch statement ${r.error.index}: `);
    const duration = Date.now() - t0;
    return r.results.map((x) => d1Result<T>(x, duration));
  }

  // Statements separated by semicolons, no parameters, run in order (the binding's exec). As in
  // D1, a failing statement throws; those before it stay applied.
  async exec(query: string): Promise<D1ExecResult> {
    if (typeof query !== "string") throw new TypeError("exec(): query must be a string");
    // A script would run beside the open transaction, not in it: refused rather than misapplied.
    if (this.tx) throw d1Error("exec() cannot run inside a transaction (BEGIN ... COMMIT); use prepare().run() for each statement");
    const t0 = Date.now();
    let r;
    try {
      r = await this.binding.exec<unknown>(this.databaseId, query, { create: this.options.create, nodes: this.options.nodes, rowMode: "array" });
    } catch (e) {
      throw d1Error(e);
    }
    if (r.error) throw d1Error(r.error.message, `exec statement ${r.error.index}: `);
    return { count: r.results.length, duration: Date.now() - t0 };
  }

  withSession(_constraintOrBookmark?: string): D1DatabaseSession {
    // Every read already sees the latest write (no replicas), so a session needs no bookmark.
    return {
      prepare: (q) => this.prepare(q),
      batch: (s) => this.batch(s),
      getBookmark: () => null,
    };
  }

  async dump(): Promise<ArrayBuffer> {
    throw new Error("D1_ERROR: dump() is not supported by Big Daddy");
  }
}

class BigDaddyD1PreparedStatement implements D1PreparedStatement {
  constructor(private readonly db: BigDaddyD1Database, readonly sql: string, readonly params: SqlValue[]) {}

  bind(...values: unknown[]): D1PreparedStatement {
    return new BigDaddyD1PreparedStatement(this.db, this.sql, values.map(toParam));
  }

  async first<T = unknown>(colName?: string): Promise<T | null> {
    const [r] = await this.db.query(this.sql, this.params);
    if (colName !== undefined && !r.columns.includes(colName)) throw new Error(`D1_COLUMN_NOTFOUND: Column not found (${colName})`);
    const rows = objectsOf(r);
    if (rows.length === 0) return null;
    return (colName !== undefined ? rows[0][colName] : rows[0]) as T;
  }

  async all<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    const [r, duration] = await this.db.query(this.sql, this.params);
    return d1Result<T>(r, duration);
  }

  async run<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    return this.all<T>();
  }

  raw<T = unknown[]>(options: { columnNames: true }): Promise<[string[], ...T[]]>;
  raw<T = unknown[]>(options?: { columnNames?: false }): Promise<T[]>;
  async raw<T = unknown[]>(options?: { columnNames?: boolean }): Promise<T[] | [string[], ...T[]]> {
    const [r] = await this.db.query(this.sql, this.params);
    const rows = rowsOf(r) as T[];
    return options?.columnNames ? [r.columns, ...rows] as [string[], ...T[]] : rows;
  }
}
