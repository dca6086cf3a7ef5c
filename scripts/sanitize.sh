#!/usr/bin/env bash
# Unit tests under AddressSanitizer + UndefinedBehaviorSanitizer (build/sanitize, clang-16,
# -DBD_SANITIZE=ON; scripts/setup.sh installs the sanitizer runtimes): any finding aborts the run.
# It builds and runs bd_tests_sanitize, a chosen subset of the unit tests (CMakeLists.txt lists
# them: the fuzz corpora, parser round trips, the sqllogictest runner), to keep it short on
# a small machine; CATCH2 ARGS narrow it further: `bash scripts/sanitize.sh [CATCH2 ARGS...]`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -f build/sanitize/build.ninja ]]; then
  CC=clang-16 CXX=clang++-16 cmake -S . -B build/sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBD_SANITIZE=ON >/dev/null
fi
cmake --build build/sanitize -j "$(nproc)" --target bd_tests_sanitize
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
build/sanitize/bd_tests_sanitize "$@"
