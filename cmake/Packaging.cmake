# Install rules and the Debian package (CPack DEB) of smartmeter_exporter.
#
#   cmake --build build && (cd build && cpack -G DEB)
#   -> build/smartmeter-exporter_<version>_<arch>.deb
#
# Layout (the package installs under /usr; units and /etc are absolute paths, as
# Debian bookworm expects them):
#   /usr/bin/smartmeter_exporter
#   /lib/systemd/system/smartmeter-exporter.service, smartmeter-exporter@.service
#   /etc/default/smartmeter-exporter                       (conffile)
#   /usr/share/smartmeter-exporter/grafana/                (dashboards, when grafana/ exists)
#   /usr/share/doc/smartmeter-exporter/                    README.md, LICENSE, copyright, examples/
# The package neither enables nor starts the service: it needs the meter key first.
# The units and /etc/default are absolute destinations, so stage a manual install with
# DESTDIR (DESTDIR=/tmp/stage cmake --install build --prefix /usr) rather than --prefix alone.
include(GNUInstallDirs)

set(SM_PKG_NAME smartmeter-exporter)
set(SM_SYSTEMD_UNIT_DIR /lib/systemd/system CACHE PATH "Where the systemd units are installed")
set(SM_PKG_DOC_DIR ${CMAKE_INSTALL_DATAROOTDIR}/doc/${SM_PKG_NAME})
set(SM_PKG_DATA_DIR ${CMAKE_INSTALL_DATAROOTDIR}/${SM_PKG_NAME})

install(TARGETS smartmeter_exporter RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(FILES ${PROJECT_SOURCE_DIR}/systemd/smartmeter-exporter.service
              ${PROJECT_SOURCE_DIR}/systemd/smartmeter-exporter@.service
        DESTINATION ${SM_SYSTEMD_UNIT_DIR})
install(FILES ${PROJECT_SOURCE_DIR}/systemd/smartmeter-exporter.default
        DESTINATION /etc/default RENAME ${SM_PKG_NAME})

# Dashboards (grafana/ may not exist in every checkout).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/grafana/
        DESTINATION ${SM_PKG_DATA_DIR}/grafana OPTIONAL
        PATTERN "__pycache__" EXCLUDE PATTERN "*.pyc" EXCLUDE PATTERN ".*" EXCLUDE)

install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/LICENSE
        DESTINATION ${SM_PKG_DOC_DIR})
# copyright: our licence, plus Botan's notice when Botan is linked into the binary. The notice
# is that of the Debian package which ships the archive we linked (libbotan-2.a is in
# libbotan-2-dev, libbotan-3.a in libbotan-3-dev), from the sysroot when cross-compiling.
set(SM_COPYRIGHT ${PROJECT_SOURCE_DIR}/LICENSE)
if(SM_STATIC_BOTAN AND SM_BOTAN_ARCHIVE)
  get_filename_component(sm_botan_archive_name ${SM_BOTAN_ARCHIVE} NAME)
  string(REGEX REPLACE "^lib(botan-[0-9]+)\\.a$" "lib\\1-dev" sm_botan_package ${sm_botan_archive_name})
  set(SM_BOTAN_COPYRIGHT ${CMAKE_SYSROOT}/usr/share/doc/${sm_botan_package}/copyright)
  if(NOT EXISTS ${SM_BOTAN_COPYRIGHT})
    message(WARNING "Botan is linked statically, but ${SM_BOTAN_COPYRIGHT} is missing: "
                    "the package's copyright file will lack Botan's notice")
  endif()
endif()
if(SM_STATIC_BOTAN AND SM_BOTAN_ARCHIVE AND EXISTS ${SM_BOTAN_COPYRIGHT})
  file(READ ${PROJECT_SOURCE_DIR}/LICENSE sm_license_text)
  file(READ ${SM_BOTAN_COPYRIGHT} sm_botan_copyright_text)
  set(SM_COPYRIGHT ${CMAKE_BINARY_DIR}/copyright)
  file(WRITE ${SM_COPYRIGHT} "${sm_license_text}\n"
       "----------------------------------------------------------------------------\n"
       "smartmeter_exporter contains Botan (statically linked), under these terms:\n\n"
       "${sm_botan_copyright_text}")
