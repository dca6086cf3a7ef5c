#!/usr/bin/env bash
# Proves the repository is self-contained: clones one of its branches (default: main) into a new,
# empty temporary directory with nothing beside it and runs `npm test` there, so the run sees only
# what is committed (no sibling folders, no build/ or node_modules/ from this checkout, no
# uncommitted files). npm packages come from the registry (or npm's cache) through `npm ci`.
#
#   bash scripts/clean-clone-test.sh [REF]     # REF: a branch, tag or commit (default: main)
#   KEEP=1 bash scripts/clean-clone-test.sh    # keep the clone afterwards (its path is printed)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
ref=${1:-main}
commit=$(git -C "$here" rev-parse --verify "$ref^{commit}")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bd-clean-clone.XXXXXX")
cleanup() { if [[ -z ${KEEP:-} ]]; then rm -rf "$tmp"; else echo "clean clone kept in $tmp/big-daddy"; fi; }
trap cleanup EXIT

echo "clean clone: $ref ($commit) into $tmp/big-daddy"
# --no-local: a real clone (objects copied, no hard links to this checkout's object store).
git clone --quiet --no-local --no-checkout "$here" "$tmp/big-daddy"
git -C "$tmp/big-daddy" checkout --quiet --detach "$commit"
# Nothing beside the clone: the temporary directory holds only it.
[[ $(ls -A "$tmp") == big-daddy ]] || { echo "clean clone: $tmp is not empty besides the clone" >&2; exit 1; }
cd "$tmp/big-daddy"
npm test
