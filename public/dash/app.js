// Big Daddy dashboard: plain DOM, no build step. Talks to the Worker's JSON API on the same origin
// (the session cookie or local development opens it): GET/POST /api/databases (the catalog),
// GET /api/databases/:db, POST /sql, POST /api/nl2sql, GET /api/config.

const $ = (id) => document.getElementById(id);
const state = { db: null, topo: null, databases: [], config: { ai: false, auth: "open" } };

// ---------------------------------------------------------------------------------------------
// API

async function api(path, init = {}) {
  const res = await fetch(path, {
    ...init,
    credentials: "same-origin",
    headers: { "content-type": "application/json", ...(init.headers || {}) },
  });
  let body = null;
  try { body = await res.json(); } catch { /* non-JSON */ }
  if (res.status === 401) {
    // Session expired or never started: the login page lives at /dash/.
    location.assign("/dash/");
    throw new Error("unauthorized");
  }
  if (!res.ok) {
    const err = new Error((body && body.error) || `${res.status} ${res.statusText}`);
    err.body = body;
    throw err;
  }
  return body;
}

const getTopology = (db) => api(`/api/databases/${encodeURIComponent(db)}`);
const listDatabases = () => api("/api/databases");
const createDb = (name, nodes) => api("/api/databases", { method: "POST", body: JSON.stringify({ name, nodes }) });
const resizeDb = (db, body) =>
  api(`/api/databases/${encodeURIComponent(db)}/resize`, { method: "POST", body: JSON.stringify(body) });
const runSql = (db, query, extra = {}) =>
  api("/sql", { method: "POST", body: JSON.stringify({ database: db, query, params: [], rowMode: "array", ...extra }) });

// ---------------------------------------------------------------------------------------------
// Small DOM helpers

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "style") e.setAttribute("style", v);
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
  return e;
}

function showError(message) {
  const box = $("error");
  if (!message) { box.hidden = true; box.textContent = ""; return; }
  box.hidden = false;
  box.textContent = message;
}

const fmt = (n) => (typeof n === "number" ? n.toLocaleString("en-US") : String(n ?? "—"));
function fmtBytes(n) {
  if (typeof n !== "number") return "—";
  const u = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
}
// One hue per node, fixed by its number alone (the golden angle keeps neighbours apart), so a
// node keeps its color when the node count changes.
const nodeColor = (node) => `hsl(${Math.round(node * 137.508 + 30) % 360} 70% 58%)`;

function cell(v) {
  if (v === null || v === undefined) return el("td", {}, el("span", { class: "null" }, "NULL"));
  if (Array.isArray(v)) return el("td", {}, `x'${v.map((b) => b.toString(16).padStart(2, "0")).join("")}'`);
  if (typeof v === "number") return el("td", { class: "num" }, String(v));
  if (typeof v === "object") return el("td", {}, JSON.stringify(v));
  return el("td", {}, String(v));
}

function table(columns, rows, testid) {
  const numeric = columns.map((_, i) => rows.length > 0 && rows.every((r) => r[i] === null || typeof r[i] === "number"));
  return el("table", { "data-testid": testid },
    el("thead", {}, el("tr", {}, columns.map((c, i) => el("th", { class: numeric[i] ? "num" : "" }, c)))),
    el("tbody", {}, rows.map((r) => el("tr", {}, r.map(cell)))));
}

// ---------------------------------------------------------------------------------------------
// The catalog of databases (server-side)

async function loadDatabases() {
  try {
    state.databases = (await listDatabases()).databases || [];
  } catch (e) {
    showError(`Could not list the databases: ${e.message}`);
  }
  renderDatabases();
}

function renderDatabases() {
  const ul = $("databases");
  const list = state.databases;
  ul.replaceChildren(...(list.length ? list.map((d) =>
    el("li", { "data-testid": "database-entry", "data-name": d.name },
      el("a", { class: d.name === state.db ? "active" : "", href: `#db=${encodeURIComponent(d.name)}` }, d.name),
      el("span", { class: "muted", style: "margin-left:auto;font-size:.8rem" },
        d.state !== "ready" ? d.state : `${d.nodes} nodes · ${fmtBytes(d.bytes)}`))) :
    [el("li", { class: "muted" }, "none yet")]));
}

async function createDatabase(name, nodes) {
  showError(null);
  try {
    await createDb(name, nodes);
  } catch (e) {
    showError(`Could not create “${name}”: ${e.message}`);
    return;
  }
  await openDatabase(name);
  loadDatabases();
}

// ---------------------------------------------------------------------------------------------
// Database view

