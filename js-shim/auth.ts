// Who may use the HTTP API and the dashboard. Everything except GET /health is guarded:
//  - BIG_DADDY_TOKEN set: `Authorization: Bearer <token>`, or the dashboard's session cookie (set by
//    POST /login, an HMAC of the token, so the token itself never travels back to a browser).
//  - no token: refused, except in local development where the committed .dev.vars sets
//    BIG_DADDY_LOCAL_DEV=1 (wrangler dev reads it; a deployed Worker never has it).
// Comparisons hash both sides first, so they take the same time whatever the length or content.

export interface AuthEnv {
  BIG_DADDY_TOKEN?: string;
  BIG_DADDY_LOCAL_DEV?: string;
}

export type AuthResult =
  | { ok: true; via: "open" | "bearer" | "cookie" }
  | { ok: false; status: 401; error: string };

export const SESSION_COOKIE = "bd_session";
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

// The dashboard cookie's value: HMAC-SHA-256(token, "big-daddy dashboard session"), hex.
export async function sessionValue(token: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", enc.encode(token), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, enc.encode("big-daddy dashboard session"));
  return Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("");
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
  if (cookie !== null && (await secretsEqual(cookie, await sessionValue(token)))) {
    // A cookie rides along on cross-site requests in some browsers; a state-changing request must
    // come from our own origin.
    const origin = request.headers.get("origin");
    if (request.method !== "GET" && request.method !== "HEAD" && origin !== null && origin !== new URL(request.url).origin)
      return { ok: false, status: 401, error: "unauthorized: cross-origin request" };
    return { ok: true, via: "cookie" };
  }
  return { ok: false, status: 401, error: "unauthorized" };
}

export function sessionCookie(value: string, secure: boolean, maxAge = 60 * 60 * 12): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? "; Secure" : ""}`;
}
