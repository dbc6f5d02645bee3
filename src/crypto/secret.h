// Secrets in memory: compared without an early exit and overwritten before their memory is
// given back. Botan's constant_time_compare and secure_scrub_memory do the work (secret.cpp).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace sm::crypto {

// Whether `a` and `b` hold the same bytes. The time taken does not depend on where they
// differ; only their lengths (which are not secret) decide early.
[[nodiscard]] bool equal_secret(std::span<const std::uint8_t> a,
                                std::span<const std::uint8_t> b) noexcept;
[[nodiscard]] bool equal_secret(std::string_view a, std::string_view b) noexcept;

// Overwrites `bytes` with zeros in a way the compiler cannot drop.
void scrub(std::span<std::uint8_t> bytes) noexcept;
// Scrubs the string's characters, then empties it.
void scrub(std::string& secret) noexcept;

// Scrubs a buffer (std::array, std::vector) holding key-derived bytes when it goes out of
// scope.
template <class Buffer>
class ScrubOnExit {
 public:
  explicit ScrubOnExit(Buffer& b) noexcept : b_(b) {}
  ~ScrubOnExit() { scrub(std::span<std::uint8_t>(b_.data(), b_.size())); }
  ScrubOnExit(const ScrubOnExit&) = delete;
  ScrubOnExit& operator=(const ScrubOnExit&) = delete;

 private:
  Buffer& b_;
};

}  // namespace sm::crypto
