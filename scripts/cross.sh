#!/usr/bin/env bash
# Cross-builds smartmeter_exporter for a Debian ARM architecture on a Debian amd64 host, tests
# it under qemu-user and packages it as a .deb:
#   scripts/cross.sh arm64    # Raspberry Pi 3/4/5 and Zero 2 W with a 64-bit OS
#   scripts/cross.sh armhf    # Raspberry Pi 2, 3 and Zero 2 W with a 32-bit OS (ARMv7)
#   1. installs the host tools when missing (deps.sh: CROSS_PACKAGES, crossbuild-essential-ARCH)
#   2. makes or reuses the target's sysroot (cross-sysroot.sh; the host's dpkg state is never
#      touched)
#   3. configures build-cross-RELEASE-ARCH/ with cmake/toolchain/debian-cross.cmake
#      (Ninja, -Werror, no benchmarks) and builds it
#   4. runs the unit and golden tests under qemu (ctest -L 'unit|golden'); skipped tests are
#      listed with their reason
#   5. smoke-runs the real binary under qemu (cross-smoke.sh: decode every vector, serve a replay)
#   6. builds the .deb with CPack (Depends from dpkg-shlibdeps against the sysroot), checks its
#      Architecture and that Depends names the package of every library the binary needs, and
#      copies it to dist/RELEASE/
# Exit status is non-zero on any failure.
#
# Environment:
#   SM_RELEASE      target Debian release: bookworm (Debian 12) or trixie (Debian 13); default:
#                   the host's (so in scripts/test-trixie.sh --run, trixie)
#   SM_CROSS_BOTAN  Botan package of the sysroot (default: the release's, libbotan-2-dev on
#                   bookworm, libbotan-3-dev on trixie; libbotan-2-dev on trixie also builds)
#   JOBS            parallel compile jobs and tests (default: nproc)
#   SM_CROSS_CACHE, SM_CROSS_MIRROR, SM_CROSS_REFRESH: see scripts/cross-sysroot.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
source scripts/cross-sysroot.sh

arch=${1:-}
case $arch in
  arm64) triplet=aarch64-linux-gnu qemu=qemu-aarch64-static ;;
  armhf) triplet=arm-linux-gnueabihf qemu=qemu-arm-static ;;
  *) echo "usage: scripts/cross.sh arm64|armhf   (environment: SM_RELEASE, JOBS; see the header)" >&2
     exit 2 ;;
esac
release=${SM_RELEASE:-${SM_DEBIAN_RELEASE:-bookworm}}
JOBS=${JOBS:-$(nproc)}
build=build-cross-$release-$arch
started=$SECONDS
phase_start=$SECONDS
timings=()
phase_done() { timings+=("$1 $((SECONDS - phase_start))s"); phase_start=$SECONDS; }

# Rule: the package must say the right architecture, and Depends must name the package of
# every shared library the binary needs. Why: CPack runs dpkg-shlibdeps with
# --ignore-missing-info, so a library it cannot trace to a package silently drops out of Depends.
check_deb() {
  local deb=$1 tree soname owner depends bad=0
  tree=$(mktemp -d)
  dpkg-deb -x "$deb" "$tree"
  [ "$(dpkg-deb -f "$deb" Architecture)" = "$arch" ] || { echo "FAIL: Architecture is not $arch"; bad=1; }
  depends=$(dpkg-deb -f "$deb" Depends)
  for soname in $("$triplet-readelf" -d "$tree/usr/bin/smartmeter_exporter" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    owner=$(DPKG_ADMINDIR=$SYSROOT/var/lib/dpkg dpkg-query -S "*/$soname" 2>/dev/null | head -1 | cut -d: -f1)
    if [ -z "$owner" ] || ! tr ',|' '\n\n' <<<"$depends" | sed 's/(.*//; s/ //g' | grep -qxF "$owner"; then
      echo "FAIL: $soname (package '${owner:-none}') is missing from Depends"
      bad=1
    fi
  done
  rm -rf "$tree"
  [ "$bad" -eq 0 ] || { dpkg-deb -f "$deb" Architecture Depends; return 1; }
}

ensure_packages "${CROSS_PACKAGES[@]}" "crossbuild-essential-$arch"
# The C++ headers and libstdc++ of the cross compiler's own version.
gcc_major=$("$triplet-g++" -dumpversion | cut -d. -f1)
case $release in
  bookworm) default_botan=libbotan-2-dev ;;
  *) default_botan=libbotan-3-dev ;;
