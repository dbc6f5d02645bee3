// Bare pushes under each protection APDU of dlms/apdu_tags.h, built around the plaintext of
// AT-TINETZ-KFM-DOC-EXAMPLE (shared by the frame, dlms and pipeline tests):
// general-glo-ciphering by dlms::protect(), general-ded-ciphering the same with its tag
// (outside the GCM's associated data) changed, and general-ciphering / general-signing
// assembled field by field (IEC 62056-5-3).
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <gtest/gtest.h>

#include "common/byte_reader.h"
#include "common/hex.h"
#include "dlms/apdu_tags.h"
#include "dlms/axdr.h"
#include "dlms/security.h"

namespace sm::dlms::test {

inline std::vector<std::uint8_t> tinetz_file(const char* name) {
  std::ifstream in(std::filesystem::path(SM_TEST_DATA) / "vectors" / "AT-TINETZ-KFM-DOC-EXAMPLE" /
                   name);
  std::stringstream text;
  text << in.rdbuf();
  auto bytes = sm::parse_hex(text.str());
  EXPECT_TRUE(bytes.has_value()) << name;
  return bytes.value_or(std::vector<std::uint8_t>{});
}

inline Keys tinetz_keys() {
  Keys keys;
  const auto key = tinetz_file("key.hex");
  Key k{};
  if (key.size() == k.size()) std::copy(key.begin(), key.end(), k.begin());
  keys.encryption = k;
  return keys;
}

inline const SystemTitle kPushTitle{'K', 'F', 'M', 0x10, 0x10, 0x00, 0x00, 0x23};
inline constexpr std::uint32_t kPushCounter = 0x01020304;

// DB 08 title A-XDR-length 20 IC ciphertext: encrypted only (SC 0x20).
inline std::vector<std::uint8_t> glo_ciphering_push() {
  auto apdu = protect(tinetz_file("plaintext.hex"), kPushTitle, kPushCounter, 0x20, tinetz_keys());
  EXPECT_TRUE(apdu.has_value());
  return apdu.value_or(std::vector<std::uint8_t>{});
}

inline std::vector<std::uint8_t> ded_ciphering_push() {
  auto apdu = glo_ciphering_push();
  if (!apdu.empty()) apdu[0] = apdu_tag::general_ded_ciphering;
  return apdu;
}

// The ciphered content (SC IC payload) of a glo/ded-ciphering APDU built here.
inline std::span<const std::uint8_t> ciphered_content(std::span<const std::uint8_t> apdu) {
  constexpr std::size_t kLengthAt = 10;  // tag, 08, title
  ByteReader r(apdu.subspan(std::min(apdu.size(), kLengthAt)), Layer::dlms, "test");
  EXPECT_TRUE(read_length(r).has_value());
  return r.rest();
}

// The same APDU with its content length in the long form of `length_bytes` (1..4) bytes.
inline std::vector<std::uint8_t> with_length_form(const std::vector<std::uint8_t>& apdu,
                                                  unsigned length_bytes) {
  const auto content = ciphered_content(apdu);
  std::vector<std::uint8_t> out(apdu.begin(), apdu.begin() + 10);
  out.push_back(static_cast<std::uint8_t>(0x80 | length_bytes));
  for (unsigned i = length_bytes; i-- > 0;) {
    out.push_back(static_cast<std::uint8_t>(content.size() >> (8 * i)));
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

inline void append_octets(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> bytes) {
  write_length(out, bytes.size());
  out.insert(out.end(), bytes.begin(), bytes.end());
}

// general-ciphering: transaction-id, originator title, recipient title (absent), date-time
// (absent), other-information, key-info (identified-key 0), ciphered-content.
inline std::vector<std::uint8_t> general_ciphering_push() {
  std::vector<std::uint8_t> out{apdu_tag::general_ciphering};
  append_octets(out, std::vector<std::uint8_t>{'T', 'I', 'D', '-', '0', '0', '0', '1'});
  append_octets(out, kPushTitle);
  out.insert(out.end(), {0x00, 0x00});  // recipient title, date-time: absent
  append_octets(out, std::vector<std::uint8_t>{'O', 'I'});
  out.insert(out.end(), {0x01, 0x00, 0x00});  // key-info: identified-key, key-id 0
  const auto glo = glo_ciphering_push();
  append_octets(out, ciphered_content(glo));  // SC IC ciphertext
  return out;
}

// general-signing: transaction-id, originator title, recipient title, date-time (12),
// other-information (absent), content (the plaintext APDU), signature (64 bytes).
inline std::vector<std::uint8_t> general_signing_push() {
  std::vector<std::uint8_t> out{apdu_tag::general_signing};
  append_octets(out, std::vector<std::uint8_t>{'T', 'I', 'D', '-', '0', '0', '0', '2'});
  append_octets(out, kPushTitle);
  append_octets(out, kPushTitle);
  append_octets(out, std::vector<std::uint8_t>{0x07, 0xE5, 0x07, 0x13, 0x01, 0x0F, 0x2E, 0x23, 0x00,
                                               0xFF, 0x88, 0x80});
  out.push_back(0x00);
  append_octets(out, tinetz_file("plaintext.hex"));
  append_octets(out, std::vector<std::uint8_t>(64, 0x5A));
  return out;
}

}  // namespace sm::dlms::test
