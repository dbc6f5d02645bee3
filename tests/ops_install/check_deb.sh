#!/usr/bin/env bash
# Builds and checks the Debian package of smartmeter_exporter:
#   - `cpack -G DEB` (package written to a temporary directory, not into BUILD_DIR);
#   - file name smartmeter-exporter_<version>_<arch>.deb;
#   - control: Depends from dpkg-shlibdeps (civetweb, prometheus-cpp; no libbotan when Botan
#     is linked statically, the default, and then copyright carries Botan's notice),
#     Section net, the conffile /etc/default/smartmeter-exporter, maintainer scripts
#     that never enable or start the service; the files in the package;
#   - as root (or with sudo): apt-get install, `smartmeter_exporter --version`, the
#     conffile kept on remove and deleted on purge, nothing left behind.
# Not root and no sudo: the install part prints SKIPPED (exit 0).
# usage: check_deb.sh BUILD_DIR
set -euo pipefail

build_dir=$(cd "${1:?usage: check_deb.sh BUILD_DIR}" && pwd)
[ -f "$build_dir/CPackConfig.cmake" ] || { echo "FAIL: no CPackConfig.cmake in $build_dir"; exit 1; }
export DEBIAN_FRONTEND=noninteractive

can_root=1
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  as_root=()
  can_root=0
fi
apt_get() { "${as_root[@]}" apt-get -o DPkg::Lock::Timeout=120 -q "$@"; }

# dpkg-shlibdeps (dpkg-dev) computes Depends; fakeroot-less dpkg-deb is in dpkg.
if ! command -v dpkg-shlibdeps >/dev/null; then
  if [ "$can_root" -eq 0 ]; then
    echo "SKIPPED: dpkg-shlibdeps (dpkg-dev) missing and neither root nor sudo to install it"
    exit 0
  fi
  echo "installing dpkg-dev (dpkg-shlibdeps)"
  apt_get update >/dev/null
  apt_get install -y --no-install-recommends dpkg-dev >/dev/null
fi

work=$(mktemp -d)
chmod 0755 "$work"   # apt's _apt user reads the .deb from here
installed_by_us=0
cleanup() {
  if [ "$installed_by_us" -eq 1 ]; then
    apt_get remove --purge -y smartmeter-exporter >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# --- build the package -----------------------------------------------------------------
if ! (cd "$build_dir" && cpack -G DEB --config "$build_dir/CPackConfig.cmake" -B "$work/out") \
      >"$work/cpack.log" 2>&1; then
  echo "FAIL: cpack -G DEB"
  cat "$work/cpack.log"
  exit 1
fi
mapfile -t debs < <(find "$work/out" -maxdepth 1 -name '*.deb' -printf '%f\n')
if [ "${#debs[@]}" -ne 1 ]; then
  echo "FAIL: expected one .deb, got: ${debs[*]:-none}"
  cat "$work/cpack.log"
  exit 1
fi
deb_name=${debs[0]}
deb=$work/out/$deb_name
version=$(dpkg-deb -f "$deb" Version)
arch=$(dpkg --print-architecture)
echo "package: $deb_name ($(du -h "$deb" | cut -f1))"
if [ "$deb_name" = "smartmeter-exporter_${version}_${arch}.deb" ] &&
   [[ "$deb_name" =~ ^smartmeter-exporter_[0-9][A-Za-z0-9.+~-]*_[a-z0-9]+\.deb$ ]]; then
  echo "ok: file name smartmeter-exporter_<version>_<arch>.deb"
else
  fail "file name $deb_name is not smartmeter-exporter_${version}_${arch}.deb"
fi

# --- control information -------------------------------------------------------------------
info=$(dpkg-deb -I "$deb")
printf '%s\n' "$info" | sed -n 's/^ \(Package\|Version\|Architecture\|Section\|Maintainer\|Depends\):/&/p'
depends=$(dpkg-deb -f "$deb" Depends)
for lib in 'libcivetweb[0-9]' 'libprometheus-cpp-core[0-9.]+' 'libc6' 'libstdc\+\+6'; do
  printf '%s\n' "$depends" | grep -qE "(^|, )${lib}( |,|$)" || fail "Depends lacks ${lib}: $depends"
done
# Botan: a dependency exactly when the binary loads libbotan (SM_STATIC_BOTAN=OFF).
if ldd "$build_dir/smartmeter_exporter" | grep -cE 'libbotan-[23]' >/dev/null; then
  printf '%s\n' "$depends" | grep -qE "(^|, )libbotan-[23]-[0-9]+( |,|$)" || fail "Depends lacks libbotan: $depends"
else
  printf '%s\n' "$depends" | grep -q 'libbotan' && fail "Depends names libbotan, which is linked statically: $depends"
  # Read whole before searching: `grep -q` leaving early would make tar die of SIGPIPE.
  copyright=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/doc/smartmeter-exporter/copyright)
  grep -q 'Botan' <<<"$copyright" || fail "copyright lacks Botan's notice (Botan is linked statically)"
fi
[ "$(dpkg-deb -f "$deb" Package)" = smartmeter-exporter ] || fail "Package is not smartmeter-exporter"
[ "$(dpkg-deb -f "$deb" Section)" = net ] || fail "Section is not net"
[ -n "$(dpkg-deb -f "$deb" Maintainer)" ] || fail "no Maintainer"
[ -n "$(dpkg-deb -f "$deb" Description)" ] || fail "no Description"

