#!/usr/bin/env bash
# The client package as a user gets it: `npm run client:pack` (compile + npm pack), a scratch
# consumer Worker in an empty temporary directory installs the tarball (nothing else from this
# repository), typechecks the README's "Client package" example with only @cloudflare/workers-types
# (strict), and runs it against Big Daddy under `wrangler dev` (two configs, fresh local state).
# Assumes the Wasm is built.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
WORK=$(mktemp -d)
LOG=$WORK/wrangler.log
WRANGLER=""
cleanup() { [[ -n "$WRANGLER" ]] && { kill -- -"$WRANGLER" 2>/dev/null || true; wait "$WRANGLER" 2>/dev/null || true; }; rm -rf "$WORK"; }
trap cleanup EXIT
passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "not ok - $1"; failed=$((failed + 1)); }

rm -rf build/client
npm run --silent client:pack >/dev/null
TARBALL=$(ls "$ROOT"/build/client/big-daddy-client-*.tgz)
files=$(tar -tzf "$TARBALL" | sort | tr '\n' ' ')
expected="package/README.md package/dist/d1.d.ts package/dist/d1.js package/dist/index.d.ts package/dist/index.js package/dist/stream.d.ts package/dist/stream.js package/dist/types.d.ts package/dist/types.js package/package.json "
if [[ "$files" == "$expected" ]]; then ok "the tarball holds the compiled .js and .d.ts, README and package.json only"; else fail "tarball contents: $files"; fi

C=$WORK/consumer
mkdir -p "$C/src"
# The README's example, as written.
node -e '
  const readme = require("fs").readFileSync(process.argv[1], "utf8");
  const start = readme.indexOf("## Client package\n");
  const end = readme.indexOf("\n## ", start + 1);
  const code = /```ts\n([\s\S]*?)```/.exec(readme.slice(start, end))?.[1];
  if (!code) { console.error("no ts block in the README section Client package"); process.exit(1); }
  require("fs").writeFileSync(process.argv[2], code);
' "$ROOT/README.md" "$C/src/index.ts"
# The same @cloudflare/workers-types as this repository's (from npm's cache, which `npm ci` filled).
TYPES_VERSION=$(node -p 'require("./node_modules/@cloudflare/workers-types/package.json").version')
cat >"$C/package.json" <<JSON
{
  "name": "scratch-consumer",
  "private": true,
  "type": "module",
  "dependencies": { "big-daddy-client": "file:$TARBALL" },
  "devDependencies": { "@cloudflare/workers-types": "$TYPES_VERSION" }
}
JSON
cat >"$C/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022", "module": "ES2022", "moduleResolution": "bundler", "lib": ["ES2022"],
    "types": ["@cloudflare/workers-types"], "strict": true, "noEmit": true, "skipLibCheck": false
  },
  "include": ["src"]
}
JSON
cat >"$C/wrangler.jsonc" <<'JSON'
{
  "name": "scratch-consumer",
  "main": "src/index.ts",
  "compatibility_date": "2025-09-01",
  "services": [{ "binding": "BIG_DADDY", "service": "big-daddy" }]
}
JSON
if (cd "$C" && npm install --prefer-offline --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null); then
  ok "the scratch consumer installs the tarball and @cloudflare/workers-types, nothing else"
else
  fail "npm install of the tarball"
fi
installed=$(cd "$C/node_modules" && ls -d */ @cloudflare/*/ 2>/dev/null | tr '\n' ' ')
if [[ -f "$C/node_modules/big-daddy-client/dist/d1.js" && ! -e "$C/node_modules/big-daddy-client/d1.ts" && "$installed" == "@cloudflare/ @cloudflare/workers-types/ big-daddy-client/ " ]]; then
  ok "the installed package is the compiled one: node_modules holds $installed"
else
  fail "installed package layout: $installed"
fi
if out=$("$ROOT/node_modules/.bin/tsc" -p "$C/tsconfig.json" 2>&1); then
  ok "the README example typechecks (strict) with only @cloudflare/workers-types"
else
  fail "tsc: $out"
fi
# A type error must be caught: the same example with a wrong binding call.
sed 's/createConnection("notes", { nodes: 4 })/createConnection(42)/' "$C/src/index.ts" >"$C/src/wrong.ts"
if "$ROOT/node_modules/.bin/tsc" -p "$C/tsconfig.json" >/dev/null 2>&1; then fail "a wrong call typechecks"; else ok "a wrong call to the binding does not typecheck"; fi
rm "$C/src/wrong.ts"

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
PORT=$(free_port)
INSPECTOR=$(free_port)
set -m
npx wrangler dev -c "$C/wrangler.jsonc" -c wrangler.jsonc --ip 127.0.0.1 --port "$PORT" --inspector-port "$INSPECTOR" \
  --persist-to "$WORK/state" >"$LOG" 2>&1 &
WRANGLER=$!
set +m
body=""
for _ in $(seq 1 120); do
  body=$(curl -s "http://127.0.0.1:$PORT/?body=first" 2>/dev/null || true)
  [[ -n "$body" ]] && break
  kill -0 "$WRANGLER" 2>/dev/null || { cat "$LOG" >&2; echo "wrangler dev exited" >&2; exit 1; }
  sleep 0.5
done
if [[ "$body" == '[{"id":1,"body":"first"}]' ]]; then ok "the example runs against Big Daddy: $body"; else fail "GET /?body=first answered: $body"; fi
body=$(curl -s "http://127.0.0.1:$PORT/?body=second")
if [[ "$body" == '[{"id":1,"body":"first"},{"id":2,"body":"second"}]' ]]; then ok "and again (the sql tag and the D1 client see the same rows): $body"; else fail "second request: $body"; fi
echo "$passed passed, $failed failed"
((failed == 0)) || { tail -30 "$LOG" >&2; exit 1; }