async function openDatabase(db) {
  showError(null);
  try {
    const topo = await getTopology(db);
    state.db = db;
    state.topo = topo;
    if (location.hash !== `#db=${encodeURIComponent(db)}`) history.replaceState(null, "", `#db=${encodeURIComponent(db)}`);
    render();
  } catch (e) {
    showError(`Could not open “${db}”: ${e.message}`);
  }
}

async function refresh() {
  if (!state.db) return;
  try {
    state.topo = await getTopology(state.db);
    render();
  } catch (e) {
    showError(`Could not refresh the topology: ${e.message}`);
  }
  // While a resize runs, follow its progress.
  clearTimeout(state.follow);
  if (state.topo?.resize?.active) state.follow = setTimeout(refresh, 1000);
}

function render() {
  const t = state.topo || {};
  const nodes = Array.isArray(t.nodes) ? t.nodes : [];
  $("empty").hidden = true;
  $("db-view").hidden = false;
  $("current").textContent = `${state.db} · ${nodes.length} nodes`;
  $("current").classList.remove("muted");
  renderDatabases();

  // Rows of the database: a reference table's copies count once (the report's total).
  const totalRows = typeof t.rows === "number" ? t.rows : nodes.reduce((a, n) => a + (n.rows || 0), 0);
  const vshards = Array.isArray(t.vshards) ? t.vshards : [];
  const tables = Array.isArray(t.tables) ? t.tables : [];
  $("summary").replaceChildren(
    ...[["nodes", nodes.length], ["tables", tables.length], ["rows", totalRows], ["virtual shards", vshards.length],
      ["epoch", t.epoch], ["topology version", t.version]]
      .map(([k, v]) => el("div", { class: "card" }, el("div", { class: "v" }, fmt(v)), el("div", { class: "k" }, k))));

  renderNodes(nodes);
  renderTables(tables, nodes);
  renderIndexes(Array.isArray(t.indexes) ? t.indexes : []);
  renderVshards(vshards, nodes.length);
  renderHot(Array.isArray(t.hotShards) ? t.hotShards : [], nodes);
  renderJobs(Array.isArray(t.jobs) ? t.jobs : []);
  renderTab();
}

function renderNodes(nodes) {
  const hasBytes = nodes.some((n) => typeof n.bytes === "number");
  const maxRows = Math.max(1, ...nodes.map((n) => n.rows || 0));
  const maxBytes = Math.max(1, ...nodes.map((n) => n.bytes || 0));
  const avg = nodes.length ? nodes.reduce((a, n) => a + (n.rows || 0), 0) / nodes.length : 0;
  const max = Math.max(0, ...nodes.map((n) => n.rows || 0));
  $("skew").textContent = avg > 0 ? `skew: busiest node holds ${(max / avg).toFixed(2)}× the average rows` : "";
  const bar = (value, maxValue, label, color, kind) =>
    el("div", { class: "bar", title: label, "data-value": value, "data-kind": kind },
      el("span", { style: `width:${((value / maxValue) * 100).toFixed(1)}%;background:${color}` }),
      el("em", {}, label));
  $("nodes").replaceChildren(
    el("div", { class: "bar-row head" }, el("div", {}, "node"), el("div", {}, "rows"), el("div", {}, hasBytes ? "bytes" : "bytes (not reported yet)")),
    ...nodes.map((n) => {
      const color = nodeColor(n.node);
      const perTable = n.tables ? Object.entries(n.tables).map(([k, v]) => `${k}: ${fmt(v.rows)}`).join(", ") : "";
      return el("div", { class: "bar-row", "data-testid": "node-row" },
        el("div", { title: n.status || "" }, el("i", { style: `display:inline-block;width:.6rem;height:.6rem;border-radius:50%;margin-right:.35rem;background:${n.status === "up" || !n.status ? "var(--ok)" : "var(--bad)"}` }), `#${n.node}`),
        bar(n.rows || 0, maxRows, `${fmt(n.rows || 0)} rows${perTable ? ` (${perTable})` : ""}`, color, "rows"),
        hasBytes ? bar(n.bytes || 0, maxBytes, fmtBytes(n.bytes), color, "bytes") : el("div", { class: "muted" }, "—"));
    }));
}

