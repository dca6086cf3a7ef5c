import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runSltScript, type SltResult } from "./slt-runner";

// SQLite's sqllogictest files through the Worker path: each statement goes through the default
// entrypoint (the service-binding RPC surface) to the conductor and 4 storage Durable Objects, inside
// workerd. One fresh database per file. The files live in ../shared/sqllogictest beside the repo
// (in CI as well as here); workerd has no access to the host's files, so Vite reads them at build
// time as raw text.
const bigDaddy = (exports as any).default;

const files: Record<string, string> = {
  ...import.meta.glob("../../../shared/sqllogictest/select*.test", { query: "?raw", import: "default", eager: true }),
  ...import.meta.glob("../../../shared/sqllogictest/evidence/*.test", { query: "?raw", import: "default", eager: true }),
};
const NODES = 4;
const SLOW_MS = 2000;  // statements slower than this are logged

function databaseFor(path: string) {
  return `slt-${path.replace(/^.*sqllogictest\//, "").replace(/[^A-Za-z0-9]+/g, "-")}-${Date.now()}`;
}

describe("sqllogictest through the Worker (4 nodes)", () => {
  it("finds the sqllogictest files", () => {
    const names = Object.keys(files).map((p) => p.replace(/^.*sqllogictest\//, ""));
    expect(names).toContain("select1.test");
    expect(names).toContain("select2.test");
    expect(names.filter((n) => n.startsWith("evidence/")).length).toBeGreaterThanOrEqual(12);
  });

  for (const [path, text] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    const name = path.replace(/^.*sqllogictest\//, "");
    it(name, async () => {
      const database = databaseFor(path);
      let statements = 0;
      const started = Date.now();
      const engine = async (sql: string): Promise<SltResult> => {
        const t0 = Date.now();
        statements++;
        try {
          const r = await bigDaddy.query(database, sql, [], { nodes: NODES, rowMode: "array" });
          return { columns: r.columns, rows: r.rows };
        } finally {
          const ms = Date.now() - t0;
          if (statements % 100 === 0) console.log(`${name}: ${statements} statements, ${((Date.now() - started) / 1000).toFixed(1)} s`);
          if (ms > SLOW_MS) console.log(`${name}: slow statement #${statements} (${ms} ms): ${sql.slice(0, 200)}`);
        }
      };
      const stats = await runSltScript(text, name, engine);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(`${name}: ${stats.passed} passed, ${stats.failed} failed, ${stats.skipped} skipped (${seconds} s)`);
      expect(stats.failures.join("\n"), `${stats.failed} failed records`).toBe("");
      expect(stats.failed).toBe(0);
      expect(stats.passed).toBeGreaterThan(0);
    }, 300_000);
  }
});
