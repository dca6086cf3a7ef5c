// drizzle-kit's configuration for the ORM tests' migrations (generated offline, committed).
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./tests/integration/orm/schema.ts",
  out: "./tests/integration/orm/migrations",
});