function renderTables(tables, nodes) {
  if (!tables.length) { $("tables").replaceChildren(el("p", { class: "muted" }, "No tables yet. Try CREATE TABLE in the console.")); return; }
  // A table's rows as the report counts them (a reference table once); a view has none of its own.
  const rowsOf = (t) => t.kind === "view" ? "—" : typeof t.rows === "number" ? t.rows
    : nodes.reduce((a, n) => a + ((n.tables && n.tables[t.name] && n.tables[t.name].rows) || 0), 0);
  const keyOf = (t) => t.kind === "view" ? el("span", { class: "muted" }, "—")
    : t.shardKey === "rowid" ? el("span", { class: "muted" }, "(hidden row id)")
    : t.shardKey ? el("code", {}, t.shardKey) : el("span", { class: "muted" }, t.kind === "reference" ? "(copy on every node)" : "—");
  $("tables").replaceChildren(el("table", { "data-testid": "tables" },
    el("thead", {}, el("tr", {}, ["name", "kind", "shard key", "columns", "rows"].map((h) => el("th", {}, h)))),
    el("tbody", {}, tables.map((t) => el("tr", {},
      el("td", {}, el("code", {}, t.name)),
      el("td", {}, el("span", { class: `pill ${t.kind === "reference" ? "ref" : ""}` }, t.kind || "—")),
      el("td", {}, keyOf(t)),
      el("td", { title: t.sql || "" }, Array.isArray(t.columns) ? t.columns.map((c) => `${c.name}${c.type ? " " + c.type : ""}`).join(", ") : ""),
      el("td", { class: "num" }, fmt(rowsOf(t))))))));
}

function renderIndexes(indexes) {
  if (!indexes.length) { $("indexes").replaceChildren(el("p", { class: "muted" }, "No secondary indexes.")); return; }
  $("indexes").replaceChildren(el("table", {},
    el("thead", {}, el("tr", {}, ["name", "table", "columns", "kind"].map((h) => el("th", {}, h)))),
    el("tbody", {}, indexes.map((ix) => el("tr", {},
      el("td", {}, el("code", {}, ix.name ?? "")),
      el("td", {}, ix.table ?? ""),
      el("td", {}, Array.isArray(ix.columns) ? ix.columns.map((c) => (typeof c === "string" ? c : c.name)).join(", ") : String(ix.columns ?? "")),
      el("td", {}, [ix.unique ? "unique" : "", ix.kind || ix.status || ""].filter(Boolean).join(" ")))))));
}

function renderVshards(vshards, nodeCount) {
  $("vshards").replaceChildren(...vshards.map((v) => el("div", {
    class: v.status && v.status !== "serving" ? "moving" : "",
    style: `background:${nodeColor(v.node)}`,
    title: `vshard ${v.id} → node ${v.node} (${v.status || ""})\nkeyspace ${v.lo} … ${v.hi}`,
  })));
  const counts = new Map();
  for (const v of vshards) counts.set(v.node, (counts.get(v.node) || 0) + 1);
  $("vshard-legend").replaceChildren(...[...counts.entries()].sort((a, b) => a[0] - b[0]).map(([node, n]) =>
    el("span", {}, el("i", { style: `background:${nodeColor(node)}` }), `node ${node}: ${n}`)));
}

// The hottest virtual shards (from the topology JSON) and each node's requests; Rebalance runs
// PRAGMA bigdaddy_rebalance, which splits and moves them apart online (a job, shown under Jobs).
function renderHot(hot, nodes) {
  const counted = nodes.filter((n) => typeof n.requests === "number");
  const mean = counted.length ? counted.reduce((a, n) => a + n.requests, 0) / counted.length : 0;
  const busiest = counted.length ? Math.max(...counted.map((n) => n.requests)) : 0;
  const max = Math.max(1, ...hot.map((h) => h.requests));
  const rebalance = el("button", { type: "button", id: "rebalance", onclick: async () => {
    showError(null);
    try { await runSql(state.db, "PRAGMA bigdaddy_rebalance"); } catch (e) { showError(`Rebalance: ${e.message}`); }
    refresh();
  } }, "Rebalance");
  const summary = el("p", { class: "muted" }, mean > 0
    ? `busiest node served ${(busiest / mean).toFixed(2)}× the mean (${fmt(busiest)} of ${fmt(Math.round(mean))} requests)`
    : "No requests counted yet.");
  if (!hot.length) { $("hot").replaceChildren(summary, rebalance); return; }
  $("hot").replaceChildren(summary, el("table", { "data-testid": "hot" },
    el("thead", {}, el("tr", {}, ["vshard", "node", "requests", "share"].map((h) => el("th", {}, h)))),
    el("tbody", {}, hot.map((h) => el("tr", {},
      el("td", {}, String(h.vshard)),
      el("td", {}, `#${h.node}`),
      el("td", { class: "num" }, el("div", { class: "bar", "data-value": h.requests },
        el("span", { style: `width:${((h.requests / max) * 100).toFixed(1)}%;background:${nodeColor(h.node, nodes.length)}` }),
        el("em", {}, fmt(h.requests)))),
      el("td", { class: "num" }, `${(h.permille / 10).toFixed(1)}%`))))), rebalance);
}

