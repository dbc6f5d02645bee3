# Sourced by cross.sh: `ensure_sysroot ARCH RELEASE [PACKAGE...]` makes (or reuses) a sysroot
# of Debian's ARCH packages of RELEASE, sets SYSROOT to it, and returns holding a shared lock
# on file descriptor 9, so that no other run rebuilds it while this one compiles against it.
#
# The sysroot holds the build dependencies and their closure, unpacked from Debian's own
# .debs, with the /lib, /bin, /sbin -> usr/ links of a merged-/usr system (bookworm's default,
# trixie's only layout), plus a small dpkg database of those packages in var/lib/dpkg
# (status, info/*.list, *.shlibs, *.symbols) for dpkg-shlibdeps --admindir. Its *.list files
# name the files by their host path (SYSROOT/usr/lib/...), which is what dpkg-shlibdeps looks up.
#
# Rule: the host's dpkg state is never touched: no `dpkg --add-architecture`, no :arm64 or
# :armhf package installed. Why: on bookworm libbotan-2-dev and prometheus-cpp-dev are not
# co-installable for two architectures, so installing the arm64 ones would remove the host's
# amd64 ones. Instead a private apt configuration (own sources, lists, cache and an empty
# status file) resolves the closure and downloads the .debs, which are unpacked, never
# installed: no maintainer script runs.
#
# Rule: a sysroot is rebuilt only when its key (release, architecture, mirrors, package list
# and this file) changed, or when SM_CROSS_REFRESH=1. Why: CI runs on the same machine reuse
# it in seconds; a fresh machine builds it from nothing in about a minute.
#
# Environment:
#   SM_CROSS_CACHE    where sysroots and apt state live, outside the clone (default
#                     /var/cache/smartmeter-exporter as root, else ~/.cache/smartmeter-exporter)
#   SM_CROSS_MIRROR   Debian mirror (default http://deb.debian.org/debian, as the host's)
#   SM_CROSS_SECURITY_MIRROR   (default http://deb.debian.org/debian-security)
#   SM_CROSS_REFRESH  1: resolve and download again (picks up new package versions)

SM_CROSS_CACHE=${SM_CROSS_CACHE:-$([ "$(id -u)" -eq 0 ] && echo /var/cache/smartmeter-exporter ||
  echo "${XDG_CACHE_HOME:-$HOME/.cache}/smartmeter-exporter")}
