// ReplayGuard: the invocation counter must increase from frame to frame (IEC 62056-5-3
// uses it as the GCM nonce; a repeated counter is a replayed or forged frame).
//
// A counter that does not increase is rejected as `replay`, except that a meter reboot
// (counter restarts lower and then keeps increasing) is accepted once the new sequence
// has increased for `reboot_confirmations` consecutive frames. Frames of the new
// sequence before that are rejected (they are indistinguishable from a replay).
#pragma once

#include <cstdint>
#include <optional>

namespace sm::pipeline {

class ReplayGuard {
 public:
  enum class Verdict { accept, accept_after_reboot, replay };

  explicit ReplayGuard(int reboot_confirmations = 3) : confirmations_(reboot_confirmations) {}

  Verdict check(std::uint32_t counter) {
    if (!last_) {
      last_ = counter;
      return Verdict::accept;
    }
    if (counter > *last_) {
      last_ = counter;
      candidate_.reset();
      return Verdict::accept;
    }
    // Not increasing: either a replay or the start of a restarted sequence.
    if (candidate_ && counter > candidate_->last) {
      candidate_->last = counter;
      if (++candidate_->increases >= confirmations_) {
        last_ = counter;
        candidate_.reset();
        return Verdict::accept_after_reboot;
      }
      return Verdict::replay;
    }
    candidate_ = Candidate{counter, 0};
    return Verdict::replay;
  }

  void reset() {
    last_.reset();
    candidate_.reset();
  }

  [[nodiscard]] std::optional<std::uint32_t> last() const noexcept { return last_; }

 private:
  struct Candidate {
    std::uint32_t last;
    int increases;
  };
  int confirmations_;
  std::optional<std::uint32_t> last_;
  std::optional<Candidate> candidate_;
};

}  // namespace sm::pipeline
