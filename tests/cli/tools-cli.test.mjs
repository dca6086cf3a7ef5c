// The `bigdaddy` CLI against Big Daddy under wrangler dev, run as a user would (`node
// cli/bigdaddy.mjs ...` with BIG_DADDY_URL / BIG_DADDY_TOKEN, or --url/--token): databases
// create/list/info/delete, query (table and --json), resize with progress, migrations
// create/list/apply (a D1-style folder; a rerun is a no-op), exit codes and one-line errors.
//
//   tests/cli/with-wrangler-dev.sh tests/cli/tools-cli.test.mjs     (npm test runs it)
// Last line: "N passed, M failed".
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync, readdirSync, readFileSync, rmSync, mkdirSync, openSync, closeSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, token] = process.argv.slice(2);
const CLI = join(process.cwd(), "cli/bigdaddy.mjs");

let passed = 0, failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}: ${String(e?.message ?? e).split("\n").slice(0, 8).join("\n    ")}`);
  }
}
function assert(cond, message) { if (!cond) throw new Error(message); }
function assertEqual(actual, expected, what) {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

// Runs the CLI; resolves { code, stdout, stderr }. `stdoutFile`: stdout goes to that file.
function cli(args, { env = {}, input, cwd, stdoutFile } = {}) {
  return new Promise((resolve) => {
    const fd = stdoutFile ? openSync(stdoutFile, "w") : null;
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: cwd ?? process.cwd(),
      env: { ...process.env, BIG_DADDY_URL: url, BIG_DADDY_TOKEN: token, ...env },
      stdio: ["pipe", fd ?? "pipe", "pipe"],
    });
    let stdout = "", stderr = "";
    child.on("close", () => { if (fd !== null) closeSync(fd); });
    child.stdout?.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.stdin.end(input ?? "");
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

// Resident memory (KB) of the workerd processes of the wrangler dev this test runs against (its
// process group, from with-wrangler-dev.sh); 0 where it cannot be read.
function workerdRss() {
  const pgid = process.env.BIG_DADDY_WRANGLER_PGID;
  if (!pgid) return 0;
  let kb = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[2] !== pgid) continue;  // field 5 of stat: the process group
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("workerd")) continue;
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) kb += Number(m[1]);
    } catch {
      // the process ended
    }
  }
  return kb;
}

async function ok(args, opts) {
  const r = await cli(args, opts);
  // The error is the last line (progress lines come before it).
  if (r.code !== 0) throw new Error(`bigdaddy ${args.join(" ")} exited ${r.code}: ${r.stderr.trim().split("\n").slice(-2).join(" / ")}`);
  return r;
}

async function fails(args, message, opts) {
  const r = await cli(args, opts);
  assertEqual(r.code, 1, `exit code of bigdaddy ${args.join(" ")}`);
  const lines = r.stderr.trim().split("\n");
  assertEqual(lines.length, 1, `one line of error (${r.stderr})`);
  assertEqual(lines[0], `bigdaddy: ${message}`, "error line");
  return r;
}

const db = `cli-${Date.now().toString(36)}`;
const work = mkdtempSync(join(tmpdir(), "bd-cli-"));

try {
  await check("without the token: exit 1 and a one-line error saying what to set", async () => {
    await fails(["databases", "list"], "unauthorized (set BIG_DADDY_TOKEN or --token)", { env: { BIG_DADDY_TOKEN: "" } });
    // --url/--token override the environment.
    await ok(["databases", "list", "--url", url, "--token", token], { env: { BIG_DADDY_URL: "http://127.0.0.1:9", BIG_DADDY_TOKEN: "x" } });
  });

  await check("databases create makes a database with --nodes; a second create is refused", async () => {
    const r = await ok(["databases", "create", db, "--nodes", "3"]);
    assertEqual(r.stdout.trim(), `created ${db} with 3 nodes`, "output");
    await fails(["databases", "create", db], `database already exists: ${db}`);
    await fails(["databases", "create", `${db}-x`, "--nodes", "zero"], `--nodes must be a positive integer, got "zero"`);
  });

  await check("query runs statements; a mistyped database name is refused, not created", async () => {
    await ok(["query", db, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)"]);
    const values = Array.from({ length: 60 }, (_, i) => `(${i + 1}, 'item-${i + 1}', ${(i + 1) % 7})`).join(", ");
    const ins = await ok(["query", db, `INSERT INTO items VALUES ${values}`]);
    assert(ins.stderr.includes("60 changed"), `insert summary: ${ins.stderr}`);
    const table = await ok(["query", db, "SELECT id, name FROM items WHERE qty = ? ORDER BY id LIMIT 3", "--params", "[3]"]);
    assertEqual(table.stdout.trim().split("\n"), ["id  name", "--  -------", " 3  item-3", "10  item-10", "17  item-17"], "table output");
    const json = JSON.parse((await ok(["query", db, "SELECT count(*) AS n FROM items", "--json"])).stdout);
    assertEqual(json.rows, [[60]], "--json rows");
    await fails(["query", `${db}x`, "SELECT 1"], `no such database: ${db}x`);
    const syntax = await cli(["query", db, "SELEC 1"]);
    assert(syntax.code === 1 && syntax.stderr.startsWith('bigdaddy: near "SELEC": syntax error') && syntax.stderr.trim().split("\n").length === 1, `syntax error: ${syntax.stderr}`);
    const list = JSON.parse((await ok(["databases", "list", "--json"])).stdout);
    assert(!list.databases.some((d) => d.name === `${db}x`), "the mistyped name was not created");
  });

  await check("databases list and info show the database, its nodes, tables and rows", async () => {
    const list = await ok(["databases", "list"]);
    const line = list.stdout.split("\n").find((l) => l.startsWith(db + " "));
    assert(line && /\s3\s+60\s/.test(line) && line.includes("ready"), `list line: ${line}\n${list.stdout}`);
    const info = await ok(["databases", "info", db]);
    assert(info.stdout.startsWith(`${db}: 3 nodes, 60 rows`), `info: ${info.stdout}`);
    assert(/items\s+sharded\s+id\s+60/.test(info.stdout), `tables in info: ${info.stdout}`);
  });

  await check("resize grows the database online with a progress bar, and every row stays", async () => {
    const r = await ok(["resize", db, "5"]);
    assertEqual(r.stdout.trim(), `resized ${db}: 3 → 5 nodes, ${r.stdout.match(/(\d+) rows moved/)?.[1]} rows moved`, "output");
    assert(r.stderr.includes("100%") && r.stderr.includes("done"), `progress: ${r.stderr}`);
    const n = JSON.parse((await ok(["query", db, "SELECT count(*) FROM items", "--json"])).stdout).rows[0][0];
    assertEqual(n, 60, "rows after the resize");
    const again = await ok(["resize", db, "5"]);
    assertEqual(again.stdout.trim(), `${db} is balanced on 5 nodes already`, "second resize");
  });

  await check("migrations create numbers files like wrangler; list shows them pending", async () => {
    const dir = join(work, "migrations");
    assertEqual((await ok(["migrations", "create", db, "create users", "--dir", dir])).stdout.trim(), join(dir, "0001_create_users.sql"), "first file");
    assertEqual((await ok(["migrations", "create", db, "seed", "--dir", dir])).stdout.trim(), join(dir, "0002_seed.sql"), "second file");
    assertEqual(readdirSync(dir), ["0001_create_users.sql", "0002_seed.sql"], "folder");
    assert(readFileSync(join(dir, "0001_create_users.sql"), "utf8").startsWith("-- Migration number: 0001"), "header");
    writeFileSync(join(dir, "0001_create_users.sql"), "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nCREATE INDEX users_name ON users (name);\n");
    writeFileSync(join(dir, "0002_seed.sql"), "INSERT INTO users (id, name) VALUES (1, 'ada'), (2, 'grace');\n-- a comment; with a semicolon\nINSERT INTO users (id, name) VALUES (3, 'katherine');\n");
    const list = await ok(["migrations", "list", db, "--dir", dir]);
    assert(/0001_create_users\.sql\s+pending/.test(list.stdout) && /0002_seed\.sql\s+pending/.test(list.stdout), list.stdout);
  });

  await check("migrations apply applies them in order (one a drizzle-kit table recreation) and records each; a rerun is a no-op", async () => {
    const dir = join(work, "migrations");
    // drizzle-kit's output for adding a NOT NULL column to a SQLite table: a new table, the rows
    // copied over, the old one dropped and the new one renamed, between statement breakpoints.
    writeFileSync(join(dir, "0003_users_email.sql"), [
      "PRAGMA foreign_keys=OFF;--> statement-breakpoint",
      "CREATE TABLE `__new_users` (\n\t`id` integer PRIMARY KEY NOT NULL,\n\t`name` text NOT NULL,\n\t`email` text DEFAULT '' NOT NULL\n);",
      "--> statement-breakpoint",
      'INSERT INTO `__new_users`("id", "name") SELECT "id", "name" FROM `users`;--> statement-breakpoint',
      "DROP TABLE `users`;--> statement-breakpoint",
      "ALTER TABLE `__new_users` RENAME TO `users`;--> statement-breakpoint",
      "PRAGMA foreign_keys=ON;--> statement-breakpoint",
      "CREATE INDEX `users_name` ON `users` (`name`);",
      "",
    ].join("\n"));
    const r = await ok(["migrations", "apply", db, "--dir", dir]);
    assertEqual(r.stdout.trim(), "3 migrations applied", "output");
    assert(r.stderr.includes("applied 0001_create_users.sql") && r.stderr.includes("applied 0002_seed.sql") && r.stderr.includes("applied 0003_users_email.sql"), r.stderr);
    const users = JSON.parse((await ok(["query", db, "SELECT id, name, email FROM users ORDER BY id", "--json"])).stdout).rows;
    assertEqual(users, [[1, "ada", ""], [2, "grace", ""], [3, "katherine", ""]], "users");
    const book = JSON.parse((await ok(["query", db, "SELECT id, name, applied_at IS NOT NULL FROM d1_migrations ORDER BY id", "--json"])).stdout).rows;
    assertEqual(book.map((b) => [b[1], b[2]]), [["0001_create_users.sql", 1], ["0002_seed.sql", 1], ["0003_users_email.sql", 1]], "d1_migrations");
    assertEqual((await ok(["migrations", "apply", db, "--dir", dir])).stdout.trim(), "no migrations to apply", "rerun");
    assertEqual(JSON.parse((await ok(["query", db, "SELECT count(*) FROM users", "--json"])).stdout).rows, [[3]], "rows after the rerun");
    const list = await ok(["migrations", "list", db, "--dir", dir]);
    assert(!list.stdout.includes("pending"), list.stdout);
    await fails(["migrations", "apply", db, "--dir", join(work, "nowhere")], `no migrations folder ${join(work, "nowhere")}/ (use --dir)`);
  });

  await check("a failing migration leaves the database as before it (schema, rows, bookkeeping); fixed, it applies", async () => {
    const dir = join(work, "migrations");
    const topology = async () => {
      const res = await fetch(`${url}/api/databases/${db}`, { headers: { authorization: `Bearer ${token}` } });
      const t = await res.json();
      // A table renamed aside and back (a dropped table, rolled back) has its name quoted in its
      // CREATE statement, as SQLite's RENAME writes it: the quotes are not compared.
      const sql = (x) => x.sql?.replace(new RegExp(`^CREATE TABLE "${x.name}"`), `CREATE TABLE ${x.name}`);
      return { tables: t.tables.map((x) => [x.name, x.kind, sql(x)]).sort(), indexes: t.indexes };
    };
    const state = async () => ({
      schema: await topology(),
      users: JSON.parse((await ok(["query", db, "SELECT * FROM users ORDER BY id", "--json"])).stdout),
      book: JSON.parse((await ok(["query", db, "SELECT id, name FROM d1_migrations ORDER BY id", "--json"])).stdout).rows,
    });
    const before = await state();
    // Every kind of change a migration makes, then a failure in its last statement.
    const bad = [
      "CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT);",
      "INSERT INTO audit VALUES (1, 'x');",
      "ALTER TABLE users ADD COLUMN nickname TEXT;",
      "CREATE INDEX users_email ON users (email);",
      "DROP INDEX users_name;",
      "UPDATE users SET name = 'changed';",
      "INSERT INTO users (id, name) VALUES (4, 'dorothy');",
      "INSERT INTO no_such_table VALUES (1);",
      "",
    ];
    writeFileSync(join(dir, "0004_audit.sql"), bad.join("\n"));
    await fails(["migrations", "apply", db, "--dir", dir], "migration 0004_audit.sql failed: no such table: no_such_table");
    assertEqual(await state(), before, "the database after the failed migration");
    assert((await ok(["migrations", "list", db, "--dir", dir])).stdout.split("\n").some((l) => l.startsWith("0004_audit.sql") && l.includes("pending")), "0004 still pending");
    // A migration ending its own transaction would break the all-or-nothing: refused, nothing runs.
    writeFileSync(join(dir, "0004_audit.sql"), "CREATE TABLE audit (id INTEGER PRIMARY KEY);\nCOMMIT;\n");
    await fails(["migrations", "apply", db, "--dir", dir],
      "migration 0004_audit.sql failed: a script run as one transaction cannot contain BEGIN, COMMIT, ROLLBACK, SAVEPOINT or RELEASE (line 2, column 1)");
    assertEqual(await state(), before, "the database after the refused migration");
    writeFileSync(join(dir, "0004_audit.sql"), bad.slice(0, 7).concat("").join("\n"));
    assertEqual((await ok(["migrations", "apply", db, "--dir", dir])).stdout.trim(), "1 migration applied", "fixed migration");
    const users = JSON.parse((await ok(["query", db, "SELECT id, name, nickname FROM users ORDER BY id", "--json"])).stdout).rows;
    assertEqual(users, [[1, "changed", null], [2, "changed", null], [3, "changed", null], [4, "dorothy", null]], "users after 0004");
    assertEqual(JSON.parse((await ok(["query", db, "SELECT name FROM d1_migrations ORDER BY id", "--json"])).stdout).rows.map((r) => r[0]),
      ["0001_create_users.sql", "0002_seed.sql", "0003_users_email.sql", "0004_audit.sql"], "bookkeeping after 0004");
  });

  // ---- export / import ----
  const ROWS = Number(process.env.BIG_DADDY_EXPORT_ROWS ?? 20000);
  const src = `${db}-exp`;
  // wrangler dev's local proxy (not the Worker) may drop the connection of the first request after
  // a long streamed import ("other side closed", then a 503 "Your worker restarted mid-request"
  // that its own code answers when its fetch to the Worker fails; the Worker's isolate stays the
  // same, checked): reads are then sent again.
  let dropped = 0;
  const api = async (body) => {
    const read = typeof body.query === "string" && /^\s*SELECT\b/i.test(body.query);
    let res;
    for (let attempt = 0; ; attempt++) {
      try {
        res = await fetch(`${url}/sql`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
        if (res.status !== 503 || !(await res.clone().text()).startsWith("Your worker restarted mid-request") || !read || attempt >= 3) break;
      } catch (e) {
        if (!read || attempt >= 3 || e?.cause?.code !== "UND_ERR_SOCKET") throw e;
      }
      dropped++;
      await new Promise((r) => setTimeout(r, 500));
    }
    const j = await res.json();
    if (!res.ok) throw new Error(`${body.query ?? "batch"}: ${j.error}`);
    return j;
  };
  // Per table: its canonical rows (storage classes kept apart) in pages of ids, hashed.
  const TABLES = [
    { name: "items", cols: ["id", "name", "price", "img", "note"], key: "id" },
    { name: "orders", cols: ["id", "user_id", "total"], key: "id" },
    { name: "countries", cols: ["code", "name"], key: null },
  ];
  // REALs as 17 significant digits, then read back as a double in Node: two SQLite versions print
  // the same double with different last digits (Debian's sqlite3 3.40 and the engine's), and both
  // read back exactly.
  const canon = (cols) => cols.map((c) => `typeof(${c}) || ':' || CASE typeof(${c}) WHEN 'real' THEN printf('%!.17g', ${c}) ELSE quote(${c}) END`).join(" || char(31) || ");
  const normalize = (line) => line.split("\x1f").map((f) => (f.startsWith("real:") ? `real:${parseFloat(f.slice(5))}` : f)).join("\x1f");
  const digest = (h, lines) => { for (const l of lines.map(normalize).sort()) h.update(l + "\n"); };
  const PAGE = 25000;
  const pages = (t) => (t.key ? Array.from({ length: Math.ceil(ROWS / PAGE) + 1 }, (_, i) => ` WHERE ${t.key} > ${i * PAGE} AND ${t.key} <= ${(i + 1) * PAGE}`) : [""]);
  async function checksumsBd(database) {
    const out = {};
    for (const t of TABLES) {
      const h = createHash("md5");
      let n = 0;
      for (const w of pages(t)) {
        const r = await api({ database, query: `SELECT ${canon(t.cols)} AS v FROM ${t.name}${w}`, rowMode: "array" });
        digest(h, r.rows.map((row) => row[0]));
        n += r.rows.length;
      }
      out[t.name] = `${n}:${h.digest("hex")}`;
    }
    return out;
  }
  function checksumsSqlite(file) {
    const out = {};
    for (const t of TABLES) {
      const h = createHash("md5");
      let n = 0;
      for (const w of pages(t)) {
        const r = spawnSync("sqlite3", ["-batch", "-noheader", file, `SELECT ${canon(t.cols)} AS v FROM ${t.name}${w};`], { encoding: "utf8", maxBuffer: 1 << 30 });
        if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
        const lines = r.stdout.split("\n").filter((l, i, a) => i < a.length - 1 || l !== "");
        digest(h, lines);
        n += lines.length;
      }
      out[t.name] = `${n}:${h.digest("hex")}`;
    }
    return out;
  }
  let sourceSums = null;
  const dumpFile = join(work, "dump.sql");
  const restored = join(work, "restored.sqlite");

  await check(`export of ${ROWS.toLocaleString("en-US")} rows over 4 nodes (indexes, a view, a reference table) restores into plain sqlite3 with identical tables`, async () => {
    await ok(["databases", "create", src, "--nodes", "4"]);
    for (const q of [
      "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL, img BLOB, note)",
      "CREATE INDEX items_name ON items (name)",
      "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, total REAL)",
      "PRAGMA bigdaddy_shard_key = 'orders.user_id'",
      "CREATE INDEX orders_user ON orders (user_id)",
      "CREATE TABLE countries (code TEXT PRIMARY KEY, name TEXT)",
      "PRAGMA bigdaddy_reference_table = 'countries'",
      "INSERT INTO countries VALUES ('fr', 'France'), ('jp', 'Japan'), ('br', 'Brazil'), ('ke', 'Kenya'), ('nz', 'New Zealand')",
      "CREATE VIEW big_spenders AS SELECT user_id, sum(total) AS spent FROM orders GROUP BY user_id HAVING sum(total) > 500",
    ]) await api({ database: src, query: q });
    const half = ROWS / 2;
    for (let b = 0; b < half; b += 500) {
      const items = [], orders = [];
      for (let i = b; i < Math.min(half, b + 500); i++) {
        items.push(`(${i + 1}, 'item ''${i}'' ${"x".repeat(i % 40)}', ${i / 3}, ${i % 4 ? `X'${(i % 65536).toString(16).padStart(4, "0")}ff'` : "NULL"}, ${i % 5 === 0 ? `${i}.0` : i % 5 === 1 ? `${9007199254740993n + BigInt(i)}` : i % 5 === 2 ? `'n;${i}'` : i % 5 === 3 ? "NULL" : `${-i}`})`);
        orders.push(`(${i + 1}, ${(i % 997) + 1}, ${(i % 1000) / 4})`);
      }
      await api({ database: src, batch: [{ query: `INSERT INTO items VALUES ${items.join(", ")}` }, { query: `INSERT INTO orders VALUES ${orders.join(", ")}` }] });
    }
    sourceSums = await checksumsBd(src);
    assertEqual(sourceSums.items.split(":")[0], String(half), "items rows");
    // The Worker's memory while it exports: the resident memory of this wrangler dev's workerd
    // processes, sampled every 20 ms (the export streams, so it must not grow with the dump).
    const rss0 = workerdRss();
    let rssPeak = rss0;
    const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, workerdRss()); }, 20);
    const t0 = Date.now();
    const r = await ok(["export", src], { stdoutFile: dumpFile });
    const secs = (Date.now() - t0) / 1000;
    clearInterval(sampler);
    const grewMb = (rssPeak - rss0) / 1024;
    const dumpMb = statSync(dumpFile).size / 1048576;
    console.log(`# export: workerd resident memory grew by ${grewMb.toFixed(1)} MB at most while it streamed a ${dumpMb.toFixed(1)} MB dump`);
    if (rss0 > 0) assert(grewMb < 48, `the Worker's memory grew by ${grewMb.toFixed(1)} MB while exporting (bounded: under 48 MB)`);
    assert(/exported .*: 3 tables, \d+ rows, [\d.]+ MB/.test(r.stderr), `export summary: ${r.stderr}`);
    console.log(`# export: ${ROWS} rows, ${(statSync(dumpFile).size / 1048576).toFixed(1)} MB in ${secs.toFixed(1)} s`);
    const dump = readFileSync(dumpFile, "utf8");
    assert(dump.trimEnd().endsWith(`-- Big Daddy export complete: 3 tables, ${ROWS + 5} rows`), `dump ending: ${dump.slice(-200)}`);
    const load = spawnSync("sqlite3", ["-batch", restored], { input: dump, encoding: "utf8", maxBuffer: 1 << 30 });
    assertEqual([load.status, load.stderr], [0, ""], "sqlite3 reads the dump without an error");
    assertEqual(checksumsSqlite(restored), sourceSums, "checksums per table (plain sqlite3 vs Big Daddy)");
    const schema = spawnSync("sqlite3", ["-batch", restored, "SELECT type || ' ' || name FROM sqlite_master WHERE sql IS NOT NULL ORDER BY 1;"], { encoding: "utf8" }).stdout.trim().split("\n");
    assertEqual(schema, ["index items_name", "index orders_user", "table countries", "table items", "table orders", "view big_spenders"], "schema in sqlite3");
  });

  await check("import of that dump into a new Big Daddy database gives the same checksums; a sqlite3 .dump imports too, with skipped statements reported", async () => {
    const dst = `${db}-imp`;
    const t0 = Date.now();
    const r = await ok(["import", dst, dumpFile, "--create", "--nodes", "3"]);
    console.log(`# import: ${ROWS} rows in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert(r.stdout.includes(`rows`) && r.stderr.includes("skipped 1 × PRAGMA foreign_keys (no effect here)"), `import output: ${r.stdout} ${r.stderr}`);
    assert(r.stderr.includes("100%"), `progress: ${r.stderr.slice(-300)}`);
    assertEqual(await checksumsBd(dst), sourceSums, "checksums after the import");
    if (dropped) console.log(`# wrangler dev's proxy dropped ${dropped} request(s) after the import; sent again`);
    const info = JSON.parse((await ok(["databases", "info", dst, "--json"])).stdout);
    assertEqual(info.tables.map((t) => [t.name, t.kind, t.shardKey]), [["items", "sharded", "id"], ["orders", "sharded", "user_id"], ["countries", "reference", null], ["big_spenders", "view", null]], "placement kept");
    // sqlite3's own dump of the restored file.
    const sqliteDump = join(work, "sqlite-dump.sql");
    const d = spawnSync("sqlite3", ["-batch", restored, ".dump"], { encoding: "utf8", maxBuffer: 1 << 30 });
    writeFileSync(sqliteDump, d.stdout);
    const third = `${db}-sq3`;
    const s3 = await ok(["import", third, sqliteDump, "--create", "--nodes", "2"]);
    assert(s3.stderr.includes("skipped 2 × transaction control"), `sqlite3 dump notices: ${s3.stderr}`);
    assertEqual(await checksumsBd(third), sourceSums, "checksums after importing sqlite3's .dump");
    await fails(["import", `${db}-none`, sqliteDump], `no such database: ${db}-none`);
    await fails(["export", `${db}-none`], `no such database: ${db}-none`);
    for (const x of [dst, third, src]) await ok(["databases", "delete", x, "--yes"]);
  });

  await check("databases delete asks for the name (a wrong answer deletes nothing); --yes deletes", async () => {
    await fails(["databases", "delete", db], `not deleted: "${db}-typo" is not "${db}" (pass --yes in scripts)`, { input: `${db}-typo\n` });
    assertEqual(JSON.parse((await ok(["query", db, "SELECT count(*) FROM items", "--json"])).stdout).rows, [[60]], "still there");
    const typed = await ok(["databases", "delete", db], { input: `${db}\n` });
    assertEqual(typed.stdout.trim(), `deleted ${db} (5 nodes wiped)`, "typed confirmation");
    await fails(["databases", "info", db], `no such database: ${db}`);
    await ok(["databases", "create", db, "--nodes", "2"]);
    assertEqual((await ok(["databases", "delete", db, "--yes"])).stdout.trim(), `deleted ${db} (2 nodes wiped)`, "--yes");
    const list = JSON.parse((await ok(["databases", "list", "--json"])).stdout);
    assert(!list.databases.some((d) => d.name === db), "not listed after delete");
  });

  await check("unknown commands and missing arguments are one-line errors", async () => {
    const r = await cli(["frobnicate"]);
    assertEqual(r.code, 1, "exit code");
    assert(r.stderr.startsWith('bigdaddy: unknown command "frobnicate"'), r.stderr);
    await fails(["databases", "drop", db], 'unknown databases command "drop": use list, create, delete or info');
    await fails(["query", db, "SELECT 1", "--params", "{nope"], "--params must be a JSON array (or object for named parameters)");
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