SM_CROSS_MIRROR=${SM_CROSS_MIRROR:-http://deb.debian.org/debian}
SM_CROSS_SECURITY_MIRROR=${SM_CROSS_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
SM_CROSS_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

ensure_sysroot() {
  local arch=$1 release=$2
  shift 2
  local packages=("$@")
  SYSROOT=$SM_CROSS_CACHE/sysroot-$release-$arch
  local key
  key="$release $arch $SM_CROSS_MIRROR $SM_CROSS_SECURITY_MIRROR $(printf '%s\n' "${packages[@]}" | sort -u | tr '\n' ' ')$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)"
  mkdir -p "$SM_CROSS_CACHE"
  exec 9>>"$SM_CROSS_CACHE/sysroot-$release-$arch.lock"
  flock -x -n 9 || { echo "==> waiting for another run that holds $SYSROOT"; flock -x 9; }
  if [ "${SM_CROSS_REFRESH:-0}" != 1 ] && [ "$(cat "$SYSROOT/.sysroot-key" 2>/dev/null)" = "$key" ]; then
    echo "==> sysroot: reusing $SYSROOT (package list unchanged)"
  else
    echo "==> sysroot: building $SYSROOT ($release $arch: ${packages[*]})"
    sysroot_download "$arch" "$release" "${packages[@]}"
    sysroot_unpack "$SM_CROSS_CACHE/apt-$release-$arch/cache/archives"
    # The .debs are unpacked now, and a rebuild downloads its closure afresh anyway.
    APT_CONFIG=$SM_CROSS_CACHE/apt-$release-$arch/apt.conf apt-get -q clean
    echo "$key" >"$SYSROOT/.sysroot-key"
  fi
  flock -s 9
}

# Private apt for ARCH of RELEASE in $SM_CROSS_CACHE/apt-RELEASE-ARCH: update, then download
# the closure of PACKAGES (no recommends) into its cache/archives, emptied first so that it
# holds exactly this closure. APT_CONFIG is read before anything else, so the host's
# /etc/apt (sources, apt.conf.d, preferences, status) plays no part.
sysroot_download() {
  local arch=$1 release=$2
  shift 2
  local dir=$SM_CROSS_CACHE/apt-$release-$arch
  mkdir -p "$dir/etc/apt.conf.d" "$dir/etc/preferences.d" "$dir/etc/sources.list.d" \
    "$dir/state/lists/partial" "$dir/cache/archives/partial"
  : >"$dir/state/status"
  local signed="[signed-by=$SM_CROSS_KEYRING]"
  cat >"$dir/etc/sources.list" <<EOF
deb $signed $SM_CROSS_MIRROR $release main
deb $signed $SM_CROSS_MIRROR $release-updates main
deb $signed $SM_CROSS_SECURITY_MIRROR $release-security main
EOF
  cat >"$dir/apt.conf" <<EOF
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
APT::Install-Recommends "false";
Acquire::Languages "none";
Dir::Etc::Main "/dev/null";
Dir::Etc::Parts "$dir/etc/apt.conf.d";
Dir::Etc::SourceList "$dir/etc/sources.list";
Dir::Etc::SourceParts "$dir/etc/sources.list.d";
Dir::Etc::Preferences "$dir/etc/preferences";
Dir::Etc::PreferencesParts "$dir/etc/preferences.d";
Dir::State "$dir/state";
Dir::State::status "$dir/state/status";
Dir::Cache "$dir/cache";
EOF
  APT_CONFIG=$dir/apt.conf apt-get -q update >"$dir/update.log" 2>&1 ||
    { cat "$dir/update.log"; return 1; }
  APT_CONFIG=$dir/apt.conf apt-get -q clean
  APT_CONFIG=$dir/apt.conf apt-get -q -y install --download-only "$@" >"$dir/download.log" 2>&1 ||
    { cat "$dir/download.log"; return 1; }
}

# Unpacks every .deb in ARCHIVES into a fresh $SYSROOT and records it in var/lib/dpkg.
sysroot_unpack() {
  local archives=$1
  rm -rf "$SYSROOT"
  mkdir -p "$SYSROOT/usr/bin" "$SYSROOT/usr/sbin" "$SYSROOT/usr/lib"
  ln -s usr/bin "$SYSROOT/bin"
  ln -s usr/sbin "$SYSROOT/sbin"
  ln -s usr/lib "$SYSROOT/lib"
  local admin=$SYSROOT/var/lib/dpkg
  mkdir -p "$admin/info" "$admin/updates"
  echo 1 >"$admin/info/format" # info files named pkg:arch for Multi-Arch: same packages
  : >"$admin/status"
  : >"$admin/available"
  local deb control info
  control=$(mktemp -d)
  for deb in "$archives"/*.deb; do
    rm -rf "${control:?}"/*
    dpkg-deb -e "$deb" "$control"
    info=$admin/info/$(sysroot_info_name "$control/control")
    { cat "$control/control"; echo "Status: install ok installed"; echo; } >>"$admin/status"
    [ ! -f "$control/shlibs" ] || cp "$control/shlibs" "$info.shlibs"
    [ ! -f "$control/symbols" ] || cp "$control/symbols" "$info.symbols"
    # dpkg-deb -x would replace the /lib -> usr/lib link by a directory; tar keeps it.
    # tar -v names each member as it unpacks it: ./usr/lib/x/ -> SYSROOT/usr/lib/x.
    dpkg-deb --fsys-tarfile "$deb" | tar -x -v --keep-directory-symlink -C "$SYSROOT" |
      sed -e 's,/$,,' -e 's,^\.$,/.,' -e "s,^\./,$SYSROOT/," >"$info.list"
  done
  rm -rf "$control"
  sed -n 's/^Architecture: //p' "$admin/status" | sort -u | grep -vx all >"$admin/arch"
  sysroot_relative_links
}

# dpkg's name for a package's info files: pkg:arch for Multi-Arch: same, else pkg.
sysroot_info_name() {
  awk -F': ' '$1 == "Package" { p = $2 } $1 == "Architecture" { a = $2 }
              $1 == "Multi-Arch" { m = $2 }
              END { print (m == "same") ? p ":" a : p }' "$1"
}

# Absolute links (usr/lib/<triplet>/libz.so -> /lib/<triplet>/libz.so.1) would point into the
# host; make them relative so they resolve inside the sysroot.
sysroot_relative_links() {
  local link target
  while IFS= read -r -d '' link; do
    target=$(readlink "$link")
    ln -sfn "$(realpath -m -s --relative-to="$(dirname "$link")" "$SYSROOT$target")" "$link"
  done < <(find "$SYSROOT" -type l -lname '/*' -print0)
}