// Resize controls: grow or shrink to N nodes; cancel a running resize before it switches over.
async function resizeAction(body) {
  showError(null);
  try {
    await resizeDb(state.db, body);
  } catch (e) {
    showError(`Resize: ${e.message}`);
  }
  refresh();
}

function resizeForm() {
  const t = state.topo || {};
  const running = t.resize && t.resize.active;
  const input = el("input", { id: "resize-nodes", type: "number", min: "1", max: "256", value: String((t.nodes || []).length || 1), style: "width:5rem" });
  return el("form", { id: "resize-form", class: "row", onsubmit: (e) => { e.preventDefault(); resizeAction({ nodes: Number(input.value) }); } },
    el("span", { class: "muted" }, "Resize to"), input, el("span", { class: "muted" }, "nodes"),
    el("button", { type: "submit", disabled: running }, "Resize"),
    running ? el("button", { type: "button", id: "resize-cancel", onclick: () => resizeAction({ cancel: true }) }, "Cancel resize") : "");
}

function renderJobs(jobs) {
  if (!jobs.length) {
    $("jobs").replaceChildren(el("p", { class: "muted" }, "No jobs running (resharding, index builds and moves appear here)."), resizeForm());
    return;
  }
  const job = state.topo?.resize || null;
  $("jobs").replaceChildren(resizeForm(), ...jobs.map((j) => {
    let p = j.status === "done" ? 1 : typeof j.progress === "number" ? j.progress : j.total ? (j.done || 0) / j.total : 0;
    if (p > 1) p /= 100;
    // What the job is doing now, in its own words: copying rows, replaying changes, switching over.
    const phase = (job && job.id === j.id ? job.phase : String(j.status || "").split(" ")[0]) || "";
    const label = phase === "done" ? `done: ${fmt(j.total || 0)} rows moved`
      : phase === "cancelled" ? "cancelled: rows stay where they were"
      : ["join", "capture"].includes(phase) ? "preparing the new nodes"
      : phase === "copy" ? `${fmt(j.done || 0)} of ${fmt(j.total || 0)} rows copied`
      : phase === "catch-up" ? `catching up: ${fmt(job?.changesReplayed || 0)} changes replayed`
      : ["fence", "final-catch-up", "activate", "switch", "cleanup", "finish"].includes(phase) ? `switching over (${phase})`
      : phase;
    return el("div", { style: "margin-bottom:.6rem", "data-testid": "job" },
      el("div", { class: "row", style: "margin:0 0 .25rem" },
        el("strong", {}, j.kind || j.type || "job"), el("span", { class: "muted" }, j.id !== undefined ? `#${j.id}` : ""),
        el("span", { class: "pill", "data-phase": phase }, j.status || j.state || ""), el("span", { class: "meta" }, `${Math.round(p * 100)}%`),
        el("span", { class: "meta", "data-testid": "job-label" }, label)),
      el("div", { class: "progress" }, el("span", { style: `width:${(p * 100).toFixed(1)}%` })),
      j.error ? el("p", { class: "error" }, `last error (retrying): ${j.error}`) : "");
  }));
}

// ---------------------------------------------------------------------------------------------
// Tabs: Overview, Browse (table browser), Query insights, Load (charts per node)

state.tab = "overview";
state.browse = { table: null, sort: null, desc: false, offset: 0, limit: 50 };

function showTab(tab) {
  state.tab = tab;
  for (const b of document.querySelectorAll("#tabs > button[data-tab]")) b.classList.toggle("active", b.dataset.tab === tab);
  for (const p of document.querySelectorAll("[data-tab-panel]")) p.hidden = p.dataset.tabPanel !== tab;
  renderTab();
}

function renderTab() {
  clearTimeout(state.tabTimer);
  if (!state.db) return;
  if (state.tab === "browse") loadBrowse();
  else if (state.tab === "insights") loadInsights();
  else if (state.tab === "load") loadLoad();
}

// --- Table browser

