// Transactions whose coordinator dies, through the Worker in workerd. Writers move money between
// 120 accounts on 8 nodes, each transfer also writing a row of a transfer log in the same
// transaction. The coordinator of an interactive transaction is its Transaction Durable Object:
// it is restarted (as a crash or an eviction restarts it) at chosen steps — while a statement's
// writes are on their way, when COMMIT begins, while the prepares are on their way, between the
// prepares and the decision, while the decision is on its way, after the decision before phase two
// (the client gets an error), after the client has its answer (phase two never sent) — and at
// random moments (js-shim/test-hooks.ts names the steps). The coordinator of a batch runs in the
// Worker's request (here the test's own, calling runBatch): it stops at the commit steps from the
// prepares on, as the request dying there would (nothing more is sent, not even a rollback).
// Storage objects restart at random meanwhile. Afterwards (the nodes' alarms finish or roll back
// what was in doubt): the total is exact, every account holds exactly its start plus the logged
// transfers, every transfer whose COMMIT answered is logged, one killed before its decision is not
// and one killed after it is, and no lock is left (every account and log row can be written).
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runBatch } from "../../js-shim/http";
import { StepWatch, type CoordinatorStep, type TestStep } from "../../js-shim/test-hooks";

const bigDaddy = (exports as any).default;

const DB = "txn-coord-faults", NODES = 8, ACCOUNTS = 120, START = 100, WRITERS = 4, MAX_TRANSFERS_PER_WRITER = 26;
// The interactive transactions' idle timeout: a node rolls back a transaction idle for twice this.
const TIMEOUT_MS = 4000;

type Plan = "none" | "random" | CoordinatorStep;
// What each writer goes through: every step for an interactive transaction's object, random
// restarts, and the commit steps for a batch's conductor. A chosen step that was not reached (the
// transfer failed before it, or wrote a single node, which commits in one request) is tried again
// on the writer's next transfer. Batches skip the steps before any prepare: with the batch's
// default idle timeout (30 s) their locks would outlast this test.
const STEPS: { batch: boolean; plan: Plan }[] = [
  ...(["statement", "before-prepare", "preparing", "prepared", "deciding", "decided", "answered", "random", "random", "none"] as Plan[]).map((plan) => ({ batch: false, plan })),
  ...(["prepared", "deciding", "decided", "answered", "none"] as Plan[]).map((plan) => ({ batch: true, plan })),
];
// Steps at which the coordinator's death must leave the transfer out, or in, after recovery.
const NEVER_APPLIED = new Set(["statement", "before-prepare", "preparing", "prepared", "prepare-failed", "idle", "aborting", "decide-refused"]);
const ALWAYS_APPLIED = new Set(["decided", "answered"]);

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function restartStorage(node: number): Promise<void> {
  const ns = (env as any).STORAGE;
  return ns.get(ns.idFromName(`${DB}/${node}`)).testRestart().catch(() => {});
}

function transactionObject(id: string): any {
  const ns = (env as any).TRANSACTION;
  return ns.get(ns.idFromString(id));
}

