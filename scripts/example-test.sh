#!/usr/bin/env bash
# The example consumer end to end, as `npm run example` runs it: `wrangler dev` with two configs
# (the example Worker first, Big Daddy second, joined by the service binding), fresh local state,
# on a free port; GET / must answer the README's result. Assumes the Wasm is built.
set -euo pipefail
cd "$(dirname "$0")/.."

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
PORT=$(free_port)
INSPECTOR=$(free_port)
STATE=$(mktemp -d)
LOG=$STATE/wrangler.log

set -m
npx wrangler dev -c examples/consumer/wrangler.jsonc -c wrangler.jsonc --ip 127.0.0.1 --port "$PORT" \
  --inspector-port "$INSPECTOR" --persist-to "$STATE/state" >"$LOG" 2>&1 &
WRANGLER=$!
set +m
cleanup() { kill -- -"$WRANGLER" 2>/dev/null || true; wait "$WRANGLER" 2>/dev/null || true; rm -rf "$STATE"; }
trap cleanup EXIT

expected='[{"id":1,"name":"Ada"}]'
body=""
for _ in $(seq 1 120); do
  body=$(curl -s "http://127.0.0.1:$PORT/" 2>/dev/null || true)
  [[ -n "$body" ]] && break
  kill -0 "$WRANGLER" 2>/dev/null || { cat "$LOG" >&2; echo "wrangler dev exited" >&2; exit 1; }
  sleep 0.5
done
passed=0; failed=0
for attempt in 1 2; do
  [[ $attempt == 2 ]] && body=$(curl -s "http://127.0.0.1:$PORT/")
  if [[ "$body" == "$expected" ]]; then echo "ok - GET / (request $attempt) answers $body"; passed=$((passed + 1))
  else echo "not ok - GET / (request $attempt): expected $expected, got: $body"; failed=$((failed + 1)); fi
done
echo "$passed passed, $failed failed"
((failed == 0)) || { tail -40 "$LOG" >&2; exit 1; }
