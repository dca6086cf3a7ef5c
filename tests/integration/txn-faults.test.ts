// Transactions under failures, through the Worker in workerd: while writers move money between 40
// accounts on 8 nodes (interactive transactions and atomic batches, each also writing a row of a
// transfer log in the same transaction), storage objects are restarted at random, as a crash or an
// eviction restarts a Durable Object, in the middle of reads, writes, prepares and commits.
// Afterwards (the nodes' alarms finish or roll back what was in doubt): the total is exact, every
// account holds exactly its start plus the logged transfers (a transfer applied on one node but not
// the other, or without its log row, would break this), every transfer whose COMMIT answered is
// logged, and no lock is left (every account can be written).
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const bigDaddy = (exports as any).default;

const DB = "txn-faults", NODES = 8, ACCOUNTS = 40, START = 100, WRITERS = 4, TRANSFERS_PER_WRITER = 10;

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function restart(node: number): Promise<void> {
  const ns = (env as any).STORAGE;
  return ns.get(ns.idFromName(`${DB}/${node}`)).testRestart().catch(() => {});
}

describe("transactions under storage-object restarts (8 nodes)", () => {
  it("all or nothing for every transfer, the total exact, committed transfers kept, no lock left", async () => {
    await bigDaddy.query(DB, "CREATE TABLE acc (id INTEGER PRIMARY KEY, bal INTEGER NOT NULL)", [], { create: true, nodes: NODES });
    await bigDaddy.query(DB, "CREATE TABLE log (id INTEGER PRIMARY KEY, src INTEGER, dst INTEGER, amount INTEGER)");
    await bigDaddy.query(DB, `INSERT INTO acc VALUES ${Array.from({ length: ACCOUNTS }, (_, i) => `(${i + 1}, ${START})`).join(", ")}`);

    const answered = new Set<number>();  // transfers whose COMMIT (or batch) answered success
    let failed = 0, restarts = 0, writersLeft = WRITERS;
    const sums: number[] = [];

    async function writer(w: number) {
      const next = rng(7000 + w);
      for (let k = 0; k < TRANSFERS_PER_WRITER; k++) {
        const id = w * 1000 + k + 1;
        const from = 1 + Math.floor(next() * ACCOUNTS);
        let to = 1 + Math.floor(next() * ACCOUNTS);
        if (to === from) to = (to % ACCOUNTS) + 1;
        const amount = 1 + Math.floor(next() * 20);
        try {
          if (k % 2 === 0) {
            const tx = await bigDaddy.transaction(DB, { timeoutMs: 5000 });
            try {
              await tx.query("UPDATE acc SET bal = bal - ? WHERE id = ?", [amount, from]);
              await tx.query("UPDATE acc SET bal = bal + ? WHERE id = ?", [amount, to]);
              await tx.query("INSERT INTO log VALUES (?, ?, ?, ?)", [id, from, to, amount]);
              await tx.commit();
            } catch (e) {
              if (await tx.open.catch(() => false)) await tx.rollback().catch(() => {});
              throw e;
            }
          } else {
            const b = await bigDaddy.batch(DB, [
              { sql: "UPDATE acc SET bal = bal - ? WHERE id = ?", params: [amount, from] },
              { sql: "UPDATE acc SET bal = bal + ? WHERE id = ?", params: [amount, to] },
              { sql: "INSERT INTO log VALUES (?, ?, ?, ?)", params: [id, from, to, amount] },
            ]);
            if (b.error) throw new Error(b.error);
          }
          answered.add(id);
        } catch {
          failed++;  // refused, restarted under it, or in doubt: the checks below decide
        }
      }
      writersLeft--;
    }

    async function chaos() {
      const next = rng(99);
      while (writersLeft > 0) {
        await sleep(5 + Math.floor(next() * 30));
        restarts++;
        await restart(Math.floor(next() * NODES));
      }
    }

    async function reader() {
      while (writersLeft > 0) {
        try {
          const r = await bigDaddy.query(DB, "SELECT sum(bal) AS s FROM acc");
          sums.push(r.rows[0].s);
        } catch {
          // a node restarted under the read
        }
        await sleep(10);
      }
    }

    await Promise.all([...Array.from({ length: WRITERS }, (_, w) => writer(w)), chaos(), reader()]);

    // Recovery: transactions left in doubt are finished or rolled back by the nodes' alarms, and
    // the idle interactive ones by their timeout. Wait until every account can be written again.
    const deadline = Date.now() + 60_000;
    let locked = "";
    for (;;) {
      try {
        await bigDaddy.query(DB, "UPDATE acc SET bal = bal + 0");
        locked = "";
        break;
      } catch (e) {
        locked = String((e as Error)?.message ?? e);
        if (Date.now() > deadline) break;
        await sleep(250);
      }
    }
    expect(locked, "a lock stayed after recovery").toBe("");

    const { rows: logged } = await bigDaddy.query(DB, "SELECT id, src, dst, amount FROM log ORDER BY id");
    const expected = new Map<number, number>();
    for (let i = 1; i <= ACCOUNTS; i++) expected.set(i, START);
    for (const t of logged) {
      expected.set(t.src, expected.get(t.src)! - t.amount);
      expected.set(t.dst, expected.get(t.dst)! + t.amount);
    }
    const { rows } = await bigDaddy.query(DB, "SELECT id, bal FROM acc ORDER BY id");
    expect(rows).toEqual(Array.from(expected, ([id, bal]) => ({ id, bal })));
    const loggedIds = new Set(logged.map((t: any) => t.id));
    expect([...answered].filter((id) => !loggedIds.has(id)), "transfers that answered committed but are not kept").toEqual([]);
    expect(new Set(sums.length ? sums : [ACCOUNTS * START])).toEqual(new Set([ACCOUNTS * START]));
    // The run must have exercised both outcomes.
    expect(restarts).toBeGreaterThan(10);
    expect(answered.size).toBeGreaterThan(0);
    console.log(`faults: ${answered.size} transfers committed, ${logged.length} logged, ${failed} failed, ${restarts} restarts, ${sums.length} sums read`);
  });
});
