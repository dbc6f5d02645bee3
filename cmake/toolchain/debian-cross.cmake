# Cross-compiling to a Debian architecture with Debian's cross compilers and a sysroot of the
# target's own packages (scripts/cross-sysroot.sh makes one; scripts/cross.sh uses this file):
#
#   cmake -S . -B build-cross -G Ninja --toolchain cmake/toolchain/debian-cross.cmake \
#         -DSM_CROSS_ARCH=arm64 -DSM_SYSROOT=/var/cache/smartmeter-exporter/sysroot-bookworm-arm64
#
# SM_CROSS_ARCH is the Debian architecture (arm64 or armhf), SM_SYSROOT the unpacked target
# packages. Headers, libraries, pkg-config modules and CMake packages come from the sysroot
# only, never from the host (an amd64 libbotan-2.a would link into nothing). Programs (pkg-config,
# git) are the host's.
#
# Target binaries run under qemu-user, called explicitly: build machines have no binfmt_misc,
# so an ARM executable cannot be started directly. CMAKE_CROSSCOMPILING_EMULATOR makes
# add_test(), gtest_discover_tests() and ctest put `qemu-<cpu>-static -L <sysroot>` in front;
# -L makes the target's dynamic loader and libraries come from the sysroot.

set(SM_CROSS_ARCH "" CACHE STRING "Debian architecture to build for: arm64 or armhf")
set(SM_SYSROOT "" CACHE PATH "Unpacked target packages (scripts/cross-sysroot.sh)")
# try_compile() projects read this file again and need both values.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES SM_CROSS_ARCH SM_SYSROOT)

if(SM_CROSS_ARCH STREQUAL "arm64")
  set(CMAKE_SYSTEM_PROCESSOR aarch64)
  set(sm_triplet aarch64-linux-gnu)
  set(sm_qemu qemu-aarch64-static)
elseif(SM_CROSS_ARCH STREQUAL "armhf")
  set(CMAKE_SYSTEM_PROCESSOR arm)
  set(sm_triplet arm-linux-gnueabihf)
  set(sm_qemu qemu-arm-static)
else()
  message(FATAL_ERROR "debian-cross.cmake: set SM_CROSS_ARCH to arm64 or armhf (got '${SM_CROSS_ARCH}')")
endif()
if(NOT IS_DIRECTORY "${SM_SYSROOT}/usr/include")
  message(FATAL_ERROR "debian-cross.cmake: SM_SYSROOT '${SM_SYSROOT}' is not a sysroot "
                      "(make one with scripts/cross-sysroot.sh, or run scripts/cross.sh)")
endif()

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${sm_triplet}-gcc)
set(CMAKE_CXX_COMPILER ${sm_triplet}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${sm_triplet})
set(CMAKE_SYSROOT "${SM_SYSROOT}")
# GCC notes on ARM that the passing of some arguments changed in GCC 7.1 (or 9.1): it matters
# only when linking objects of those old compilers, and every object here is built by one.
set(CMAKE_C_FLAGS_INIT -Wno-psabi)
set(CMAKE_CXX_FLAGS_INIT -Wno-psabi)

# Link against the sysroot's C and C++ runtime (libc.so, libstdc++.so) before the copies that
# Debian's cross compiler brings along for its own release (/usr/<triplet>/lib, found first
# otherwise). For a sysroot of the host's release they are the same; a newer release's sysroot
# (trixie from a bookworm host) has static libraries (libgtest.a) built against its newer glibc
# and libstdc++, which the older copies lack (__isoc23_strtol, __cxa_call_terminate).
execute_process(COMMAND ${CMAKE_CXX_COMPILER} -dumpversion OUTPUT_VARIABLE sm_gcc_major
                OUTPUT_STRIP_TRAILING_WHITESPACE)
string(REGEX REPLACE "[.].*" "" sm_gcc_major "${sm_gcc_major}")
set(CMAKE_EXE_LINKER_FLAGS_INIT
    "-L${SM_SYSROOT}/usr/lib/${sm_triplet} -L${SM_SYSROOT}/usr/lib/gcc/${sm_triplet}/${sm_gcc_major}")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# The host's pkg-config, reading only the target's .pc files; PKG_CONFIG_SYSROOT_DIR puts the
# sysroot in front of the -I and -L paths they name.
set(ENV{PKG_CONFIG_LIBDIR}
    "${SM_SYSROOT}/usr/lib/${sm_triplet}/pkgconfig:${SM_SYSROOT}/usr/share/pkgconfig:${SM_SYSROOT}/usr/lib/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${SM_SYSROOT}")
unset(ENV{PKG_CONFIG_PATH})

set(CMAKE_CROSSCOMPILING_EMULATOR ${sm_qemu} -L "${SM_SYSROOT}")
