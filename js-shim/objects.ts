// The Durable Object classes: each forwards a request's bytes to the core inside one storage
// transaction, rolling back when the core answers with an error status (first byte non-zero).
// The topology object also runs resize jobs from its alarm: each alarm runs job steps (the core's
// conductor in "reshard" mode, with this object's own requests kept local) until the job is done
// or a time slice ends, then re-arms itself. The job's state lives in the core's tables, so a
// restart anywhere just means the next alarm resumes it.
import { DurableObject } from "cloudflare:workers";
import { getCore } from "./core";
import { BigDaddyError, runQuery, type Env, type Handle, type QueryResult } from "./driver";
import { Reader, Writer, type SqlValue } from "./codec";
import { ErrorCode, TopologyOp } from "./abi";
import { StepWatch, type CoordinatorStep, type TestPoint } from "./test-hooks";

const ROLLBACK = Symbol("rollback");
// Topology ops after which a job may need running.
const JOB_OPS = new Set<number>([TopologyOp.Resize, TopologyOp.Cancel, TopologyOp.MoveVShard, TopologyOp.MoveVShards]);
const SLICE_MS = 20_000;

function transact(ctx: DurableObjectState, fn: "bd_storage_handle" | "bd_topology_handle" | "bd_catalog_handle" | "bd_insights_handle" | "bd_storage_recover", req: Uint8Array): Uint8Array {
  const core = getCore();
  let out: Uint8Array = new Uint8Array(0);
  core.withSql(ctx.storage.sql, () => {
    try {
      ctx.storage.transactionSync(() => {
        out = core.call(fn, req);
        if (out.length === 0 || out[0] !== 0) throw ROLLBACK;
      });
    } catch (e) {
      if (e !== ROLLBACK) throw e;
    }
  }, ctx);
  return out;
}

// A storage node. Its alarm runs transaction recovery (storage/txn.h): it is armed whenever the
// node holds transaction state, at the time the core asks for.
export class Storage extends DurableObject<Env> {
  private alarmAt: number | null | undefined; // undefined: not known since this object started

  async handle(req: Uint8Array): Promise<Uint8Array> {
    const out = transact(this.ctx, "bd_storage_handle", new Uint8Array(req));
    await this.follow(getCore().storageAlarm());
    return out;
  }

  private async follow(at: number | undefined) {
    if (at === undefined) return;
    const want = at < 0 ? null : Math.ceil(at);
    if (want === this.alarmAt) return;
    if (want === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(want);
    this.alarmAt = want;
  }

  async alarm(): Promise<void> {
    this.alarmAt = undefined;
    const core = getCore();
    const plan = new Reader(transact(this.ctx, "bd_storage_recover", new Uint8Array([0])));
    let at = core.storageAlarm();
    if (plan.u8() !== 0) {
      await this.ctx.storage.setAlarm(Date.now() + 1000);
      return;
    }
    const n = plan.u32();
    for (let i = 0; i < n; i++) {
      const txn = plan.str(), kind = plan.u8(), node = plan.u32(), database = plan.str();
      const request = plan.bytes().slice();
      let delivered = true;
      let answer: Uint8Array;
      try {
        const peer = this.env.STORAGE.get(this.env.STORAGE.idFromName(`${database}/${node}`)) as unknown as Storage;
        answer = new Uint8Array(await peer.handle(request));
      } catch (e) {
        delivered = false;
        answer = new TextEncoder().encode(String((e as Error)?.message ?? e));
      }
      const w = new Writer(64 + answer.length);
      w.u8(1);
      w.u8(delivered ? 1 : 0);
      w.str(txn);
      w.u8(kind);
      w.u32(node);
      w.bytes(answer);
      transact(this.ctx, "bd_storage_recover", w.finish());
      at = core.storageAlarm() ?? at;
    }
    await this.follow(at);
  }

  // Deleting the database: every byte this node holds goes (tables, indexes, its _bd_ state).
  async wipe(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    this.alarmAt = null;
    await this.ctx.storage.deleteAll();
  }

  // Test hook (BIG_DADDY_TEST_HOOKS=1 only): restart this object, as a crash or an eviction would.
  async testRestart(): Promise<void> {
    if (this.env.BIG_DADDY_TEST_HOOKS !== "1") throw new Error("test hooks are disabled");
    this.ctx.abort("test hook: storage object restarted");
  }
}

// Faults a test can inject into resize jobs (BIG_DADDY_TEST_HOOKS=1 only).
export interface ResizeFaults {
  restartTopologyIn?: string[]; // phases: the topology object restarts (once each) when the job reaches them
  restartNodesIn?: Record<string, number[]>; // phase -> storage nodes restarted (once) when the job reaches it
  cutSteps?: number; // this many steps are cut off part-way (after their first round trip)
}

export class Topology extends DurableObject<Env> {
  async handle(req: Uint8Array, database?: string): Promise<Uint8Array> {
    const bytes = new Uint8Array(req);
    const out = transact(this.ctx, "bd_topology_handle", bytes);
    if (JOB_OPS.has(bytes[0]) && out[0] === 0 && database) {
      await this.ctx.storage.put("database", database);
      await this.ctx.storage.setAlarm(Date.now());
    }
    return out;
  }

