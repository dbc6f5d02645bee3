#!/usr/bin/env bash
# Builds everything and runs every test. Exit status is non-zero on any failure.
#   1. the normal build (GCC, -Werror): unit, golden, end-to-end and soak tests (ctest; the
#      soak test replays 2,000 pushes under valgrind)
#   2. a clang ASan+UBSan build: the same unit and golden tests under the sanitizers,
#      and every libFuzzer target for FUZZ_SECONDS (default 30) each, seeded from the
#      real vectors
# Environment: JOBS (default: nproc), FUZZ_SECONDS, SKIP_FUZZ=1 (reported as skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
ensure_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"

JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}

echo "==> build (gcc, -Werror)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSM_WERROR=ON -DSM_BUILD_TESTS=ON -DSM_BUILD_BENCH=ON >/dev/null
cmake --build build -j "$JOBS"

echo "==> tests (unit, golden, end-to-end, soak)"
ctest --test-dir build --output-on-failure -j "$JOBS" --timeout 300

echo "==> sanitizer + fuzz build (clang $CLANG_VERSION, ASan+UBSan, libFuzzer)"
CC=clang-$CLANG_VERSION CXX=clang++-$CLANG_VERSION cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSM_WERROR=ON -DSM_FUZZ=ON -DSM_BUILD_BENCH=OFF -DSM_FUZZ_SECONDS="$FUZZ_SECONDS" >/dev/null
cmake --build build-fuzz -j "$JOBS"

echo "==> unit and golden tests under ASan+UBSan"
ctest --test-dir build-fuzz --output-on-failure -j "$JOBS" -L 'unit|golden' --timeout 600

if [ "${SKIP_FUZZ:-0}" = 1 ]; then
  echo "==> fuzzing: SKIPPED (SKIP_FUZZ=1)"
else
  echo "==> fuzzing: each target for ${FUZZ_SECONDS}s"
  ctest --test-dir build-fuzz --output-on-failure -j "$JOBS" -L fuzz --timeout $((FUZZ_SECONDS * 4 + 120))
fi
echo "==> all tests passed"
