// MeterState: what the exporter knows right now, shared between the source thread
// (writer) and scrapes (readers). A scrape takes one Snapshot under the lock; the
// Reading inside is immutable and shared. It is the meter's registers merged over its
// frames (register_book.h: partial lists), each with its own arrival time.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "cosem/reading.h"
#include "dlms/security.h"
#include "metrics/power_history.h"
#include "metrics/register_book.h"

namespace sm::metrics {

// The `reason` label of smartmeter_frame_errors_total. Every reason is always exported
// (0 until it happens) so rate() works from the first error.
enum class ErrorReason : std::size_t {
  checksum,
  length,
  incomplete,
  key,
  auth,
  decrypt,
  decode,
  unsupported,
  replay,
  timeout,
  unencrypted,       // an unciphered frame where the meter ciphers (key set, or seen)
  security_changed,  // another system title or security control than the meter's
  count_
};
inline constexpr std::size_t kErrorReasonCount = static_cast<std::size_t>(ErrorReason::count_);

[[nodiscard]] constexpr std::string_view to_string(ErrorReason r) noexcept {
  constexpr std::array<std::string_view, kErrorReasonCount> names{
      "checksum", "length",      "incomplete", "key",     "auth",        "decrypt",
      "decode",   "unsupported", "replay",     "timeout", "unencrypted", "security_changed"};
  return names[static_cast<std::size_t>(r)];
}
[[nodiscard]] constexpr ErrorReason reason_for(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::checksum:
      return ErrorReason::checksum;
    case ErrorCode::length:
      return ErrorReason::length;
    case ErrorCode::incomplete:
      return ErrorReason::incomplete;
    case ErrorCode::key:
      return ErrorReason::key;
    case ErrorCode::auth:
      return ErrorReason::auth;
    case ErrorCode::decrypt:
      return ErrorReason::decrypt;
    case ErrorCode::decode:
      return ErrorReason::decode;
    case ErrorCode::unsupported:
      return ErrorReason::unsupported;
    case ErrorCode::config:  // setting up, not a frame's fate (common/result.h): no frame carries
    case ErrorCode::io:      // these, and were one to, it is content the exporter cannot use
      return ErrorReason::unsupported;
  }
  return ErrorReason::decode;
}

// A moment on both host clocks: `wall` (system_clock) is what timestamps export,
// `steady` what ages and staleness are measured on, so that a step of the wall clock
// (NTP, VM resume, `date`) neither keeps old values up nor drops fresh ones.
struct HostTime {
  std::chrono::system_clock::time_point wall;
  std::chrono::steady_clock::time_point steady;

  [[nodiscard]] static HostTime now() noexcept {
    return {std::chrono::system_clock::now(), std::chrono::steady_clock::now()};
  }
  template <class Rep, class Period>
  [[nodiscard]] HostTime operator+(std::chrono::duration<Rep, Period> d) const {
    return {wall + std::chrono::duration_cast<std::chrono::system_clock::duration>(d),
            steady + std::chrono::duration_cast<std::chrono::steady_clock::duration>(d)};
  }
  template <class Rep, class Period>
  [[nodiscard]] HostTime operator-(std::chrono::duration<Rep, Period> d) const {
    return *this + (-d);
  }
};

struct GoodFrame {
  std::shared_ptr<const cosem::Reading> reading;
  std::optional<dlms::SecurityHeader> security;
  std::string link;           // "mbus", "hdlc", ...
  HostTime received;          // host time of the frame's last byte
  bool tag_verified = false;  // the GCM tag checked with the auth key
};

struct Snapshot {
  // The last good frame of the meter, its `reading` being the meter's merged registers
  // (RegisterBook); nullopt until the first good frame.
  std::optional<GoodFrame> last;
  // Arrival of each register of last->reading (same index); null: all came with `last`.
  std::shared_ptr<const std::vector<RegisterStamp>> register_stamps;
  // Good frames of another meter (system title / meter id) refused while this one is up.
  std::uint64_t other_meter_frames = 0;
  std::uint64_t frames_total = 0;
  std::array<std::uint64_t, kErrorReasonCount> frame_errors{};
  std::uint64_t received_bytes = 0;
  std::uint64_t reconnects = 0;
  bool source_connected = false;
};

class MeterState {
 public:
  // stale_after: --meter.stale-after, which also decides when another meter may take over.
  explicit MeterState(std::chrono::milliseconds stale_after = std::chrono::seconds(30))
      : stale_after_(stale_after) {}

  // Merges the frame's registers into the meter's (register_book.h); a frame of another
  // meter while this one is up is only counted (other_meter_frames).
  void record_frame(GoodFrame frame) {
    std::lock_guard lock(mutex_);
    if (frame.reading) {
      const auto verdict =
          merge_frame(book_, *frame.reading, frame.security, frame.received.steady, stale_after_);
      if (verdict == MergeVerdict::other_meter) {
        ++s_.other_meter_frames;
        return;
      }
      if (auto power = power_of(*frame.reading)) history_.add(frame.received.wall, *power);
      frame.reading = book_.reading;
      s_.register_stamps = book_.stamps;
    }
    ++s_.frames_total;
    s_.last = std::move(frame);
  }
  void record_error(ErrorReason reason) {
    std::lock_guard lock(mutex_);
    ++s_.frame_errors[static_cast<std::size_t>(reason)];
  }
  void add_bytes(std::uint64_t n) {
    std::lock_guard lock(mutex_);
    s_.received_bytes += n;
  }
  void set_connected(bool connected, bool count_reconnect) {
    std::lock_guard lock(mutex_);
    s_.source_connected = connected;
    if (count_reconnect) ++s_.reconnects;
  }
  [[nodiscard]] Snapshot snapshot() const {
    std::lock_guard lock(mutex_);
    return s_;
  }
  // The status page's chart (not part of Snapshot, so /metrics scrapes do not copy it).
  [[nodiscard]] std::vector<PowerPoint> power_history(
      std::chrono::system_clock::time_point now) const {
    std::lock_guard lock(mutex_);
    return history_.points(now);
  }

 private:
  mutable std::mutex mutex_;
  std::chrono::milliseconds stale_after_;
  RegisterBook book_;
  Snapshot s_;
  PowerHistory history_;
};

}  // namespace sm::metrics