async function loadBrowse() {
  const tables = (state.topo?.tables || []).filter((t) => t.kind !== "index");
  const select = $("browse-table");
  if (!tables.some((t) => t.name === state.browse.table)) Object.assign(state.browse, { table: tables[0]?.name ?? null, sort: null, desc: false, offset: 0 });
  select.replaceChildren(...tables.map((t) => el("option", { value: t.name, selected: t.name === state.browse.table }, `${t.name}${t.kind === "sharded" ? "" : ` (${t.kind})`}`)));
  if (!state.browse.table) { $("browse-rows").replaceChildren(el("p", { class: "muted" }, "No tables yet.")); $("browse-meta").textContent = ""; return; }
  const b = state.browse;
  const q = new URLSearchParams({ limit: String(b.limit), offset: String(b.offset) });
  if (b.sort) q.set("sort", b.sort);
  if (b.desc) q.set("desc", "1");
  try {
    const r = await api(`/api/databases/${encodeURIComponent(state.db)}/tables/${encodeURIComponent(b.table)}/rows?${q}`);
    const info = tables.find((t) => t.name === b.table) || {};
    const total = typeof info.rows === "number" ? info.rows : null;
    $("browse-meta").textContent = r.rows.length
      ? `rows ${fmt(b.offset + 1)}–${fmt(b.offset + r.rows.length)}${total !== null ? ` of ${fmt(total)}` : ""} · plan ${r.meta?.plan ?? ""}`
      : "no rows";
    $("browse-prev").disabled = b.offset === 0;
    $("browse-next").disabled = r.rows.length < b.limit || (total !== null && b.offset + r.rows.length >= total);
    const heads = r.columns.map((c) => el("th", { class: "sortable", "data-column": c, onclick: () => sortBy(c) },
      c, b.sort === c ? (b.desc ? " ▼" : " ▲") : ""));
    const nodeCell = (n) => n === null || n === undefined
      ? el("td", { class: "muted" }, info.kind === "reference" ? "every node" : "—")
      : el("td", { "data-node": n }, el("i", { style: `display:inline-block;width:.6rem;height:.6rem;border-radius:50%;margin-right:.35rem;background:${nodeColor(n)}` }), `#${n}`);
    $("browse-rows").replaceChildren(el("table", { "data-testid": "browse" },
      el("thead", {}, el("tr", {}, el("th", {}, "node"), ...heads)),
      el("tbody", {}, r.rows.map((row, i) => el("tr", {}, nodeCell(r.nodes?.[i]), row.map(cell))))));
  } catch (e) {
    $("browse-rows").replaceChildren();
    showError(`Browse ${b.table}: ${e.message}`);
  }
}

function sortBy(column) {
  const b = state.browse;
  if (b.sort === column) b.desc = !b.desc;
  else Object.assign(b, { sort: column, desc: false });
  b.offset = 0;
  loadBrowse();
}

// --- Query insights

const fmtMs = (ms) => (typeof ms === "number" ? `${ms.toFixed(ms < 10 ? 1 : 0)} ms` : "—");
const fmtTime = (at) => new Date(at).toLocaleTimeString("en-GB");

async function getInsights() {
  return api(`/api/databases/${encodeURIComponent(state.db)}/insights`);
}

function statementsTable(list, testid) {
  if (!list.length) return el("p", { class: "muted" }, "Nothing yet: statements appear here a few seconds after they run.");
  return el("table", { "data-testid": testid },
    el("thead", {}, el("tr", {}, ["time", "duration", "plan", "nodes", "rows read", "rows", "statement"].map((h, i) => el("th", { class: i && i < 6 && i !== 2 ? "num" : "" }, h)))),
    el("tbody", {}, list.map((s) => el("tr", { class: "clickable", onclick: () => showStatementPlan(s) },
      el("td", {}, fmtTime(s.at)), el("td", { class: "num" }, fmtMs(s.ms)), el("td", {}, el("span", { class: "pill" }, s.plan || (s.error ? "error" : "—"))),
      el("td", { class: "num" }, fmt(s.nodesTouched)), el("td", { class: "num" }, fmt(s.rowsRead)), el("td", { class: "num" }, fmt(s.rowsWritten || s.rowsReturned)),
      el("td", { class: "sqltext", title: s.error ? `${s.sql}\n\n${s.error}` : s.sql }, s.error ? `✗ ${s.sql}` : s.sql)))));
}

async function loadInsights() {
  try {
    const r = await getInsights();
    $("insights-slowest").replaceChildren(statementsTable(r.slowest || [], "insights-slowest"));
    $("insights-recent").replaceChildren(statementsTable(r.recent || [], "insights-recent"));
    const qs = r.queries || [];
    $("insights-queries").replaceChildren(qs.length ? el("table", { "data-testid": "insights-queries" },
      el("thead", {}, el("tr", {}, ["runs", "errors", "avg", "max", "total", "rows read", "plan", "statement"].map((h, i) => el("th", { class: i < 6 ? "num" : "" }, h)))),
      el("tbody", {}, qs.map((q) => el("tr", { class: "clickable", onclick: () => showStatementPlan(q) },
        el("td", { class: "num" }, fmt(q.count)), el("td", { class: "num" }, fmt(q.errors)), el("td", { class: "num" }, fmtMs(q.avgMs)),
        el("td", { class: "num" }, fmtMs(q.maxMs)), el("td", { class: "num" }, fmtMs(q.totalMs)), el("td", { class: "num" }, fmt(q.rowsRead)),
        el("td", {}, el("span", { class: "pill" }, q.plan || "—")), el("td", { class: "sqltext", title: q.sql }, q.sql))))) :
      el("p", { class: "muted" }, "Nothing yet."));
  } catch (e) {
    showError(`Query insights: ${e.message}`);
  }
  if (state.tab === "insights") state.tabTimer = setTimeout(renderTab, 10_000);
}