  // Query insights and per-node load of this database (topology/insights.h): batches from the
  // Worker's isolates, and the report the dashboard reads.
  async insights(req: Uint8Array): Promise<Uint8Array> {
    return transact(this.ctx, "bd_insights_handle", new Uint8Array(req));
  }

  async alarm(): Promise<void> {
    const database = await this.ctx.storage.get<string>("database");
    if (!database) return;
    const local: Handle = { handle: async (req) => transact(this.ctx, "bd_topology_handle", new Uint8Array(req)) };
    const hooks = this.env.BIG_DADDY_TEST_HOOKS === "1";
    const started = Date.now();
    let phase = "";
    while (Date.now() - started < SLICE_MS) {
      let failAfterRounds: number | undefined;
      if (hooks) {
        const faults = (await this.ctx.storage.get<ResizeFaults>("faults")) ?? {};
        const seen = (await this.ctx.storage.get<string[]>("faults-seen")) ?? [];
        const once = async (key: string) => {
          if (seen.includes(key)) return false;
          seen.push(key);
          await this.ctx.storage.put("faults-seen", seen);
          return true;
        };
        for (const node of faults.restartNodesIn?.[phase] ?? [])
          if (await once(`node:${phase}:${node}`))
            await (this.env.STORAGE.get(this.env.STORAGE.idFromName(`${database}/${node}`)) as any).testRestart().catch(() => {});
        if (faults.restartTopologyIn?.includes(phase) && (await once(`topology:${phase}`))) {
          await this.ctx.storage.setAlarm(Date.now() + 50);
          await (this.ctx.storage as any).sync?.(); // the "once" mark must survive the restart
          this.ctx.abort(`test hook: topology object restarted in phase ${phase}`);
        }
        const cuts = seen.filter((s) => s.startsWith("cut:")).length;
        if ((faults.cutSteps ?? 0) > cuts && (await once(`cut:${cuts}`))) failAfterRounds = 1;
      }
      let job: any;
      try {
        const r = await runQuery(this.env, database, "", [], { mode: "reshard", topology: local, failAfterRounds });
        job = JSON.parse(String(r.rows[0]?.[0] ?? "null"));
      } catch (e) {
        // The database was deleted meanwhile: no job to run.
        if (e instanceof BigDaddyError && e.code === ErrorCode.NotFound) return;
        // The step did not finish (its effects are idempotent): run it again shortly.
        console.warn(`resize step of ${database} failed: ${(e as Error)?.message ?? e}`);
        await this.ctx.storage.setAlarm(Date.now() + 100);
        return;
      }
      if (!job || !job.active) return;
      phase = job.phase;
      // Yield between steps: locally the Worker and every object share one thread, and client
      // requests must not queue behind a whole resize.
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (job.failures > 0) {
        // A failed step is retried with backoff; its error shows in the topology JSON meanwhile.
        await this.ctx.storage.setAlarm(Date.now() + Math.min(30_000, 100 * 2 ** Math.min(job.failures, 9)));
        return;
      }
    }
    await this.ctx.storage.setAlarm(Date.now());
  }

