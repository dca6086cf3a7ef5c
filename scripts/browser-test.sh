#!/usr/bin/env bash
# Browser test: starts `wrangler dev` (with a token, fresh local state) on a free port, waits for
# /health, and runs tests/browser/dashboard.test.mjs in headless Chromium. Assumes the Wasm is built.
set -euo pipefail
cd "$(dirname "$0")/.."

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
PORT=$(free_port)
INSPECTOR=$(free_port)
TOKEN="browser-test-$RANDOM$RANDOM"
STATE=$(mktemp -d)
LOG=$STATE/wrangler.log

# A process group of its own, so cleanup ends wrangler and its workerd children (and nothing else).
set -m
npx wrangler dev --ip 127.0.0.1 --port "$PORT" --inspector-port "$INSPECTOR" --persist-to "$STATE/state" \
  --var "BIG_DADDY_TOKEN:$TOKEN" >"$LOG" 2>&1 &
WRANGLER=$!
set +m
cleanup() { kill -- -"$WRANGLER" 2>/dev/null || true; wait "$WRANGLER" 2>/dev/null || true; rm -rf "$STATE"; }
trap cleanup EXIT

for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  kill -0 "$WRANGLER" 2>/dev/null || { cat "$LOG" >&2; echo "wrangler dev exited" >&2; exit 1; }
  sleep 0.5
done
curl -sf "http://127.0.0.1:$PORT/health" >/dev/null || { cat "$LOG" >&2; echo "wrangler dev did not come up" >&2; exit 1; }

node tests/browser/dashboard.test.mjs "http://127.0.0.1:$PORT" "$TOKEN"