// The plan of a statement seen in insights: EXPLAIN it now (nothing runs).
async function showStatementPlan(s) {
  const box = $("insights-plan");
  box.hidden = false;
  box.replaceChildren(el("div", {}, el("span", { class: "tag" }, s.plan || "plan"), el("code", {}, s.sql)));
  try {
    const r = await runSql(state.db, s.sql, { explain: true });
    box.append(el("div", { "data-testid": "insights-plan" }, table(r.columns, r.rows, "insights-plan-steps")));
  } catch (e) {
    box.append(el("p", { class: "muted" }, `EXPLAIN: ${e.message}`));
  }
}

// --- Load charts

function lineChart(buckets, series, { unit = "", testid } = {}) {
  const W = 720, H = 180, L = 44, R = 8, T = 8, B = 20;
  const values = series.flatMap((s) => s.values.filter((v) => typeof v === "number"));
  const max = Math.max(1e-9, ...values);
  const top = max <= 1 ? Math.ceil(max * 10) / 10 : Math.pow(10, Math.floor(Math.log10(max))) * Math.ceil(max / Math.pow(10, Math.floor(Math.log10(max))));
  const x = (i) => L + (buckets.length > 1 ? (i * (W - L - R)) / (buckets.length - 1) : 0);
  const y = (v) => T + (H - T - B) * (1 - v / top);
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("preserveAspectRatio", "none");
  if (testid) svg.setAttribute("data-testid", testid);
  const add = (tag, attrs, text) => {
    const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    svg.append(e);
    return e;
  };
  for (const f of [0, 0.5, 1]) {
    add("line", { x1: L, x2: W - R, y1: y(top * f), y2: y(top * f), class: "axis" });
    add("text", { x: L - 4, y: y(top * f) + 3, "text-anchor": "end" }, `${+(top * f).toFixed(2)}${unit}`);
  }
  if (buckets.length) {
    add("text", { x: L, y: H - 4 }, fmtTime(buckets[0]));
    add("text", { x: W - R, y: H - 4, "text-anchor": "end" }, fmtTime(buckets[buckets.length - 1]));
  }
  for (const s of series) {
    let d = "";
    s.values.forEach((v, i) => { if (typeof v === "number") d += `${d && s.values[i - 1] !== null && s.values[i - 1] !== undefined ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`; });
    if (d) add("path", { d, fill: "none", stroke: nodeColor(s.node), "stroke-width": 2, "data-node": s.node, "data-points": s.values.filter((v) => typeof v === "number").length });
  }
  return svg;
}

async function loadLoad() {
  try {
    const { load } = await getInsights();
    const buckets = load?.buckets || [];
    const nodes = load?.nodes || [];
    // Only the buckets with some traffic somewhere, from the first one on.
    const first = buckets.findIndex((_, i) => nodes.some((n) => n.rps[i] > 0));
    const from = first < 0 ? buckets.length : first;
    const cut = (arr) => arr.slice(from);
    $("load-rps").replaceChildren(lineChart(cut(buckets), nodes.map((n) => ({ node: n.node, values: cut(n.rps) })), { unit: "/s", testid: "chart-rps" }));
    $("load-p50").replaceChildren(lineChart(cut(buckets), nodes.map((n) => ({ node: n.node, values: cut(n.p50) })), { testid: "chart-p50" }));
    $("load-p99").replaceChildren(lineChart(cut(buckets), nodes.map((n) => ({ node: n.node, values: cut(n.p99) })), { testid: "chart-p99" }));
    $("load-legend").replaceChildren(...nodes.map((n) => el("span", {}, el("i", { style: `background:${nodeColor(n.node)}` }),
      `node ${n.node}: ${fmt(n.rps.reduce((a, v) => a + v, 0) * (load.bucketSeconds || 10))} requests`)));
  } catch (e) {
    showError(`Load: ${e.message}`);
  }
  if (state.tab === "load") state.tabTimer = setTimeout(renderTab, 10_000);
}

// --- Export and import, with progress

function transfer(title, fraction, detail) {
  $("transfer").hidden = false;
  $("transfer-title").textContent = title;
  $("transfer-detail").textContent = detail;
  $("transfer-bar").style.width = `${Math.max(0, Math.min(1, fraction)) * 100}%`;
}

