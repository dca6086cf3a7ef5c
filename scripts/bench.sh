#!/usr/bin/env bash
# npm run bench: native core figures, then the end-to-end ratio table (Big Daddy against the floor
# Worker of bench/floor, both under `wrangler dev`, in the same run), then online resize.
#   bash scripts/bench.sh [native] [writes] [scale] [model] [e2e] [resize] [profile]   (no argument: all but profile)
#   writes: single-node write CPU (scripts/bench-writes.sh); BENCH_BASE_BIN=<a baseline's bigdaddy> pairs it with that build
#   scale: bigdaddy bench --scale natively (10^6 rows), then scripts/bench-scale.mjs through wrangler dev
#   bash scripts/bench.sh snapshot DIR, then BENCH_BASE_DIR=DIR bash scripts/bench.sh e2e: a before/after
#   ratio in the same rounds (env for e2e: BENCH_ROUNDS, BENCH_ONLY, ... in scripts/bench-e2e.mjs)
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == snapshot ]]; then
  # bash scripts/bench.sh snapshot DIR: the Worker as built now (shim, Wasm, config, assets), to
  # measure later changes against: BENCH_BASE_DIR=DIR bash scripts/bench.sh e2e
  dir=${2:?usage: bash scripts/bench.sh snapshot DIR}
  mkdir -p "$dir/build/wasm"
  cp -r js-shim public wrangler.jsonc .dev.vars "$dir/"
  cp build/wasm/bigdaddy.wasm "$dir/build/wasm/"
  echo "snapshot of the Worker in $dir"
  exit 0
fi
parts=" ${*:-native writes scale model e2e resize} "
want() { [[ "$parts" == *" $1 "* ]]; }
bash scripts/setup.sh
bash scripts/build.sh
if want native; then
  echo "== native (bigdaddy bench)"
  build/native/bigdaddy bench --nodes 8
  echo "== transactions (bigdaddy bench --txn: single-node and atomic writes, interactive transfers, 8 nodes)"
  build/native/bigdaddy bench --txn
  if [[ -f build/wasm/bigdaddy.wasm && -f scripts/bench-parse-wasm.mjs ]]; then
    echo "== parse throughput"
    build/native/bigdaddy parse --bench tests/sqllogictest/select1.test tests/sqllogictest/select2.test tests/sqllogictest/evidence/*.test || true
    node scripts/bench-parse-wasm.mjs || true
  fi
fi
if want writes; then
  echo "== single-node writes, CPU per statement (scripts/bench-writes.sh${BENCH_BASE_BIN:+ against $BENCH_BASE_BIN})"
  bash scripts/bench-writes.sh "${BENCH_BASE_BIN:-}"
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
want e2e || want resize || want profile || want scale || exit 0
# Both Workers under `wrangler dev`, each in its own process group (killed whole on exit), on free ports.
# No Request.cf fetch from workers.cloudflare.com: where it fails (no network) or answers late, the
# local runtime restarts under the bench's requests ("Your worker restarted mid-request").
export CLOUDFLARE_CF_FETCH_ENABLED=false
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
state=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -- -"$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  # The Workers' wrangler logs of the last run stay in build/bench-logs.
  rm -rf build/bench-logs && mkdir -p build/bench-logs && cp "$state"/*.log build/bench-logs/ 2>/dev/null || true
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
    curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && { url="http://127.0.0.1:$port"; inspector_port=$inspector; return 0; }
    sleep 0.5
  done
  cat "$state/$1.log" >&2
  echo "bench: wrangler dev -c $2 did not come up" >&2
  exit 1
}
serve bigdaddy wrangler.jsonc
bd_url=$url
if want scale; then
  # The same workload through the Worker (4 nodes, 200,000 users + 400,000 orders by default): the
  # queries, then a streamed SELECT * with the workerd processes' memory sampled.
  echo "== queries at scale through wrangler dev (scripts/bench-scale.mjs)"
  BENCH_WORKERD_PIDS="$(pgrep -g "${pids[0]}" workerd | tr '\n' ' ')" node scripts/bench-scale.mjs "$bd_url"
fi
if want e2e; then
  serve floor bench/floor/wrangler.jsonc
  floor_url=$url
  base_url=
  if [[ -n "${BENCH_BASE_DIR:-}" ]]; then
    # Another build of Big Daddy (a copy of a worktree: js-shim/, build/wasm/, wrangler.jsonc, public/),
    # measured in the same rounds, for a before/after ratio of a change.
    serve baseline "$BENCH_BASE_DIR/wrangler.jsonc"
    base_url=$url
  fi
  echo "== end to end: Big Daddy ($bd_url) against the floor Worker of bench/floor ($floor_url)${base_url:+ and the baseline ($base_url)}, same run"
  node scripts/bench-e2e.mjs "$bd_url" "$floor_url" $base_url
fi
if want profile; then
  # V8 CPU profiles of the Worker and its objects (one isolate under wrangler dev), per workload.
  # BENCH_PROFILE: the workloads to profile (default: all of them).
  for w in ${BENCH_PROFILE:-point-select point-insert count order-by group-by multi-insert}; do
    n=600
    [[ $w == multi-insert ]] && n=60
    node scripts/bench-profile.mjs "$bd_url" "$inspector_port" "$w" "$n"
  done
fi
if want resize; then
  echo "== online resize (wrangler dev)"
  node scripts/bench-reshard.mjs "$bd_url"
fi
