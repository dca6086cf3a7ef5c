// Browser test: headless Chromium (Debian's `chromium`) driven by playwright-core opens the
// dashboard served by `wrangler dev`, signs in with the token, creates a database, runs statements
// from the SQL console, checks the rendered rows, the plan and the error display, and saves a
// screenshot to test-results/dashboard.png.
//
//   node tests/browser/dashboard.test.mjs http://127.0.0.1:8787 <token>
// (scripts/browser-test.sh starts wrangler dev and runs this.) Last line: "N passed, M failed".
import { chromium } from "playwright-core";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
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

  await check("a resize from the console shows in Jobs and ends with 6 nodes", async () => {
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

  await check("no script errors in the page", async () => {
    assertEqual(consoleErrors, [], "page errors");
  });
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
