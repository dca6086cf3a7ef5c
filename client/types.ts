// Types for Big Daddy's service binding (the default entrypoint of the "big-daddy" Worker) and for
// the D1-compatible client. Self-contained: no @cloudflare/workers-types needed.

// Blobs: ArrayBuffer or a Uint8Array (D1 results: number[]); every member crosses RPC as it is.
export type SqlValue = null | number | bigint | string | boolean | ArrayBuffer | Uint8Array | number[];
export type RowMode = "object" | "array";

// What `meta` and the topology hold: plain data (JSON-like; integers beyond 2^53 as BigInt), so the
// types cross RPC (Service<BigDaddy>). Spelled out three levels deep: a recursive type is too deep
// for workers-types' RPC mapping.
type Plain0 = null | undefined | boolean | number | bigint | string;
type Plain1 = Plain0 | Plain0[] | { [k: string]: Plain0 | Plain0[] };
type Plain2 = Plain1 | Plain1[] | { [k: string]: Plain1 | Plain1[] };
export type MetaValue = Plain2 | Plain2[] | { [k: string]: Plain2 | Plain2[] };

export interface SqlResult<Row = Record<string, SqlValue>> {
  columns: string[];
  rows: Row[];
  rowsAffected: number;
  /** A BigInt beyond 2^53. */
  lastInsertRowid: number | bigint;
  /** How the statement ran: plan ("route" | "scatter" | "combine" | "ddl" | ...), nodes, nodesTouched, roundTrips. */
  meta: { plan?: string; nodes?: number[]; nodesTouched?: number; roundTrips?: number; [k: string]: MetaValue };
}

/** Positional values, or values by parameter name ({ id: 1 } binds :id, @id or $id). */
export type SqlParams = SqlValue[] | Record<string, SqlValue>;

export interface BatchStatement { sql?: string; query?: string; params?: SqlParams }

/**
 * A batch runs its statements in order, as one transaction: all of them apply or none. On an
 * error nothing is applied and `error.index` names the statement that failed.
 */
export interface BatchResult<Row = Record<string, SqlValue>> {
  results: SqlResult<Row>[];
  /** code: Big Daddy's error class (1 SQL, 2 unsupported, 3 retryable, 4 internal, 5 limit); sqliteCode: SQLite's
   *  result code by name (SQLITE_CONSTRAINT_UNIQUE, ...) or Big Daddy's own (BIGDADDY_UNSUPPORTED, ...). */
  error?: { index: number; message: string; code: number; sqliteCode: string };
}

/** createConnection / createDatabase: the node count of a database they create (default 8). */
/** execute(): the result, or the error as a value with its code (RPC keeps only an exception's message). */
export type ExecuteResult<Row = Record<string, SqlValue>> =
  | { result: SqlResult<Row>; error?: undefined }
  | { result?: undefined; error: { message: string; code: string } };

export interface ConnectionOptions { nodes?: number }
/** Other calls need an existing database ("no such database: <name>") unless `create: true`. */
export interface QueryOptions extends ConnectionOptions { rowMode?: RowMode; create?: boolean }

/** An entry of the catalog of databases (listDatabases, GET /api/databases). */
export interface DatabaseEntry {
  name: string;
  nodes: number;
  /** Milliseconds since the Unix epoch. */
  created: number;
  /** "ready", or "deleting" while (or if interrupted while) it is deleted. */
  state: string;
  /** Rows (a reference table's copies counted once) and bytes on all nodes; null when unknown. */
  rows: number | null;
  bytes: number | null;
  resizing?: boolean;
  error?: string;
}

/**
 * The `sql` tagged template returned by createConnection: interpolated values are bound parameters.
 * The row type is the caller's: sql<{ id: number }>`SELECT id FROM t`.
 */
export type SqlTag = <Row extends object = Record<string, SqlValue>>(strings: TemplateStringsArray | string, ...values: SqlValue[]) => Promise<SqlResult<Row>>;

export interface TopologyNode { node: number; status: string; vshards: number; rows: number; bytes?: number; tables: Record<string, { rows: number; bytes?: number }> }
export interface TopologyTable { name: string; kind: string; rows?: number; shardKey?: string | null; columns?: { name: string; type: string; affinity: string }[]; sql?: string }
export interface TopologyVshard { id: number; lo: string; hi: string; node: number; status: string }
export interface Topology {
  database: string;
  version: number;
  epoch: number;
  nodes: TopologyNode[];
  /** Rows of all tables (a reference table counted once) and bytes of all nodes. */
  rows: number;
  bytes: number;
  tables: TopologyTable[];
  vshards: TopologyVshard[];
  indexes: Record<string, MetaValue>[];
  /** The resize job, if any (running or the last one). */
  resize: ResizeJob | null;
  jobs: Record<string, MetaValue>[];
}

/** A resize (or virtual-shard move) job: its phase and progress. */
export interface ResizeJob {
  id: number;
  /** join, capture, copy, catch-up, fence, final-catch-up, activate, cleanup, switch, finish, done | abort, cancelled */
  phase: string;
  active: boolean;
  fromNodes: number;
  toNodes: number;
  vshardsMoving: number;
  rowsTotal: number;
  rowsCopied: number;
  changesReplayed: number;
  cancelRequested: boolean;
  /** Consecutive failed steps (each is retried with backoff) and the last error. */
  failures: number;
  lastError?: string;
}

