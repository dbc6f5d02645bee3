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

#include <array>
#include <string_view>

#include "common/byte_reader.h"
#include "common/hex.h"
#include "dlms/apdu_tags.h"

namespace sm::dlms {
namespace {

constexpr std::uint8_t kOctetStringTag = 0x09;  // A-XDR octet-string (the NO Kaifa quirk)
constexpr std::size_t kDateTimeSize = 12;

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

Result<NotificationHeader> read_notification_header(ByteReader& r) {
  const std::size_t start = r.position();
  auto tag = r.u8();
  if (!tag) return tl::unexpected(tag.error());
  if (*tag != apdu_tag::data_notification) {
    if (const auto name = apdu_name(*tag); !name.empty()) {
      return tl::unexpected(
          r.error_at(start, ErrorCode::unsupported,
                     std::string(name) + " (0x" + hex_u8(*tag) +
                         ") is not decoded; expected a data-notification (0x0F)"));
    }
    return tl::unexpected(
        r.error_at(start, ErrorCode::decode, "unknown APDU tag 0x" + hex_u8(*tag)));
  }
  NotificationHeader h;
  auto invoke = r.u32be();
  if (!invoke) return tl::unexpected(invoke.error());
  h.long_invoke_id_and_priority = *invoke;

  // date-time OCTET STRING: length 0 (absent) or 12; optionally typed (09) by NO Kaifa.
  r.set_what("data-notification date-time");
  h.date_time_offset = r.position() - start;
  auto first = r.peek();
  if (!first) return tl::unexpected(first.error());
  h.typed_date_time = *first == kOctetStringTag;
  if (h.typed_date_time) (void)r.u8();
  auto length = read_length(r);
  if (!length) return tl::unexpected(length.error());
  if (*length != 0 && *length != kDateTimeSize) {
    return tl::unexpected(
        r.error_at(start + h.date_time_offset, ErrorCode::decode,
                   "date-time of " + std::to_string(*length) + " bytes, expected 0 or 12"));
  }
  auto bytes = r.bytes(*length);
  if (!bytes) return tl::unexpected(bytes.error());
  h.date_time = *bytes;
  h.body_offset = r.position() - start;
  return h;
}

Result<DataNotification> decode_data_notification(std::span<const std::uint8_t> apdu,
                                                  const AxdrLimits& limits, Annotations* notes,
                                                  std::pmr::memory_resource* memory) {
  ByteReader r(apdu, Layer::dlms, "data-notification");
  auto header = read_notification_header(r);
  if (!header) return tl::unexpected(header.error());
  if (notes != nullptr) annotate(notes, "plaintext", 0, 1, "apdu", "data-notification (0x0F)");

  DataNotification out;
  out.long_invoke_id_and_priority = header->long_invoke_id_and_priority;
  if (notes != nullptr) {
    annotate(notes, "plaintext", 1, 4, "apdu", describe_invoke_id(out.long_invoke_id_and_priority));
  }
  const std::size_t dt_at = header->date_time_offset;
  const std::size_t dt_size = header->body_offset - dt_at;
  const bool typed = header->typed_date_time;
  const auto bytes = header->date_time;
  if (bytes.empty()) {
    if (notes != nullptr) {
      annotate(notes, "plaintext", dt_at, dt_size, "apdu",
               typed ? "date-time absent (typed empty octet-string 09 00)" : "date-time absent");
    }
  } else {
    auto dt = parse_date_time(bytes, header->body_offset - bytes.size());
    // An impossible header time must not cost the readings: keep going without it (the
    // annotation says why it was dropped).
    if (dt) out.date_time = *dt;
    if (notes != nullptr) {
      std::string meaning = "date-time ";
      if (!dt) {
        meaning.append(to_hex(bytes)).append(" ignored: ").append(dt.error().message);
      } else if (auto iso = dt->iso8601()) {
        meaning.append(*iso);
      } else {
        meaning.append(to_hex(bytes));
      }
      if (typed) meaning.append(" (typed octet-string 09 0C, Kaifa quirk)");
      annotate(notes, "plaintext", dt_at, dt_size, "apdu", std::move(meaning));
    }
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
