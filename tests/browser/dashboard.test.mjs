// Browser test: headless Chromium (Debian's `chromium`) driven by playwright-core opens the
// dashboard served by `wrangler dev`, signs in with the token, creates a database, runs statements
// from the SQL console, checks the rendered rows, the plan and the error display, resizes it, pages
// and sorts rows in the table browser, reads query insights and the load charts, deletes the
// database, and saves screenshots to test-results/dashboard*.png.
//
//   node tests/browser/dashboard.test.mjs http://127.0.0.1:8787 <token>
// (scripts/browser-test.sh starts wrangler dev and runs this.) Last line: "N passed, M failed".
import { chromium } from "playwright-core";
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const base = process.argv[2] ?? "http://127.0.0.1:8787";
const token = process.argv[3] ?? "";
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const database = `browser-${Date.now().toString(36)}`;

let passed = 0, failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}: ${String(e?.message ?? e).split("\n").slice(0, 6).join("\n    ")}`);
  }
}
function assert(cond, message) { if (!cond) throw new Error(message); }
function assertEqual(actual, expected, what) {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

const userDataDir = mkdtempSync(join(tmpdir(), "bd-chromium-"));
mkdirSync("test-results", { recursive: true });
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  viewport: { width: 1360, height: 900 },
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
});
const page = context.pages()[0] ?? (await context.newPage());
const consoleErrors = [];
page.on("pageerror", (e) => consoleErrors.push(String(e)));
page.setDefaultTimeout(30_000);

async function runInConsole(sql, button = "#run") {
  await page.fill("#sql", sql);
  const done = page.waitForResponse((r) => r.url().endsWith("/sql") && r.request().method() === "POST");
  await page.click(button);
  await done;
  await page.waitForFunction(() => !document.getElementById("run").disabled);
}

try {
  await check("the dashboard asks for a token, and a wrong one is refused", async () => {
    const res = await page.goto(`${base}/dash/`);
    if (!token) return; // local development: no login
    assertEqual(res.status(), 401, "status of /dash/ without a session");
    await page.fill('input[name="token"]', "not-the-token");
    await page.click('button[type="submit"]');
    await page.waitForSelector("text=wrong token");
  });

  await check("signing in with the token opens the dashboard", async () => {
    if (token) {
      await page.fill('input[name="token"]', token);
      await Promise.all([page.waitForURL(`${base}/dash/`), page.click('button[type="submit"]')]);
    }
    await page.waitForSelector("body[data-ready='1']");
    assert(await page.isVisible("#open-form"), "create/open form is visible");
  });

  await check("opening a database that does not exist says so, and creates nothing", async () => {
    await page.fill("#db-name", database);
    await page.click("#open-db");
    await page.waitForSelector("#error:not([hidden])");
    const text = await page.textContent("#error");
    assert(text.includes(`no such database: ${database}`), `error text: ${text}`);
    assert(await page.isHidden("#db-view"), "no database view");
  });

  await check("creating a database with 4 nodes shows its nodes and 256 virtual shards, and lists it", async () => {
    await page.fill("#db-name", database);
    await page.fill("#db-nodes", "4");
    await page.click("#create-db");
    await page.waitForSelector("#db-view:not([hidden])");
    assertEqual(await page.locator("[data-testid=node-row]").count(), 4, "node rows");
    assertEqual(await page.locator("#vshards > div").count(), 256, "virtual shard cells");
    await page.waitForSelector(`[data-testid=database-entry][data-name="${database}"]`);
    assert((await page.textContent(`[data-testid=database-entry][data-name="${database}"]`)).includes("4 nodes"), "catalog entry shows 4 nodes");
  });

  await check("the console creates a table and inserts rows; the topology refreshes", async () => {
    await runInConsole("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)");
    const values = Array.from({ length: 40 }, (_, i) => `(${i + 1}, 'item-${i + 1}', ${(i + 1) % 7})`).join(", ");
    await runInConsole(`INSERT INTO items (id, name, qty) VALUES ${values}`);
    assert((await page.textContent("#results")).includes("40 row(s) changed"), "insert reports 40 changed rows");
    await page.waitForFunction(() => document.querySelector("[data-testid=tables]")?.textContent.includes("items"));
    const tables = await page.textContent("[data-testid=tables]");
    assert(tables.includes("sharded") && tables.includes("id"), `tables panel shows kind and shard key: ${tables}`);
    // The rows bars add up to the 40 rows, spread over more than one node.
    await page.waitForFunction(() => {
      const v = [...document.querySelectorAll("[data-testid=node-row] .bar[data-kind=rows]")].map((b) => Number(b.dataset.value));
      return v.reduce((a, b) => a + b, 0) === 40 && v.filter((x) => x > 0).length > 1;
    });
    // Every node also shows its database size.
    const bytes = await page.locator("[data-testid=node-row] .bar[data-kind=bytes]").evaluateAll((bs) => bs.map((b) => Number(b.dataset.value)));
    assert(bytes.length === 4 && bytes.every((b) => b > 0), `bytes per node: ${bytes}`);
  });

  await check("a query from the console renders its rows", async () => {
    await runInConsole("SELECT id, name, qty FROM items WHERE qty >= 5 ORDER BY id LIMIT 5");
    const headers = await page.locator("[data-testid=results] th").allTextContents();
    assertEqual(headers, ["id", "name", "qty"], "result columns");
    const rows = await page.locator("[data-testid=results] tbody tr").evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
    assertEqual(rows, [["5", "item-5", "5"], ["6", "item-6", "6"], ["12", "item-12", "5"], ["13", "item-13", "6"], ["19", "item-19", "5"]], "result rows");
    assert((await page.textContent("#run-meta")).includes("5 rows"), "meta line counts rows");
  });

  await check("EXPLAIN shows the plan", async () => {
    await runInConsole("SELECT * FROM items WHERE id = 7", "#explain");
    const plan = await page.textContent("[data-testid=plan]");
    assert(plan.includes("route"), `plan names the route: ${plan}`);
    const steps = await page.locator("[data-testid=results] tbody tr td:first-child").allTextContents();
    assert(steps.includes("shard"), `plan steps are listed: ${steps}`);
  });

  await check("hot shards: repeated reads of one row show its virtual shard on top", async () => {
    for (let i = 0; i < 6; i++) await runInConsole("SELECT name FROM items WHERE id = 7");
    await runInConsole("PRAGMA bigdaddy_rebalance = 'plan'");  // not a SELECT: the topology refreshes
    // The panel already shows the insert's counts: wait for the refreshed one.
    const hottest = () => page.evaluate(() =>
      Number(document.querySelector("[data-testid=hot] tbody tr:first-child td:nth-child(3)")?.textContent.replace(/,/g, "") ?? 0));
    await page.waitForFunction(() =>
      Number(document.querySelector("[data-testid=hot] tbody tr:first-child td:nth-child(3)")?.textContent.replace(/,/g, "") ?? 0) >= 6,
      null, { timeout: 10_000 }).catch(() => {});
    assert((await hottest()) >= 6, `hottest shard's requests: ${await hottest()}`);
    assert(await page.isVisible("#rebalance"), "Rebalance button");
  });

  await check("errors are shown clearly", async () => {
    await runInConsole("SELEC 1");
    await page.waitForSelector("#error:not([hidden])");
    const text = await page.textContent("#error");
    assert(text.includes('near "SELEC": syntax error'), `error text: ${text}`);
  });

  await check("screenshot of the dashboard with a result", async () => {
    await runInConsole("SELECT qty, count(*) AS n, min(name) AS first FROM items GROUP BY qty ORDER BY qty");
    assertEqual(await page.locator("[data-testid=results] tbody tr").count(), 7, "grouped rows");
    assert(await page.isHidden("#error"), "error box cleared");
    await page.screenshot({ path: "test-results/dashboard.png", fullPage: true });
  });

  const nodeColors = () => page.locator("[data-testid=node-row] .bar[data-kind=rows] > span").evaluateAll((ss) => ss.map((s) => s.style.background));

  await check("a resize from the console shows in Jobs and ends with 6 nodes", async () => {
    const before = await nodeColors();
    await runInConsole("PRAGMA bigdaddy_resize = 6");
    assert((await page.textContent("#results")).includes("\"toNodes\":6"), "the console shows the job");
    // The dashboard follows a running resize by itself; wait until it shows the finished job.
    await page.waitForFunction(() => document.getElementById("jobs")?.textContent.includes("done"), null, { timeout: 60_000 });
    const jobs = await page.textContent("#jobs");
    assert(jobs.includes("resize 4 → 6 nodes") && jobs.includes("100%"), `jobs panel: ${jobs}`);
    assertEqual(await page.locator("[data-testid=node-row]").count(), 6, "node rows after the resize");
    await page.waitForFunction(() => {
      const v = [...document.querySelectorAll("[data-testid=node-row] .bar[data-kind=rows]")].map((b) => Number(b.dataset.value));
      return v.length === 6 && v.reduce((a, b) => a + b, 0) === 40;
    });
    // Nodes keep their colors when the node count changes.
    assertEqual((await nodeColors()).slice(0, 4), before, "colors of nodes 0-3 after growing to 6");
    await page.screenshot({ path: "test-results/dashboard-resize.png", fullPage: true });
  });

  await check("the Jobs panel's form shrinks the database back to 4 nodes", async () => {
    await page.fill("#resize-nodes", "4");
    await page.click("#resize-form button[type=submit]");
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=node-row]").length === 4 &&
      document.getElementById("jobs")?.textContent.includes("resize 6 → 4 nodes") && document.getElementById("jobs")?.textContent.includes("done"),
      null, { timeout: 60_000 });
    await page.waitForFunction(() => {
      const v = [...document.querySelectorAll("[data-testid=node-row] .bar[data-kind=rows]")].map((b) => Number(b.dataset.value));
      return v.length === 4 && v.reduce((a, b) => a + b, 0) === 40;
    });
    await page.screenshot({ path: "test-results/dashboard-shrink.png", fullPage: true });
  });

  await check("a reference table's rows count once, and a view shows as a view", async () => {
    await runInConsole("CREATE TABLE countries (code TEXT PRIMARY KEY, name TEXT)");
    await runInConsole("PRAGMA bigdaddy_reference_table = 'countries'");
    await runInConsole("INSERT INTO countries VALUES ('fr', 'France'), ('jp', 'Japan'), ('br', 'Brazil'), ('ke', 'Kenya'), ('nz', 'New Zealand')");
    await runInConsole("CREATE VIEW cheap AS SELECT * FROM items WHERE qty < 2");
    await page.waitForFunction(() => document.querySelector("[data-testid=tables]")?.textContent.includes("cheap"));
    const rows = await page.locator("[data-testid=tables] tbody tr").evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
    const byName = Object.fromEntries(rows.map((r) => [r[0], r]));
    assertEqual([byName.countries[1], byName.countries[2], byName.countries[4]], ["reference", "(copy on every node)", "5"], "reference table row");
    assertEqual([byName.cheap[1], byName.cheap[2], byName.cheap[4]], ["view", "—", "—"], "view row");
    const cards = await page.locator("#summary .card").evaluateAll((cs) => Object.fromEntries(cs.map((c) => [c.querySelector(".k").textContent, c.querySelector(".v").textContent])));
    assertEqual(cards.rows, "45", "rows card (40 items + 5 countries, each counted once)");
  });

  // The table browser, query insights and load charts.
  const api = async (path, init = {}) => {
    const res = await fetch(`${base}${path}`, { ...init, headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) } });
    return res.json();
  };
  const browseMeta = () => page.textContent("#browse-meta");

  await check("the table browser pages through a table, sorts by a column and shows each row's node", async () => {
    const values = Array.from({ length: 130 }, (_, i) => `(${i + 1}, 'event-${i + 1}', ${(i * 37) % 101})`).join(", ");
    await runInConsole("CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, score INTEGER)");
    await runInConsole(`INSERT INTO events VALUES ${values}`);
    await page.click("#tabs button[data-tab=browse]");
    await page.waitForSelector("[data-testid=browse]");
    await page.selectOption("#browse-table", "events");
    await page.waitForFunction(() => document.getElementById("browse-meta")?.textContent.startsWith("rows 1–50 of 130"));
    assertEqual(await page.locator("[data-testid=browse] tbody tr").count(), 50, "rows on the first page");
    await page.click("#browse-next");
    await page.waitForFunction(() => document.getElementById("browse-meta")?.textContent.startsWith("rows 51–100 of 130"));
    const ids = await page.locator("[data-testid=browse] tbody tr td:nth-child(2)").allTextContents();
    assertEqual(ids.slice(0, 3), ["51", "52", "53"], "second page in id order");
    // Sort by score, descending: a click on the heading, then another.
    await page.click("[data-testid=browse] th[data-column=score]");
    await page.waitForFunction(() => document.getElementById("browse-meta")?.textContent.startsWith("rows 1–50 of 130"));
    await page.click("[data-testid=browse] th[data-column=score]");
    await page.waitForFunction(() => document.querySelector("[data-testid=browse] th[data-column=score]")?.textContent.includes("▼"));
    const rows = await page.locator("[data-testid=browse] tbody tr").evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.dataset.node ?? td.textContent)));
    const scores = rows.map((r) => Number(r[3]));
    assert(scores.every((v, i) => i === 0 || scores[i - 1] >= v) && scores[0] === 100, `scores descending from 100: ${scores.slice(0, 8)}`);
    // Each row's node is where the engine routes that id.
    for (const r of rows.slice(0, 5)) {
      const plan = await api("/sql", { method: "POST", body: JSON.stringify({ database, query: "SELECT * FROM events WHERE id = ?", params: [Number(r[1])], explain: true }) });
      assertEqual(Number(r[0]), plan.rows.find((x) => x.step === "shard").node, `node of event ${r[1]}`);
    }
    await page.screenshot({ path: "test-results/dashboard-browse.png", fullPage: true });
  });

  await check("query insights list the slowest and recent statements; a click shows the plan", async () => {
    await page.click("#tabs button[data-tab=insights]");
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=insights-slowest] tbody tr").length > 0, null, { timeout: 30_000 });
    const recent = await page.textContent("[data-testid=insights-recent]");
    assert(recent.includes("SELECT id, name, qty FROM items WHERE qty >= 5 ORDER BY id LIMIT 5"), `recent statements: ${recent.slice(0, 400)}`);
    const queries = await page.textContent("[data-testid=insights-queries]");
    assert(queries.includes("INSERT INTO events"), `statements by text: ${queries.slice(0, 300)}`);
    // The statement that failed is marked.
    assert(recent.includes("✗ SELEC 1"), "the failed statement is marked");
    await page.locator("[data-testid=insights-recent] tbody tr", { hasText: "SELECT id, name, qty FROM items WHERE qty >= 5" }).first().click();
    await page.waitForSelector("[data-testid=insights-plan]");
    const plan = await page.textContent("#insights-plan");
    assert(plan.includes("scatter-merge") || plan.includes("shard"), `plan: ${plan}`);
    await page.screenshot({ path: "test-results/dashboard-insights.png", fullPage: true });
  });

  await check("the load charts show requests per second and p50/p99 for every node", async () => {
    await page.click("#tabs button[data-tab=load]");
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=chart-rps] path").length >= 4);
    const lines = await page.locator("[data-testid=chart-rps] path").evaluateAll((ps) => ps.map((p) => [Number(p.dataset.node), Number(p.dataset.points)]));
    const nodes = lines.map((l) => l[0]).sort((a, b) => a - b);
    assert(nodes.length >= 4 && nodes.slice(0, 4).join() === "0,1,2,3", `a line per node: ${JSON.stringify(lines)}`);
    assert(lines.every((l) => l[1] >= 1), `each line has points: ${JSON.stringify(lines)}`);
    assert(await page.locator("[data-testid=chart-p99] path").count() >= 4, "p99 chart has a line per node");
    const legend = await page.textContent("#load-legend");
    assert(/node 0: \d/.test(legend), `legend: ${legend}`);
    await page.screenshot({ path: "test-results/dashboard-load.png", fullPage: true });
  });

  await check("Export downloads a consistent dump with progress; Import loads it into a new database", async () => {
    await page.click("#tabs button[data-tab=overview]");
    const download = page.waitForEvent("download");
    await page.click("#export-db");
    const file = await download;
    await page.waitForFunction(() => document.getElementById("transfer-title")?.textContent.startsWith("Exported"));
    const path = join(userDataDir, "export.sql");
    await file.saveAs(path);
    const dump = readFileSync(path, "utf8");
    assert(dump.trimEnd().endsWith("-- Big Daddy export complete: 3 tables, 175 rows"), `dump ending: ${dump.slice(-120)}`);
    assert((await page.textContent("#transfer-detail")).includes("3 tables, 175 rows"), "the export says what it wrote");
    // A new database, then the dump through the Import button.
    const copy = `${database}-copy`;
    await page.fill("#db-name", copy);
    await page.fill("#db-nodes", "3");
    await page.click("#create-db");
    await page.waitForFunction((db) => document.getElementById("current")?.textContent.startsWith(db), copy);
    const chooser = page.waitForEvent("filechooser");
    await page.click("#import-db");
    await (await chooser).setFiles(path);
    await page.waitForFunction(() => document.getElementById("transfer-title")?.textContent.startsWith("Imported"), null, { timeout: 60_000 });
    const detail = await page.textContent("#transfer-detail");
    assert(detail.includes("175 rows") && detail.includes("skipped 1 × PRAGMA foreign_keys"), `import summary: ${detail}`);
    await page.waitForFunction(() => document.querySelector("[data-testid=tables]")?.textContent.includes("events"));
    const cards = await page.locator("#summary .card").evaluateAll((cs) => Object.fromEntries(cs.map((c) => [c.querySelector(".k").textContent, c.querySelector(".v").textContent])));
    assertEqual(cards.rows, "175", "rows in the imported copy (40 items + 5 countries + 130 events)");
    await page.screenshot({ path: "test-results/dashboard-import.png", fullPage: true });
    // Back to the original database for the next check.
    await page.goto(`${base}/dash/#db=${encodeURIComponent(database)}`);
    await page.waitForFunction((db) => document.getElementById("current")?.textContent.startsWith(db), database);
    // The copy goes too (through the API).
    await api(`/api/databases/${copy}`, { method: "DELETE", body: JSON.stringify({ confirm: copy }) });
  });

  await check("deleting the database from the dashboard asks for its name, then it is gone", async () => {
    page.once("dialog", (d) => d.accept(`${database}-typo`));
    await page.click("#delete-db");
    await page.waitForSelector("#error:not([hidden])");
    assert((await page.textContent("#error")).includes("Not deleted"), "a wrong name deletes nothing");
    page.once("dialog", (d) => d.accept(database));
    await page.click("#delete-db");
    await page.waitForSelector("#db-view", { state: "hidden" });
    await page.waitForFunction((db) => !document.querySelector(`[data-testid=database-entry][data-name="${db}"]`), database);
    const gone = await api(`/api/databases/${database}`);
    assertEqual(gone.error, `no such database: ${database}`, "the database is gone");
  });

  await check("no script errors in the page", async () => {
    assertEqual(consoleErrors, [], "page errors");
  });
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
