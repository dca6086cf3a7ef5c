// vitest global setup (runs in Node): which query records of the sqllogictest files plain SQLite
// itself fails on. The runner in workerd cannot ask SQLite, so the native tool answers
// (`bigdaddy slt --engine sqlite --query-errors`, built by scripts/build.sh) and the list reaches
// the test with provide(): an engine error passes a query expecting no rows only on these records.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SLT_DIR = path.join(ROOT, "tests/sqllogictest");
const TOOL = path.join(ROOT, "build/native/bigdaddy");

export default function setup(project: TestProject) {
  if (!existsSync(TOOL)) throw new Error(`${TOOL} is missing: run bash scripts/build.sh native first`);
  const files = [
    ...readdirSync(SLT_DIR).filter((f) => /^select.*\.test$/.test(f)),
    ...readdirSync(path.join(SLT_DIR, "evidence")).filter((f) => f.endsWith(".test")).map((f) => `evidence/${f}`),
  ];
  // Exit code 0: plain SQLite passes every file, so the list is complete.
  const out = execFileSync(TOOL, ["slt", "--engine", "sqlite", "--query-errors", ...files], { cwd: SLT_DIR, stdio: ["ignore", "pipe", "pipe"] });
  const errors: Record<string, number[]> = {};
  for (const line of out.toString().split("\n")) {
    const m = /^(.*):(\d+)$/.exec(line);
    if (m) (errors[m[1]] ??= []).push(Number(m[2]));
  }
  project.provide("sltSqliteQueryErrors", errors);
}

declare module "vitest" {
  export interface ProvidedContext {
    // sqllogictest file (relative to tests/sqllogictest) -> first lines of the query records plain SQLite fails on
    sltSqliteQueryErrors: Record<string, number[]>;
  }
}
