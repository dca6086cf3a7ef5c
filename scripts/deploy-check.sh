#!/usr/bin/env bash
# Deploy dry run: bundles the Worker exactly as `wrangler deploy` would (no upload), prints the
# gzip-compressed size of what would be uploaded (JS modules + bigdaddy.wasm; source maps are not
# counted) and fails at 3 MB or more (the Workers free-plan limit). Assumes the Wasm is built.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
npx wrangler deploy --dry-run --outdir "$OUT" >"$OUT.log" 2>&1 || { cat "$OUT.log" >&2; rm -f "$OUT.log"; exit 1; }
rm -f "$OUT.log"
LIMIT=$((3 * 1024 * 1024))
total=0; raw=0
while IFS= read -r -d '' f; do
  case "$f" in *.map|*/README.md) continue ;; esac
  size=$(stat -c %s "$f"); gz=$(gzip -9 -c "$f" | wc -c)
  printf '  %-60s %9d bytes, gzip %9d\n' "${f#"$OUT"/}" "$size" "$gz"
  raw=$((raw + size)); total=$((total + gz))
done < <(find "$OUT" -type f -print0 | sort -z)
awk -v r="$raw" -v t="$total" 'BEGIN { printf "bundle: %d bytes, gzip-compressed %d bytes (%.2f MB of the 3 MB limit)\n", r, t, t / 1048576 }'
if (( total >= LIMIT )); then echo "bundle too large: $total >= $LIMIT bytes compressed" >&2; exit 1; fi