endif()
install(FILES ${SM_COPYRIGHT} DESTINATION ${SM_PKG_DOC_DIR} RENAME copyright)
install(FILES ${PROJECT_SOURCE_DIR}/systemd/example.conf
              ${PROJECT_SOURCE_DIR}/systemd/meter-auth-key.conf
        DESTINATION ${SM_PKG_DOC_DIR}/examples)

# --- CPack: Debian package -------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ${SM_PKG_NAME})
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "smartmeter_exporter")
set(CPACK_PACKAGE_CONTACT "smartmeter_exporter maintainers <maintainers@users.noreply.r-seed-3563457c.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Prometheus exporter for DLMS/COSEM smart meters")
set(CPACK_PACKAGE_DESCRIPTION
"smartmeter_exporter reads the customer interface of an electricity smart meter
(wired M-Bus, HDLC or P1 serial port, or a ser2net TCP port), decrypts the
AES-128-GCM DLMS/COSEM data notifications with the meter key and serves voltage,
current, power and energy on /metrics (default port 10369) for Prometheus.

The package ships hardened systemd units (smartmeter-exporter.service and
smartmeter-exporter@.service for several meters); they are not enabled: put the
key into /etc/smartmeter-exporter/ first.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_FILE_NAME "${SM_PKG_NAME}_${PROJECT_VERSION}")  # DEB uses DEB-DEFAULT below

set(CPACK_DEBIAN_PACKAGE_NAME ${SM_PKG_NAME})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # smartmeter-exporter_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)    # Depends from dpkg-shlibdeps (package dpkg-dev)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/systemd/debian/conffiles
    ${PROJECT_SOURCE_DIR}/systemd/debian/postinst
    ${PROJECT_SOURCE_DIR}/systemd/debian/prerm
    ${PROJECT_SOURCE_DIR}/systemd/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# Cross builds (cmake/toolchain/debian-cross.cmake, scripts/cross.sh): the package is for the
# target's architecture, and dpkg-shlibdeps must see the target's libraries and their
# packages, not the host's. The sysroot carries a dpkg database of its packages
# (var/lib/dpkg, made by scripts/cross-sysroot.sh) whose file lists name the sysroot's paths;
# dpkg-shlibdeps searches the sysroot's library directories (-l, from the PRIVATE_DIRS) and asks
# that database (DPKG_ADMINDIR) for owners and symbols files, and DEB_HOST_ARCH makes it read
# the binary with the target's objdump. CPack has no option for the last two: they are set in
# the environment of the cpack process by CPACK_PROJECT_CONFIG_FILE, which cpack reads first.
if(CMAKE_CROSSCOMPILING)
  execute_process(COMMAND dpkg-architecture -t ${CMAKE_LIBRARY_ARCHITECTURE} -qDEB_HOST_ARCH
                  OUTPUT_VARIABLE sm_deb_arch OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(NOT sm_deb_arch)
    message(FATAL_ERROR "no Debian architecture for ${CMAKE_LIBRARY_ARCHITECTURE} (dpkg-architecture, package dpkg-dev)")
  endif()
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${sm_deb_arch})
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS
      ${CMAKE_SYSROOT}/lib/${CMAKE_LIBRARY_ARCHITECTURE} ${CMAKE_SYSROOT}/usr/lib/${CMAKE_LIBRARY_ARCHITECTURE})
  set(sm_admindir ${CMAKE_SYSROOT}/var/lib/dpkg)
  if(NOT EXISTS ${sm_admindir}/status)
    message(WARNING "${sm_admindir}/status is missing: dpkg-shlibdeps cannot tell which packages "
                    "own the target's libraries, and Depends will lack them (use scripts/cross-sysroot.sh)")
  endif()
  set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_BINARY_DIR}/CPackCrossEnvironment.cmake)
  file(WRITE ${CPACK_PROJECT_CONFIG_FILE}
       "set(ENV{DPKG_ADMINDIR} \"${sm_admindir}\")\n"
       "set(ENV{DEB_HOST_ARCH} ${sm_deb_arch})\n")
endif()

# Source packages are not produced; keep build trees out anyway.
set(CPACK_SOURCE_GENERATOR TXZ)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build[^/]*/")

include(CPack)
