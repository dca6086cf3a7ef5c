import { defineConfig } from "vitest/config";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";

// Integration tests run the real Worker (the real bigdaddy.wasm) inside workerd, with local
// Durable Objects, through the service-binding RPC surface and HTTP.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.jsonc" },
      // Resize fault injection (tests/integration/reshard.test.ts); never set in wrangler.jsonc.
      // LOCAL_D1: a real local D1 database, so ORM tests run the same code against D1 and Big Daddy.
      miniflare: { bindings: { BIG_DADDY_TEST_HOOKS: "1" }, d1Databases: ["LOCAL_D1"] },
    }),
  ],
  test: {
    include: ["tests/integration/**/*.test.ts"],
    // The scale test's reference answers, from plain SQLite in Node (tests/integration/scale-setup.ts);
    // the sqllogictest records plain SQLite fails on, from the native tool (slt-setup.ts).
    globalSetup: ["tests/integration/scale-setup.ts", "tests/integration/slt-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
