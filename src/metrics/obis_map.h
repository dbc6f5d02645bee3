// OBIS -> metric table (DESIGN.md "Metrics"): which register becomes which named
// Prometheus series, with which fixed label, in which unit. The table is data
// (obis_map.cpp); everything that does not match a row exactly goes to
// smartmeter_obis_value, so no numeric register is ever dropped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "cosem/reading.h"
#include "metrics/metric_spec.h"

namespace sm::metrics {

// The named meter-value families, in exposition order.
enum class ValueMetric : std::size_t {
  voltage,
  current,
  active_power_import,
  active_power_export,
  phase_active_power_import,
  phase_active_power_export,
  reactive_power_import,
  reactive_power_export,
  power_factor,
  frequency,
  apparent_power_import,
  phase_apparent_power_import,
  active_power_import_demand,
  active_power_import_demand_peak,
  active_energy_import,
  active_energy_export,
  active_energy_import_tariff,
  active_energy_export_tariff,
  reactive_energy_import,
  reactive_energy_export,
  count_
};
inline constexpr std::size_t kValueMetricCount = static_cast<std::size_t>(ValueMetric::count_);

struct FixedLabel {
  std::string_view name;  // "" = the row adds no label
  std::string_view value;
};

struct ObisRow {
  // Value groups C.D.E. A must be 1 (electricity) and F 255 (the current value; other F
  // are billing periods), B is free (Kamstrup uses B=1).
  std::uint8_t c{0}, d{0}, e{0};
  ValueMetric metric{ValueMetric::voltage};
  FixedLabel label;
  int unit{255};       // the DLMS unit the register must carry (255 = none, for ratios)
  double factor{1.0};  // register value (already scaled) -> the metric's base unit
};

inline constexpr double kJoulesPerWattHour = 3600.0;

// Every numeric register that no row takes, labelled with its code and unit symbol.
inline constexpr MetricSpec kObisValueSpec{
    "smartmeter_obis_value",
    "Value of a numeric meter register that has no named metric (or whose unit did not match "
    "it), as decoded (raw x 10^scaler), in the unit named by the unit label.",
    MetricKind::gauge};

[[nodiscard]] const MetricSpec& spec_of(ValueMetric metric) noexcept;
[[nodiscard]] std::span<const MetricSpec> value_metric_specs() noexcept;
[[nodiscard]] std::span<const ObisRow> obis_rows() noexcept;

// The row for this code, whatever the register carries; nullptr when none.
[[nodiscard]] const ObisRow* find_obis_row(const cosem::Obis& code) noexcept;

// The row this register is exported under, or nullptr when there is none: no row for its
// code, a text value, a unit that contradicts the row (1.8.0 in varh), an integer as sent
// (no scaler from the frame or a table) for a ratio row, or a value a counter cannot hold
// (negative, NaN, infinite). Numeric registers without a row go to
// smartmeter_obis_value; text registers are no sample at all (see collector.cpp).
[[nodiscard]] const ObisRow* map_register(const cosem::Register& reg) noexcept;

// True when a numeric register of the reading has a row's code (whatever its unit): the
// frame carries something the exporter knows how to show. A frame without one (only
// text, or only unknown codes) does not replace the last reading.
[[nodiscard]] bool carries_measurement(const cosem::Reading& reading) noexcept;

}  // namespace sm::metrics
