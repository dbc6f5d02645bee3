// xDLMS APDUs we receive on a customer interface: data-notification (0x0F,
// Green Book 9.3.x). Other APDU types are reported as `unsupported`.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/annotations.h"
#include "common/result.h"
#include "dlms/axdr.h"
#include "dlms/datetime.h"

namespace sm::dlms {

struct DataNotification {
  std::uint32_t long_invoke_id_and_priority{0};
  std::optional<DateTime> date_time;  // header date-time (0C …, or 09 0C …; 00 = absent)
  Value body;
};

// The header of a data-notification: tag 0F, long-invoke-id-and-priority (4 bytes), the
// date-time octet-string (00 absent, 0C + 12 bytes, or the Norwegian Kaifa's typed 09 0C +
// 12 bytes / 09 00). The one reader of it, for the decoder below, the framer's bare-APDU
// probe and the COSEM direct path; it leaves `r` on the body, named "data-notification
// date-time". Offsets count from the tag.
struct NotificationHeader {
  std::uint32_t long_invoke_id_and_priority{0};
  std::span<const std::uint8_t> date_time;  // the 12 bytes; empty when absent
  bool typed_date_time{false};              // 09 before the length (the Kaifa quirk)
  std::size_t date_time_offset{0};          // the date-time field (09 or its length)
  std::size_t body_offset{0};
};
// Errors: incomplete (the bytes end first); unsupported (another APDU we know by name:
// "general-signing (0xDF) is not decoded; ..."); decode (an unknown tag, a date-time not
// 0 or 12 bytes long, a bad length form).
Result<NotificationHeader> read_notification_header(ByteReader& r);

// Decodes a complete data-notification APDU; trailing bytes are an error. The body's
// vectors allocate from `memory` (null: the default memory resource; see axdr.h), so the
// result must not outlive it.
Result<DataNotification> decode_data_notification(std::span<const std::uint8_t> apdu,
                                                  const AxdrLimits& limits = {},
                                                  Annotations* notes = nullptr,
                                                  std::pmr::memory_resource* memory = nullptr);

}  // namespace sm::dlms
