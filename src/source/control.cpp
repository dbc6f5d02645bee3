#include "source/control.h"

#include <array>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace sm::source {
namespace {

// poll() timeout in whole milliseconds, rounded up so that we never wake before the
// deadline and spin on a zero timeout.
int poll_timeout_ms(std::optional<SourceControl::Clock::time_point> deadline) {
  if (!deadline) return -1;
  auto left = *deadline - SourceControl::Clock::now();
  if (left <= SourceControl::Clock::duration::zero()) return 0;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

}  // namespace

SourceControl::SourceControl() : wake_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (!wake_) setup_error_ = "eventfd: " + errno_text(errno);
}

void SourceControl::request_stop() noexcept {
  stop_.store(true, std::memory_order_release);
  wake();
}

void SourceControl::request_reopen() noexcept {
  reopen_.store(true, std::memory_order_release);
  wake();
}

void SourceControl::wake() noexcept {
  std::uint64_t one = 1;
  // Can only fail when the counter would overflow, i.e. a wake-up is already pending.
  [[maybe_unused]] auto written = ::write(wake_.get(), &one, sizeof one);
}

void SourceControl::drain() noexcept {
  std::uint64_t count = 0;
  [[maybe_unused]] auto got = ::read(wake_.get(), &count, sizeof count);
}

SourceControl::WaitResult SourceControl::wait(int fd, short events,
                                              std::optional<Clock::time_point> deadline) noexcept {
  for (;;) {
    if (interrupt_pending()) return {Wait::interrupted, 0, 0};
    // poll() ignores entries with a negative fd, so fd < 0 is a plain interruptible sleep.
    std::array<pollfd, 2> fds{{{fd, events, 0}, {wake_.get(), POLLIN, 0}}};
    int timeout = poll_timeout_ms(deadline);
    int ready = ::poll(fds.data(), fds.size(), timeout);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return {Wait::failed, 0, errno};
    }
    if (fds[1].revents != 0) {
      drain();
      // A stale wake-up (a request already handled) just goes round the loop again.
      continue;
    }
    if (fd >= 0 && fds[0].revents != 0) return {Wait::ready, fds[0].revents, 0};
    if (ready == 0 && deadline && Clock::now() >= *deadline) return {Wait::timeout, 0, 0};
  }
}

bool SourceControl::sleep_until(Clock::time_point deadline) noexcept {
  return wait(-1, 0, deadline).outcome == Wait::timeout;
}

}  // namespace sm::source
