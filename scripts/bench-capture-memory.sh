#!/usr/bin/env bash
# Memory of large timed captures (issue 14 item 9): tests/bench/capture/capture_memory.py
# writes captures of SIZES_MB (default "20 100") megabytes, cut from a real vector into
# chunks of CHUNKS (default "1 64") bytes per line, and measures the peak resident set of
# `decode` and of `serve --replay.file` (Release build in build-bench/). Prints a Markdown
# table. About a minute per 100 MB on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
ensure_packages "${BUILD_PACKAGES[@]}" python3

BUILD=${BUILD:-build-bench}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" --target smartmeter_exporter >/dev/null
echo "Capture memory, $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(date -u +%F)"
echo
echo "| capture | decode | serve |"
echo "|---|---|---|"
for size in ${SIZES_MB:-20 100}; do
  for chunk in ${CHUNKS:-1 64}; do
    python3 tests/bench/capture/capture_memory.py "$BUILD/smartmeter_exporter" \
      tests/data/vectors/AT-TINETZ-KFM-DOC-EXAMPLE "$size" "$chunk"
  done
done