esac
ensure_sysroot "$arch" "$release" libc6-dev "libstdc++-$gcc_major-dev" "${SM_CROSS_BOTAN:-$default_botan}" \
  prometheus-cpp-dev libcivetweb-dev libcli11-dev libexpected-dev libgtest-dev libgmock-dev zlib1g-dev
phase_done sysroot

echo "==> build $build ($triplet-g++ $gcc_major, -Werror)"
mkdir -p "$build"
cmake -S . -B "$build" -G Ninja --toolchain cmake/toolchain/debian-cross.cmake \
  -DSM_CROSS_ARCH="$arch" -DSM_SYSROOT="$SYSROOT" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSM_WERROR=ON -DSM_BUILD_TESTS=ON -DSM_BUILD_BENCH=OFF >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j "$JOBS"
phase_done build

echo "==> unit and golden tests under $qemu"
# Tests qemu-user cannot run are disabled by tests/qemu_user_skips.cmake, which names each with
# its reason in ctest's output; a test that skips itself (GTEST_SKIP) says why in its own output.
ctest --test-dir "$build" -L 'unit|golden' -j "$JOBS" --timeout 600 --output-on-failure 2>&1 |
  tee "$build/ctest.log" | grep -vE '^ *Start +[0-9]+:|Test +#[0-9]+: .* Passed'
tests_passed=$(grep -cE 'Test +#[0-9]+: .* Passed' "$build/ctest.log" || true)
skipped=$(sed -n 's/^[[:space:]]*[0-9]* - \(.*\) (\(Skipped\|Disabled\))$/\1/p' "$build/ctest.log")
self_skipped=$(sed -n 's/^[[:space:]]*[0-9]* - \(.*\) (Skipped)$/\1/p' "$build/ctest.log")
if [ -n "$self_skipped" ]; then
  ctest --test-dir "$build" -V -R "^($(paste -sd'|' <<<"$self_skipped"))\$" 2>&1 | grep -A1 'Skipped$' || true
fi
phase_done tests

echo "==> smoke run of the binary under $qemu"
scripts/cross-smoke.sh "$build" "$qemu" -L "$SYSROOT"
phase_done smoke

echo "==> .deb (CPack, Depends from dpkg-shlibdeps against the sysroot)"
rm -f "$build"/smartmeter-exporter_*.deb
(cd "$build" && cpack -G DEB >cpack.log 2>&1) || { cat "$build/cpack.log"; exit 1; }
deb=$(ls "$build"/smartmeter-exporter_*_"$arch".deb)
check_deb "$deb"
mkdir -p "dist/$release"
cp "$deb" "dist/$release/"
phase_done package

echo
echo "==> summary: smartmeter_exporter for $release $arch"
echo "    sysroot   $SYSROOT"
echo "    build     $build (${triplet}-g++ $gcc_major, -Werror)"
echo "    tests     $tests_passed passed under $qemu, $(grep -c . <<<"$skipped") skipped"
grep -h '^skipped under qemu-user: ' "$build/ctest.log" | sort -u | sed 's/^/              /'
[ -z "$self_skipped" ] || sed 's/^/              skipped by the test itself (its reason is above): /' <<<"$self_skipped"
echo "    package   dist/$release/$(basename "$deb")"
dpkg-deb -f "$deb" Architecture Depends | sed 's/^/              /'
echo "    time      $((SECONDS - started))s (${timings[*]})"
