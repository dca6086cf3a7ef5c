// The Durable Object classes: each forwards a request's bytes to the core inside one storage
// transaction, rolling back when the core answers with an error status (first byte non-zero).
// The topology object also runs resize jobs from its alarm: each alarm runs job steps (the core's
// conductor in "reshard" mode, with this object's own requests kept local) until the job is done
// or a time slice ends, then re-arms itself. The job's state lives in the core's tables, so a
// restart anywhere just means the next alarm resumes it.
import { DurableObject } from "cloudflare:workers";
import { getCore } from "./core";
import { runQuery, type Env, type Handle } from "./driver";

const ROLLBACK = Symbol("rollback");
// topology/store.h ops after which a job may need running: Resize, Cancel, MoveVShard, MoveVShards.
const JOB_OPS = new Set([5, 10, 11, 13]);
const SLICE_MS = 20_000;

function transact(ctx: DurableObjectState, fn: "bd_storage_handle" | "bd_topology_handle", req: Uint8Array): Uint8Array {
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

export class Storage extends DurableObject<Env> {
  async handle(req: Uint8Array): Promise<Uint8Array> {
    return transact(this.ctx, "bd_storage_handle", new Uint8Array(req));
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
