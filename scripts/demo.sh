#!/usr/bin/env bash
# Builds smartmeter_exporter and shows it working without a meter: decodes a bundled real
# frame (the Vorarlberg/TINETZ "KSM West" documentation example, key published with it).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
ensure_packages "${BUILD_PACKAGES[@]}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSM_BUILD_TESTS=OFF >/dev/null
cmake --build build -j "$(nproc)" --target smartmeter_exporter
vector=tests/data/vectors/AT-TINETZ-KFM-DOC-EXAMPLE
echo "==> ./build/smartmeter_exporter decode --key-file $vector/key.hex $vector/input.hex"
exec ./build/smartmeter_exporter decode --key-file "$vector/key.hex" "$vector/input.hex"
