// ReplayGuard: the invocation counter must increase from frame to frame (IEC 62056-5-3
// uses it as the GCM nonce; a repeated counter is a replayed or forged frame).
//
// A counter that does not increase is rejected as `replay`, except that a meter reboot
// is accepted: a new sequence that starts near the counter's start (at most
// `restart_window`, as a meter that resets its counter begins at 0 or 1) and has then
// increased for `reboot_confirmations` consecutive frames. Frames of the new sequence
// before that are rejected (they are indistinguishable from a replay). An older run that
// does not start near 0 — frames recorded earlier and played back in order — is never
// taken for a reboot, however long it increases. When the frames carry an absolute meter
// time, a restarted sequence whose time is older than the last accepted frame's is not a
// reboot either (a reboot does not turn the meter's clock back).
#pragma once

#include <cstdint>
#include <optional>

namespace sm::pipeline {

struct ReplayGuardOptions {
  int reboot_confirmations = 3;
  // A restarted sequence must begin at or below this counter. At one push every 2 s,
  // 1000 frames are ~33 minutes of a rebooted meter the exporter did not see.
  std::uint32_t restart_window = 1000;
};

class ReplayGuard {
 public:
  enum class Verdict { accept, accept_after_reboot, replay };

  ReplayGuard() = default;
  explicit ReplayGuard(ReplayGuardOptions options) : options_(options) {}

  // `meter_time`: the frame's absolute meter time (Unix seconds), when it has one.
  Verdict check(std::uint32_t counter, std::optional<std::int64_t> meter_time = std::nullopt) {
    if (!last_ || counter > *last_) return accept(counter, meter_time);
    // Not increasing: either a replay or the start of a restarted sequence.
    if (candidate_ && counter > candidate_->last && !older(meter_time)) {
      candidate_->last = counter;
      if (++candidate_->increases >= options_.reboot_confirmations) {
        accept(counter, meter_time);
        return Verdict::accept_after_reboot;
      }
      return Verdict::replay;
    }
    // A new candidate only where a reboot could begin.
    if (counter <= options_.restart_window && !older(meter_time)) {
      candidate_ = Candidate{counter, 0};
    } else {
      candidate_.reset();
    }
    return Verdict::replay;
  }

  void reset() {
    last_.reset();
    last_time_.reset();
    candidate_.reset();
  }

  [[nodiscard]] std::optional<std::uint32_t> last() const noexcept { return last_; }

 private:
  struct Candidate {
    std::uint32_t last = 0;
    int increases = 0;
  };

  Verdict accept(std::uint32_t counter, std::optional<std::int64_t> meter_time) {
    last_ = counter;
    if (meter_time) last_time_ = meter_time;
    candidate_.reset();
    return Verdict::accept;
  }
  [[nodiscard]] bool older(std::optional<std::int64_t> meter_time) const noexcept {
    return meter_time && last_time_ && *meter_time < *last_time_;
  }

  ReplayGuardOptions options_;
  std::optional<std::uint32_t> last_;
  std::optional<std::int64_t> last_time_;  // meter time of the last accepted frame
  std::optional<Candidate> candidate_;
};

}  // namespace sm::pipeline
