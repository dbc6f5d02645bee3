#!/usr/bin/env bash
# Instructions per burst of the decoding path on ARM (README, Benchmarks): cross-builds
# tests/bench/pipeline_count (Release, as scripts/bench-decode.sh on amd64) and counts with
# Debian's own ARM valgrind, run under qemu-user (callgrind counts the guest's instructions,
# so the figures are those of the ARM code, whatever runs it):
#   scripts/count-instructions-arm.sh arm64|armhf [WORKLOAD...]   (default: every workload)
# Host tools, sysroot and toolchain as scripts/cross.sh. The sysroot (with valgrind and Google
# Benchmark added) lives beside cross.sh's, under SM_CROSS_CACHE/callgrind, so that neither run
# rebuilds the other's. Environment: SM_RELEASE (default: the host's), JOBS.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
arch=${1:-}
case $arch in
  arm64) triplet=aarch64-linux-gnu qemu=qemu-aarch64-static vg_arch=arm64 ;;
  armhf) triplet=arm-linux-gnueabihf qemu=qemu-arm-static vg_arch=arm ;;
  *) echo "usage: scripts/count-instructions-arm.sh arm64|armhf [WORKLOAD...]" >&2; exit 2 ;;
esac
shift
release=${SM_RELEASE:-${SM_DEBIAN_RELEASE:-bookworm}}
JOBS=${JOBS:-$(nproc)}
source scripts/cross-sysroot.sh
SM_CROSS_CACHE=$SM_CROSS_CACHE/callgrind

ensure_packages "${CROSS_PACKAGES[@]}" "crossbuild-essential-$arch"
gcc_major=$("$triplet-g++" -dumpversion | cut -d. -f1)
case $release in
  bookworm) botan=libbotan-2-dev ;;
  *) botan=libbotan-3-dev ;;
esac
ensure_sysroot "$arch" "$release" libc6-dev "libstdc++-$gcc_major-dev" "$botan" prometheus-cpp-dev \
  libcivetweb-dev libcli11-dev libexpected-dev libgtest-dev libgmock-dev zlib1g-dev \
  libbenchmark-dev valgrind

build=build-count-$release-$arch
mkdir -p "$build"
cmake -S . -B "$build" -G Ninja --toolchain cmake/toolchain/debian-cross.cmake \
  -DSM_CROSS_ARCH="$arch" -DSM_SYSROOT="$SYSROOT" -DCMAKE_BUILD_TYPE=Release \
  -DSM_BUILD_TESTS=ON -DSM_BUILD_BENCH=ON >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j "$JOBS" --target pipeline_count

# Debian's valgrind is a launcher that execs the tool for the guest's architecture, which
# needs binfmt_misc under qemu; the tool binary is called directly instead, and told where
# its files and its launcher are.
vg=$SYSROOT/usr/libexec/valgrind
[ -x "$vg/callgrind-$vg_arch-linux" ] || { echo "no callgrind-$vg_arch-linux in $vg" >&2; exit 1; }
export SM_CALLGRIND="$qemu -L $SYSROOT -E VALGRIND_LIB=$vg -E VALGRIND_LAUNCHER=$SYSROOT/usr/bin/valgrind.bin $vg/callgrind-$vg_arch-linux --tool=callgrind"

workloads=("$@")
[ ${#workloads[@]} -gt 0 ] || workloads=("ksm" "ksm framing" "ksm unprotect" "ksm decode" "aes-ksm"
  "e450" "e450 framing" "e450 unprotect" "e450 decode" "aes-e450")
echo "==> instructions per burst, $release $arch (Release, $triplet-g++ $gcc_major), revision $(git rev-parse --short HEAD)"
for w in "${workloads[@]}"; do
  # shellcheck disable=SC2086  # a workload is "NAME [LAYER]"
  scripts/count-instructions.sh "$build" $w
done