/** env.BIG_DADDY: a service binding to the "big-daddy" Worker. */
export interface BigDaddyBinding {
  /** Creates the database if it does not exist (with `nodes` nodes, default 8), then returns the `sql` tag. */
  createConnection(databaseId: string, options?: ConnectionOptions): Promise<SqlTag>;
  /** Creates the database if it does not exist; `created: false` when it did. */
  createDatabase(databaseId: string, options?: ConnectionOptions): Promise<{ database: string; created: boolean; nodes: number }>;
  /** The catalog of databases, each with its current nodes, rows and bytes. */
  listDatabases(): Promise<DatabaseEntry[]>;
  /** Deletes the database and every node's data (refused while a resize runs). */
  deleteDatabase(databaseId: string): Promise<{ database: string; nodes: number }>;
  query<Row = Record<string, SqlValue>>(databaseId: string, sql: string, params?: SqlParams, options?: QueryOptions): Promise<SqlResult<Row>>;
  /** query() with errors as values: `error.code` is SQLite's result code by name. */
  execute<Row = Record<string, SqlValue>>(databaseId: string, sql: string, params?: SqlParams, options?: QueryOptions): Promise<ExecuteResult<Row>>;
  batch<Row = Record<string, SqlValue>>(databaseId: string, statements: BatchStatement[], options?: QueryOptions): Promise<BatchResult<Row>>;
  /**
   * A script: statements separated by ';' (no parameters), run in order until one fails (those
   * before it stay applied); every statement's result. `atomic: true`: the script is one
   * transaction, all of it applies or none (a migration).
   */
  exec<Row = Record<string, SqlValue>>(databaseId: string, script: string, options?: QueryOptions & { atomic?: boolean }): Promise<BatchResult<Row>>;
  explain(databaseId: string, sql: string, params?: SqlParams, options?: QueryOptions): Promise<SqlResult>;
  /** One statement whose result streams, of any size, as NDJSON bytes; read it with `streamRows` (client/stream.ts). */
  stream(databaseId: string, sql: string, params?: SqlValue[], options?: QueryOptions): Promise<ReadableStream<Uint8Array>>;
  topology(databaseId: string): Promise<Topology>;
  /** Grows (or shrinks) the database to `nodes` storage nodes online (rows move while it keeps serving). */
  resize(databaseId: string, options: { nodes: number }): Promise<ResizeJob | null>;
  resizeStatus(databaseId: string): Promise<ResizeJob | null>;
  /** Cancels a resize that has not begun to switch over (rows stay where they were). */
  cancelResize(databaseId: string): Promise<ResizeJob | null>;
  fetch(request: Request): Promise<Response>;
  /**
   * An interactive transaction: its statements see its own writes, others see none of them until
   * `commit()`; `rollback()` (or `timeoutMs` idle, default 30 s) undoes them. `begin` replaces the
   * opening statement (e.g. "BEGIN IMMEDIATE", "SAVEPOINT a").
   */
  transaction(databaseId: string, options?: TransactionOptions): Promise<TransactionHandle>;
}

export interface TransactionOptions extends ConnectionOptions {
  /** Create the database (with `nodes` nodes) if it does not exist; otherwise it must exist. */
  create?: boolean;
  timeoutMs?: number;
  begin?: string;
}

export interface TransactionHandle {
  /** The transaction's id (the HTTP API's `transaction`). */
  readonly id: string | Promise<string>;
  /** Whether it is still open (a commit, rollback, timeout or lock conflict ends it). */
  readonly open: boolean | Promise<boolean>;
  query<Row = Record<string, SqlValue>>(sql: string, params?: SqlValue[], options?: { rowMode?: RowMode }): Promise<SqlResult<Row>>;
  sql<Row = Record<string, SqlValue>>(strings: TemplateStringsArray | string, ...values: SqlValue[]): Promise<SqlResult<Row>>;
  commit(): Promise<SqlResult>;
  rollback(): Promise<SqlResult>;
}

// ---------------------------------------------------------------------------------------------
// The D1 interface, as documented for Cloudflare D1 (workers-types' D1Database & co.).

export interface D1Meta {
  duration: number;
  size_after: number;
  rows_read: number;
  rows_written: number;
  /** A number, as D1's; beyond 2^53 the exact value is meta.bigdaddy.lastInsertRowid (a BigInt). */
  last_row_id: number;
  changed_db: boolean;
  changes: number;
  served_by?: string;
  [key: string]: unknown;
}

export interface D1Result<T = Record<string, unknown>> {
  results: T[];
  success: true;
  meta: D1Meta;
}

export interface D1ExecResult { count: number; duration: number }

export interface D1PreparedStatement {
  bind(...values: unknown[]): D1PreparedStatement;
  first<T = unknown>(colName: string): Promise<T | null>;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  run<T = Record<string, unknown>>(): Promise<D1Result<T>>;
  all<T = Record<string, unknown>>(): Promise<D1Result<T>>;
  raw<T = unknown[]>(options: { columnNames: true }): Promise<[string[], ...T[]]>;
  raw<T = unknown[]>(options?: { columnNames?: false }): Promise<T[]>;
}

export interface D1DatabaseSession {
  prepare(query: string): D1PreparedStatement;
  batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]>;
  getBookmark(): string | null;
}

export interface D1Database {
  prepare(query: string): D1PreparedStatement;
  batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]>;
  exec(query: string): Promise<D1ExecResult>;
  withSession(constraintOrBookmark?: string): D1DatabaseSession;
  /** @deprecated D1 only; Big Daddy throws "not supported". */
  dump(): Promise<ArrayBuffer>;
}

export interface D1ClientOptions {
  /** Create the database on first use if it does not exist (otherwise it must exist, as in D1). */
  create?: boolean;
  /** Storage nodes for a database this client creates. Default 8. */
  nodes?: number;
}
