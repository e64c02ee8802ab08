#!/usr/bin/env bash
# Configures and builds the libFuzzer targets (tests/fuzz) into build-fuzz/: libdax and the
# fuzzers only, compiled by clang with ASan+UBSan and coverage instrumentation (-DDAX_FUZZ=ON).
# tests/fuzz/run.sh runs them (CTest test "fuzz"); bench/fuzz.sh runs them longer.
set -euo pipefail
cd "$(dirname "$0")/.."
CC=${CC_FUZZ:-clang-14} CXX=${CXX_FUZZ:-clang++-14} \
  cmake -S . -B build-fuzz -DDAX_FUZZ=ON -DCMAKE_BUILD_TYPE=Release >/dev/null
nice -n 10 cmake --build build-fuzz -j"$(nproc)"
