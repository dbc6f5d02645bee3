# Sourced by demo.sh and test.sh: installs the Debian packages the build needs when they are
# missing (apt-get; sudo when not root). Nothing is downloaded elsewhere.
# The lists are per release, from VERSION_CODENAME in /etc/os-release: bookworm (Debian 12) and
# trixie (Debian 13; also Raspberry Pi OS). Any other release gets trixie's names with a warning:
# a newer Debian (testing, sid) most likely still has them, and apt-get names a missing one.
SM_DEBIAN_RELEASE=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
case $SM_DEBIAN_RELEASE in
  bookworm)
    BOTAN_PACKAGE=libbotan-2-dev
    CLANG_VERSION=14
    ;;
  *)
    [ "$SM_DEBIAN_RELEASE" = trixie ] ||
      echo "warning: Debian release '${SM_DEBIAN_RELEASE:-unknown}' is untested" \
        "(bookworm and trixie are); using trixie's package names" >&2
    BOTAN_PACKAGE=libbotan-3-dev
    CLANG_VERSION=19
    ;;
esac
BUILD_PACKAGES=(build-essential cmake ninja-build pkg-config git
  prometheus-cpp-dev libcivetweb-dev "$BOTAN_PACKAGE" libcli11-dev libexpected-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev)
# The sanitizer and fuzzer build uses clang-$CLANG_VERSION, the release's default clang, whose
# runtime (ASan, UBSan, libFuzzer) is libclang-rt-$CLANG_VERSION-dev.
TEST_PACKAGES=(clang-"$CLANG_VERSION" clang-format libclang-rt-"$CLANG_VERSION"-dev prometheus socat curl
  python3 xxd strace dpkg-dev systemd chromium)
# htpasswd for the basic-auth test, valgrind for the soak test (tests/e2e/test_security.py,
# tests/soak), file for cpack's DEB generator (tests/ops_install/check_deb.sh; a minimal Debian
# such as a debootstrap chroot lacks it).
TEST_PACKAGES+=(apache2-utils valgrind file)

ensure_packages() {
  local missing=()
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "==> installing missing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  # Only refresh the package lists when they are absent or older than a day.
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
    $sudo apt-get update -qq
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Cross builds (scripts/cross.sh): the host tools only. The target's libraries go into a
# private sysroot, never onto the host, and cross.sh adds crossbuild-essential-<arch> for
# the architecture it builds (each compiler is ~100 MB; CI needs one at a time).
CROSS_PACKAGES=(cmake ninja-build pkg-config git dpkg-dev file qemu-user-static curl
  debian-archive-keyring)
