#!/usr/bin/env bash
# npm run bench: native core figures, then an end-to-end workload against a local `wrangler dev`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
echo "== native (bigdaddy bench)"
build/native/bigdaddy bench --nodes 8
if [[ -f build/wasm/bigdaddy.wasm && -f scripts/bench-parse-wasm.mjs ]]; then
  echo "== parse throughput"
  build/native/bigdaddy parse --bench tests/sqllogictest/select1.test tests/sqllogictest/select2.test tests/sqllogictest/evidence/*.test || true
  node scripts/bench-parse-wasm.mjs || true
fi
echo "== end to end (wrangler dev on 127.0.0.1:8799)"
port=8799
log=$(mktemp)
npx wrangler dev --port $port --ip 127.0.0.1 --persist-to "$(mktemp -d)" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  sleep 0.5
done
node scripts/bench-e2e.mjs "http://127.0.0.1:$port"
echo "== online resize (wrangler dev)"
node scripts/bench-reshard.mjs "http://127.0.0.1:$port"
