// Byte sources: where the meter's bytes come from. A source only moves bytes; it knows
// nothing about frames. Each source runs in its own thread (run()), blocks in poll()
// (no busy loop), and reports through a Sink. Losing the device is never fatal: the
// source closes it, reports it, and reopens with backoff (1 s doubling to 30 s; reset only
// after a stream stayed open 10 s) until stop() is called.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/log_level.h"

namespace sm::source {

class Sink {
 public:
  virtual ~Sink() = default;
  // Bytes as they arrived (any chunking). `arrival` is the host time they were read.
  virtual void on_bytes(std::span<const std::uint8_t> bytes,
                        std::chrono::system_clock::time_point arrival) = 0;
  // The source (re)opened its device/connection; `reconnect` is false for the first open.
  virtual void on_connected(bool reconnect) = 0;
  // The device vanished or failed; the source will retry. `reason` is human-readable.
  virtual void on_disconnected(std::string_view reason) = 0;
  // A replay reached its end (not called for looping replays); bytes so far are complete.
  virtual void on_end_of_input() = 0;
  // A looping replay starts its capture again: the same frames, the same invocation
  // counters, follow (the exporter takes them as a new run, not as replayed frames).
  virtual void on_replay_repeat() {}
  // Log through the application's logger (sources never print).
  virtual void log(LogLevel level, std::string_view message) = 0;
};

class Source {
 public:
  virtual ~Source() = default;
  // Runs until stop(); returns after cleaning up. Never throws.
  virtual void run(Sink& sink) = 0;
  // Thread-safe; makes run() return within ~100 ms.
  virtual void stop() = 0;
  // Thread-safe; closes and reopens the device (SIGHUP). No-op for sources without one.
  virtual void reopen() = 0;
  // "serial /dev/ttyUSB0 2400 8E1", "tcp host:port", "replay file.hex", "demo"
  [[nodiscard]] virtual std::string describe() const = 0;
};

// A warning that repeats (a flapping stream) is logged at most once per this interval.
inline constexpr std::chrono::seconds kRepeatedWarningInterval{300};

struct Backoff {
  std::chrono::milliseconds initial{1000};
  std::chrono::milliseconds max{30000};
  // A stream that stays open this long resets the delays; one that ends sooner (a peer
  // that accepts and closes at once) keeps them growing.
  std::chrono::milliseconds stable{10000};
};

}  // namespace sm::source
