#!/usr/bin/env bash
# The product surface beyond the workerd tests: the example consumer under `wrangler dev`, the
# dashboard in headless Chromium, and the deploy dry run with its size check.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "-- example consumer (wrangler dev, two configs)"
bash scripts/example-test.sh
echo "-- dashboard in headless Chromium (playwright-core)"
bash scripts/browser-test.sh
echo "-- deploy dry run"
bash scripts/deploy-check.sh
