#include "crypto/secret.h"

#include <botan/mem_ops.h>

namespace sm::crypto {

bool equal_secret(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return Botan::constant_time_compare(a.data(), b.data(), a.size());
}

bool equal_secret(std::string_view a, std::string_view b) noexcept {
  return equal_secret(std::span(reinterpret_cast<const std::uint8_t*>(a.data()), a.size()),
                      std::span(reinterpret_cast<const std::uint8_t*>(b.data()), b.size()));
}

void scrub(std::span<std::uint8_t> bytes) noexcept {
  if (!bytes.empty()) Botan::secure_scrub_memory(bytes.data(), bytes.size());
}

void scrub(std::string& secret) noexcept {
  if (!secret.empty()) Botan::secure_scrub_memory(secret.data(), secret.size());
  secret.clear();
}

}  // namespace sm::crypto
