// Who may use the HTTP API and the dashboard. Everything except GET /health is guarded:
//  - BIG_DADDY_TOKEN set: `Authorization: Bearer <token>`, or the dashboard's session cookie (set by
//    POST /login: its expiry and an HMAC over it keyed by the token and a server-side secret, so the
//    token itself never travels back to a browser; it expires, and rotating the token or
//    POST /logout, which replaces the secret, invalidates every cookie issued before).
//  - no token: refused, except in local development where the committed .dev.vars sets
//    BIG_DADDY_LOCAL_DEV=1 (wrangler dev reads it; a deployed Worker never has it).
// Comparisons hash both sides first, so they take the same time whatever the length or content.

export interface AuthEnv {
  BIG_DADDY_TOKEN?: string;
  BIG_DADDY_LOCAL_DEV?: string;
  TOPOLOGY: DurableObjectNamespace; // holds the sessions' server-side secret (SESSION_OBJECT)
}

export type AuthResult =
  | { ok: true; via: "open" | "bearer" | "cookie" }
  | { ok: false; status: 401; error: string };

export const SESSION_COOKIE = "bd_session";
export const SESSION_SECONDS = 60 * 60 * 12;
// The Durable Object (in the topology namespace) keeping the sessions' secret; the name is in the
// engine's reserved namespace, so no database is ever called so.
export const SESSION_OBJECT = "_bd_sessions";
const enc = new TextEncoder();

export function localDevOpen(env: AuthEnv): boolean {
  const v = env.BIG_DADDY_LOCAL_DEV;
  return v === "1" || v === "true";
}

async function sha256(s: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", enc.encode(s));
}

// Constant time in both length and content: equal-length digests, compared by the runtime.
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(given), sha256(expected)]);
  const subtle = crypto.subtle as SubtleCrypto & { timingSafeEqual?: (a: ArrayBuffer, b: ArrayBuffer) => boolean };
  if (typeof subtle.timingSafeEqual === "function") return subtle.timingSafeEqual(a, b);
  const x = new Uint8Array(a), y = new Uint8Array(b);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

interface SessionSecrets {
  sessionSecret(rotate?: boolean): Promise<string>;
}

async function serverSecret(env: AuthEnv, rotate = false): Promise<string> {
  if (!env.TOPOLOGY) throw new Error("dashboard sessions need the TOPOLOGY Durable Object binding");
  const stub = env.TOPOLOGY.get(env.TOPOLOGY.idFromName(SESSION_OBJECT)) as unknown as SessionSecrets;
  return stub.sessionSecret(rotate);
}

async function sessionMac(token: string, secret: string, expires: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", enc.encode(token), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, enc.encode(`big-daddy dashboard session\n${secret}\n${expires}`));
  return Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("");
}

// A new dashboard session cookie's value: "<expiry, ms since the epoch>.<HMAC-SHA-256, hex>".
export async function newSession(env: AuthEnv, token: string, now = Date.now()): Promise<string> {
  const expires = now + SESSION_SECONDS * 1000;
  return `${expires}.${await sessionMac(token, await serverSecret(env), expires)}`;
}

// Whether a cookie value is a session issued under this token and the current secret, unexpired.
export async function validSession(env: AuthEnv, token: string, value: string, now = Date.now()): Promise<boolean> {
  const m = /^(\d{1,16})\.[0-9a-f]{64}$/.exec(value);
  if (!m) return false;
  const expires = Number(m[1]);
  if (expires <= now || expires > now + SESSION_SECONDS * 1000) return false;
  return secretsEqual(value, `${expires}.${await sessionMac(token, await serverSecret(env), expires)}`);
}

// Ends every session issued so far (a new server-side secret).
export async function endSessions(env: AuthEnv): Promise<void> {
  await serverSecret(env, true);
}

export function readCookie(request: Request, name: string): string | null {
  const header = request.headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return null;
}

export async function authorize(request: Request, env: AuthEnv): Promise<AuthResult> {
  const token = env.BIG_DADDY_TOKEN;
  if (!token) {
    if (localDevOpen(env)) return { ok: true, via: "open" };
    return { ok: false, status: 401, error: "unauthorized: no BIG_DADDY_TOKEN is configured (set one with `wrangler secret put BIG_DADDY_TOKEN`)" };
  }
  const header = request.headers.get("authorization");
  if (header !== null) {
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (m && (await secretsEqual(m[1], token))) return { ok: true, via: "bearer" };
    return { ok: false, status: 401, error: "unauthorized" };
  }
  const cookie = readCookie(request, SESSION_COOKIE);
  if (cookie !== null && (await validSession(env, token, cookie))) {
    // A cookie rides along on cross-site requests in some browsers; a state-changing request must
    // come from our own origin.
    const origin = request.headers.get("origin");
    if (request.method !== "GET" && request.method !== "HEAD" && origin !== null && origin !== new URL(request.url).origin)
      return { ok: false, status: 401, error: "unauthorized: cross-origin request" };
    return { ok: true, via: "cookie" };
  }
  return { ok: false, status: 401, error: "unauthorized" };
}

export function sessionCookie(value: string, secure: boolean, maxAge = SESSION_SECONDS): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? "; Secure" : ""}`;
}
