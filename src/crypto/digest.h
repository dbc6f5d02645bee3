// Hashes, password checks and what the library is, from Botan (digest.cpp).
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

// Which of Botan's AES-128 implementations this CPU runs, as Botan names it. The CPU's AES
// instructions (AES-NI, the ARMv8 Cryptography Extensions of a Raspberry Pi 5 — not of a
// Pi 3/4, whose SoCs lack them — or POWER8) are "cpu" in Botan 2 and "aesni", "armv8",
// "power8" in Botan 3, which adds "vaes" or "avx2_aes" (AVX2 VAES; the name changed between
// 3.x releases); "vperm"/"simd" are constant-time
// vector permutes (SSSE3, NEON), "base" is portable. Botan chooses at run time;
// --version shows it.
[[nodiscard]] std::string aes_provider();

}  // namespace sm::crypto
