// DLMS unit enumeration (Blue Book 4.3.2, table "Enumerated values for physical units").
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace sm::cosem {

// Symbol for a DLMS unit code ("V", "A", "W", "Wh", "var", "varh", "VA", "VAh", "Hz", ...);
// "" for 255 (count / none) and for codes not in the table.
[[nodiscard]] std::string_view unit_symbol(int dlms_unit) noexcept;

// DLMS unit code for a symbol as written in DSMR text ("kWh" -> Wh with scaler +3 is the
// caller's business; this maps the base symbol only). 255 when unknown.
[[nodiscard]] int unit_from_symbol(std::string_view symbol) noexcept;

inline constexpr int kUnitNone = 255;

// Codes used by name in tables elsewhere (same values as the unit table in units.cpp).
namespace unit {
inline constexpr int second = 7;
inline constexpr int cubic_metre = 13;
inline constexpr int joule = 25;
inline constexpr int watt = 27;
inline constexpr int volt_ampere = 28;
inline constexpr int var = 29;
inline constexpr int watt_hour = 30;
inline constexpr int volt_ampere_hour = 31;
inline constexpr int var_hour = 32;
inline constexpr int ampere = 33;
inline constexpr int volt = 35;
inline constexpr int hertz = 44;
inline constexpr int none = kUnitNone;
}  // namespace unit

// One row of the unit table (code, symbol, quantity), for `diagnose` and documentation.
struct UnitInfo {
  int code;
  std::string_view symbol;
  std::string_view quantity;
};
[[nodiscard]] std::span<const UnitInfo> unit_table() noexcept;

}  // namespace sm::cosem
