// The reconnect loop shared by the serial and TCP sources.
//
// ReconnectLoop owns the life cycle: open -> read until the stream is lost -> report ->
// wait (Backoff: initial, doubling, capped; reset after a stream stayed open
// Backoff::stable) -> open again, until stop(). A source supplies a StreamOpener that only
// knows how to open its stream. A peer that accepts and closes at once thus waits up to
// Backoff::max between attempts, and its repeated identical warnings are logged once per
// kRepeatedWarningInterval (debug in between, the count of held-back lines on the next).
#pragma once

#include <chrono>
#include <string>

#include <tl/expected.hpp>

#include "source/control.h"
#include "source/source.h"
#include "source/unique_fd.h"

namespace sm::source {

// Delays between reconnect attempts: initial, 2*initial, 4*initial, ... up to max.
class BackoffTimer {
 public:
  explicit BackoffTimer(Backoff backoff) noexcept;
  // The delay to wait now; the following call returns twice as much (up to max).
  [[nodiscard]] std::chrono::milliseconds next() noexcept;
  void reset() noexcept { current_ = initial_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds current_;
};

// "1 s", "250 ms", "1.5 s" for log lines.
[[nodiscard]] std::string format_delay(std::chrono::milliseconds delay);

class StreamOpener {
 public:
  using OpenResult = tl::expected<UniqueFd, std::string>;

  virtual ~StreamOpener() = default;
  // Opens the stream with O_NONBLOCK. Long waits (TCP connect, name lookup) must go
  // through `control.wait()` so that stop() interrupts them. The error is a
  // human-readable reason ("open /dev/ttyUSB0: No such file or directory").
  virtual OpenResult open_stream(SourceControl& control, Sink& sink) = 0;
  // Why read() returned 0: "device hung up", "connection closed by peer".
  [[nodiscard]] virtual std::string end_of_stream_reason() const = 0;
  // Names the stream in log lines ("serial /dev/ttyUSB0 2400 8E1").
  [[nodiscard]] virtual std::string describe() const = 0;
};

class ReconnectLoop {
 public:
  explicit ReconnectLoop(Backoff backoff) noexcept : backoff_(backoff) {}

  // Source::run(): loops until stop(); never throws.
  void run(Sink& sink, StreamOpener& opener) noexcept;
  void stop() noexcept { control_.request_stop(); }
  // Closes the stream and opens it again at once (also cuts a backoff wait short).
  void reopen() noexcept { control_.request_reopen(); }

  SourceControl& control() noexcept { return control_; }
  [[nodiscard]] const SourceControl& control() const noexcept { return control_; }

 private:
  enum class PumpEnd { stop, reopen, lost };
  PumpEnd pump(int fd, Sink& sink, const StreamOpener& opener, std::string& reason);
  void run_loop(Sink& sink, StreamOpener& opener);

  Backoff backoff_;
  SourceControl control_;
};

}  // namespace sm::source
