import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { handleHttp } from "../../js-shim/http";
import { SESSION_SECONDS, validSession } from "../../js-shim/auth";

// Dashboard session cookies: an expiry and an HMAC keyed by the token and a server-side secret.
// A copied cookie stops working when it expires, when the token is rotated, or at POST /logout.
const bigDaddy = (exports as any).default;
const TOKEN = "session-test-token";
const withToken = { BIG_DADDY_LOCAL_DEV: undefined, BIG_DADDY_TOKEN: TOKEN };

function call(path: string, init: RequestInit = {}, vars: Record<string, unknown> = withToken) {
  return handleHttp(new Request(`https://bigdaddy.example${path}`, init), { ...(env as any), ...vars });
}
const select = { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ database: "robust-session", query: "SELECT 1 AS one", create: true }) };
const withCookie = (cookie: string) => ({ ...select, headers: { ...select.headers, cookie } });

async function login(): Promise<string> {
  const res = await call("/login", { method: "POST", body: new URLSearchParams({ token: TOKEN }), redirect: "manual" });
  expect(res.status).toBe(303);
  const set = res.headers.get("set-cookie")!;
  expect(set).toMatch(new RegExp(`Max-Age=${SESSION_SECONDS}`));
  return set.split(";")[0];
}

describe("dashboard sessions", () => {
  it("expire, and end with a token rotation or a logout, a copied cookie included", async () => {
    const cookie = await login();
    const value = cookie.slice(cookie.indexOf("=") + 1);
    const [expires] = value.split(".");
    expect(Math.abs(Number(expires) - (Date.now() + SESSION_SECONDS * 1000))).toBeLessThan(60_000);
    expect(value).not.toContain(TOKEN);
    expect((await call("/sql", withCookie(cookie))).status).toBe(200);

    // Expiry: the same cookie is refused once its time has passed; a longer one cannot be made up.
    const e = env as any;
    expect(await validSession(e, TOKEN, value)).toBe(true);
    expect(await validSession(e, TOKEN, value, Number(expires) + 1)).toBe(false);
    const stretched = `${Number(expires) + 86_400_000}.${value.split(".")[1]}`;
    expect((await call("/sql", withCookie(`bd_session=${stretched}`))).status).toBe(401);

    // Rotating the token invalidates it.
    expect((await call("/sql", withCookie(cookie), { ...withToken, BIG_DADDY_TOKEN: "rotated-token" })).status).toBe(401);

    // Two sessions; logging out of one ends both, a copy of the cookie kept by someone else too.
    const other = await login();
    expect((await call("/sql", withCookie(other))).status).toBe(200);
    const out = await call("/logout", { method: "POST", headers: { cookie }, redirect: "manual" });
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toMatch(/Max-Age=0/);
    expect((await call("/sql", withCookie(cookie))).status).toBe(401);
    expect((await call("/sql", withCookie(other))).status).toBe(401);
    // A logout without a session ends nothing.
    const fresh = await login();
    expect((await call("/logout", { method: "POST", redirect: "manual" })).status).toBe(303);
    expect((await call("/sql", withCookie(fresh))).status).toBe(200);
  });

  it("the sessions' object name is reserved: no database can be called so", async () => {
    const r = await bigDaddy.query("_bd_sessions", "SELECT 1").then(() => "accepted", (e: Error) => e.message);
    expect(r).toBe("database name reserved for internal use: _bd_sessions");
  });
});
