# Tests that cannot pass under qemu-user, each with the reason. Cross builds run the tests under
# qemu (cmake/toolchain/debian-cross.cmake); there ctest includes this file (tests/CMakeLists.txt),
# which disables these tests and says why on every ctest run, and ctest lists them under "did not
# run". They test the real kernel's answers, which qemu-user does not pass on: on the target
# hardware they run like every other test. A name that no longer exists is ignored.
set(sm_qemu_user_skips
  "ProcessCollector.ReadsThisProcess"
  "qemu-user makes up /proc/self/stat (resident and virtual size, CPU times and start time are 0)"
  "ServerTest.SlowClientsAreClosedWhenTheyHoldEveryWorker"
  "qemu-user returns 4 bytes of getsockopt(TCP_INFO) (it takes every SOL_TCP option for an int), so the server cannot see that a connection is idle"
  "ServerTest.ManyIdleConnectionsDoNotStopScrapes"
  "qemu-user returns 4 bytes of getsockopt(TCP_INFO) (it takes every SOL_TCP option for an int), so the server cannot see that a connection is idle"
  "SecretBox.PagesAreLeftOutOfCoreDumps"
  "qemu-user takes madvise() as a hint and does not pass MADV_DONTDUMP on to the kernel, so the pages in /proc/self/smaps carry no dd flag (the process is still non-dumpable)")
while(sm_qemu_user_skips)
  list(POP_FRONT sm_qemu_user_skips sm_test sm_reason)
  set_tests_properties("${sm_test}" PROPERTIES DISABLED TRUE)
  message("skipped under qemu-user: ${sm_test}: ${sm_reason}")
endwhile()
