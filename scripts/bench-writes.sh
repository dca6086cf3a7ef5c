#!/usr/bin/env bash
# Single-node write cost, before/after: the same 20,000 single-row INSERTs and 20,000 UPDATEs by id
# through `bigdaddy shell --nodes 8` (each statement on one node, the fast path), CPU time (user +
# system) of the whole process, this build and a baseline build alternating run by run so that the
# ratio holds while a shared machine's speed drifts.
#   bash scripts/bench-writes.sh [BASE_BIGDADDY] [RUNS]    (RUNS default 7; without a baseline: this build only)
# A baseline: `git worktree add --detach /tmp/base <commit>`, then in it `ln -s "$PWD/node_modules"`
# and `cmake -S . -B build/native -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build build/native --target bigdaddy`.
set -euo pipefail
cd "$(dirname "$0")/.."
new=build/native/bigdaddy
base=${1:-}
runs=${2:-7}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=20000
{
  echo "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER);"
  for ((i = 1; i <= n; i++)); do echo "INSERT INTO t VALUES ($i, 'name$i', $((i % 97)));"; done
  for ((i = 1; i <= n; i++)); do echo "UPDATE t SET n = n + 1 WHERE id = $i;"; done
  echo "SELECT count(*), sum(n) FROM t;"
} >"$work/w.sql"
want="$n|979307"
# cpu BIN: CPU seconds of one run (the answer is checked).
cpu() {
  local out
  TIMEFORMAT='%U %S'
  { time "$1" shell --nodes 8 <"$work/w.sql" >"$work/out"; } 2>"$work/t"
  out=$(tail -1 "$work/out")
  [[ $out == "$want" ]] || { echo "wrong answer from $1: $out (want $want)" >&2; exit 1; }
  awk '{printf "%.3f\n", $1 + $2}' "$work/t"
}
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
stmts=$((2 * n))
: >"$work/new"
: >"$work/base"
: >"$work/ratio"
for ((r = 1; r <= runs; r++)); do
  a=$(cpu "$new")
  echo "$a" >>"$work/new"
  if [[ -n $base ]]; then
    b=$(cpu "$base")
    echo "$b" >>"$work/base"
    awk -v a="$a" -v b="$b" 'BEGIN {printf "%.4f\n", a / b}' >>"$work/ratio"
  fi
done
m=$(median <"$work/new")
echo "single-node writes ($stmts statements, 8 nodes), this build: median $m s CPU, $(awk -v m="$m" -v s="$stmts" 'BEGIN {printf "%.1f", m / s * 1e6}') us per statement ($runs runs)"
if [[ -n $base ]]; then
  mb=$(median <"$work/base")
  echo "baseline $base: median $mb s CPU, $(awk -v m="$mb" -v s="$stmts" 'BEGIN {printf "%.1f", m / s * 1e6}') us per statement"
  echo "this build / baseline, run by run: median $(median <"$work/ratio") (min $(sort -n "$work/ratio" | head -1), max $(sort -n "$work/ratio" | tail -1))"
fi
