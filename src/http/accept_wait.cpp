// See accept_wait.h. The fortified <poll.h> would define poll() inline itself.
#undef _FORTIFY_SOURCE
#include "http/accept_wait.h"

#include <array>
#include <cerrno>
#include <cstdint>
#include <poll.h>
#include <string_view>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace sm::http::accept_wait {
namespace {

// Readable while a stop is in progress (a semaphore: one count per begin_stop).
int stop_event() noexcept {
  static const int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
  return fd;
}

bool in_accept_thread() noexcept {
  thread_local const bool is = [] {
    std::array<char, 17> name{};
    if (::prctl(PR_GET_NAME, name.data()) != 0) return false;
    return std::string_view(name.data()) == "civetweb-master";
  }();
  return is;
}

int kernel_poll(pollfd* fds, nfds_t count, int timeout_ms) noexcept {
  if (timeout_ms < 0) return ::ppoll(fds, count, nullptr, nullptr);
  const timespec timeout{timeout_ms / 1000, static_cast<long>(timeout_ms % 1000) * 1'000'000};
  return ::ppoll(fds, count, &timeout, nullptr);
}

}  // namespace

void begin_stop() noexcept {
  if (stop_event() < 0) return;
  const std::uint64_t one = 1;
  while (::write(stop_event(), &one, sizeof one) < 0 && errno == EINTR) {
  }
}

void end_stop() noexcept {
  if (stop_event() < 0) return;
  std::uint64_t value = 0;
  while (::read(stop_event(), &value, sizeof value) < 0 && errno == EINTR) {
  }
}

}  // namespace sm::http::accept_wait

// Interposes libc's poll() for the whole process (the executable's definition comes first
// in symbol lookup, so libcivetweb.so's calls arrive here).
extern "C" int poll(pollfd* fds, nfds_t count, int timeout_ms) {
  using namespace sm::http::accept_wait;
  constexpr nfds_t kMaxListeners = 32;
  if (timeout_ms <= 0 || count == 0 || count > kMaxListeners || stop_event() < 0 ||
      !in_accept_thread()) {
    return kernel_poll(fds, count, timeout_ms);
  }
  std::array<pollfd, kMaxListeners + 1> set{};
  for (nfds_t i = 0; i < count; ++i) set[i] = fds[i];
  set[count] = pollfd{stop_event(), POLLIN, 0};
  const int ready = kernel_poll(set.data(), count + 1, -1);
  if (ready < 0) return ready;
  for (nfds_t i = 0; i < count; ++i) fds[i].revents = set[i].revents;
  // Only the stop event: a timeout to CivetWeb, which then reads its stop flag.
  return ready - (set[count].revents != 0 ? 1 : 0);
}
