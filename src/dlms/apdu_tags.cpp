#include "dlms/apdu_tags.h"

#include <array>

namespace sm::dlms {
namespace {

struct ApduName {
  std::uint8_t tag;
  std::string_view name;
};

// Green Book 9.5, "xDLMS APDUs" (and the ACSE APDUs), so that anything we do not decode
// is reported by name.
constexpr std::array<ApduName, 40> kApduNames{{
    {0x01, "initiate-request"},
    {0x08, "initiate-response"},
    {0x0E, "confirmed-service-error"},
    {apdu_tag::data_notification, "data-notification"},
    {0x21, "glo-initiate-request"},
    {0x28, "glo-initiate-response"},
    {0x60, "AARQ"},
    {0x61, "AARE"},
    {0x62, "RLRQ"},
    {0x63, "RLRE"},
    {0xC0, "get-request"},
    {0xC1, "set-request"},
    {0xC2, "event-notification-request"},
    {0xC3, "action-request"},
    {0xC4, "get-response"},
    {0xC5, "set-response"},
    {0xC7, "action-response"},
    {0xC8, "glo-get-request"},
    {0xC9, "glo-set-request"},
    {0xCA, "glo-event-notification-request"},
    {0xCB, "glo-action-request"},
    {0xCC, "glo-get-response"},
    {0xCD, "glo-set-response"},
    {0xCF, "glo-action-response"},
    {0xD0, "ded-get-request"},
    {0xD1, "ded-set-request"},
    {0xD2, "ded-event-notification-request"},
    {0xD3, "ded-action-request"},
    {0xD4, "ded-get-response"},
    {0xD5, "ded-set-response"},
    {0xD7, "ded-action-response"},
    {0xD8, "exception-response"},
    {0xD9, "access-request"},
    {0xDA, "access-response"},
    {apdu_tag::general_glo_ciphering, "general-glo-ciphering"},
    {apdu_tag::general_ded_ciphering, "general-ded-ciphering"},
    {apdu_tag::general_ciphering, "general-ciphering"},
    {apdu_tag::general_signing, "general-signing"},
    {0xE0, "general-block-transfer"},
    {0xE6, "LLC header (E6 E7 00), not an APDU"},
}};

// apdu_name() of every byte, generated from the table (one load on the hot path, where the
// security layer names its reader).
constexpr std::array<std::string_view, 256> kNameOfByte = [] {
  std::array<std::string_view, 256> names{};
  for (const auto& a : kApduNames) names[a.tag] = a.name;
  return names;
}();

}  // namespace

std::string_view apdu_name(std::uint8_t tag) noexcept {
  return kNameOfByte[tag];
}

}  // namespace sm::dlms
