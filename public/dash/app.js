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
// One hue per node, spread around the circle so neighbours differ.
const nodeColor = (node, count) => `hsl(${Math.round((node * 360) / Math.max(count, 1) + 30) % 360} 70% 58%)`;

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

  const totalRows = nodes.reduce((a, n) => a + (n.rows || 0), 0);
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
      const color = nodeColor(n.node, nodes.length);
      const perTable = n.tables ? Object.entries(n.tables).map(([k, v]) => `${k}: ${fmt(v.rows)}`).join(", ") : "";
      return el("div", { class: "bar-row", "data-testid": "node-row" },
        el("div", { title: n.status || "" }, el("i", { style: `display:inline-block;width:.6rem;height:.6rem;border-radius:50%;margin-right:.35rem;background:${n.status === "up" || !n.status ? "var(--ok)" : "var(--bad)"}` }), `#${n.node}`),
        bar(n.rows || 0, maxRows, `${fmt(n.rows || 0)} rows${perTable ? ` (${perTable})` : ""}`, color, "rows"),
        hasBytes ? bar(n.bytes || 0, maxBytes, fmtBytes(n.bytes), color, "bytes") : el("div", { class: "muted" }, "—"));
    }));
}

function renderTables(tables, nodes) {
  if (!tables.length) { $("tables").replaceChildren(el("p", { class: "muted" }, "No tables yet. Try CREATE TABLE in the console.")); return; }
  const rowsOf = (name) => nodes.reduce((a, n) => a + ((n.tables && n.tables[name] && n.tables[name].rows) || 0), 0);
  $("tables").replaceChildren(el("table", { "data-testid": "tables" },
    el("thead", {}, el("tr", {}, ["name", "kind", "shard key", "columns", "rows"].map((h) => el("th", {}, h)))),
    el("tbody", {}, tables.map((t) => el("tr", {},
      el("td", {}, el("code", {}, t.name)),
      el("td", {}, el("span", { class: `pill ${t.kind === "reference" ? "ref" : ""}` }, t.kind || "—")),
      el("td", {}, t.shardKey ? el("code", {}, t.shardKey) : el("span", { class: "muted" }, t.kind === "reference" ? "(copy on every node)" : "(hidden row id)")),
      el("td", { title: t.sql || "" }, Array.isArray(t.columns) ? t.columns.map((c) => `${c.name}${c.type ? " " + c.type : ""}`).join(", ") : ""),
      el("td", { class: "num" }, fmt(rowsOf(t.name))))))));
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
    style: `background:${nodeColor(v.node, nodeCount)}`,
    title: `vshard ${v.id} → node ${v.node} (${v.status || ""})\nkeyspace ${v.lo} … ${v.hi}`,
  })));
  const counts = new Map();
  for (const v of vshards) counts.set(v.node, (counts.get(v.node) || 0) + 1);
  $("vshard-legend").replaceChildren(...[...counts.entries()].sort((a, b) => a[0] - b[0]).map(([node, n]) =>
    el("span", {}, el("i", { style: `background:${nodeColor(node, nodeCount)}` }), `node ${node}: ${n}`)));
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
  $("jobs").replaceChildren(resizeForm(), ...jobs.map((j) => {
    let p = j.status === "done" ? 1 : typeof j.progress === "number" ? j.progress : j.total ? (j.done || 0) / j.total : 0;
    if (p > 1) p /= 100;
    return el("div", { style: "margin-bottom:.6rem" },
      el("div", { class: "row", style: "margin:0 0 .25rem" },
        el("strong", {}, j.kind || j.type || "job"), el("span", { class: "muted" }, j.id !== undefined ? `#${j.id}` : ""),
        el("span", { class: "pill" }, j.status || j.state || ""), el("span", { class: "meta" }, `${Math.round(p * 100)}%`),
        j.total ? el("span", { class: "meta" }, `${j.done || 0} of ${j.total} rows copied`) : ""),
      el("div", { class: "progress" }, el("span", { style: `width:${(p * 100).toFixed(1)}%` })),
      j.error ? el("p", { class: "error" }, `last error (retrying): ${j.error}`) : "");
  }));
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