mkdir "$work/control"
dpkg-deb -e "$deb" "$work/control"
grep -qxF /etc/default/smartmeter-exporter "$work/control/conffiles" 2>/dev/null ||
  fail "conffiles does not list /etc/default/smartmeter-exporter"
for script in postinst prerm postrm; do
  [ -x "$work/control/$script" ] || { fail "no executable $script"; continue; }
  sh -n "$work/control/$script" || fail "$script: syntax error"
  grep -q '/run/systemd/system' "$work/control/$script" || fail "$script does not check for a running systemd"
  if grep -v '^[[:space:]]*#' "$work/control/$script" |
       grep -qE 'systemctl([[:space:]]+-[^[:space:]]+)*[[:space:]]+(enable|reenable|start|unmask)([[:space:]]|$)|deb-systemd-invoke[[:space:]]+start|deb-systemd-helper[[:space:]]+enable'; then
    fail "$script enables or starts the service"
  fi
done
grep -q 'daemon-reload' "$work/control/postinst" || fail "postinst does not run systemctl daemon-reload"

contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for path in ./usr/bin/smartmeter_exporter ./lib/systemd/system/smartmeter-exporter.service \
            ./lib/systemd/system/smartmeter-exporter@.service ./etc/default/smartmeter-exporter \
            ./usr/share/doc/smartmeter-exporter/README.md ./usr/share/doc/smartmeter-exporter/copyright \
            ./usr/share/doc/smartmeter-exporter/examples/example.conf; do
  printf '%s\n' "$contents" | grep -qxF "$path" || fail "package lacks $path"
done
if printf '%s\n' "$contents" | grep -q '^\./usr/local/'; then fail "package installs into /usr/local"; fi
[ "$failures" -eq 0 ] && echo "ok: control information and contents"

# --- install, run, remove, purge --------------------------------------------------------------
if [ "$can_root" -eq 0 ]; then
  echo "SKIPPED: install test needs root or passwordless sudo"
  [ "$failures" -eq 0 ] || exit 1
  exit 0
fi
if dpkg-query -W -f='${Status}' smartmeter-exporter 2>/dev/null | grep -q 'installed'; then
  echo "SKIPPED: install test: smartmeter-exporter is already installed on this machine"
  [ "$failures" -eq 0 ] || exit 1
  exit 0
fi

installed_by_us=1
if ! apt_get install -y --no-install-recommends "$deb" >"$work/install.log" 2>&1; then
  fail "apt-get install ./$deb_name"
  cat "$work/install.log"
  exit 1
fi
echo "ok: apt-get install ./$deb_name"
for path in /usr/bin/smartmeter_exporter /lib/systemd/system/smartmeter-exporter.service \
            /lib/systemd/system/smartmeter-exporter@.service /etc/default/smartmeter-exporter; do
  [ -e "$path" ] || fail "$path missing after install"
done
if out=$(/usr/bin/smartmeter_exporter --version 2>&1); then
  echo "installed: $out"
  printf '%s\n' "$out" | grep -qF "${version%%-*}" || fail "--version does not show $version: $out"
else
  fail "/usr/bin/smartmeter_exporter --version failed: $out"
fi
if [ -d /run/systemd/system ]; then
  state=$(systemctl is-enabled smartmeter-exporter.service 2>/dev/null || true)
  [ "$state" = disabled ] || fail "smartmeter-exporter.service is '$state' after install (want disabled)"
  systemctl is-active --quiet smartmeter-exporter.service && fail "the service was started by the install"
fi

# remove keeps the (changed) conffile, purge deletes it.
echo '# changed by check_deb.sh' | "${as_root[@]}" tee -a /etc/default/smartmeter-exporter >/dev/null
apt_get remove -y smartmeter-exporter >"$work/remove.log" 2>&1 || { fail "apt-get remove"; cat "$work/remove.log"; }
[ -e /usr/bin/smartmeter_exporter ] && fail "/usr/bin/smartmeter_exporter still there after remove"
[ -e /etc/default/smartmeter-exporter ] || fail "apt-get remove deleted the conffile"
apt_get remove --purge -y smartmeter-exporter >"$work/purge.log" 2>&1 || { fail "apt-get purge"; cat "$work/purge.log"; }
installed_by_us=0
for path in /usr/bin/smartmeter_exporter /lib/systemd/system/smartmeter-exporter.service \
            /lib/systemd/system/smartmeter-exporter@.service /etc/default/smartmeter-exporter \
            /usr/share/doc/smartmeter-exporter; do
  [ -e "$path" ] && fail "$path still there after purge"
done
if dpkg-query -W -f='${Status}' smartmeter-exporter 2>/dev/null | grep -qv 'not-installed'; then
  fail "dpkg still knows smartmeter-exporter: $(dpkg-query -W -f='${Status}' smartmeter-exporter)"
fi
[ "$failures" -eq 0 ] && echo "ok: removed and purged, binary gone"

if [ "$failures" -ne 0 ]; then
  echo "check_deb: $failures failure(s)"
  exit 1
fi
echo "check_deb: all checks passed"
