// xDLMS and ACSE APDU tags (IEC 62056-5-3 / Green Book 9.5): the one table of them. Every
// layer that recognises or names an APDU tag (the framer's bare-APDU probe, the security
// layer, the data-notification decoder, `diagnose`) takes it from here.
#pragma once

#include <cstdint>
#include <string_view>

namespace sm::dlms {

namespace apdu_tag {
inline constexpr std::uint8_t data_notification = 0x0F;
inline constexpr std::uint8_t general_glo_ciphering = 0xDB;  // [219]
inline constexpr std::uint8_t general_ded_ciphering = 0xDC;  // [220]
inline constexpr std::uint8_t general_ciphering = 0xDD;      // [221]
inline constexpr std::uint8_t general_signing = 0xDF;        // [223]
}  // namespace apdu_tag

// The name of an APDU tag ("general-signing"); empty when the tag is not in the table.
[[nodiscard]] std::string_view apdu_name(std::uint8_t tag) noexcept;

// general-glo-ciphering / general-ded-ciphering: the ciphering the security layer removes
// (one layout: tag, system title, ciphered content).
[[nodiscard]] constexpr bool is_ciphering_tag(std::uint8_t tag) noexcept {
  return tag == apdu_tag::general_glo_ciphering || tag == apdu_tag::general_ded_ciphering;
}

// general-ciphering / general-signing: protection we recognise (and frame) but do not remove.
[[nodiscard]] constexpr bool is_general_protection_tag(std::uint8_t tag) noexcept {
  return tag == apdu_tag::general_ciphering || tag == apdu_tag::general_signing;
}

}  // namespace sm::dlms
