// Identity labels of smartmeter_meter_info that come from the DLMS system title.
#pragma once

#include <string>
#include <string_view>

#include "dlms/manufacturers.h"
#include "dlms/security.h"

namespace sm::metrics {

// The system title (Green Book 4.3.4) starts with the three-letter manufacturer id that
// the FLAG association registers (Blue Book 4.1.8.2); the rest is the serial number.
// Returns the manufacturer's name for ids we know, else the three letters themselves,
// or "" when the first three bytes are not capital letters.
[[nodiscard]] std::string manufacturer_name(const dlms::SystemTitle& system_title);

// The manufacturer for a three-letter FLAG id (the project's one table, dlms/manufacturers.h).
using dlms::known_manufacturer;

// "4B464D1010000023": the label value of `system_title`.
[[nodiscard]] std::string system_title_label(const dlms::SystemTitle& system_title);

}  // namespace sm::metrics
