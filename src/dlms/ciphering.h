// The ciphering header of general-glo-ciphering (0xDB) and general-ded-ciphering (0xDC)
// (IEC 62056-5-3, Green Book 9.2.7), read in one place for the security layer, the
// framer's bare-APDU probe and `diagnose`:
//
//   tag  system-title (A-XDR length = 8, 8 bytes)  A-XDR length  SC  IC(4)  payload [T(12)]
//
// and the extent of general-ciphering (0xDD) / general-signing (0xDF), which the framer
// frames so that they can be reported by name (nothing removes their protection).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/byte_reader.h"
#include "common/result.h"
#include "dlms/security.h"

namespace sm::dlms {

inline constexpr std::size_t kSystemTitleSize = 8;
inline constexpr std::size_t kScIcSize = 5;  // SC + IC: the least ciphered content there is

// Everything up to the ciphered content. Offsets are relative to the tag.
struct CipheringPrefix {
  std::size_t at{0};  // the reader position of the tag
  std::uint8_t tag{0};
  std::span<const std::uint8_t> system_title;  // 8 bytes
  std::size_t title_offset{0};                 // the title's A-XDR length byte
  std::size_t length_offset{0};                // the content's A-XDR length
  std::size_t content_offset{0};               // the SC byte
  std::size_t content_length{0};               // as declared (SC + IC + payload [+ T])
  [[nodiscard]] std::size_t total() const noexcept { return content_offset + content_length; }
};

struct CipheringHeader {
  CipheringPrefix prefix;
  SecurityHeader security;  // tag, title, SC, IC
  [[nodiscard]] std::size_t ic_offset() const noexcept { return prefix.content_offset + 1; }
  [[nodiscard]] std::size_t payload_offset() const noexcept {
    return prefix.content_offset + kScIcSize;
  }
};

// Reads the prefix at `r` (positioned on the tag), leaving `r` after the content length.
// Errors (in `r`'s layer and name): incomplete (the bytes end first), decode (not a
// ciphering tag, a system title not 8 bytes long, a bad A-XDR length form), length (a
// declared content too short for SC and IC).
Result<CipheringPrefix> read_ciphering_prefix(ByteReader& r);

// The prefix, then SC and IC, leaving `r` on the payload. The declared content need not be
// all there (callers check prefix.total() against what they hold); SC and IC must be:
// incomplete "ciphered content declares N bytes, M present" else.
Result<CipheringHeader> read_ciphering_header(ByteReader& r);

// The error of a ciphered content shorter than declared, at the content length (`r`: the
// reader the prefix was read with).
[[nodiscard]] Error content_missing(const ByteReader& r, const CipheringPrefix& prefix);

// The encoded length of a general-ciphering or general-signing APDU at the start of `apdu`
// (IEC 62056-5-3: transaction-id, originator and recipient system titles, date-time,
// other-information, then key-info and ciphered-content, or content and signature).
// Errors: incomplete (more bytes needed), length (a field would end beyond `max_length`
// bytes), decode (not such an APDU: a title not 0 or 8 bytes, a date-time not 0 or 12, a
// bad length form or key-info).
Result<std::size_t> general_protection_length(std::span<const std::uint8_t> apdu,
                                              std::size_t max_length, Layer layer = Layer::dlms);

}  // namespace sm::dlms