describe("transactions whose coordinator restarts (8 nodes)", () => {
  it("all or nothing for every transfer whatever step the coordinator died at, committed ones kept, no lock left", async () => {
    await bigDaddy.query(DB, "CREATE TABLE acc (id INTEGER PRIMARY KEY, bal INTEGER NOT NULL)", [], { create: true, nodes: NODES });
    await bigDaddy.query(DB, "CREATE TABLE log (id INTEGER PRIMARY KEY, src INTEGER, dst INTEGER, amount INTEGER)");
    await bigDaddy.query(DB, `INSERT INTO acc VALUES ${Array.from({ length: ACCOUNTS }, (_, i) => `(${i + 1}, ${START})`).join(", ")}`);

    const answered = new Set<number>(); // transfers whose COMMIT (or batch) answered success
    const interactive = new Map<number, { object: string; plan: Plan }>(); // transfer -> its Transaction object
    const batchDeaths = new Map<number, string>(); // transfer -> the step its batch's conductor stopped at
    let failed = 0, storageRestarts = 0, writersLeft = WRITERS;
    const sums: number[] = [];

    // Each transfer answers whether its chosen restart happened.
    async function transferInteractive(id: number, plan: Plan, from: number, to: number, amount: number, next: () => number): Promise<boolean> {
      const tx = await bigDaddy.transaction(DB, { timeoutMs: TIMEOUT_MS });
      const object = await tx.id;
      interactive.set(id, { object, plan });
      const stub = transactionObject(object);
      if (plan === "random") {
        // One restart at a random moment of the transaction's life.
        const after = Math.floor(next() * 300);
        setTimeout(() => void stub.testRestart().catch(() => {}), after);
      } else if (plan !== "none" && plan !== "statement") {
        await stub.testRestart(plan);
      }
      let error: unknown;
      try {
        await tx.query("UPDATE acc SET bal = bal - ? WHERE id = ?", [amount, from]);
        if (plan === "statement") await stub.testRestart(plan);
        await tx.query("UPDATE acc SET bal = bal + ? WHERE id = ?", [amount, to]);
        await tx.query("INSERT INTO log VALUES (?, ?, ?, ?)", [id, from, to, amount]);
        await tx.commit();
        answered.add(id);
      } catch (e) {
        error = e;
        failed++; // refused, restarted under it, or in doubt: the checks below decide
        if (await tx.open.catch(() => false)) await tx.rollback().catch(() => {});
      }
      if (plan === "none" || plan === "random") return true;
      if (plan === "answered" && !error) await sleep(100); // the object restarts just after answering
      return (await transactionObject(object).testRestarts()).length > 0; // a new stub: the old one broke with the restart
    }

    async function transferBatch(id: number, plan: Plan, from: number, to: number, amount: number): Promise<boolean> {
      const watch = new StepWatch();
      if (plan !== "none") watch.armed = plan as CoordinatorStep;
      const testStep: TestStep = (at, requests, answers) => {
        const what = watch.next(at, requests, answers);
        if (what === "answered") {
          batchDeaths.set(id, "answered");
          return "skip";
        }
        if (what === "die") {
          batchDeaths.set(id, watch.at);
          throw new Error(`test hook: the batch's conductor stopped (${watch.at})`);
        }
      };
      try {
        const b = await runBatch(env as any, DB, [
          { sql: "UPDATE acc SET bal = bal - ? WHERE id = ?", params: [amount, from] },
          { sql: "UPDATE acc SET bal = bal + ? WHERE id = ?", params: [amount, to] },
          { sql: "INSERT INTO log VALUES (?, ?, ?, ?)", params: [id, from, to, amount] },
        ], { testStep });
        if (b.error) throw new Error(b.error.message);
        answered.add(id);
      } catch {
        failed++;
      }
      return plan === "none" || batchDeaths.has(id);
    }

    async function writer(w: number) {
      const next = rng(5100 + w);
      // Writers go through the steps from different places.
      const todo = STEPS.map((_, i) => STEPS[(i + 3 * w) % STEPS.length]);
      for (let k = 0; k < MAX_TRANSFERS_PER_WRITER && todo.length; k++) {
        const id = w * 1000 + k + 1;
        const from = 1 + Math.floor(next() * ACCOUNTS);
        let to = 1 + Math.floor(next() * ACCOUNTS);
        if (to === from) to = (to % ACCOUNTS) + 1;
        const amount = 1 + Math.floor(next() * 20);
        const { batch, plan } = todo[0];
        const done = batch ? await transferBatch(id, plan, from, to, amount) : await transferInteractive(id, plan, from, to, amount, next);
        if (done) todo.shift();
      }
      writersLeft--;
    }

    async function chaos() {
      const next = rng(77);
      while (writersLeft > 0) {
        await sleep(40 + Math.floor(next() * 120));
        storageRestarts++;
        await restartStorage(Math.floor(next() * NODES));
      }
    }

    async function reader() {
      while (writersLeft > 0) {
        try {
          const r = await bigDaddy.query(DB, "SELECT sum(bal) AS s FROM acc");
          sums.push(r.rows[0].s);
        } catch {
          // a node restarted under the read, or rows in doubt stayed locked
        }
        await sleep(20);
      }
    }

    const started = Date.now();
    await Promise.all([...Array.from({ length: WRITERS }, (_, w) => writer(w)), chaos(), reader()]);
    const writing = Date.now() - started;

    // Recovery: transactions left in doubt are finished or rolled back by the nodes' alarms
    // (prepared ones ask the decision holder after 2 s; active ones roll back after twice their
    // idle timeout). Wait until every account and every log row can be written again.
    const deadline = Date.now() + 40_000;
    let locked = "";
    for (;;) {
      try {
        await bigDaddy.query(DB, "UPDATE acc SET bal = bal + 0");
        await bigDaddy.query(DB, "UPDATE log SET amount = amount + 0");
        locked = "";
        break;
      } catch (e) {
        locked = String((e as Error)?.message ?? e);
        if (Date.now() > deadline) break;
        await sleep(250);
      }
    }
    const recovery = Date.now() - started - writing;
    expect(locked, "a lock stayed after recovery").toBe("");

    const { rows: logged } = await bigDaddy.query(DB, "SELECT id, src, dst, amount FROM log ORDER BY id");
    const expected = new Map<number, number>();
    for (let i = 1; i <= ACCOUNTS; i++) expected.set(i, START);
    for (const t of logged) {
      expected.set(t.src, expected.get(t.src)! - t.amount);
      expected.set(t.dst, expected.get(t.dst)! + t.amount);
    }
    // All or nothing: every account moved by exactly the transfers that are logged.
    const { rows } = await bigDaddy.query(DB, "SELECT id, bal FROM acc ORDER BY id");
    expect(rows).toEqual(Array.from(expected, ([id, bal]) => ({ id, bal })));
    const loggedIds = new Set<number>(logged.map((t: any) => t.id));
    expect([...answered].filter((id) => !loggedIds.has(id)), "transfers that answered committed but are not kept").toEqual([]);
    expect(new Set(sums.length ? sums : [ACCOUNTS * START])).toEqual(new Set([ACCOUNTS * START]));

    // Where each coordinator died, and what became of its transfer.
    const deaths: { id: number; step: string; kind: "interactive" | "batch" | "random" }[] = [];
    for (const [id, { object, plan }] of interactive) {
      const restarts: string[] = await transactionObject(object).testRestarts();
      for (const step of restarts) deaths.push({ id, step, kind: plan === "random" ? "random" : "interactive" });
      if (plan !== "none" && plan !== "random" && restarts.length) expect(restarts, `transfer ${id}`).toEqual([plan]);
    }
    for (const [id, step] of batchDeaths) deaths.push({ id, step, kind: "batch" });
    const wrong = deaths.filter((d) => (NEVER_APPLIED.has(d.step) && loggedIds.has(d.id)) || (ALWAYS_APPLIED.has(d.step) && !loggedIds.has(d.id)));
    expect(wrong, "transfers whose outcome contradicts the step their coordinator died at").toEqual([]);

    const table = new Map<string, { interactive: number; batch: number; random: number; applied: number }>();
    for (const d of deaths) {
      const row = table.get(d.step) ?? { interactive: 0, batch: 0, random: 0, applied: 0 };
      row[d.kind]++;
      if (loggedIds.has(d.id)) row.applied++;
      table.set(d.step, row);
    }
    const report = [...table].map(([step, r]) => `${step}: ${r.interactive} chosen + ${r.random} random + ${r.batch} batch (${r.applied} applied)`).join("; ");
    console.log(
      `coordinator faults: ${deaths.length} coordinator restarts [${report}]; ${answered.size} transfers answered committed, ${logged.length} logged, ` +
        `${failed} failed; ${storageRestarts} storage restarts; ${sums.length} sums read; writing ${writing} ms, recovery ${recovery} ms`,
    );
    // Every commit step was hit (both by an interactive transaction's object and by a batch's
    // conductor where the plan has it), and both outcomes occurred.
    for (const step of ["statement", "before-prepare", "preparing", "prepared", "deciding", "decided", "answered"])
      expect(table.get(step)?.interactive ?? 0, `coordinator restarts at ${step}`).toBeGreaterThan(0);
    for (const step of ["prepared", "deciding", "decided", "answered"]) expect(table.get(step)?.batch ?? 0, `batch stops at ${step}`).toBeGreaterThan(0);
    expect(deaths.filter((d) => d.kind === "random").length).toBeGreaterThan(0);
    expect(answered.size).toBeGreaterThan(0);
  });
});
