#!/usr/bin/env bash
# npm test: installs what is missing, builds everything, runs every test suite.
#
# Setup and build must succeed (nothing can be tested otherwise). After that every suite runs even
# when an earlier one failed; each prints its own result, and the last line counts the suites that
# really ran: "suites: N passed, M failed". The exit code is non-zero iff a suite failed.
# SUITES="unit slt-4" runs only the named suites (names as printed by "== suite").
set -euo pipefail
cd "$(dirname "$0")/.."
# A full run already keeps every core busy: full runs from several checkouts on one machine take
# turns (a lock in /tmp, held by flock itself so that no background child keeps it) rather than
# all slowing down together. BD_TEST_NO_LOCK=1 skips the queue.
if [[ -z ${SUITES:-} && -z ${BD_TEST_NO_LOCK:-} ]] && command -v flock >/dev/null; then
  lock="${TMPDIR:-/tmp}/bigdaddy-npm-test.lock"
  flock -n "$lock" true || echo "npm test: waiting for another full run on this machine to finish"
  BD_TEST_NO_LOCK=1 exec flock -o "$lock" bash "$0" "$@"
fi
bash scripts/setup.sh
bash scripts/build.sh

passed=()
failed=()
# suite NAME COMMAND...: runs one suite, records whether it passed, and how long it took.
suite() {
  local name=$1
  shift
  if [[ -n ${SUITES:-} && " $SUITES " != *" $name "* ]]; then return 0; fi
  echo "== suite $name: $*"
  local start=$SECONDS rc=0
  "$@" || rc=$?
  if ((rc == 0)); then
    passed+=("$name")
    echo "== suite $name: passed ($((SECONDS - start)) s)"
  else
    failed+=("$name")
    echo "== suite $name: FAILED with exit code $rc ($((SECONDS - start)) s)"
  fi
}

SLT_DIR=${SLT_DIR:-tests/sqllogictest}
slt_files=("$SLT_DIR"/select1.test "$SLT_DIR"/select2.test "$SLT_DIR"/evidence/*.test)

# The C/C++ sources match .clang-format (scripts/format.sh formats them).
suite format bash scripts/format.sh --check
# Every include in src/ follows the layer order (scripts/check-layers.sh lists the layers).
suite layers bash scripts/check-layers.sh
# js-shim/abi.ts (modes, step kinds, targets, topology and insights ops, error classes, value tags,
# limits) is what the C++ headers define (scripts/gen-abi.mjs writes it), and the shim writes no
# error class as a bare number.
suite abi node scripts/gen-abi.mjs --check
# The TypeScript typechecks with strict: true (tsconfig.json: shim, client, examples, tests, and the
# consumer Worker in tests/types, whose @ts-expect-error lines must stay errors).
suite typecheck npx tsc -p tsconfig.json
# The native unit tests (Catch2).
suite unit build/native/bd_tests
# A subset of the unit tests built with ASan+UBSan (build/sanitize; scripts/sanitize.sh says which).
suite sanitize bash scripts/sanitize.sh
# sqllogictest through the native cluster on 1, 4 and 7 nodes.
for n in 1 4 7; do
  suite "slt-$n" build/native/bigdaddy slt --nodes "$n" "${slt_files[@]}"
done
# The native shell (bigdaddy shell --nodes 4).
suite shell bash tests/cli/shell_test.sh
# Integration tests in workerd (vitest-pool-workers).
suite workerd npx vitest run
# The product surface: the example consumer under wrangler dev, the dashboard in headless Chromium,
# the client package, the CLI, the deploy dry run with its compressed-size check.
suite example bash scripts/example-test.sh
suite browser bash scripts/browser-test.sh
# The client package as a user installs it (npm pack, a scratch consumer Worker, tsc, wrangler dev).
suite client bash tests/cli/client-package-test.sh
# The bigdaddy CLI (databases, query, resize, migrations, export/import) against wrangler dev.
suite cli bash tests/cli/with-wrangler-dev.sh tests/cli/tools-cli.test.mjs
suite deploy bash scripts/deploy-check.sh

echo "suites: ${#passed[@]} passed, ${#failed[@]} failed${failed:+ (${failed[*]})}"
((${#failed[@]} == 0))
