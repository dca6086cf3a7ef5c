#!/usr/bin/env bash
# npm test: installs what is missing, builds everything, runs every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh

echo "== native unit tests (Catch2)"
build/native/bd_tests

echo "== sqllogictest through the native cluster"
SLT_DIR=${SLT_DIR:-tests/sqllogictest}
if [[ -d "$SLT_DIR" ]]; then
  for n in 1 4 7; do
    echo "-- $n nodes"
    build/native/bigdaddy slt --nodes "$n" "$SLT_DIR"/select1.test "$SLT_DIR"/select2.test "$SLT_DIR"/evidence/*.test
  done
else
  echo "sqllogictest files not found at $SLT_DIR" >&2
  exit 1
fi

echo "== the native shell (bigdaddy shell --nodes 4)"
bash tests/cli/shell_test.sh

echo "== integration tests in workerd (vitest-pool-workers)"
npx vitest run

# ---- product surface (issue 6): example consumer under wrangler dev, dashboard in headless
# ---- Chromium, deploy dry run with the compressed-size check
echo "== product: example consumer, browser test, deploy dry run"
bash scripts/product-test.sh
# ---- end product surface

# Every step above exits non-zero on a failure (set -e): reaching here means all of them passed.
echo "suites: 7 passed, 0 failed"
