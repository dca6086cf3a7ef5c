// Queries at scale through the Worker path in workerd: users and orders on 4 nodes, each query an
// application makes of them answered as plain SQLite answers it (the reference runs in Node, see
// scale-setup.ts), none refused, and none gathering a whole table. `npm test` runs a small size;
// `npm run test:scale:workerd` runs 200,000 users and 400,000 orders.
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { runQuery } from "../../js-shim/driver";
import { inserts, QUERIES, SCHEMA, rowText } from "./scale-data";

const DB = "scale";
const size = inject("scaleSizes");
const answers = inject("scaleAnswers");

async function q(sql: string) {
  return runQuery(env as any, DB, sql, [], { nodes: 4 });
}

describe(`scale through the Worker (${size.users} users, ${size.orders} orders, 4 nodes)`, () => {
  it("loads the data", async () => {
    for (const s of SCHEMA) await q(s);
    for (const s of inserts(size)) await q(s);
    const r = await q("SELECT count(*) AS n FROM orders");
    expect(r.rows[0][0]).toBe(size.orders);
  }, 1_800_000);

  QUERIES.forEach((query, i) => {
    it(query.sql, async () => {
      const r = await q(query.sql);
      let got = (r.rows as unknown[][]).map(rowText);
      let want = answers[i];
      if (!query.ordered) {
        got = [...got].sort();
        want = [...want].sort();
      }
      expect(got).toEqual(want);
      // Moved rows stay far below either table: nothing was gathered whole.
      expect(Number(r.meta.rowsFetched)).toBeLessThan(size.users / 2);
    }, 600_000);
  });
});