// The dump streams in; the page counts it as it arrives, then hands it over as a file.
async function exportCurrent() {
  const db = state.db;
  if (!db) return;
  showError(null);
  transfer(`Exporting ${db}`, 0, "taking a snapshot…");
  try {
    const res = await fetch(`/api/databases/${encodeURIComponent(db)}/export`, { credentials: "same-origin" });
    if (!res.ok) throw new Error(((await res.json().catch(() => null)) || {}).error || `${res.status} ${res.statusText}`);
    const reader = res.body.getReader();
    const parts = [];
    let bytes = 0;
    const expected = Math.max(1, state.topo?.bytes || 1);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parts.push(value);
      bytes += value.length;
      transfer(`Exporting ${db}`, Math.min(0.99, bytes / expected), `${fmtBytes(bytes)} received`);
    }
    const text = new TextDecoder().decode(await new Blob(parts).arrayBuffer());
    const last = text.trimEnd().split("\n").pop() || "";
    if (!last.startsWith("-- Big Daddy export complete:")) throw new Error(last.replace(/^-- Big Daddy export FAILED: /, "") || "the export ended early");
    const blob = new Blob(parts, { type: "application/sql" });
    const a = el("a", { href: URL.createObjectURL(blob), download: `${db}.sql`, "data-testid": "export-link" }, `${db}.sql`);
    transfer(`Exported ${db}`, 1, `${last.replace("-- Big Daddy export complete: ", "")} · ${fmtBytes(bytes)}`);
    $("transfer-detail").append(" · ", a);
    a.click();
  } catch (e) {
    $("transfer").hidden = true;
    showError(`Export: ${e.message}`);
  }
}

// The file streams to the Worker; its answer is one progress line per batch (NDJSON).
async function importFile(file) {
  const db = state.db;
  if (!db || !file) return;
  showError(null);
  transfer(`Importing ${file.name} into ${db}`, 0, `${fmtBytes(file.size)}`);
  try {
    const res = await fetch(`/api/databases/${encodeURIComponent(db)}/import`, { method: "POST", body: file, credentials: "same-origin", headers: { "content-type": "application/sql" } });
    if (!res.ok) throw new Error(((await res.json().catch(() => null)) || {}).error || `${res.status} ${res.statusText}`);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let pending = "", last = null;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      pending += value;
      let nl;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (!line.trim()) continue;
        last = JSON.parse(line);
        if (!last.done && !last.error) transfer(`Importing ${file.name} into ${db}`, last.bytes / Math.max(1, file.size), `${fmt(last.statements)} statements · ${fmt(last.rows)} rows`);
      }
    }
    if (!last) throw new Error("no answer");
    const skipped = (last.skipped || []).map((s) => `skipped ${s.count} × ${s.reason}`).join("; ");
    if (last.error) throw new Error(`${last.error} (${fmt(last.statements)} statements before it were applied)${skipped ? `; ${skipped}` : ""}`);
    transfer(`Imported ${file.name} into ${db}`, 1, `${fmt(last.statements)} statements · ${fmt(last.rows)} rows${skipped ? ` · ${skipped}` : ""}`);
    refresh();
  } catch (e) {
    showError(`Import: ${e.message}`);
  }
}

// --- Deleting the open database

async function deleteCurrent() {
  const db = state.db;
  if (!db) return;
  const typed = window.prompt(`This deletes “${db}” and every node's data. Type its name to confirm:`);
  if (typed === null) return;
  if (typed !== db) { showError(`Not deleted: “${typed}” is not “${db}”.`); return; }
  showError(null);
  try {
    await api(`/api/databases/${encodeURIComponent(db)}`, { method: "DELETE", body: JSON.stringify({ confirm: db }) });
  } catch (e) {
    showError(`Could not delete “${db}”: ${e.message}`);
    return;
  }
  state.db = null;
  state.topo = null;
  history.replaceState(null, "", "#");
  $("db-view").hidden = true;
  $("empty").hidden = false;
  $("current").textContent = "no database open";
  $("current").classList.add("muted");
  await loadDatabases();
}

// ---------------------------------------------------------------------------------------------
// Console

function setBusy(busy) {
  for (const id of ["run", "explain", "nl-go"]) $(id).disabled = busy;
}

