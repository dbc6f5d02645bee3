// Hashes and password checks, from Botan (digest.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sm::crypto {

using Sha256Digest = std::array<std::uint8_t, 32>;

// SHA-256 of the concatenation of `parts` (FIPS 180-4); nullopt if the library fails.
[[nodiscard]] std::optional<Sha256Digest> sha256(
    std::initializer_list<std::span<const std::uint8_t>> parts);

// Base64 (RFC 4648) of SHA-256(text): how a Content-Security-Policy names an inline script.
// Empty if the library fails.
[[nodiscard]] std::string sha256_base64(std::string_view text);

// Whether `password` matches a bcrypt hash ($2a$/$2b$/$2y$). A malformed hash, or a cost
// the library refuses, is a failed check.
[[nodiscard]] bool check_bcrypt(std::string_view password, std::string_view hash);

// The crypto library and its version, e.g. "2.19.3" (for smartmeter_build_info).
[[nodiscard]] std::string library_version();

}  // namespace sm::crypto
