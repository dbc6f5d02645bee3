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

// Decodes a complete data-notification APDU; trailing bytes are an error. The body's
// vectors allocate from `memory` (null: the default memory resource; see axdr.h), so the
// result must not outlive it.
Result<DataNotification> decode_data_notification(std::span<const std::uint8_t> apdu,
                                                  const AxdrLimits& limits = {},
                                                  Annotations* notes = nullptr,
                                                  std::pmr::memory_resource* memory = nullptr);

}  // namespace sm::dlms
