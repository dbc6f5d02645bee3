# shellcheck shell=bash
# Sourced by test-trixie.sh: the mounts a build chroot needs and their removal. Called in a
# private mount namespace (unshare --mount), so the host never sees them; cleanup_chroot still
# ends what runs in the chroot and unmounts everything, so the namespace ends clean too.
chroot_mounts=() # mount points made by mount_chroot, in order

# mount_at TARGET MOUNT-ARGUMENTS...: mounts (a failure ends the script, whose EXIT trap then
# undoes what was mounted before) and remembers TARGET for cleanup_chroot.
mount_at() {
  local target=$1
  shift
  mount "$@" "$target"
  chroot_mounts+=("$target")
}

# mount_chroot ROOT REPO: proc, sys, dev (with pts and shm), a fresh tmpfs on /tmp, REPO at its
# own path, and REPO's git directory read-only when it lies outside REPO (a git worktree), so
# that git (the revision in --version, the style check's file list) works in the chroot.
mount_chroot() {
  local root=$1 repo=$2 gitdir=""
  mount_at "$root/proc" -t proc proc
  mount_at "$root/sys" --rbind /sys
  mount_at "$root/dev" --rbind /dev
  mount_at "$root/tmp" -t tmpfs -o mode=1777 tmpfs
  mkdir -p "$root$repo"
  mount_at "$root$repo" --bind "$repo"
  if command -v git >/dev/null; then
    gitdir=$(git -C "$repo" rev-parse --path-format=absolute --git-common-dir 2>/dev/null) || gitdir=""
  fi
  if [ -n "$gitdir" ] && [[ $gitdir != "$repo"/* ]]; then
    mkdir -p "$root$gitdir"
    mount_at "$root$gitdir" --bind -o ro "$gitdir"
  fi
}

# mounts_under DIR: prints the mount points at or below DIR.
mounts_under() {
  findmnt -rn -o TARGET | awk -v d="$1" '$0 == d || index($0, d "/") == 1'
}

# refuse_if_mounted DIR: exits when anything is mounted at or below DIR (before an rm -rf).
refuse_if_mounted() {
  local left
  left=$(mounts_under "$1")
  [ -z "$left" ] && return 0
  printf 'refusing to remove %s: mounted below it:\n%s\nunmount them first (umount -R)\n' \
    "$1" "$left" >&2
  exit 1
}

# cleanup_chroot ROOT: ends the processes whose root is ROOT (daemons a test or the demo left,
# all started by this script), then unmounts in reverse order.
cleanup_chroot() {
  local root=$1 pids=() p i
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && pids+=("${p#/proc/}")
  done
  if [ ${#pids[@]} -gt 0 ]; then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for i in 1 2 3 4 5; do
      kill -0 "${pids[@]}" 2>/dev/null || break
      sleep 1
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
  fi
  for ((i = ${#chroot_mounts[@]} - 1; i >= 0; i--)); do
    umount -R "${chroot_mounts[i]}" 2>/dev/null || umount -R -l "${chroot_mounts[i]}"
  done
  chroot_mounts=()
  if [ -n "$(mounts_under "$root")" ]; then
    echo "warning: still mounted below $root (in this script's namespace only):" >&2
    mounts_under "$root" >&2
  fi
}
