// The README's "Binding to Big Daddy" example runs as written: the code block in the README is the
// example consumer's source, byte for byte, and that Worker works against Big Daddy's entrypoint.
// (scripts/product-test.sh also runs it end to end with `wrangler dev`, two configs.)
import { exports } from "cloudflare:workers";
import { expect, it } from "vitest";
import readme from "../../README.md?raw";
import exampleSource from "../../examples/consumer/src/index.ts?raw";
import exampleConfig from "../../examples/consumer/wrangler.jsonc?raw";
import example from "../../examples/consumer/src/index";

const bigDaddy = (exports as any).default;

function section(title: string): string {
  const start = readme.indexOf(`## ${title}\n`);
  expect(start, `README section "${title}"`).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

it("the README's binding example is the example consumer, and it runs", async () => {
  const binding = section("Binding to Big Daddy");
  const code = /```ts\n([\s\S]*?)```/.exec(binding)?.[1];
  expect(code).toBe(exampleSource);
  const config = /```jsonc\n([\s\S]*?)```/.exec(binding)?.[1]?.trim();
  expect(exampleConfig).toContain(config);

  const env = { BIG_DADDY: bigDaddy };
  const res = await example.fetch(new Request("http://example.local/"), env as any);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual([{ id: 1, name: "Ada" }]);
  // Again: the table exists, another Ada is inserted with a fresh id, row 1 is unchanged.
  const again = await example.fetch(new Request("http://example.local/"), env as any);
  expect(await again.json()).toEqual([{ id: 1, name: "Ada" }]);
  const sql = await bigDaddy.createConnection("my-database");
  const { rows } = await sql`SELECT count(*) AS n FROM users WHERE name = ${"Ada"}`;
  expect(rows).toEqual([{ n: 2 }]);
  expect((await bigDaddy.topology("my-database")).nodes).toHaveLength(10);
});

it("the D1 example runs unchanged D1 code over the binding", async () => {
  const { default: d1Example } = await import("../../examples/consumer-d1/src/index");
  const env = { BIG_DADDY: bigDaddy };
  for (const path of ["/a", "/b", "/a"]) await d1Example.fetch(new Request(`http://example.local${path}`), env as any);
  const res = await d1Example.fetch(new Request("http://example.local/a"), env as any);
  expect(await res.json()).toEqual([{ path: "/a", visits: 3 }, { path: "/b", visits: 1 }]);
});