  // Test hook: which injected faults have fired ("topology:<phase>", "node:<phase>:<n>", "cut:<i>").
  // The dashboard sessions' server-side secret (js-shim/auth.ts; only the object named
  // SESSION_OBJECT is asked): 32 random bytes made on first use; `rotate` replaces it, which ends
  // every session issued under the old one.
  async sessionSecret(rotate = false): Promise<string> {
    let secret = rotate ? undefined : await this.ctx.storage.get<string>("session-secret");
    if (!secret) {
      const bytes = crypto.getRandomValues(new Uint8Array(32));
      secret = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
      await this.ctx.storage.put("session-secret", secret);
    }
    return secret;
  }

  async testFaultsSeen(): Promise<string[]> {
    if (this.env.BIG_DADDY_TEST_HOOKS !== "1") throw new Error("test hooks are disabled");
    return (await this.ctx.storage.get<string[]>("faults-seen")) ?? [];
  }

  // Test hook: arm faults for the next resize job.
  async testFaults(faults: ResizeFaults): Promise<void> {
    if (this.env.BIG_DADDY_TEST_HOOKS !== "1") throw new Error("test hooks are disabled");
    await this.ctx.storage.put("faults", faults);
    await this.ctx.storage.delete("faults-seen");
  }
}

// An interactive transaction's home. Requests of one transaction may reach any Worker isolate, so
// the transaction runs here, in the conductor of this object's isolate; its public id is this
// object's id. The idle timeout rolls it back (the alarm). If this object restarts, the transaction
// is lost: before its commit's decision the storage nodes roll their parts back by themselves (idle
// timeout, presumed abort); after it the decision holder finishes phase two (conductor/txn.h).
export interface TransactionOptions { nodes?: number; timeoutMs?: number; markReals?: boolean }
// Errors travel as values: across RPC an exception keeps only its message.
export type TransactionAnswer = { result: QueryResult; open: boolean } | { error: { message: string; code: number }; open: boolean };

export class Transaction extends DurableObject<Env> {
  private database?: string;
  private core?: string; // the conductor's id for it
  private timeoutMs = 30_000;
  private last = 0;
  // Test hooks only (BIG_DADDY_TEST_HOOKS=1): where the transaction is, and the step armed to
  // restart this object at.
  private testWatch = new StepWatch();
  private testDying = false;

  // Runs the statements that open the transaction (BEGIN, SAVEPOINT, or a script starting so).
  async open(database: string, sql: string, params: SqlValue[], options: TransactionOptions = {}): Promise<TransactionAnswer> {
    if (this.core) return { error: { message: "this transaction is already open", code: ErrorCode.Sql }, open: true };
    this.database = database;
    if (options.timeoutMs !== undefined && Number.isFinite(options.timeoutMs) && options.timeoutMs > 0) this.timeoutMs = options.timeoutMs;
    return this.run(sql, params, options, undefined);
  }

  async query(database: string, sql: string, params: SqlValue[], options: TransactionOptions = {}): Promise<TransactionAnswer> {
    if (!this.core || database !== this.database)
      return { error: { message: "no such transaction (it was committed, rolled back or timed out)", code: ErrorCode.Sql }, open: false };
    return this.run(sql, params, options, this.core);
  }

