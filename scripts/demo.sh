#!/usr/bin/env bash
# Builds smartmeter_exporter and runs it on its built-in demo meter (no hardware needed):
# a simulated Kaifa MA309M that sends real encrypted KSM West frames every 5 s through
# the same framer and decrypter as a real meter. Open http://localhost:10369/ or
# http://localhost:10369/metrics. Extra arguments are passed to the exporter.
# Environment: JOBS (default: nproc), SM_BUILD_DIR (default build; see scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
ensure_packages "${BUILD_PACKAGES[@]}"
build=${SM_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target smartmeter_exporter
echo "==> decoding a bundled real frame (Vorarlberg/TINETZ documentation example):"
vector=tests/data/vectors/AT-TINETZ-KFM-DOC-EXAMPLE
"./$build/smartmeter_exporter" decode --key-file "$vector/key.hex" "$vector/input.hex"
echo "==> serving the demo meter on http://localhost:10369/metrics (Ctrl-C stops)"
exec "./$build/smartmeter_exporter" --demo "$@"
