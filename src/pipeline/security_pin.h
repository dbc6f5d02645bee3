// SecurityPin: once the meter is known to cipher its frames, every frame must be ciphered,
// by that meter, the way it ciphers them.
//
// With an encryption or authentication key configured, or after the first protected frame,
// a frame that is not protected (no ciphering, or a ciphering header that neither encrypts
// nor carries a verified tag) is `unencrypted`: anyone on the wire could have written it.
// The first protected frame that is accepted pins the meter's system title and security
// control byte (suite, encryption and authentication bits); a frame with another system
// title or control byte is `changed` (another meter, or a downgrade such as a tagged
// meter's frame without its tag). The pin lasts for the process: a replaced meter needs a
// new key and so a restart anyway.
#pragma once

#include <cstdint>
#include <optional>

#include "dlms/security.h"

namespace sm::pipeline {

class SecurityPin {
 public:
  enum class Verdict { accept, unencrypted, changed };

  explicit SecurityPin(bool key_configured = false) : require_protection_(key_configured) {}

  // The verdict on a decoded frame; changes nothing (see pin()).
  [[nodiscard]] Verdict check(const std::optional<dlms::SecurityHeader>& security,
                              bool tag_verified) const noexcept {
    if (!is_protected(security, tag_verified)) {
      return require_protection_ || pinned_ ? Verdict::unencrypted : Verdict::accept;
    }
    if (pinned_ && (security->system_title != pinned_->system_title ||
                    security->control != pinned_->control)) {
      return Verdict::changed;
    }
    return Verdict::accept;
  }

  // A frame was accepted: the first protected one pins the meter.
  void pin(const std::optional<dlms::SecurityHeader>& security, bool tag_verified) noexcept {
    if (!pinned_ && is_protected(security, tag_verified)) {
      pinned_ = Pinned{security->system_title, security->control};
    }
  }

  [[nodiscard]] std::optional<dlms::SystemTitle> system_title() const noexcept {
    return pinned_ ? std::optional(pinned_->system_title) : std::nullopt;
  }
  [[nodiscard]] std::optional<std::uint8_t> control() const noexcept {
    return pinned_ ? std::optional(pinned_->control) : std::nullopt;
  }

 private:
  struct Pinned {
    dlms::SystemTitle system_title;
    std::uint8_t control;
  };
  static bool is_protected(const std::optional<dlms::SecurityHeader>& security,
                           bool tag_verified) noexcept {
    return security && (security->encrypted() || tag_verified);
  }

  bool require_protection_;
  std::optional<Pinned> pinned_;
};

}  // namespace sm::pipeline
