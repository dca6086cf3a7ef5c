#!/usr/bin/env bash
# The layers of src/ and what each may include: a directory includes only itself and the layers
# listed for it (and, through them, nothing above it). Fails naming every include that breaks this.
#
#   base       Result/Status, JSON writer
#   value      SQLite's value rules: Value, affinity, collations, comparison, numeric conversions, quoting
#   wire sql   byte codec / SQL lexer, parser, AST, printer
#   host       the host interface (run SQL, storage) and what hosts share (exact integers)
#   topology storage   catalog, placement, keyspace ids / a node: its tables, the request protocol
#   planner    plans (values) over sql + topology
#   conductor  executes plans: requests to nodes, merges, the combine engine
#   native wasm   hosts: the in-process cluster and CLI / the Wasm exports
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A allowed=(
  [base]=""
  [value]="base"
  [wire]="base value"
  [sql]="base value"
  [host]="base value sql"
  [topology]="base value wire host"
  [storage]="base value wire host"
  [planner]="base value sql topology"
  [conductor]="base value wire sql host topology storage planner"
  [native]="base value wire sql host topology storage planner conductor"
)
bad=0
for dir in src/*/; do
  layer=$(basename "$dir")
  if [[ -z ${allowed[$layer]+set} ]]; then
    echo "layers: src/$layer is not in scripts/check-layers.sh (say what it may include)" >&2
    bad=1
    continue
  fi
  while IFS= read -r hit; do
    file=${hit%%:*}
    dep=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$hit")
    [[ $dep == "$layer" || " ${allowed[$layer]} " == *" $dep "* ]] && continue
    echo "layers: $hit — src/$layer may not include src/$dep" >&2
    bad=1
  done < <(grep -rnE '^#include "[a-z_]+/' "$dir" || true)
done
# A storage node's own tables are reached through its typed operations (src/storage/ops.h), never
# by SQL written above it: no code outside src/storage names them (comments aside).
while IFS= read -r hit; do
  echo "layers: $hit — a storage node's own table named outside src/storage (use a typed op, storage/ops.h)" >&2
  bad=1
done < <(grep -rnE '_bd_(node|changes|snap_|undo|lock|txn|cur|layout|staging|cap_|tx_)' src/conductor src/planner src/topology wasm \
  | grep -vE '^[^:]+:[0-9]+:\s*//' || true)
((bad == 0)) && echo "layers: every include in src/ follows the layer order; the nodes' own tables are named only in src/storage"
exit $bad
