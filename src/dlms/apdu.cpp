// xDLMS data-notification (Green Book 9.3.x, IEC 62056-5-3 "DataNotification"):
//
//   Data-Notification ::= SEQUENCE {
//     long-invoke-id-and-priority  Long-Invoke-Id-And-Priority,  -- Unsigned32
//     date-time                    OCTET STRING,                 -- 0 or 12 bytes
//     notification-body            Notification-Body }           -- one Data value
//
// Known deviation: Norwegian Kaifa meters send the date-time as a typed octet-string
// (09 0C …) instead of the bare A-XDR octet string (0C …).
#include "dlms/apdu.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "common/hex.h"

namespace sm::dlms {
namespace {

constexpr std::uint8_t kDataNotification = 0x0F;
constexpr std::uint8_t kOctetStringTag = 0x09;  // A-XDR octet-string (the NO Kaifa quirk)
constexpr std::size_t kDateTimeSize = 12;

struct ApduName {
  std::uint8_t tag;
  std::string_view name;
};

// xDLMS and ACSE APDU tags (Green Book 9.5, "xDLMS APDUs"), so anything we do not decode
// is reported by name.
constexpr std::array<ApduName, 40> kApduNames{{
    {0x01, "initiate-request"},
    {0x08, "initiate-response"},
    {0x0E, "confirmed-service-error"},
    {0x0F, "data-notification"},
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
    {0xDB, "general-glo-ciphering"},
    {0xDC, "general-ded-ciphering"},
    {0xDD, "general-ciphering"},
    {0xDF, "general-signing"},
    {0xE0, "general-block-transfer"},
    {0xE6, "LLC header (E6 E7 00), not an APDU"},
}};

// Green Book: Long-Invoke-Id-And-Priority bits 0-23 invoke-id, bit 28 self-descriptive,
// bit 29 processing-option, bit 30 service-class (confirmed), bit 31 priority (high).
std::string describe_invoke_id(std::uint32_t v) {
  std::string out = "long-invoke-id-and-priority 0x" + hex_u32(v) + ": invoke-id " +
                    std::to_string(v & 0x00FFFFFFu);
  out += (v & 0x80000000u) != 0 ? ", priority high" : ", priority normal";
  if ((v & 0x40000000u) != 0) out += ", confirmed";
  if ((v & 0x20000000u) != 0) out += ", break-on-error";
  if ((v & 0x10000000u) != 0) out += ", self-descriptive";
  return out;
}

}  // namespace

Result<DataNotification> decode_data_notification(std::span<const std::uint8_t> apdu,
                                                  const AxdrLimits& limits, Annotations* notes,
                                                  std::pmr::memory_resource* memory) {
  ByteReader r(apdu, Layer::dlms, "data-notification");
  auto tag = r.u8();
  if (!tag) return tl::unexpected(tag.error());
  if (*tag != kDataNotification) {
    const auto* known = std::find_if(kApduNames.begin(), kApduNames.end(),
                                     [&](const ApduName& a) { return a.tag == *tag; });
    if (known != kApduNames.end()) {
      return tl::unexpected(
          r.error_at(0, ErrorCode::unsupported,
                     std::string(known->name) + " (0x" + hex_u8(*tag) +
                         ") is not decoded; expected a data-notification (0x0F)"));
    }
    return tl::unexpected(r.error_at(0, ErrorCode::decode, "unknown APDU tag 0x" + hex_u8(*tag)));
  }
  if (notes != nullptr) annotate(notes, "plaintext", 0, 1, "apdu", "data-notification (0x0F)");

  DataNotification out;
  auto invoke = r.u32be();
  if (!invoke) return tl::unexpected(invoke.error());
  out.long_invoke_id_and_priority = *invoke;
  if (notes != nullptr) annotate(notes, "plaintext", 1, 4, "apdu", describe_invoke_id(*invoke));

  // date-time OCTET STRING: length 0 (absent) or 12; optionally typed (09) by NO Kaifa.
  r.set_what("data-notification date-time");
  const std::size_t dt_at = r.position();
  auto first = r.peek();
  if (!first) return tl::unexpected(first.error());
  const bool typed = *first == kOctetStringTag;
  if (typed) (void)r.u8();
  auto dt_len = read_length(r);
  if (!dt_len) return tl::unexpected(dt_len.error());
  if (*dt_len == 0) {
    if (notes != nullptr) {
      annotate(notes, "plaintext", dt_at, r.position() - dt_at, "apdu",
               typed ? "date-time absent (typed empty octet-string 09 00)" : "date-time absent");
    }
  } else if (*dt_len == kDateTimeSize) {
    auto bytes = r.bytes(kDateTimeSize);
    if (!bytes) return tl::unexpected(bytes.error());
    auto dt = parse_date_time(*bytes, r.offset() - kDateTimeSize);
    // An impossible header time must not cost the readings: keep going without it (the
    // annotation says why it was dropped).
    if (dt) out.date_time = *dt;
    if (notes != nullptr) {
      std::string meaning = "date-time ";
      if (!dt) {
        meaning.append(to_hex(*bytes)).append(" ignored: ").append(dt.error().message);
      } else if (auto iso = dt->iso8601()) {
        meaning.append(*iso);
      } else {
        meaning.append(to_hex(*bytes));
      }
      if (typed) meaning.append(" (typed octet-string 09 0C, Kaifa quirk)");
      annotate(notes, "plaintext", dt_at, r.position() - dt_at, "apdu", std::move(meaning));
    }
  } else {
    return tl::unexpected(
        r.error_at(dt_at, ErrorCode::decode,
                   "date-time of " + std::to_string(*dt_len) + " bytes, expected 0 or 12"));
  }

  r.set_what("data-notification body");
  auto body = decode_value(r, limits, notes, memory);
  if (!body) return tl::unexpected(body.error());
  out.body = std::move(*body);
  if (!r.empty()) {
    return tl::unexpected(r.error(
        ErrorCode::decode, std::to_string(r.remaining()) + " bytes follow the notification body"));
  }
  return out;
}

}  // namespace sm::dlms
