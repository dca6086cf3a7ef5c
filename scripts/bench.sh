#!/usr/bin/env bash
# npm run bench: native core figures, then the end-to-end ratio table (Big Daddy against the floor
# Worker of bench/floor, both under `wrangler dev`, in the same run), then online resize.
#   bash scripts/bench.sh [native] [scale] [model] [e2e] [resize]   (no argument: all of them)
set -euo pipefail
cd "$(dirname "$0")/.."
parts=" ${*:-native scale model e2e resize} "
want() { [[ "$parts" == *" $1 "* ]]; }
bash scripts/setup.sh
bash scripts/build.sh
if want native; then
  echo "== native (bigdaddy bench)"
  build/native/bigdaddy bench --nodes 8
  if [[ -f build/wasm/bigdaddy.wasm && -f scripts/bench-parse-wasm.mjs ]]; then
    echo "== parse throughput"
    build/native/bigdaddy parse --bench tests/sqllogictest/select1.test tests/sqllogictest/select2.test tests/sqllogictest/evidence/*.test || true
    node scripts/bench-parse-wasm.mjs || true
  fi
fi
if want scale; then
  echo "== queries at scale (bigdaddy bench --scale: 300,000 users + 700,000 orders on 4 nodes)"
  build/native/bigdaddy bench --scale
fi
if want model; then
  echo "== scale-out model (bigdaddy bench --model: virtual clock, see src/native/model/model.h)"
  build/native/bigdaddy bench --model
  echo "-- Zipf-skewed point reads, before and after PRAGMA bigdaddy_rebalance"
  build/native/bigdaddy bench --model --nodes-list 8,32 --zipf 1 --rebalance --workload "point read"
fi
want e2e || want resize || exit 0
# Both Workers under `wrangler dev`, each in its own process group (killed whole on exit), on free ports.
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
state=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -- -"$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$state"
}
trap cleanup EXIT
serve() {  # serve NAME CONFIG: starts wrangler dev, waits for /health, prints the URL
  local port inspector
  port=$(free_port)
  inspector=$(free_port)
  set -m
  npx wrangler dev -c "$2" --ip 127.0.0.1 --port "$port" --inspector-port "$inspector" --persist-to "$state/$1" >"$state/$1.log" 2>&1 &
  pids+=($!)
  set +m
  for _ in $(seq 1 240); do
    curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && { url="http://127.0.0.1:$port"; return 0; }
    sleep 0.5
  done
  cat "$state/$1.log" >&2
  echo "bench: wrangler dev -c $2 did not come up" >&2
  exit 1
}
serve bigdaddy wrangler.jsonc
bd_url=$url
if want e2e; then
  serve floor bench/floor/wrangler.jsonc
  floor_url=$url
  echo "== end to end: Big Daddy ($bd_url) against the floor Worker of bench/floor ($floor_url), same run"
  node scripts/bench-e2e.mjs "$bd_url" "$floor_url"
fi
if want resize; then
  echo "== online resize (wrangler dev)"
  node scripts/bench-reshard.mjs "$bd_url"
fi
