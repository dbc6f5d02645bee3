#include "source/reconnect.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <exception>
#include <poll.h>
#include <span>
#include <unistd.h>

namespace sm::source {

BackoffTimer::BackoffTimer(Backoff backoff) noexcept
    // A zero delay would turn a vanished device into a busy loop.
    : initial_(std::max(backoff.initial, std::chrono::milliseconds{1})),
      max_(std::max(backoff.max, initial_)),
      current_(initial_) {}

std::chrono::milliseconds BackoffTimer::next() noexcept {
  auto delay = current_;
  current_ = current_ >= max_ / 2 ? max_ : current_ * 2;
  return delay;
}

std::string format_delay(std::chrono::milliseconds delay) {
  auto ms = delay.count();
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + " s";
}

namespace {

// The warning about a lost stream, held back while it repeats: the first one warns; the
// same reason again within kRepeatedWarningInterval is logged at debug and counted; the
// next warning says how many were held back.
class RepeatedWarning {
 public:
  LogLevel level(const std::string& what, std::string& suffix) {
    const auto now = SourceControl::Clock::now();
    if (armed_ && what == last_ && now - warned_at_ < kRepeatedWarningInterval) {
      ++held_back_;
      return LogLevel::debug;
    }
    if (held_back_ > 0) {
      suffix = " (" + std::to_string(held_back_) + " more since the last warning)";
    }
    armed_ = true;
    last_ = what;
    warned_at_ = now;
    held_back_ = 0;
    return LogLevel::warn;
  }
  // A stream that stayed open: its loss is news again.
  void forget() noexcept { armed_ = false; }

 private:
  bool armed_ = false;
  std::string last_;
  SourceControl::Clock::time_point warned_at_{};
  unsigned held_back_ = 0;
};

}  // namespace

void ReconnectLoop::run(Sink& sink, StreamOpener& opener) noexcept {
  try {
    run_loop(sink, opener);
  } catch (...) {
    // Only reachable when the sink throws from log() while reporting another exception;
    // there is nobody left to tell.
  }
}

void ReconnectLoop::run_loop(Sink& sink, StreamOpener& opener) {
  BackoffTimer backoff(backoff_);
  bool ever_connected = false;
  std::string last_failure;  // repeated identical failures are logged at debug level
  unsigned failed_attempts = 0;
  bool flapping = false;  // the last stream ended before Backoff::stable
  RepeatedWarning lost_warning;

  // Waits out one backoff step; a reopen() request cuts the wait short and resets it.
  auto wait_before_retry = [&](std::chrono::milliseconds delay) {
    if (!control_.sleep_for(delay) && control_.take_reopen_request()) backoff.reset();
  };

  while (!control_.stop_requested()) {
    bool stream_open = false;  // between on_connected() and on_disconnected()
    try {
      auto opened = opener.open_stream(control_, sink);
      if (control_.stop_requested()) break;
      if (!opened) {
        if (control_.take_reopen_request()) {
          backoff.reset();
          continue;
        }
        ++failed_attempts;
        auto delay = backoff.next();
        LogLevel level = opened.error() == last_failure ? LogLevel::debug : LogLevel::warn;
        sink.log(level, "cannot open " + opener.describe() + ": " + opened.error() +
                            "; retrying in " + format_delay(delay));
        last_failure = opened.error();
        wait_before_retry(delay);
        continue;
      }

      // The delays are reset only once the stream proves stable (below): a peer that
      // accepts and closes at once must not be retried every `initial`.
      const LogLevel opened_level = flapping ? LogLevel::debug : LogLevel::info;
      if (failed_attempts > 0) {
        sink.log(opened_level, "opened " + opener.describe() + " after " +
                                   std::to_string(failed_attempts) + " failed attempt(s)");
      } else {
        sink.log(opened_level, "opened " + opener.describe());
      }
      const auto opened_at = SourceControl::Clock::now();
      failed_attempts = 0;
      last_failure.clear();
      sink.on_connected(ever_connected);
      ever_connected = true;
      stream_open = true;

      std::string reason;
      PumpEnd end = pump(opened->get(), sink, opener, reason);
      opened->reset();
      stream_open = false;
      if (end == PumpEnd::stop) break;
      if (end == PumpEnd::reopen) {
        // Reported as a disconnect so the sink drops half-read frames (the bytes after
        // a format change would not continue them); reopened at once, no backoff.
        sink.on_disconnected("reopen requested");
        sink.log(LogLevel::info, "reopening " + opener.describe());
        backoff.reset();
        flapping = false;
        continue;
      }
      const bool stable = SourceControl::Clock::now() - opened_at >= backoff_.stable;
      if (stable) {
        backoff.reset();
        lost_warning.forget();
      }
      flapping = !stable;
      auto delay = backoff.next();
      sink.on_disconnected(reason);
      std::string held_back;
      const LogLevel lost_level = lost_warning.level(reason, held_back);
      sink.log(lost_level, "lost " + opener.describe() + ": " + reason + "; reopening in " +
                               format_delay(delay) + held_back);
      wait_before_retry(delay);
    } catch (const std::exception& e) {
      // A throwing sink must not end the source: treat it like a lost stream (the
      // descriptor was closed by unwinding).
      if (stream_open) sink.on_disconnected(std::string("internal error: ") + e.what());
      auto delay = backoff.next();
      sink.log(LogLevel::error, opener.describe() + ": internal error: " + e.what() +
                                    "; retrying in " + format_delay(delay));
      wait_before_retry(delay);
    }
  }
}

ReconnectLoop::PumpEnd ReconnectLoop::pump(int fd, Sink& sink, const StreamOpener& opener,
                                           std::string& reason) {
  // 4 KiB is ~17 s of a 2400-baud line and well above one poll() round at 115200 baud.
  std::array<std::uint8_t, 4096> buffer{};
  for (;;) {
    auto waited = control_.wait(fd, POLLIN, std::nullopt);
    switch (waited.outcome) {
      case SourceControl::Wait::interrupted:
        if (control_.stop_requested()) return PumpEnd::stop;
        if (control_.take_reopen_request()) return PumpEnd::reopen;
        continue;
      case SourceControl::Wait::failed:
        reason = "poll: " + errno_text(waited.error);
        return PumpEnd::lost;
      case SourceControl::Wait::timeout:  // no deadline given; not reached
        continue;
      case SourceControl::Wait::ready:
        break;
    }
    if ((waited.revents & POLLNVAL) != 0) {
      reason = "descriptor became invalid";
      return PumpEnd::lost;
    }
    // Read on any event, including POLLHUP/POLLERR: bytes still buffered come first, and
    // then read() itself says why the stream ended (0, EIO, ECONNRESET, ...).
    ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got > 0) {
      sink.on_bytes(std::span<const std::uint8_t>(buffer.data(), static_cast<std::size_t>(got)),
                    std::chrono::system_clock::now());
      continue;
    }
    if (got == 0) {
      // A hung-up tty and a closed socket both read as 0. A raw tty with VMIN=0 would
      // also return 0 when empty, but poll() only reports POLLIN when a byte is there.
      reason = opener.end_of_stream_reason();
      return PumpEnd::lost;
    }
    int error = errno;
    if (error == EINTR) continue;
    if (error == EAGAIN || error == EWOULDBLOCK) {
      if ((waited.revents & (POLLHUP | POLLERR)) != 0) {
        reason = opener.end_of_stream_reason();
        return PumpEnd::lost;
      }
      continue;
    }
    reason = errno_text(error);  // EIO, ENXIO, ENODEV (unplugged), ECONNRESET, ...
    return PumpEnd::lost;
  }
}

}  // namespace sm::source
