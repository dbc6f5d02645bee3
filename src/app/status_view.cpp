#include "app/status_view.h"

#include <charconv>
#include <cmath>

#include "metrics/collector.h"
#include "metrics/obis_map.h"
#include "metrics/power_history.h"

namespace sm::app {

Mains mains_of(const cosem::Reading& reading) {
  using metrics::ValueMetric;
  Mains m;
  std::array<PhaseValues, 3> phases{
      {{"L1", {}, {}, {}, {}}, {"L2", {}, {}, {}, {}}, {"L3", {}, {}, {}, {}}}};
  std::array<bool, 3> present{};
  for (const auto& reg : reading.registers) {
    const metrics::ObisRow* row = metrics::map_register(reg);
    if (row == nullptr) continue;
    const double v = reg.value * row->factor;  // the metric's base unit (W, V, A, J, varh)
    std::optional<double>* phase_slot = nullptr;
    std::size_t phase = 0;
    if (row->label.name == "phase" && row->label.value.size() == 2) {
      phase = static_cast<std::size_t>(row->label.value[1] - '1');
      if (phase >= phases.size()) continue;
    }
    switch (row->metric) {
      case ValueMetric::voltage:
        phase_slot = &phases[phase].voltage;
        break;
      case ValueMetric::current:
        phase_slot = &phases[phase].current;
        break;
      case ValueMetric::phase_active_power_import:
        phase_slot = &phases[phase].power_import;
        break;
      case ValueMetric::phase_active_power_export:
        phase_slot = &phases[phase].power_export;
        break;
      case ValueMetric::active_energy_import:
      case ValueMetric::active_energy_export:
      case ValueMetric::active_energy_import_tariff:
      case ValueMetric::active_energy_export_tariff: {
        const bool import = row->metric == ValueMetric::active_energy_import ||
                            row->metric == ValueMetric::active_energy_import_tariff;
        std::string name = import ? "import" : "export";
        if (row->label.name == "tariff") name += " tariff " + std::string(row->label.value);
        m.energy.push_back(
            {name, reg.obis.to_string(), v / (1000 * metrics::kJoulesPerWattHour), "kWh"});
        break;
      }
      case ValueMetric::reactive_energy_import:
      case ValueMetric::reactive_energy_export:
        m.energy.push_back({row->metric == ValueMetric::reactive_energy_import ? "reactive import"
                                                                               : "reactive export",
                            reg.obis.to_string(), v / 1000, "kvarh"});
        break;
      default:
        break;  // total power (below), reactive power, power factor, frequency: the table
    }
    if (phase_slot != nullptr && !*phase_slot) {
      *phase_slot = v;
      present[phase] = true;
    }
  }
  for (std::size_t i = 0; i < phases.size(); ++i) {
    if (present[i]) m.phases.push_back(phases[i]);
  }
  // The same total power the chart's history records.
  if (const auto power = metrics::power_of(reading)) {
    m.power_import = power->import_watts;
    m.power_export = power->export_watts;
  }
  return m;
}

MeterStatus status_of(const metrics::Snapshot& snapshot, std::chrono::milliseconds stale_after,
                      const metrics::HostTime& now) {
  if (!snapshot.last) return MeterStatus::no_frame;
  return metrics::is_fresh(snapshot, stale_after, now) ? MeterStatus::up : MeterStatus::stale;
}

const char* to_string(MeterStatus status) noexcept {
  switch (status) {
    case MeterStatus::no_frame:
      return "no_frame";
    case MeterStatus::up:
      return "up";
    case MeterStatus::stale:
      return "stale";
  }
  return "no_frame";
}

namespace {
double age_seconds(metrics::RegisterClock::time_point received,
                   metrics::RegisterClock::time_point now) {
  const double age = std::chrono::duration<double>(now - received).count();
  return std::round(age * 10) / 10;
}
}  // namespace

double frame_age_seconds(const metrics::GoodFrame& frame, const metrics::HostTime& now) {
  return age_seconds(frame.received.steady, now.steady);
}

double register_age_seconds(const metrics::Snapshot& snapshot, std::size_t index,
                            const metrics::HostTime& now) {
  const auto* stamps = snapshot.register_stamps.get();
  if (stamps != nullptr && index < stamps->size()) {
    return age_seconds((*stamps)[index].received, now.steady);
  }
  return snapshot.last ? frame_age_seconds(*snapshot.last, now) : 0;
}

cosem::Reading current_reading(const metrics::Snapshot& snapshot,
                               std::chrono::milliseconds stale_after,
                               const metrics::HostTime& now) {
  cosem::Reading out;
  if (!snapshot.last || !snapshot.last->reading) return out;
  out = *snapshot.last->reading;
  out.registers.clear();
  const auto& registers = snapshot.last->reading->registers;
  for (std::size_t i = 0; i < registers.size(); ++i) {
    if (metrics::register_is_current(snapshot, i, stale_after, now)) {
      out.registers.push_back(registers[i]);
    }
  }
  return out;
}

std::string register_layout(const metrics::Snapshot& snapshot) {
  std::string out;
  if (!snapshot.last || !snapshot.last->reading) return out;
  for (const auto& reg : snapshot.last->reading->registers) {
    if (!out.empty()) out += ' ';
    out += reg.obis.to_string();
  }
  return out;
}

std::string format_fixed(double value, int decimals) {
  if (!std::isfinite(value)) return "-";
  std::array<char, 64> buf{};
  auto [end, ec] =
      std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::fixed, decimals);
  if (ec != std::errc()) return "-";
  std::string out(buf.data(), end);
  if (out.starts_with("-") && out.find_first_not_of("-0.") == std::string::npos) {
    out.erase(0, 1);  // "-0.0" reads as an error; toFixed() also prints "0.0"
  }
  return out;
}

}  // namespace sm::app
