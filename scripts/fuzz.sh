#!/usr/bin/env bash
# npm run fuzz [-- SECONDS [TARGET]]: a libFuzzer target for SECONDS (default 300) under ASan+UBSan.
#   fuzz_conductor (default): random sessions of requests through the conductor over an in-process
#     cluster (tests/fuzz/conductor_target.h); its kept corpus is tests/fuzz/corpus/conductor,
#     which the unit tests replay on every npm test.
#   fuzz_parse: parse -> print -> parse round trips.
# The whole core and SQLite are instrumented (build/fuzz, clang-16). New inputs the fuzzer finds
# go to build/fuzz/corpus-TARGET, the kept corpus stays as it is; to keep some, merge them:
#   build/fuzz/fuzz_conductor -merge=1 tests/fuzz/corpus/conductor build/fuzz/corpus-fuzz_conductor
# A crash leaves crash-* / leak-* / timeout-* files in the current directory and exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-${BD_FUZZ_SECONDS:-300}}
target=${2:-fuzz_conductor}
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
if [[ ! -f build/fuzz/build.ninja ]]; then
  CC=clang-16 CXX=clang++-16 cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBD_FUZZ=ON \
    -DCMAKE_C_FLAGS="$san" -DCMAKE_CXX_FLAGS="$san -fsanitize=fuzzer-no-link" >/dev/null
fi
cmake --build build/fuzz -j "$(nproc)" --target "$target"
work=build/fuzz/corpus-$target
mkdir -p "$work"
corpora=("$work")
kept=tests/fuzz/corpus/${target#fuzz_}
[[ -d $kept ]] && corpora+=("$kept")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
build/fuzz/"$target" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 "${corpora[@]}"
