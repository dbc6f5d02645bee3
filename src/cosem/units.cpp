// DLMS unit enumeration: one table, lookups generated from it.
//
// Source: DLMS UA 1000-1 (Blue Book), 4.3.2 "Register", table "Enumerated values for
// physical units" (unit ::= enum). Codes 58/59, 68/69 and 73..252 are reserved or
// not used on customer interfaces; they map to "" like any code not listed.
#include "cosem/units.h"

#include <array>
#include <cstddef>

namespace sm::cosem {
namespace {

constexpr std::array kUnits{
    UnitInfo{1, "a", "time, year"},
    UnitInfo{2, "mo", "time, month"},
    UnitInfo{3, "wk", "time, week"},
    UnitInfo{4, "d", "time, day"},
    UnitInfo{5, "h", "time, hour"},
    UnitInfo{6, "min", "time, minute"},
    UnitInfo{7, "s", "time, second"},
    UnitInfo{8, "°", "(phase) angle, degree"},
    UnitInfo{9, "°C", "temperature, degree Celsius"},
    UnitInfo{10, "currency", "(local) currency"},
    UnitInfo{11, "m", "length, metre"},
    UnitInfo{12, "m/s", "speed"},
    UnitInfo{13, "m³", "volume"},
    UnitInfo{14, "m³ corr", "corrected volume"},
    UnitInfo{15, "m³/h", "volume flux"},
    UnitInfo{16, "m³/h corr", "corrected volume flux"},
    UnitInfo{17, "m³/d", "volume flux per day"},
    UnitInfo{18, "m³/d corr", "corrected volume flux per day"},
    UnitInfo{19, "l", "volume, litre"},
    UnitInfo{20, "kg", "mass"},
    UnitInfo{21, "N", "force"},
    UnitInfo{22, "Nm", "energy, newton metre"},
    UnitInfo{23, "Pa", "pressure, pascal"},
    UnitInfo{24, "bar", "pressure, bar"},
    UnitInfo{25, "J", "energy, joule"},
    UnitInfo{26, "J/h", "thermal power"},
    UnitInfo{27, "W", "active power"},
    UnitInfo{28, "VA", "apparent power"},
    UnitInfo{29, "var", "reactive power"},
    UnitInfo{30, "Wh", "active energy"},
    UnitInfo{31, "VAh", "apparent energy"},
    UnitInfo{32, "varh", "reactive energy"},
    UnitInfo{33, "A", "current"},
    UnitInfo{34, "C", "electrical charge"},
    UnitInfo{35, "V", "voltage"},
    UnitInfo{36, "V/m", "electric field strength"},
    UnitInfo{37, "F", "capacitance"},
    UnitInfo{38, "Ω", "resistance"},
    UnitInfo{39, "Ωm²/m", "resistivity"},
    UnitInfo{40, "Wb", "magnetic flux"},
    UnitInfo{41, "T", "magnetic flux density"},
    UnitInfo{42, "A/m", "magnetic field strength"},
    UnitInfo{43, "H", "inductance"},
    UnitInfo{44, "Hz", "frequency"},
    UnitInfo{45, "1/(Wh)", "active energy meter constant"},
    UnitInfo{46, "1/(varh)", "reactive energy meter constant"},
    UnitInfo{47, "1/(VAh)", "apparent energy meter constant"},
    UnitInfo{48, "V²h", "volt-squared hour"},
    UnitInfo{49, "A²h", "ampere-squared hour"},
    UnitInfo{50, "kg/s", "mass flux"},
    UnitInfo{51, "S", "conductance, siemens"},
    UnitInfo{52, "K", "temperature, kelvin"},
    UnitInfo{53, "1/(V²h)", "volt-squared hour meter constant"},
    UnitInfo{54, "1/(A²h)", "ampere-squared hour meter constant"},
    UnitInfo{55, "1/m³", "volume meter constant"},
    UnitInfo{56, "%", "percentage"},
    UnitInfo{57, "Ah", "ampere hour"},
    UnitInfo{60, "Wh/m³", "energy per volume"},
    UnitInfo{61, "J/m³", "calorific value, wobbe"},
    UnitInfo{62, "Mol %", "molar fraction of gas composition"},
    UnitInfo{63, "g/m³", "mass density, quantity of material"},
    UnitInfo{64, "Pa s", "dynamic viscosity"},
    UnitInfo{65, "J/kg", "specific energy"},
    UnitInfo{66, "g/cm²", "pressure, gram per square centimetre"},
    UnitInfo{67, "atm", "pressure, atmosphere"},
    UnitInfo{70, "dBm", "signal strength, dB milliwatt"},
    UnitInfo{71, "dBµV", "signal strength, dB microvolt"},
    UnitInfo{72, "dB", "logarithmic unit"},
    UnitInfo{254, "other", "other unit"},
    UnitInfo{255, "", "count / no unit"},
};

// Spellings found in text telegrams (DSMR P1) that differ from the Blue Book symbol.
struct SymbolAlias {
  std::string_view spelling;
  int code;
};
constexpr std::array kSymbolAliases{
    SymbolAlias{"m3", 13},    // DSMR gas "m3"
    SymbolAlias{"VAr", 29},   // some manuals
    SymbolAlias{"VArh", 32},  // some manuals
};

constexpr std::array<std::string_view, 256> build_symbol_index() {
  std::array<std::string_view, 256> index{};
  for (const auto& unit : kUnits) index[static_cast<std::size_t>(unit.code)] = unit.symbol;
  return index;
}
constexpr auto kSymbolByCode = build_symbol_index();

constexpr bool table_is_sorted_and_unique() {
  for (std::size_t i = 1; i < kUnits.size(); ++i) {
    if (kUnits[i - 1].code >= kUnits[i].code) return false;
  }
  return true;
}
static_assert(table_is_sorted_and_unique(), "unit table must be sorted by code, no duplicates");
// The codes named in units.h are the table's.
static_assert(kSymbolByCode[unit::second] == "s" && kSymbolByCode[unit::cubic_metre] == "m³" &&
              kSymbolByCode[unit::watt] == "W" && kSymbolByCode[unit::volt_ampere] == "VA" &&
              kSymbolByCode[unit::var] == "var" && kSymbolByCode[unit::watt_hour] == "Wh" &&
              kSymbolByCode[unit::volt_ampere_hour] == "VAh" &&
              kSymbolByCode[unit::var_hour] == "varh" && kSymbolByCode[unit::ampere] == "A" &&
              kSymbolByCode[unit::volt] == "V" && kSymbolByCode[unit::hertz] == "Hz" &&
              kSymbolByCode[unit::none].empty());

}  // namespace

std::string_view unit_symbol(int dlms_unit) noexcept {
  if (dlms_unit < 0 || dlms_unit > 255) return {};
  return kSymbolByCode[static_cast<std::size_t>(dlms_unit)];
}

int unit_from_symbol(std::string_view symbol) noexcept {
  if (symbol.empty()) return kUnitNone;
  for (const auto& unit : kUnits) {
    if (unit.symbol == symbol) return unit.code;
  }
  for (const auto& alias : kSymbolAliases) {
    if (alias.spelling == symbol) return alias.code;
  }
  return kUnitNone;
}

std::span<const UnitInfo> unit_table() noexcept {
  return kUnits;
}

}  // namespace sm::cosem