async function run(explain) {
  const query = $("sql").value.trim();
  if (!query || !state.db) return;
  showError(null);
  setBusy(true);
  const started = performance.now();
  try {
    const r = await runSql(state.db, query, explain ? { explain: true } : {});
    const ms = performance.now() - started;
    const m = r.meta || {};
    $("run-meta").textContent = [
      explain ? "explained" : `${fmt(r.rows.length)} row${r.rows.length === 1 ? "" : "s"}`,
      !explain && r.rowsAffected ? `${fmt(r.rowsAffected)} changed` : "",
      m.plan ? `plan: ${m.plan}` : "",
      m.nodesTouched !== undefined ? `${m.nodesTouched} node${m.nodesTouched === 1 ? "" : "s"}` : "",
      m.roundTrips !== undefined ? `${m.roundTrips} round trip${m.roundTrips === 1 ? "" : "s"}` : "",
      `${ms.toFixed(0)} ms`,
    ].filter(Boolean).join(" · ");
    renderPlan(m, explain);
    $("results").replaceChildren(r.columns.length
      ? table(r.columns, r.rows, "results")
      : el("p", { class: "muted", "data-testid": "results" }, explain ? "" : `OK${r.rowsAffected ? ` — ${fmt(r.rowsAffected)} row(s) changed` : ""}${r.lastInsertRowid ? `, last id ${r.lastInsertRowid}` : ""}`));
    if (!explain && !/^\s*(select|with|explain)\b/i.test(query)) refresh();
  } catch (e) {
    $("run-meta").textContent = "";
    $("results").replaceChildren();
    $("plan").hidden = true;
    showError(e.message);
  } finally {
    setBusy(false);
  }
}

function renderPlan(meta, explain) {
  const box = $("plan");
  if (!meta || !meta.plan) { box.hidden = true; return; }
  box.hidden = false;
  const nodes = Array.isArray(meta.nodes) ? meta.nodes.join(", ") : "";
  const detail = { ...meta };
  box.replaceChildren(
    el("div", { "data-testid": "plan" }, el("span", { class: "tag" }, typeof meta.plan === "string" ? meta.plan : "plan"),
      explain ? "how this statement would run" : "how this statement ran", nodes ? ` · nodes ${nodes}` : ""),
    explain || typeof meta.plan !== "string" ? el("pre", {}, JSON.stringify(detail, null, 2)) : "");
}

async function nl() {
  const request = $("nl-input").value.trim();
  if (!request || !state.db) return;
  showError(null);
  setBusy(true);
  try {
    const r = await api("/api/nl2sql", { method: "POST", body: JSON.stringify({ database: state.db, request }) });
    $("sql").value = r.sql;
    $("sql").focus();
  } catch (e) {
    showError(`Natural language: ${e.message}`);
  } finally {
    setBusy(false);
  }
}

// ---------------------------------------------------------------------------------------------

function dbFromHash() {
  const m = /^#db=(.+)$/.exec(location.hash);
  return m ? decodeURIComponent(m[1]) : null;
}

async function main() {
  try {
    state.config = await api("/api/config");
  } catch (e) {
    if (e.message !== "unauthorized") showError(`Could not reach the API: ${e.message}`);
    return;
  }
  $("nl").hidden = !state.config.ai;
  $("logout").hidden = state.config.auth !== "cookie";
  $("open-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const name = $("db-name").value.trim();
    if (name) openDatabase(name);
  });
  $("create-db").addEventListener("click", () => {
    const name = $("db-name").value.trim();
    const nodes = Number($("db-nodes").value) || 8;
    if (name) createDatabase(name, nodes);
  });
  await loadDatabases();
  for (const b of document.querySelectorAll("#tabs > button[data-tab]")) b.addEventListener("click", () => showTab(b.dataset.tab));
  $("browse-table").addEventListener("change", (ev) => { Object.assign(state.browse, { table: ev.target.value, sort: null, desc: false, offset: 0 }); loadBrowse(); });
  $("browse-prev").addEventListener("click", () => { state.browse.offset = Math.max(0, state.browse.offset - state.browse.limit); loadBrowse(); });
  $("browse-next").addEventListener("click", () => { state.browse.offset += state.browse.limit; loadBrowse(); });
  $("delete-db").addEventListener("click", deleteCurrent);
  $("export-db").addEventListener("click", exportCurrent);
  $("import-db").addEventListener("click", () => $("import-file").click());
  $("import-file").addEventListener("change", (ev) => { const f = ev.target.files?.[0]; ev.target.value = ""; importFile(f); });
  $("run").addEventListener("click", () => run(false));
  $("explain").addEventListener("click", () => run(true));
  $("nl-go").addEventListener("click", nl);
  $("nl-input").addEventListener("keydown", (ev) => { if (ev.key === "Enter") nl(); });
  $("sql").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); run(false); }
  });
  window.addEventListener("hashchange", () => { const db = dbFromHash(); if (db && db !== state.db) openDatabase(db); });
  const db = dbFromHash();
  if (db) await openDatabase(db);
  document.body.dataset.ready = "1";
}

main();
