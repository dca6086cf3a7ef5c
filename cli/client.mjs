// The CLI's HTTP client: one Big Daddy Worker (wrangler dev or deployed), the bearer token, JSON in
// and out. Every failure becomes a CliError with one line to print.
export class CliError extends Error {}

export function connection(options) {
  const url = (options.url ?? process.env.BIG_DADDY_URL ?? "http://localhost:8787").replace(/\/+$/, "");
  const token = options.token ?? process.env.BIG_DADDY_TOKEN ?? "";
  return { url, token };
}

function headers(conn, extra = {}) {
  const h = { ...extra };
  if (conn.token) h.authorization = `Bearer ${conn.token}`;
  return h;
}

export async function request(conn, method, path, body, init = {}) {
  let res;
  try {
    res = await fetch(`${conn.url}${path}`, {
      method,
      headers: headers(conn, body !== undefined && typeof body === "string" ? {} : { "content-type": "application/json" }),
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      ...init,
    });
  } catch (e) {
    throw new CliError(`cannot reach ${conn.url}: ${e?.cause?.code ?? e?.cause?.message ?? e?.message ?? e}`);
  }
  return res;
}

// A JSON request; a non-2xx answer throws its error message.
export async function call(conn, method, path, body) {
  const res = await request(conn, method, path, body);
  const text = await res.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!res.ok) {
    const msg = parsed && typeof parsed.error === "string" ? parsed.error : `${res.status} ${res.statusText}${text ? `: ${text.slice(0, 200)}` : ""}`;
    const err = new CliError(res.status === 401 ? `${msg} (set BIG_DADDY_TOKEN or --token)` : msg);
    err.status = res.status;
    err.body = parsed;
    throw err;
  }
  if (parsed === null && text) throw new CliError(`unexpected answer from ${conn.url}${path}: ${text.slice(0, 200)}`);
  return { body: parsed, text };
}

export const sql = (conn, body) => call(conn, "POST", "/sql", body);
export const db = (name) => `/api/databases/${encodeURIComponent(name)}`;
