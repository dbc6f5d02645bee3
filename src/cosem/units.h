// DLMS unit enumeration (Blue Book 4.3.2, table "Enumerated values for physical units").
#pragma once

#include <cstdint>
#include <string_view>

namespace sm::cosem {

// Symbol for a DLMS unit code ("V", "A", "W", "Wh", "var", "varh", "VA", "VAh", "Hz", ...);
// "" for 255 (count / none) and for codes not in the table.
[[nodiscard]] std::string_view unit_symbol(int dlms_unit) noexcept;

// DLMS unit code for a symbol as written in DSMR text ("kWh" -> Wh with scaler +3 is the
// caller's business; this maps the base symbol only). 255 when unknown.
[[nodiscard]] int unit_from_symbol(std::string_view symbol) noexcept;

inline constexpr int kUnitNone = 255;

}  // namespace sm::cosem
