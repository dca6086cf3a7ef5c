import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { d1 } from "../../client/d1";

// One statement per query (as SQLite's and D1's prepare): text after the first statement is an
// error that names where it starts, never run unseen. Scripts go through an explicit exec, which
// reports every statement's result.
const bigDaddy = (exports as any).default;

async function post(body: unknown) {
  const res = await bigDaddy.fetch(new Request("http://bigdaddy.local/sql", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ create: true, ...(body as object) }) }));
  return { status: res.status, body: (await res.json()) as any };
}

describe("one statement per query; scripts through exec", () => {
  it("SELECT 1; DROP TABLE t is refused everywhere, and the table stays", async () => {
    const db = "robust-one-statement";
    expect((await post({ database: db, query: "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)" })).status).toBe(200);
    expect((await post({ database: db, query: "INSERT INTO t VALUES (1, 'a'), (2, 'b')" })).status).toBe(200);
    const refused = "a query takes one statement; another one starts at line 1, column 11 (run scripts with exec)";
    let r = await post({ database: db, query: "SELECT 1; DROP TABLE t" });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe(refused);
    r = await post({ database: db, query: "SELECT 1;\n  DROP TABLE t;" });
    expect(r.body.error).toBe("a query takes one statement; another one starts at line 2, column 3 (run scripts with exec)");
    r = await post({ database: db, batch: [{ query: "SELECT 2" }, { query: "SELECT 1; DROP TABLE t" }] });
    expect(r.status).toBe(400);
    expect(r.body.statement).toBe(1);
    const rpc = await bigDaddy.query(db, "SELECT 1; DROP TABLE t").then(() => null, (e: Error) => e);
    expect(rpc?.message).toBe(refused);
    const d = d1(bigDaddy, db);
    const viaD1 = await d.prepare("SELECT 1; DROP TABLE t").all().then(() => null, (e: Error) => e);
    expect(viaD1?.message).toBe(`D1_ERROR: ${refused}`);
    // Trailing semicolons and comments are one statement.
    for (const query of ["SELECT count(*) AS n FROM t;", "SELECT count(*) AS n FROM t; ;", "SELECT count(*) AS n FROM t; -- done", "/* c */ SELECT count(*) AS n FROM t /* d */;"]) {
      r = await post({ database: db, query });
      expect(r.status, query).toBe(200);
      expect(r.body.rows, query).toEqual([{ n: 2 }]);
    }
  });

  it("exec runs a script and reports every statement's result (binding, D1 client, HTTP)", async () => {
    const db = "robust-exec";
    const script = "CREATE TABLE s (id INTEGER PRIMARY KEY, v INTEGER); INSERT INTO s VALUES (1, 10), (2, 20), (3, 30); UPDATE s SET v = v + 1 WHERE id > 1; SELECT id, v FROM s ORDER BY id";
    const r = await bigDaddy.exec(db, script, { create: true });
    expect(r.error).toBeUndefined();
    expect(r.results.map((x: any) => x.rowsAffected)).toEqual([0, 3, 2, 0]);
    expect(r.results[3].rows).toEqual([{ id: 1, v: 10 }, { id: 2, v: 21 }, { id: 3, v: 31 }]);
    expect(r.results[1].meta.plan).toBe("split");

    // A failing statement stops the script: the ones before it stay applied, the rest never run.
    const f = await bigDaddy.exec(db, "INSERT INTO s VALUES (4, 40); INSERT INTO nope VALUES (1); INSERT INTO s VALUES (5, 50)");
    expect(f.error).toEqual({ index: 1, message: "no such table: nope", code: 1 });
    expect(f.results.map((x: any) => x.rowsAffected)).toEqual([1]);
    expect((await bigDaddy.query(db, "SELECT group_concat(id) AS ids FROM (SELECT id FROM s ORDER BY id)")).rows).toEqual([{ ids: "1,2,3,4" }]);

    // D1's exec: the count of statements, an error thrown as D1 does.
    const d = d1(bigDaddy, db);
    const ex = await d.exec("INSERT INTO s VALUES (6, 60); INSERT INTO s VALUES (7, 70); DELETE FROM s WHERE id = 1");
    expect(ex.count).toBe(3);
    const bad = await d.exec("DELETE FROM s WHERE id = 2; SELEC 1").then(() => null, (e: Error) => e);
    // A script that does not parse runs nothing (the error names where).
    expect(bad?.message).toBe('D1_ERROR: near "SELEC": syntax error at line 1, column 29');
    expect(await d.prepare("SELECT group_concat(id) AS ids FROM (SELECT id FROM s ORDER BY id)").first("ids")).toBe("2,3,4,6,7");

    // HTTP {database, script}.
    let h = await post({ database: db, script: "SELECT count(*) AS n FROM s; SELECT max(v) AS m FROM s" });
    expect(h.status).toBe(200);
    expect(h.body.results.map((x: any) => x.rows)).toEqual([[{ n: 5 }], [{ m: 70 }]]);
    h = await post({ database: db, script: "DELETE FROM s WHERE id = 7; SELECT * FROM missing; DELETE FROM s" });
    expect(h.status).toBe(400);
    expect(h.body).toMatchObject({ error: "no such table: missing", statement: 1 });
    expect(h.body.results).toHaveLength(1);
    expect((await post({ database: db, query: "SELECT count(*) AS n FROM s" })).body.rows).toEqual([{ n: 4 }]);
    h = await post({ database: db, script: "SELECT ?", params: [1] });
    expect(h.status).toBe(400);
  });
});
