#!/usr/bin/env bash
# Builds and tests smartmeter_exporter on Debian 13 (trixie) from any Debian amd64 host, in a
# debootstrap chroot: trixie brings GCC 14, clang 19, Botan 3, CivetWeb 1.16, CLI11 2.4 and
# prometheus-cpp 1.0.2, which the host (bookworm) does not have. Inside it runs the README's
# own commands, which install their packages themselves (scripts/deps.sh):
#   scripts/test-trixie.sh              full: scripts/test.sh, everything as on the host
#   scripts/test-trixie.sh --unit       CI: scripts/test.sh --unit (build; unit + golden tests)
#   scripts/test-trixie.sh --demo [ARG] scripts/demo.sh [ARG] (port 10369 on the host; Ctrl-C)
#   scripts/test-trixie.sh --shell      a root shell in the chroot, in the repository
#   scripts/test-trixie.sh --run CMD... CMD in the chroot, in the repository (e.g. the Debian 13
#                                       ARM builds: --run scripts/cross.sh arm64, with trixie's
#                                       GCC 14 cross compilers and a trixie sysroot)
#   --fresh before any of them makes the chroot anew (for a cold run; after a broken install)
# The chroot is made once (about a minute) and reused: $SM_CHROOT_CACHE/trixie-amd64 (default
# /var/cache/smartmeter-exporter). It is built under a .partial name and renamed only when
# complete, so an interrupted run never leaves a half-made chroot that a later run would use.
# Build directories go into the repository as build-trixie and build-trixie-fuzz
# (SM_BUILD_DIR), beside the host's build/ and build-fuzz/.
# Mounts (proc, sys, dev, a tmpfs /tmp, the repository, its git directory read-only) are made in
# a private mount namespace (unshare): they are never visible outside this script, so nothing
# on the host can rm -rf through them, and they vanish with it even when it is killed; a trap
# unmounts them on every exit as well.
# Environment: SM_CHROOT_CACHE, SM_DEBIAN_MIRROR (default http://deb.debian.org/debian), and
# JOBS, FUZZ_SECONDS, SKIP_FUZZ, which are passed to scripts/test.sh. Needs root (sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd -P)

self=$repo/scripts/test-trixie.sh
args=("$@")

mode=full fresh=0
while [ $# -gt 0 ]; do
  case $1 in
    --fresh) fresh=1 ;;
    --full | --unit | --demo | --shell | --run) mode=${1#--} ;;
    -h | --help) sed -n '2,/^set -euo/p' "$self" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
  esac
  shift
done
case $mode in
  demo) ;;
  run) [ $# -gt 0 ] || { echo "--run needs a command (try --help)" >&2; exit 2; } ;;
  *) [ $# -eq 0 ] || { echo "unexpected arguments: $* (try --help)" >&2; exit 2; } ;;
esac

if [ "$(id -u)" -ne 0 ]; then
  exec sudo --preserve-env=SM_CHROOT_CACHE,SM_DEBIAN_MIRROR,JOBS,FUZZ_SECONDS,SKIP_FUZZ,SM_RELEASE \
    "$self" "${args[@]}"
fi
# Everything below runs in a private mount namespace (SM_TRIXIE_NAMESPACE marks it).
if [ -z "${SM_TRIXIE_NAMESPACE:-}" ]; then
  source scripts/deps.sh
  ensure_packages debootstrap debian-archive-keyring
  SM_TRIXIE_NAMESPACE=1 exec unshare --mount --propagation private -- "$self" "${args[@]}"
fi

cache=${SM_CHROOT_CACHE:-/var/cache/smartmeter-exporter}
root=$cache/trixie-amd64
mirror=${SM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
source scripts/chroot-mounts.sh

# Creates the chroot under $root.partial and renames it to $root once it is complete.
make_chroot() {
  local partial=$root.partial
  if [ -e "$partial" ]; then
    echo "==> removing the half-made chroot of an interrupted run: $partial"
    refuse_if_mounted "$partial"
    rm -rf --one-file-system "$partial"
  fi
  echo "==> debootstrap trixie (amd64, minbase) into $root"
  local log=$root.debootstrap.log
  debootstrap --variant=minbase --arch=amd64 trixie "$partial" "$mirror" >"$log" 2>&1 ||
    { tail -20 "$log" >&2; echo "debootstrap failed, see $log" >&2; exit 1; }
  rm -f "$partial/etc/apt/sources.list"
  cat >"$partial/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # Packages must not start daemons (prometheus) in the chroot: they would outlive the run.
  printf '#!/bin/sh\nexit 101\n' >"$partial/usr/sbin/policy-rc.d"
  chmod 755 "$partial/usr/sbin/policy-rc.d"
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$partial/etc/hosts"
  # The repository belongs to the host's user, git runs as root in here.
  printf '[safe]\n\tdirectory = *\n' >"$partial/etc/gitconfig"
  cp /etc/resolv.conf "$partial/etc/resolv.conf"
  chroot "$partial" apt-get update -qq
  mv "$partial" "$root"
}

# One run at a time per chroot: a second one waits (apt and the daemons a run ends are shared).
mkdir -p "$cache"
exec 9>"$root.lock"
flock -n 9 || { echo "==> waiting for another test-trixie.sh run on $root"; flock 9; }
if [ "$fresh" = 1 ] && [ -e "$root" ]; then
  echo "==> --fresh: removing $root"
  refuse_if_mounted "$root"
  rm -rf --one-file-system "$root"
fi
[ -d "$root" ] || make_chroot
cp /etc/resolv.conf "$root/etc/resolv.conf"
trap 'cleanup_chroot "$root"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mount_chroot "$root" "$repo"

# The same command line as on the host, with a clean environment and trixie's build dirs.
case $mode in
  full) command=(scripts/test.sh) ;;
  unit) command=(scripts/test.sh --unit) ;;
  demo) command=(scripts/demo.sh "$@") ;;
  shell) command=(bash -l) ;;
  run) command=("$@") ;;
esac
echo "==> trixie chroot: ${command[*]}"
environment=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
  LANG=C.UTF-8 TERM="${TERM:-dumb}" SM_BUILD_DIR=build-trixie)
for name in JOBS FUZZ_SECONDS SKIP_FUZZ SM_RELEASE; do
  [ -z "${!name:-}" ] || environment+=("$name=${!name}")
done
# shellcheck disable=SC2016 # $1 and $@ belong to the inner shell
finish_install_then_run='cd "$1" && shift && dpkg --configure -a && exec "$@"'
status=0
chroot "$root" /usr/bin/env -i "${environment[@]}" \
  bash -c "$finish_install_then_run" - "$repo" "${command[@]}" 9>&- || status=$?

# Build files made by root in here belong to the repository's owner.
owner=$(stat -c %u:%g "$repo")
if [ "$owner" != 0:0 ]; then
  shopt -s nullglob
  for dir in "$repo"/build-trixie*; do chown -R "$owner" "$dir"; done
fi
exit "$status"
