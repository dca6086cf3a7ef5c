// vitest global setup (runs in Node): the scale test's reference answers from plain SQLite (the
// sqlite3 shell, a Debian package scripts/setup.sh installs) over the same generated data, handed
// to the test in workerd with provide().
import { execFileSync } from "node:child_process";
import type { TestProject } from "vitest/node";
import { inserts, QUERIES, SCHEMA, type ScaleSizes } from "./scale-data";

// One line of `.mode quote` output: NULL, numbers, 'text' (quotes doubled), X'blob', comma-separated.
function parseQuoted(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    let j = i;
    if (line[i] === "'") {
      j++;
      for (;;) {
        if (line[j] === "'" && line[j + 1] === "'") j += 2;
        else if (line[j] === "'") break;
        else j++;
      }
      j++;
    } else {
      while (j < line.length && line[j] !== ",") j++;
    }
    out.push(line.slice(i, j));
    i = j + 1;
  }
  return out;
}

export default function setup(project: TestProject) {
  const size: ScaleSizes = {
    users: Number(process.env.BD_SCALE_USERS || 3000),
    orders: Number(process.env.BD_SCALE_ORDERS || 7000),
  };
  const script = [...SCHEMA, ...inserts(size)].map((s) => s + ";").join("\n") + "\n.mode quote\n" +
    QUERIES.map((q, i) => `.print '--${i}'\n${q.sql};`).join("\n") + "\n";
  const text = execFileSync("sqlite3", [":memory:"], { input: script, maxBuffer: 1 << 30 }).toString();
  const answers: string[][] = QUERIES.map(() => []);
  let current = -1;
  for (const line of text.split("\n")) {
    const marker = /^--(\d+)$/.exec(line);
    if (marker) current = Number(marker[1]);
    else if (line.length && current >= 0) answers[current].push(JSON.stringify(parseQuoted(line)));
  }
  project.provide("scaleSizes", size);
  project.provide("scaleAnswers", answers);
}

declare module "vitest" {
  export interface ProvidedContext {
    scaleSizes: ScaleSizes;
    scaleAnswers: string[][];
  }
}
