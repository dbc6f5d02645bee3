#include "metrics/submeters.h"

#include <array>
#include <cmath>
#include <string>

#include "cosem/units.h"
#include "metrics/families.h"
#include "metrics/metric_spec.h"
#include "metrics/obis_map.h"

namespace sm::metrics {
namespace {

namespace unit = cosem::unit;

constexpr std::uint8_t kAbstract = 0;  // value group A of the M-Bus channel objects
constexpr std::uint8_t kFirstChannel = 1, kLastChannel = 4;
constexpr std::uint8_t kCurrentValue = 255;

// M-Bus medium codes, EN 13757-3:2018 table 3 (as DSMR 5.0.2 section 6.12 uses them for
// 0-n:24.1.0): 0x03 gas; 0x06 warm water, 0x07 water, 0x15 hot water, 0x16 cold water;
// 0x04 heat (outlet), 0x0C heat (inlet).
struct MediumCode {
  std::uint8_t code;
  Medium medium;
};
constexpr std::array kMediumCodes{
    MediumCode{0x03, Medium::gas},   MediumCode{0x06, Medium::water},
    MediumCode{0x07, Medium::water}, MediumCode{0x15, Medium::water},
    MediumCode{0x16, Medium::water}, MediumCode{0x04, Medium::heat},
    MediumCode{0x0C, Medium::heat},
};

// The reading registers C.D.E of a channel, in the order they are looked for: DSMR 4/5
// 24.2.1, the Belgian e-MUCS 24.2.3, DSMR 2.2's 24.3.0.
struct ReadingCode {
  std::uint8_t c, d, e;
};
constexpr std::array kReadingCodes{ReadingCode{24, 2, 1}, ReadingCode{24, 2, 3},
                                   ReadingCode{24, 3, 0}};

cosem::Obis channel_code(std::uint8_t channel, std::uint8_t c, std::uint8_t d, std::uint8_t e) {
  return cosem::Obis{{kAbstract, channel, c, d, e, kCurrentValue}};
}

// The value in the family's base unit, or nullopt when the unit is not the medium's.
std::optional<double> in_base_unit(Medium medium, const cosem::Register& reg) {
  if (!reg.numeric() || !std::isfinite(reg.value) || reg.value < 0.0) return std::nullopt;
  if (medium != Medium::heat) {
    if (reg.unit == unit::cubic_metre) return reg.value;
    return std::nullopt;
  }
  if (reg.unit == unit::joule) return reg.value;
  if (reg.unit == unit::watt_hour) return reg.value * kJoulesPerWattHour;
  return std::nullopt;
}

using enum MetricKind;
constexpr std::array kVolumeSpecs{
    MetricSpec{"smartmeter_gas_volume_cubic_meters_total",
               "Gas meter reading on an M-Bus channel of the electricity meter, as the gas meter "
               "last gave it, in cubic metres (DSMR 0-n:24.2.1, Belgian 24.2.3, DSMR 2.2 24.3.0).",
               counter},
    MetricSpec{"smartmeter_water_volume_cubic_meters_total",
               "Water meter reading on an M-Bus channel of the electricity meter, as the water "
               "meter last gave it, in cubic metres (DSMR 0-n:24.2.1).",
               counter},
    MetricSpec{"smartmeter_heat_energy_joules_total",
               "Heat meter reading on an M-Bus channel of the electricity meter, as the heat "
               "meter last gave it, in joules (DSMR 0-n:24.2.1, GJ x 10^9).",
               counter},
};
constexpr MetricSpec kReadingTime{
    "smartmeter_submeter_reading_timestamp_seconds",
    "Time at which the sub-meter on an M-Bus channel took its last reading, by its own clock "
    "(not when the telegram arrived), in seconds since the Unix epoch.",
    gauge};
static_assert(is_valid_spec(kVolumeSpecs[0]) && is_valid_spec(kVolumeSpecs[1]) &&
              is_valid_spec(kVolumeSpecs[2]) && is_valid_spec(kReadingTime));

// The index of the first register with this code (Reading::find), for the staleness filter
// and the registers the families take.
std::optional<std::size_t> index_of(const cosem::Reading& reading, const cosem::Obis& code) {
  const cosem::Register* reg = reading.find(code);
  if (reg == nullptr) return std::nullopt;
  return static_cast<std::size_t>(reg - reading.registers.data());
}

}  // namespace

std::string_view to_string(Medium medium) noexcept {
  switch (medium) {
    case Medium::gas:
      return "gas";
    case Medium::water:
      return "water";
    case Medium::heat:
      return "heat";
  }
  return "gas";
}

std::optional<Medium> medium_of_device_type(std::int64_t device_type) noexcept {
  for (const auto& entry : kMediumCodes) {
    if (entry.code == device_type) return entry.medium;
  }
  return std::nullopt;
}

std::vector<SubmeterReading> submeter_readings(const cosem::Reading& reading,
                                               const std::function<bool(std::size_t)>& usable) {
  std::vector<SubmeterReading> out;
  for (std::uint8_t channel = kFirstChannel; channel <= kLastChannel; ++channel) {
    const auto type_at = index_of(reading, channel_code(channel, 24, 1, 0));
    if (!type_at) continue;
    const cosem::Register& type = reading.registers[*type_at];
    if (!type.numeric() || !type.raw) continue;
    const auto medium = medium_of_device_type(*type.raw);
    if (!medium) continue;
    for (const ReadingCode& code : kReadingCodes) {
      const cosem::Obis obis = channel_code(channel, code.c, code.d, code.e);
      const auto at = index_of(reading, obis);
      if (!at) continue;
      if (!usable(*at)) break;
      const auto value = in_base_unit(*medium, reading.registers[*at]);
      if (!value) break;
      SubmeterReading sub{channel, *medium, *value, std::nullopt, *at};
      if (const cosem::MeterTime* time = reading.time_of(obis)) sub.time = time->unix_seconds;
      out.push_back(sub);
      break;
    }
  }
  return out;
}

void append_submeter_families(const std::vector<SubmeterReading>& readings,
                              std::vector<prometheus::MetricFamily>& out) {
  for (const Medium medium : {Medium::gas, Medium::water, Medium::heat}) {
    prometheus::MetricFamily family = make_family(kVolumeSpecs[static_cast<std::size_t>(medium)]);
    for (const SubmeterReading& sub : readings) {
      if (sub.medium == medium)
        add_sample(family, sub.value, {{"channel", std::to_string(sub.channel)}});
    }
    if (!family.metric.empty()) out.push_back(std::move(family));
  }
  prometheus::MetricFamily times = make_family(kReadingTime);
  for (const SubmeterReading& sub : readings) {
    if (!sub.time) continue;
    add_sample(
        times, static_cast<double>(*sub.time),
        {{"channel", std::to_string(sub.channel)}, {"medium", std::string(to_string(sub.medium))}});
  }
  if (!times.metric.empty()) out.push_back(std::move(times));
}

}  // namespace sm::metrics
