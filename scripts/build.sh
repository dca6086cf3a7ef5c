#!/usr/bin/env bash
# Builds the native core/CLI/tests (build/native) and the Wasm module (build/wasm/bigdaddy.wasm).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
what=${1:-all}
if [[ $what == all || $what == native ]]; then
  [[ -f build/native/build.ninja ]] || cmake -S . -B build/native -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build/native -j "$jobs"
fi
if [[ $what == all || $what == wasm ]]; then
  [[ -f build/wasm/build.ninja ]] || cmake -S . -B build/wasm -G Ninja -DCMAKE_TOOLCHAIN_FILE=wasm/toolchain-wasi.cmake -DCMAKE_BUILD_TYPE=MinSizeRel >/dev/null
  cmake --build build/wasm -j "$jobs"
fi
