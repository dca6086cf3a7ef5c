#!/usr/bin/env bash
# Runs a Node test script against Big Daddy under `wrangler dev` (fresh local state, a token, a free
# port): with-wrangler-dev.sh <script.mjs> [args...] runs `node <script> <url> <token> [args...]`.
# Assumes the Wasm is built. wrangler dev runs in its own process group and is killed whole.
set -euo pipefail
cd "$(dirname "$0")/../.."

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
PORT=$(free_port)
INSPECTOR=$(free_port)
TOKEN="cli-test-$RANDOM$RANDOM"
STATE=$(mktemp -d)
LOG=$STATE/wrangler.log

set -m
npx wrangler dev --ip 127.0.0.1 --port "$PORT" --inspector-port "$INSPECTOR" --persist-to "$STATE/state" \
  --var "BIG_DADDY_TOKEN:$TOKEN" ${WRANGLER_EXTRA:-} >"$LOG" 2>&1 &
WRANGLER=$!
set +m
# The test may sample the memory of this wrangler's processes (its process group).
export BIG_DADDY_WRANGLER_PGID=$WRANGLER
cleanup() { kill -- -"$WRANGLER" 2>/dev/null || true; wait "$WRANGLER" 2>/dev/null || true; rm -rf "$STATE"; }
trap cleanup EXIT

for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  kill -0 "$WRANGLER" 2>/dev/null || { cat "$LOG" >&2; echo "wrangler dev exited" >&2; exit 1; }
  sleep 0.5
done
curl -sf "http://127.0.0.1:$PORT/health" >/dev/null || { cat "$LOG" >&2; echo "wrangler dev did not come up" >&2; exit 1; }

script=$1
shift
status=0
WRANGLER_LOG=$LOG node "$script" "http://127.0.0.1:$PORT" "$TOKEN" "$@" || status=$?
if ((status != 0)); then echo "-- last lines of wrangler dev's log:" >&2; tail -30 "$LOG" >&2; fi
exit $status