  private async run(sql: string, params: SqlValue[], options: TransactionOptions, transaction: string | undefined): Promise<TransactionAnswer> {
    let result: QueryResult;
    try {
      result = await runQuery(this.env, this.database!, sql, params, {
        nodes: options.nodes, markReals: options.markReals, transaction, transactionHost: true,
        transactionTimeoutMs: transaction ? undefined : this.timeoutMs, waitUntil: (p) => this.ctx.waitUntil(p),
        testStep: this.env.BIG_DADDY_TEST_HOOKS === "1" ? (at, requests, answers) => this.testStep(at, requests, answers) : undefined,
      });
    } catch (e) {
      this.testWatch.idle();
      if (!(e instanceof BigDaddyError)) throw e;
      // A conflict, a timeout or an unknown id ended it in the conductor; other errors leave it open.
      const ended = !transaction || e.code === ErrorCode.Conflict || /^no such transaction|was idle for more than/.test(e.message);
      if (ended) await this.end();
      return { error: { message: e.message, code: e.code }, open: !ended };
    }
    this.testWatch.idle();
    const id = typeof result.meta.transaction === "string" ? result.meta.transaction : undefined;
    if (!id) {
      await this.end();
      return { result, open: false };
    }
    this.core = id;
    this.last = Date.now();
    await this.ctx.storage.setAlarm(this.last + this.timeoutMs);
    return { result, open: true };
  }

  private async end() {
    this.core = undefined;
    await this.ctx.storage.deleteAlarm();
  }

  async alarm(): Promise<void> {
    if (!this.core || !this.database) return;
    if (Date.now() - this.last < this.timeoutMs) {
      await this.ctx.storage.setAlarm(this.last + this.timeoutMs);
      return;
    }
    const core = this.core;
    this.core = undefined;
    await runQuery(this.env, this.database, "ROLLBACK", [], { transaction: core, transactionHost: true }).catch(() => {});
  }

  // Test hook (BIG_DADDY_TEST_HOOKS=1 only): restart this object, as a crash or an eviction of the
  // coordinator would: now, or with `at` when its next statement or COMMIT reaches that step.
  // Every restart's step is kept in this object's storage (testRestarts).
  async testRestart(at?: CoordinatorStep): Promise<void> {
    if (this.env.BIG_DADDY_TEST_HOOKS !== "1") throw new Error("test hooks are disabled");
    if (at) this.testWatch.armed = at;
    else await this.testDie(this.testWatch.at);
  }

  // Test hook: the steps this object was restarted at, oldest first.
  async testRestarts(): Promise<string[]> {
    if (this.env.BIG_DADDY_TEST_HOOKS !== "1") throw new Error("test hooks are disabled");
    return (await this.ctx.storage.get<string[]>("test-restarts")) ?? [];
  }

  private async testDie(step: string): Promise<never> {
    // From here on this coordinator sends nothing (testStep holds its statement), as if it were gone.
    this.testDying = true;
    const log = (await this.ctx.storage.get<string[]>("test-restarts")) ?? [];
    log.push(step);
    await this.ctx.storage.put("test-restarts", log);
    await (this.ctx.storage as any).sync?.(); // the log must survive the restart
    this.ctx.abort(`test hook: transaction object restarted (${step})`);
    throw new Error(`test hook: transaction object restarted (${step})`);
  }

  // Test hooks only: follows the statement's rounds (driver.ts testStep) and restarts this object
  // when the armed step is reached.
  private async testStep(at: TestPoint, requests: Uint8Array[], answers?: Uint8Array[]): Promise<void | "skip"> {
    if (this.testDying) await new Promise(() => {});
    const what = this.testWatch.next(at, requests, answers);
    if (what === "answered") {
      setTimeout(() => void this.testDie("answered").catch(() => {}), 20);
      return "skip";
    }
    if (what === "die") await this.testDie(this.testWatch.at);
  }
}

// The catalog of databases (one object for the deployment, named "catalog"): which databases
// exist, with their node count at creation, creation time and state. The conductor registers a
// database here before creating it and removes it after deleting it (topology/databases.h).
export class Catalog extends DurableObject<Env> {
  async handle(req: Uint8Array): Promise<Uint8Array> {
    return transact(this.ctx, "bd_catalog_handle", new Uint8Array(req));
  }
}
