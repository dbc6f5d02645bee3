#!/usr/bin/env bash
# Builds everything and runs every test. Exit status is non-zero on any failure.
#   1. the normal build (GCC, -Werror): unit, golden, end-to-end and soak tests (ctest; the
#      soak test replays 2,000 pushes under valgrind)
#   2. a clang ASan+UBSan build: the same unit and golden tests under the sanitizers,
#      and every libFuzzer target for FUZZ_SECONDS (default 30) each, seeded from the
#      real vectors
# --unit (for a short CI job): only step 1's build and its unit and golden tests, with only the
# build packages installed.
# Environment: JOBS (default: nproc), FUZZ_SECONDS, SKIP_FUZZ=1 (reported as skipped),
# SM_BUILD_DIR (default build; the clang build goes to $SM_BUILD_DIR-fuzz), so that a chroot
# sharing this tree (scripts/test-trixie.sh) builds beside the host's build directories.
set -euo pipefail
cd "$(dirname "$0")/.."
scope=all
case "${1:-}" in
  "") ;;
  --unit) scope=unit ;;
  *) echo "usage: scripts/test.sh [--unit]" >&2; exit 2 ;;
esac
source scripts/deps.sh
if [ "$scope" = unit ]; then
  ensure_packages "${BUILD_PACKAGES[@]}"
else
  ensure_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
fi

JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
build=${SM_BUILD_DIR:-build}

# The benchmarks are built (so they keep compiling) except for --unit, which runs none of them.
bench=ON
[ "$scope" = unit ] && bench=OFF
echo "==> build (gcc, -Werror) in $build/"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSM_WERROR=ON -DSM_BUILD_TESTS=ON -DSM_BUILD_BENCH=$bench >/dev/null
cmake --build "$build" -j "$JOBS"

if [ "$scope" = unit ]; then
  echo "==> unit and golden tests"
  ctest --test-dir "$build" --output-on-failure -j "$JOBS" -L 'unit|golden' --timeout 300
  echo "==> unit and golden tests passed"
  exit 0
fi

echo "==> tests (unit, golden, end-to-end, soak)"
ctest --test-dir "$build" --output-on-failure -j "$JOBS" --timeout 300

echo "==> sanitizer + fuzz build (clang $CLANG_VERSION, ASan+UBSan, libFuzzer) in $build-fuzz/"
CC=clang-$CLANG_VERSION CXX=clang++-$CLANG_VERSION cmake -S . -B "$build-fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSM_WERROR=ON -DSM_FUZZ=ON -DSM_BUILD_BENCH=OFF -DSM_FUZZ_SECONDS="$FUZZ_SECONDS" >/dev/null
cmake --build "$build-fuzz" -j "$JOBS"

echo "==> unit and golden tests under ASan+UBSan"
ctest --test-dir "$build-fuzz" --output-on-failure -j "$JOBS" -L 'unit|golden' --timeout 600

if [ "${SKIP_FUZZ:-0}" = 1 ]; then
  echo "==> fuzzing: SKIPPED (SKIP_FUZZ=1)"
else
  echo "==> fuzzing: each target for ${FUZZ_SECONDS}s"
  ctest --test-dir "$build-fuzz" --output-on-failure -j "$JOBS" -L fuzz --timeout $((FUZZ_SECONDS * 4 + 120))
fi
echo "==> all tests passed"
