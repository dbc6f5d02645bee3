// The OBIS -> metric table. OBIS value groups C.D.E follow IEC 62056-61 / Blue Book
// 7.5: C = quantity (1 active import, 2 active export, 3/4 reactive, 13 power factor,
// 14 frequency, 21/41/61 per-phase active import, 31/51/71 current, 32/52/72 voltage,
// 9 apparent import, 29/49/69 per phase), D = 7 instantaneous / 8 time integral (register) /
// 4 current average (demand) / 6 maximum, E = 0 total or tariff number.
#include "metrics/obis_map.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "cosem/units.h"

namespace sm::metrics {
namespace {

// DLMS unit codes (Blue Book 4.3.2): the one table's (cosem/units.h).
namespace unit = cosem::unit;

using enum MetricKind;

// Indexed by ValueMetric; the order is the exposition order.
constexpr std::array<MetricSpec, kValueMetricCount> kValueMetrics{{
    {"smartmeter_voltage_volts", "Instantaneous voltage per phase, in volts (OBIS 32/52/72.7.0).",
     gauge},
    {"smartmeter_current_amperes",
     "Instantaneous current per phase, in amperes (OBIS 31/51/71.7.0).", gauge},
    {"smartmeter_active_power_import_watts",
     "Instantaneous active power drawn from the grid (A+), in watts (OBIS 1.7.0).", gauge},
    {"smartmeter_active_power_export_watts",
     "Instantaneous active power fed into the grid (A-), in watts (OBIS 2.7.0).", gauge},
    {"smartmeter_phase_active_power_import_watts",
     "Instantaneous active power drawn from the grid per phase, in watts (OBIS 21/41/61.7.0).",
     gauge},
    {"smartmeter_phase_active_power_export_watts",
     "Instantaneous active power fed into the grid per phase, in watts (OBIS 22/42/62.7.0).",
     gauge},
    {"smartmeter_reactive_power_import_vars",
     "Instantaneous reactive power import (Q+), in var (OBIS 3.7.0).", gauge},
    {"smartmeter_reactive_power_export_vars",
     "Instantaneous reactive power export (Q-), in var (OBIS 4.7.0).", gauge},
    {"smartmeter_power_factor_ratio", "Instantaneous power factor, as a ratio (OBIS 13.7.0).",
     gauge},
    {"smartmeter_frequency_hertz", "Grid frequency, in hertz (OBIS 14.7.0).", gauge},
    {"smartmeter_apparent_power_import_voltamperes",
     "Instantaneous apparent power drawn from the grid, in volt-amperes (OBIS 9.7.0).", gauge},
    {"smartmeter_phase_apparent_power_import_voltamperes",
     "Instantaneous apparent power drawn from the grid per phase, in volt-amperes "
     "(OBIS 29/49/69.7.0).",
     gauge},
    {"smartmeter_active_power_import_demand_watts",
     "Active power drawn from the grid averaged over the current demand period, in watts "
     "(OBIS 1.4.0; Belgian e-MUCS quarter-hour demand).",
     gauge},
    {"smartmeter_active_power_import_demand_peak_watts",
     "Highest demand of the current month, in watts (OBIS 1.6.0; Belgian e-MUCS capacity "
     "tariff peak).",
     gauge},
    {"smartmeter_active_energy_import_joules_total",
     "Active energy drawn from the grid (A+), the meter's total register, in joules "
     "(OBIS 1.8.0, Wh x 3600).",
     counter},
    {"smartmeter_active_energy_export_joules_total",
     "Active energy fed into the grid (A-), the meter's total register, in joules "
     "(OBIS 2.8.0, Wh x 3600).",
     counter},
    {"smartmeter_active_energy_import_tariff_joules_total",
     "Active energy drawn from the grid (A+) per tariff register, in joules "
     "(OBIS 1.8.1-1.8.4, Wh x 3600).",
     counter},
    {"smartmeter_active_energy_export_tariff_joules_total",
     "Active energy fed into the grid (A-) per tariff register, in joules "
     "(OBIS 2.8.1-2.8.4, Wh x 3600).",
     counter},
    {"smartmeter_reactive_energy_import_varhours_total",
     "Reactive energy import (Q+), the meter's total register, in varhours (OBIS 3.8.0).", counter},
    {"smartmeter_reactive_energy_export_varhours_total",
     "Reactive energy export (Q-), the meter's total register, in varhours (OBIS 4.8.0).", counter},
}};

constexpr FixedLabel kNoLabel{};
constexpr FixedLabel kL1{"phase", "L1"}, kL2{"phase", "L2"}, kL3{"phase", "L3"};
constexpr FixedLabel kTariff1{"tariff", "1"}, kTariff2{"tariff", "2"}, kTariff3{"tariff", "3"},
    kTariff4{"tariff", "4"};

using VM = ValueMetric;

// Within one family, rows are in exposition order (L1, L2, L3; tariff 1, 2, ...).
// clang-format off
constexpr std::array kRows = std::to_array<ObisRow>({
    // C D  E  metric                           label     unit             factor
    {32, 7, 0, VM::voltage,                     kL1,      unit::volt,      1.0},
    {52, 7, 0, VM::voltage,                     kL2,      unit::volt,      1.0},
    {72, 7, 0, VM::voltage,                     kL3,      unit::volt,      1.0},
    {31, 7, 0, VM::current,                     kL1,      unit::ampere,    1.0},
    {51, 7, 0, VM::current,                     kL2,      unit::ampere,    1.0},
    {71, 7, 0, VM::current,                     kL3,      unit::ampere,    1.0},
    {1,  7, 0, VM::active_power_import,         kNoLabel, unit::watt,      1.0},
    {2,  7, 0, VM::active_power_export,         kNoLabel, unit::watt,      1.0},
    {21, 7, 0, VM::phase_active_power_import,   kL1,      unit::watt,      1.0},
    {41, 7, 0, VM::phase_active_power_import,   kL2,      unit::watt,      1.0},
    {61, 7, 0, VM::phase_active_power_import,   kL3,      unit::watt,      1.0},
    {22, 7, 0, VM::phase_active_power_export,   kL1,      unit::watt,      1.0},
    {42, 7, 0, VM::phase_active_power_export,   kL2,      unit::watt,      1.0},
    {62, 7, 0, VM::phase_active_power_export,   kL3,      unit::watt,      1.0},
    {3,  7, 0, VM::reactive_power_import,       kNoLabel, unit::var,       1.0},
    {4,  7, 0, VM::reactive_power_export,       kNoLabel, unit::var,       1.0},
    // The power factor is a plain number: DLMS unit 255, value already scaled.
    {13, 7, 0, VM::power_factor,                kNoLabel, unit::none,      1.0},
    {14, 7, 0, VM::frequency,                   kNoLabel, unit::hertz,     1.0},
    {9,  7, 0, VM::apparent_power_import,       kNoLabel, unit::volt_ampere, 1.0},
    {29, 7, 0, VM::phase_apparent_power_import, kL1,      unit::volt_ampere, 1.0},
    {49, 7, 0, VM::phase_apparent_power_import, kL2,      unit::volt_ampere, 1.0},
    {69, 7, 0, VM::phase_apparent_power_import, kL3,      unit::volt_ampere, 1.0},
    {1,  4, 0, VM::active_power_import_demand,  kNoLabel, unit::watt,      1.0},
    {1,  6, 0, VM::active_power_import_demand_peak, kNoLabel, unit::watt,  1.0},
    {1,  8, 0, VM::active_energy_import,        kNoLabel, unit::watt_hour, kJoulesPerWattHour},
    {2,  8, 0, VM::active_energy_export,        kNoLabel, unit::watt_hour, kJoulesPerWattHour},
    {1,  8, 1, VM::active_energy_import_tariff, kTariff1, unit::watt_hour, kJoulesPerWattHour},
    {1,  8, 2, VM::active_energy_import_tariff, kTariff2, unit::watt_hour, kJoulesPerWattHour},
    {1,  8, 3, VM::active_energy_import_tariff, kTariff3, unit::watt_hour, kJoulesPerWattHour},
    {1,  8, 4, VM::active_energy_import_tariff, kTariff4, unit::watt_hour, kJoulesPerWattHour},
    {2,  8, 1, VM::active_energy_export_tariff, kTariff1, unit::watt_hour, kJoulesPerWattHour},
    {2,  8, 2, VM::active_energy_export_tariff, kTariff2, unit::watt_hour, kJoulesPerWattHour},
    {2,  8, 3, VM::active_energy_export_tariff, kTariff3, unit::watt_hour, kJoulesPerWattHour},
    {2,  8, 4, VM::active_energy_export_tariff, kTariff4, unit::watt_hour, kJoulesPerWattHour},
    {3,  8, 0, VM::reactive_energy_import,      kNoLabel, unit::var_hour,  1.0},
    {4,  8, 0, VM::reactive_energy_export,      kNoLabel, unit::var_hour,  1.0},
});
// clang-format on

constexpr bool all_specs_valid() {
  return std::all_of(kValueMetrics.begin(), kValueMetrics.end(), is_valid_spec) &&
         is_valid_spec(kObisValueSpec);
}
static_assert(all_specs_valid(), "metric name, help or _total suffix wrong in the table");

// Two rows for one code would make the lookup order matter; two rows for one series would
// put a duplicate series into the exposition.
constexpr bool rows_unique() {
  for (std::size_t i = 0; i < kRows.size(); ++i) {
    for (std::size_t j = i + 1; j < kRows.size(); ++j) {
      const ObisRow& a = kRows[i];
      const ObisRow& b = kRows[j];
      if (a.c == b.c && a.d == b.d && a.e == b.e) return false;
      if (a.metric == b.metric && a.label.name == b.label.name && a.label.value == b.label.value)
        return false;
    }
  }
  return true;
}
static_assert(rows_unique(), "two OBIS rows share a code or a series");

// The collector walks rows per family in table order; keep each family's rows together.
constexpr bool rows_grouped_by_metric() {
  for (std::size_t i = 1; i < kRows.size(); ++i) {
    if (static_cast<std::size_t>(kRows[i].metric) < static_cast<std::size_t>(kRows[i - 1].metric))
      return false;
  }
  return true;
}
static_assert(rows_grouped_by_metric(), "OBIS rows must follow the ValueMetric order");

constexpr std::uint8_t kElectricity = 1;     // value group A
constexpr std::uint8_t kCurrentValue = 255;  // value group F: not a billing period

}  // namespace

const MetricSpec& spec_of(ValueMetric metric) noexcept {
  return kValueMetrics[static_cast<std::size_t>(metric)];
}

std::span<const MetricSpec> value_metric_specs() noexcept {
  return kValueMetrics;
}

std::span<const ObisRow> obis_rows() noexcept {
  return kRows;
}

const ObisRow* find_obis_row(const cosem::Obis& code) noexcept {
  const auto& group = code.v;  // A B C D E F
  // Any B (channel): Kamstrup numbers its registers with B=1.
  if (group[0] != kElectricity || group[5] != kCurrentValue) return nullptr;
  const auto it = std::find_if(kRows.begin(), kRows.end(), [&group](const ObisRow& row) {
    return row.c == group[2] && row.d == group[3] && row.e == group[4];
  });
  return it == kRows.end() ? nullptr : &*it;
}

const ObisRow* map_register(const cosem::Register& reg) noexcept {
  if (!reg.numeric()) return nullptr;
  const ObisRow* row = find_obis_row(reg.obis);
  if (row == nullptr || reg.unit != row->unit) return nullptr;
  // A ratio row (the power factor) takes no integer as sent: without a scaler, 286 is not
  // a power factor of 286 (it may be 0.286); smartmeter_obis_value shows it as it came.
  if (row->unit == unit::none && reg.scaling == cosem::Scaling::as_sent && reg.raw) return nullptr;
  if (spec_of(row->metric).kind == MetricKind::counter &&
      !(std::isfinite(reg.value) && reg.value >= 0.0))
    return nullptr;
  return row;
}

bool carries_measurement(const cosem::Reading& reading) noexcept {
  return std::any_of(reading.registers.begin(), reading.registers.end(),
                     [](const cosem::Register& reg) {
                       return reg.numeric() && find_obis_row(reg.obis) != nullptr;
                     });
}

}  // namespace sm::metrics
