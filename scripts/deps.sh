# Sourced by demo.sh and test.sh: installs the Debian bookworm packages the build needs
# when they are missing (apt-get; sudo when not root). Nothing is downloaded elsewhere.
BUILD_PACKAGES=(build-essential cmake ninja-build pkg-config git
  prometheus-cpp-dev libcivetweb-dev libbotan-2-dev libcli11-dev libexpected-dev
  libgtest-dev libgmock-dev libbenchmark-dev)
TEST_PACKAGES=(clang clang-format libclang-rt-14-dev prometheus socat curl python3 xxd strace dpkg-dev systemd chromium)
# htpasswd for the basic-auth test, valgrind for the soak test (tests/e2e/test_security.py,
# tests/soak).
TEST_PACKAGES+=(apache2-utils valgrind)

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
