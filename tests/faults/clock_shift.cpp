// LD_PRELOAD shim for the "clock step" fault: shifts CLOCK_REALTIME (what
// std::chrono::system_clock reads) by the whole seconds written in the file named by
// $SM_CLOCK_SHIFT_FILE (e.g. "-3600"), re-read at most every 50 ms of monotonic time.
// CLOCK_MONOTONIC and every other clock pass through untouched, as in a real NTP step.
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <time.h>

namespace {

using ClockGettime = int (*)(clockid_t, timespec*);

long read_shift() {
  const char* path = std::getenv("SM_CLOCK_SHIFT_FILE");
  if (path == nullptr) return 0;
  std::FILE* f = std::fopen(path, "re");
  if (f == nullptr) return 0;
  long shift = 0;
  if (std::fscanf(f, "%ld", &shift) != 1) shift = 0;
  std::fclose(f);
  return shift;
}

ClockGettime real_clock_gettime() {
  static const auto real = reinterpret_cast<ClockGettime>(dlsym(RTLD_NEXT, "clock_gettime"));
  return real;
}

}  // namespace

extern "C" int clock_gettime(clockid_t clock, timespec* ts) {
  thread_local long shift = 0;
  thread_local long long checked_ms = -1000000;
  const ClockGettime real = real_clock_gettime();
  const int rc = real(clock, ts);
  if (rc != 0 || (clock != CLOCK_REALTIME && clock != CLOCK_REALTIME_COARSE)) return rc;
  timespec mono{};
  if (real(CLOCK_MONOTONIC, &mono) == 0) {
    const long long now_ms = static_cast<long long>(mono.tv_sec) * 1000 + mono.tv_nsec / 1000000;
    if (now_ms - checked_ms >= 50) {
      shift = read_shift();
      checked_ms = now_ms;
    }
  }
  ts->tv_sec += shift;
  return rc;
}
