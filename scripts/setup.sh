#!/usr/bin/env bash
# Installs whatever Big Daddy needs that is missing; safe to run again (it only acts on what is absent).
# Debian packages via apt-get (as root; otherwise prints the exact command), npm packages via `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PACKAGES=(cmake ninja-build g++ clang-16 lld-16 llvm-16 libc++-16-dev-wasm32 libc++abi-16-dev-wasm32
  libclang-rt-16-dev-wasm32 libclang-rt-16-dev wasi-libc binaryen wabt catch2 libsqlite3-dev sqlite3 nodejs npm chromium clang-format ccache)

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm may come from elsewhere than Debian (e.g. a preinstalled Node.js): accept any working one.
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=(); for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || tmp+=("$p"); done; missing=("${tmp[@]}")
fi
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages; run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# npm dependencies, pinned by package-lock.json. Re-run npm ci when the lock changed since last install.
stamp=node_modules/.bd-lock-stamp
if [[ ! -f "$stamp" ]] || ! cmp -s package-lock.json "$stamp"; then
  echo "setup: npm ci"
  npm ci --no-fund --no-audit --loglevel=error
  cp package-lock.json "$stamp"
fi
