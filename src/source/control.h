// SourceControl: how another thread talks to a running source.
//
// stop() and reopen() set a flag and write to an eventfd; the source's thread blocks in
// poll() on its device *and* that eventfd, so it wakes at once and never has to poll on
// a timer to notice a request. Every wait in a source goes through wait(), which is why
// stop() takes effect within one poll() round trip.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>

#include "source/unique_fd.h"

namespace sm::source {

class SourceControl {
 public:
  using Clock = std::chrono::steady_clock;

  SourceControl();

  // False when the eventfd could not be created (then `setup_error()` says why);
  // factories refuse to build a source on a broken control.
  [[nodiscard]] bool valid() const noexcept { return wake_.valid(); }
  [[nodiscard]] const std::string& setup_error() const noexcept { return setup_error_; }

  // Thread-safe requests.
  void request_stop() noexcept;
  void request_reopen() noexcept;

  [[nodiscard]] bool stop_requested() const noexcept {
    return stop_.load(std::memory_order_acquire);
  }
  // True once per reopen() call (coalesced): the caller acts on it.
  [[nodiscard]] bool take_reopen_request() noexcept {
    return reopen_.exchange(false, std::memory_order_acq_rel);
  }
  [[nodiscard]] bool interrupt_pending() const noexcept {
    return stop_requested() || reopen_.load(std::memory_order_acquire);
  }

  enum class Wait {
    ready,        // `fd` has one of the requested events (see `revents`)
    interrupted,  // stop or reopen was requested
    timeout,      // `deadline` passed
    failed,       // poll() itself failed (see `error`)
  };
  struct WaitResult {
    Wait outcome{Wait::timeout};
    short revents{0};
    int error{0};
  };

  // Blocks until `fd` reports `events`, a stop/reopen request arrives, or `deadline`
  // passes (no deadline: wait indefinitely, no periodic wake-ups). fd < 0 waits only
  // for requests and the deadline.
  [[nodiscard]] WaitResult wait(int fd, short events,
                                std::optional<Clock::time_point> deadline) noexcept;

  // Sleeps until `deadline`; returns false when interrupted by stop/reopen.
  bool sleep_until(Clock::time_point deadline) noexcept;
  bool sleep_for(std::chrono::milliseconds duration) noexcept {
    return sleep_until(Clock::now() + duration);
  }

 private:
  void wake() noexcept;
  void drain() noexcept;

  UniqueFd wake_;
  std::string setup_error_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> reopen_{false};
};

}  // namespace sm::source
