#!/usr/bin/env bash
# Every supported platform, one after the other, with a table of what passed at the end:
#   Debian 12 amd64   scripts/test.sh                       (everything)
#   Debian 12 arm64   scripts/cross.sh arm64                (unit + golden under qemu, smoke, .deb)
#   Debian 12 armhf   scripts/cross.sh armhf
#   Debian 13 amd64   scripts/test-trixie.sh                (everything, in a trixie chroot)
#   Debian 13 arm64   scripts/test-trixie.sh --run scripts/cross.sh arm64   (trixie's GCC 14
#   Debian 13 armhf   scripts/test-trixie.sh --run scripts/cross.sh armhf    cross compilers)
# CI (.ci/run) runs the first, the second and the Debian 13 unit tests; this runs the rest too,
# which takes longer than CI may (about an hour and a half on 2 cores). Every platform runs even
# when one before it failed; the exit status is non-zero when any failed.
#   scripts/test-platforms.sh                 all six
#   scripts/test-platforms.sh 12-arm64 13-amd64   only these (names as in the table)
# Logs: build-platforms/<name>.log. Environment: as for the scripts it runs (JOBS, ...).
set -uo pipefail
cd "$(dirname "$0")/.."
declare -A commands=(
  [12-amd64]="bash scripts/test.sh"
  [12-arm64]="env SM_RELEASE=bookworm bash scripts/cross.sh arm64"
  [12-armhf]="env SM_RELEASE=bookworm bash scripts/cross.sh armhf"
  [13-amd64]="bash scripts/test-trixie.sh"
  [13-arm64]="bash scripts/test-trixie.sh --run scripts/cross.sh arm64"
  [13-armhf]="bash scripts/test-trixie.sh --run scripts/cross.sh armhf"
)
order=(12-amd64 12-arm64 12-armhf 13-amd64 13-arm64 13-armhf)
[ $# -gt 0 ] && order=("$@")
for name in "${order[@]}"; do
  [ -n "${commands[$name]:-}" ] || { echo "unknown platform '$name' (${!commands[*]})" >&2; exit 2; }
done

mkdir -p build-platforms
results=()
failed=0
revision=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
for name in "${order[@]}"; do
  log=build-platforms/$name.log
  echo "==> $name: ${commands[$name]} (log: $log)"
  started=$SECONDS
  # shellcheck disable=SC2086 # the command lines above are split on purpose
  if ${commands[$name]} >"$log" 2>&1; then verdict=passed; else verdict=FAILED; failed=1; fi
  # The test count: ctest's closing line (the last one, where a script runs several).
  tests=$(grep -E '^[0-9]+% tests passed' "$log" | tail -1)
  results+=("| Debian ${name%%-*} ${name#*-} | $verdict | ${tests:-no ctest summary} | $((SECONDS - started)) s |")
  echo "    $verdict in $((SECONDS - started)) s; ${tests:-no ctest summary}"
done
echo
echo "Platforms at revision $revision, $(date -u +%Y-%m-%d):"
echo "| platform | result | tests (last ctest run) | time |"
echo "|---|---|---|---|"
printf '%s\n' "${results[@]}"
exit "$failed"
