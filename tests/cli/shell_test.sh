#!/usr/bin/env bash
# A first session through `bigdaddy shell --nodes 4` (the native host): create a table,
# insert 1,000 rows, read rows back by id, count them, and see a point read touch one node.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=build/native/bigdaddy
sql=$(mktemp)
{
  echo "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER);"
  for b in $(seq 0 9); do
    printf "INSERT INTO items (id, name, qty) VALUES "
    for i in $(seq 1 100); do
      id=$((b * 100 + i))
      printf "(%d, 'item-%d', %d)" "$id" "$id" $((id % 7))
      [[ $i -lt 100 ]] && printf ", "
    done
    echo ";"
  done
  echo "SELECT id, name, qty FROM items WHERE id = 500;"
  echo "SELECT COUNT(*) FROM items;"
} >"$sql"
out=$("$bin" shell --nodes 4 --json <"$sql")
passed=0 failed=0
check() {
  if echo "$out" | grep -qF -- "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1 (wanted $2)"; fi
}
check "point read by id" '"rows":[[500,"item-500",3]]'
check "point read touches one node" '"nodesTouched":1,'
check "count is 1,000" '"rows":[[1000]]'
check "inserts report changes()" '"rowsAffected":100'
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
