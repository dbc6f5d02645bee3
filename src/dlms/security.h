// DLMS/COSEM security layer (IEC 62056-5-3, Green Book 9.2.7): general-glo-ciphering
// (0xDB) and general-ded-ciphering (0xDC) with AES-128-GCM (from crypto/, the project's
// one Botan user).
//
//   DB len(=8) system-title(8) A-XDR-length SC IC(4) payload [tag(12)]
//   SC: 0x10 authenticated, 0x20 encrypted, 0x40 broadcast key, low nibble = suite
//   IV = system-title || IC; AAD = SC || AK (|| plaintext, when authentication only)
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/annotations.h"
#include "common/result.h"
#include "dlms/apdu_tags.h"

namespace sm::dlms {

using Key = std::array<std::uint8_t, 16>;
using SystemTitle = std::array<std::uint8_t, 8>;

struct Keys {
  std::optional<Key> encryption;      // EK / GUEK
  std::optional<Key> authentication;  // AK / GAK
};

struct SecurityHeader {
  std::uint8_t apdu_tag{dlms::apdu_tag::general_glo_ciphering};  // or general_ded_ciphering
  SystemTitle system_title{};
  std::uint8_t control{0};  // SC byte
  std::uint32_t invocation_counter{0};
  [[nodiscard]] bool encrypted() const noexcept { return (control & 0x20) != 0; }
  [[nodiscard]] bool authenticated() const noexcept { return (control & 0x10) != 0; }
};

struct Unprotected {
  std::optional<SecurityHeader> security;  // nullopt: the APDU was not ciphered
  bool tag_verified{false};                // a tag was present and verified with the AK
  std::vector<std::uint8_t> plaintext;     // the inner APDU (0F … or other)
};

// True when the APDU starts with a ciphering tag we remove (is_ciphering_tag: DB/DC).
[[nodiscard]] bool is_ciphered(std::span<const std::uint8_t> apdu) noexcept;

// Removes the ciphering of one APDU. An unciphered APDU is returned unchanged.
// Errors: key (encrypted, no EK), auth (tag mismatch; no plaintext escapes),
// incomplete (fewer bytes than the ciphered-content length declares), length (bytes
// after the declared content — reported after the declared unit itself was checked, so
// a bad tag still reads `auth` — or content too short for SC/IC/tag), decode (system
// title not 8 bytes, bad length form), unsupported (suite > 1, compression),
// decrypt (the crypto library failed). A tag that cannot be checked (no AK, or no EK
// for authentication-only APDUs) is skipped: tag_verified stays false.
// `notes` (optional) gets annotations in space "apdu", layer "security".
Result<Unprotected> unprotect(std::span<const std::uint8_t> apdu, const Keys& keys,
                              Annotations* notes = nullptr);
// The same, with the plaintext written into `buffer` (whose capacity a caller that
// unprotects frame after frame hands back each time, so no frame allocates for it).
Result<Unprotected> unprotect(std::span<const std::uint8_t> apdu, const Keys& keys,
                              Annotations* notes, std::vector<std::uint8_t> buffer);

// Builds a general-glo-ciphering APDU (used by the demo meter and the tests).
// control 0x20/0x21: encrypt only; 0x30/0x31: encrypt + 12-byte tag (needs AK);
// 0x10: authenticate only (needs AK).
Result<std::vector<std::uint8_t>> protect(std::span<const std::uint8_t> plaintext,
                                          const SystemTitle& system_title,
                                          std::uint32_t invocation_counter, std::uint8_t control,
                                          const Keys& keys);

// Short, non-reversible key fingerprint for logs: first 8 hex digits of
// SHA-256("smartmeter_exporter key fingerprint" || key).
[[nodiscard]] std::string key_fingerprint(const Key& key);

}  // namespace sm::dlms
