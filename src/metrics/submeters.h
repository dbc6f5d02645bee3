// Sub-meters read through the electricity meter (DSMR M-Bus channels 0-1 .. 0-4: gas, water,
// heat), as DESIGN.md "Metrics" names them: one series per channel in its medium's family,
// and the time the sub-meter gave its reading (never the time the telegram arrived).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include <prometheus/metric_family.h>

#include "cosem/reading.h"

namespace sm::metrics {

enum class Medium : std::uint8_t { gas, water, heat };

// "gas", "water", "heat": the `medium` label.
[[nodiscard]] std::string_view to_string(Medium medium) noexcept;

// The medium an M-Bus device type (0-n:24.1.0) names, or nullopt.
[[nodiscard]] std::optional<Medium> medium_of_device_type(std::int64_t device_type) noexcept;

struct SubmeterReading {
  std::uint8_t channel{0};  // value group B: 1..4
  Medium medium{Medium::gas};
  double value{0};                   // m3 (gas, water) or J (heat)
  std::optional<std::int64_t> time;  // the sub-meter's own time (Unix seconds), when absolute
  std::size_t register_index{0};     // the Reading's register that gave the value
};

// The sub-meter readings of a Reading, by channel. A channel counts when its device type
// names gas, water or heat and a reading register (0-n:24.2.1, Belgian 24.2.3, DSMR 2.2
// 24.3.0, the first one present) carries that medium's unit (m3; J or Wh for heat) and a
// value a counter can hold. Anything else stays an ordinary register (smartmeter_obis_value).
// `usable(index)`: whether the register at that index may be exported (not stale).
[[nodiscard]] std::vector<SubmeterReading> submeter_readings(
    const cosem::Reading& reading, const std::function<bool(std::size_t)>& usable);

// smartmeter_gas_volume_cubic_meters_total{channel}, smartmeter_water_volume_cubic_meters_total
// {channel}, smartmeter_heat_energy_joules_total{channel} and
// smartmeter_submeter_reading_timestamp_seconds{channel,medium}, for the families that have a
// sample.
void append_submeter_families(const std::vector<SubmeterReading>& readings,
                              std::vector<prometheus::MetricFamily>& out);

}  // namespace sm::metrics
