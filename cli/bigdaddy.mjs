#!/usr/bin/env node
// The `bigdaddy` command (package.json "bin"): see commands.mjs.
import { CliError, main } from "./commands.mjs";

// The exit code is set, not forced: piped output (an export) is flushed before the process ends.
main(process.argv.slice(2)).then(
  () => { process.exitCode = 0; },
  (e) => {
    process.stderr.write(`bigdaddy: ${e instanceof CliError ? e.message : (e?.stack ?? e)}\n`);
    process.exitCode = 1;
  },
);
