// What the status page and /api/v1/reading show, derived from the last good frame with
// the OBIS table of metrics/obis_map.cpp (no second list of codes): total and per-phase
// power, per-phase voltage and current, energy counters in kWh, and the limits the bars
// are drawn against.
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cosem/reading.h"
#include "metrics/meter_state.h"

namespace sm::app {

struct StatusOptions {
  std::string telemetry_path = "/metrics";
  std::string source;
  std::chrono::milliseconds stale_after{30000};
  double fuse_amps = 63;  // --meter.fuse-amps: the current bars' full scale
};

// EN 50160: 230 V nominal, 10-minute means within +-10 % (207-253 V).
inline constexpr double kNominalVolts = 230;
inline constexpr double kVoltsMin = 207;
inline constexpr double kVoltsMax = 253;
// The voltage bars span 190-270 V so that the band sits in the middle.
inline constexpr double kVoltsScaleMin = 190;
inline constexpr double kVoltsScaleMax = 270;

struct PhaseValues {
  std::string phase;  // "L1"
  std::optional<double> voltage, current, power_import, power_export;
};

struct EnergyValue {
  std::string name;  // "import", "export", "import tariff 1", "reactive import"
  std::string obis;
  double value{0};
  std::string unit;  // "kWh" or "kvarh"
};

struct Mains {
  std::optional<double> power_import, power_export;
  std::vector<PhaseValues> phases;  // only the phases the frame carries, L1..L3
  std::vector<EnergyValue> energy;  // in the register order of the frame
};

[[nodiscard]] Mains mains_of(const cosem::Reading& reading);

enum class MeterStatus { no_frame, up, stale };
[[nodiscard]] MeterStatus status_of(const metrics::Snapshot& snapshot,
                                    std::chrono::milliseconds stale_after,
                                    const metrics::HostTime& now);
[[nodiscard]] const char* to_string(MeterStatus status) noexcept;

// Seconds since the last good frame on the steady clock, rounded to 0.1 s.
[[nodiscard]] double frame_age_seconds(const metrics::GoodFrame& frame,
                                       const metrics::HostTime& now);

// Seconds since the frame that last carried register `index` of snapshot.last->reading
// (lists of different content: register_book.h), rounded to 0.1 s.
[[nodiscard]] double register_age_seconds(const metrics::Snapshot& snapshot, std::size_t index,
                                          const metrics::HostTime& now);

// The meter's merged reading with only the registers /metrics still shows (each within its
// own window); empty before the first frame.
[[nodiscard]] cosem::Reading current_reading(const metrics::Snapshot& snapshot,
                                             std::chrono::milliseconds stale_after,
                                             const metrics::HostTime& now);

// The OBIS codes of the frame's registers, space-separated: the page's layout key. The
// page's script reloads the page when /api/v1/reading reports a different one.
[[nodiscard]] std::string register_layout(const metrics::Snapshot& snapshot);

// "1234.5" for (1234.46, 1): fixed decimals, like JavaScript's toFixed().
[[nodiscard]] std::string format_fixed(double value, int decimals);

}  // namespace sm::app
