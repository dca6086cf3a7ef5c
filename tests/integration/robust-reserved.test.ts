import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runQuery } from "../../js-shim/driver";

// The engine's own objects on the nodes are named _bd_...: users can name nothing so, and a
// resize copies every user object to the new nodes without their triggers standing in its way.
const bigDaddy = (exports as any).default;

async function q(db: string, sql: string, params: unknown[] = []) {
  return runQuery(env as any, db, sql, params as any, { nodes: 2 });
}
async function refusal(db: string, sql: string) {
  return q(db, sql).then(() => "accepted", (e: Error) => e.message);
}

describe("the reserved _bd_ namespace", () => {
  it("refuses every object kind named with the prefix, in any case", async () => {
    const db = "robust-reserved";
    await q(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)");
    const cases: [string, string][] = [
      ["CREATE TABLE _bd_x (a)", "object name reserved for internal use: _bd_x"],
      ["CREATE TABLE _BD_node2 (a)", "object name reserved for internal use: _BD_node2"],
      ["CREATE TABLE ok (a, _bd_ksid)", "column name reserved for internal use: _bd_ksid"],
      ["CREATE TABLE ok (a, _Bd_other INTEGER)", "column name reserved for internal use: _Bd_other"],
      ["CREATE INDEX _bd_idx_v ON t (v)", "object name reserved for internal use: _bd_idx_v"],
      ["CREATE VIEW _bd_view AS SELECT 1", "object name reserved for internal use: _bd_view"],
      ["CREATE VIEW ok (_bd_c) AS SELECT 1", "column name reserved for internal use: _bd_c"],
      ["CREATE TRIGGER _bd_guard BEFORE DELETE ON t BEGIN SELECT RAISE(ABORT, 'no'); END", "object name reserved for internal use: _bd_guard"],
      ["ALTER TABLE t ADD COLUMN _bd_extra INTEGER", "column name reserved for internal use: _bd_extra"],
      ["ALTER TABLE t RENAME COLUMN v TO _bd_v", "column name reserved for internal use: _bd_v"],
      ["ALTER TABLE t RENAME TO _bd_t", "object name reserved for internal use: _bd_t"],
      ["DROP TABLE _bd_node", "object name reserved for internal use: _bd_node"],
      ["DROP TRIGGER IF EXISTS _bd_cap_i_t", "object name reserved for internal use: _bd_cap_i_t"],
      ["DROP INDEX _bd_idx_v", "object name reserved for internal use: _bd_idx_v"],
    ];
    for (const [sql, error] of cases) expect(await refusal(db, sql), sql).toBe(error);
    // Nothing of it was created anywhere; the names just outside the prefix are the user's.
    const topo = await bigDaddy.topology(db);
    expect(topo.tables.map((t: any) => t.name).sort()).toEqual(["t"]);
    await q(db, "CREATE TABLE bd_x (a, _bdx)");
    await q(db, "CREATE TRIGGER _bdguard BEFORE DELETE ON t BEGIN SELECT 1; END");
    expect((await q(db, "SELECT count(*) FROM bd_x")).rows).toEqual([[0]]);
  });

  it("a resize copies user triggers to the new nodes (they fire there) and a guarding trigger cannot wedge it", async () => {
    const db = "robust-reserved-resize";
    await q(db, "CREATE TABLE acct (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)");
    const values: string[] = [], params: number[] = [];
    for (let k = 1; k <= 400; k++) { values.push("(?, ?)"); params.push(k, 100); }
    await q(db, `INSERT INTO acct VALUES ${values.join(", ")}`, params);
    // The user's constraints as triggers: no overdraft, and no deletes at all (which a resize's
    // cleanup of moved rows must not trip over).
    await q(db, "CREATE TRIGGER no_overdraft BEFORE UPDATE ON acct WHEN NEW.balance < 0 BEGIN SELECT RAISE(ABORT, 'overdraft'); END");
    await q(db, "CREATE TRIGGER keep_rows BEFORE DELETE ON acct BEGIN SELECT RAISE(ABORT, 'accounts are never deleted'); END");
    expect(await refusal(db, "DELETE FROM acct WHERE id = 1")).toMatch(/^accounts are never deleted/);

    const started = await bigDaddy.resize(db, { nodes: 4 });
    expect(started.toNodes).toBe(4);
    let job: any = null;
    for (let i = 0; i < 1200; i++) {
      job = await bigDaddy.resizeStatus(db);
      if (!job.active) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(job.phase, JSON.stringify(job)).toBe("done");
    expect((await q(db, "SELECT count(*), sum(balance) FROM acct")).rows).toEqual([[400, 40000]]);

    // Rows now on the new nodes (2 and 3): the triggers fire there.
    const onNew: number[] = [];
    for (let k = 1; k <= 400 && onNew.length < 4; k++) {
      const r = await q(db, "SELECT balance FROM acct WHERE id = ?", [k]);
      const nodes = r.meta.nodes as number[];
      if (nodes.length === 1 && nodes[0] >= 2) onNew.push(k);
    }
    expect(onNew.length).toBeGreaterThan(0);
    for (const k of onNew) {
      expect(await refusal(db, `UPDATE acct SET balance = balance - 500 WHERE id = ${k}`)).toMatch(/^overdraft/);
      expect(await refusal(db, `DELETE FROM acct WHERE id = ${k}`)).toMatch(/^accounts are never deleted/);
      await q(db, "UPDATE acct SET balance = balance - 30 WHERE id = ?", [k]);
    }
    expect((await q(db, "SELECT count(*), sum(balance) FROM acct")).rows).toEqual([[400, 40000 - 30 * onNew.length]]);
  });
});
