// Isolation under concurrency, through the binding in workerd: 8 writers move money between 40
// accounts spread over 8 nodes in interactive read-check-write transactions (retrying when a lock
// conflict rolls one back), while 2 readers sum every balance the whole time. Every sum is exact,
// no balance goes negative, and every account ends with exactly the transfers that committed.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const bigDaddy = (exports as any).default;

const ACCOUNTS = 40, START = 100, WRITERS = 8, TRANSFERS_PER_WRITER = 12, READERS = 2;

// A deterministic random sequence per writer (so a failure can be replayed).
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("transactions: isolation under concurrency (8 writers, 2 readers, 8 nodes)", () => {
  it("every read sees the exact total; no balance negative; every account ends with its committed transfers", async () => {
    const db = "txn-concurrency";
    await bigDaddy.query(db, "CREATE TABLE acc (id INTEGER PRIMARY KEY, bal INTEGER NOT NULL)", [], { create: true, nodes: 8 });
    const values = Array.from({ length: ACCOUNTS }, (_, i) => `(${i + 1}, ${START})`).join(", ");
    await bigDaddy.query(db, `INSERT INTO acc VALUES ${values}`);
    const spread = await bigDaddy.query(db, "SELECT count(*) AS n FROM acc");
    expect(spread.meta.nodesTouched).toBe(8);

    const committed: { from: number; to: number; amount: number }[] = [];
    let conflicts = 0, refused = 0, writersLeft = WRITERS;
    const sums: number[] = [];
    const negatives: number[] = [];

    async function writer(w: number) {
      const next = rng(1000 + w);
      for (let k = 0; k < TRANSFERS_PER_WRITER; k++) {
        const from = 1 + Math.floor(next() * ACCOUNTS);
        let to = 1 + Math.floor(next() * ACCOUNTS);
        if (to === from) to = (to % ACCOUNTS) + 1;
        // Large amounts, so that balance checks fail now and then (and must never be skipped).
        const amount = 1 + Math.floor(next() * 60);
        for (let attempt = 0; ; attempt++) {
          let tx: any;
          try {
            tx = await bigDaddy.transaction(db);
            const { rows } = await tx.query("SELECT bal FROM acc WHERE id = ?", [from]);
            if (rows[0].bal < amount) {
              await tx.rollback();
              refused++;
              break;
            }
            await tx.query("UPDATE acc SET bal = bal - ? WHERE id = ?", [amount, from]);
            await tx.query("UPDATE acc SET bal = bal + ? WHERE id = ?", [amount, to]);
            await tx.commit();
            committed.push({ from, to, amount });
            break;
          } catch (e) {
            const message = String((e as Error)?.message ?? e);
            if (!/database is locked/.test(message)) throw e;
            conflicts++;
            if (tx && (await tx.open)) await tx.rollback().catch(() => {});
            if (attempt > 200) throw new Error(`writer ${w} gave up: ${message}`);
            await new Promise((resolve) => setTimeout(resolve, 5 + Math.floor(next() * 20 * Math.min(attempt + 1, 8))));
          }
        }
      }
      writersLeft--;
    }

    async function reader() {
      while (writersLeft > 0) {
        const r = await bigDaddy.query(db, "SELECT sum(bal) AS s, min(bal) AS m FROM acc");
        sums.push(r.rows[0].s);
        if (r.rows[0].m < 0) negatives.push(r.rows[0].m);
      }
    }

    await Promise.all([...Array.from({ length: WRITERS }, (_, w) => writer(w)), ...Array.from({ length: READERS }, () => reader())]);

    expect(sums.length).toBeGreaterThan(READERS * 3);
    expect(new Set(sums)).toEqual(new Set([ACCOUNTS * START]));
    expect(negatives).toEqual([]);
    expect(committed.length + refused).toBe(WRITERS * TRANSFERS_PER_WRITER);
    expect(committed.length).toBeGreaterThan(WRITERS * TRANSFERS_PER_WRITER / 3);
    // Each account: its start, minus what it sent, plus what it received, in committed transfers.
    const expected = new Map<number, number>();
    for (let i = 1; i <= ACCOUNTS; i++) expected.set(i, START);
    for (const t of committed) {
      expected.set(t.from, expected.get(t.from)! - t.amount);
      expected.set(t.to, expected.get(t.to)! + t.amount);
    }
    const { rows } = await bigDaddy.query(db, "SELECT id, bal FROM acc ORDER BY id");
    expect(rows).toEqual(Array.from(expected, ([id, bal]) => ({ id, bal })));
    console.log(`concurrency: ${committed.length} transfers committed, ${refused} refused by the balance check, ${conflicts} conflicts retried, ${sums.length} sums read`);
  });
});
