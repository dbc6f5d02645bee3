// MeterCollector: one MeterState snapshot -> every smartmeter_* family (DESIGN.md
// "Metrics"). Built afresh at each scrape from the meter's registers as the frames last
// carried them (register_book.h: each with its own age), and energy counters carry the
// meter's absolute registers.
#include "metrics/collector.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>

#include "cosem/units.h"
#include "metrics/families.h"
#include "metrics/meter_identity.h"
#include "metrics/metric_spec.h"
#include "metrics/obis_map.h"
#include "metrics/submeters.h"

namespace sm::metrics {
namespace {

using enum MetricKind;
using Clock = std::chrono::system_clock;
// Whether the register at an index of the reading is still within its own window.
using RegisterFilter = std::function<bool(std::size_t)>;

// Meter value series: left out of the scrape while the last frame is stale.
constexpr MetricSpec kMeterInfo{
    "smartmeter_meter_info",
    "Identity of the meter that sent the last good frame (96.1.0, 42.0.0, system title) and "
    "the protocol it speaks; always 1.",
    gauge};
constexpr MetricSpec kClockSkew{
    "smartmeter_meter_clock_skew_seconds",
    "Meter clock (the frame's date-time) minus host time when the last good frame arrived, in "
    "seconds.",
    gauge};
// DESIGN.md names this smartmeter_invocation_counter, but promtool's lint rejects any
// name ending in `_counter` ("metric name should not include type 'counter'"), and a clean
// `promtool check metrics` is part of the contract.
constexpr MetricSpec kObisValuesDropped{
    "smartmeter_obis_values_dropped",
    "Numeric registers of the last good frame left out of smartmeter_obis_value because "
    "--meter.max-series was reached.",
    gauge};
constexpr MetricSpec kInvocationCounter{
    "smartmeter_invocation_number",
    "DLMS invocation counter (IC, frame counter) of the last good ciphered frame.", gauge};

// Self metrics: always present.
constexpr MetricSpec kUp{
    "smartmeter_up",
    "1 while the last good frame is younger than --meter.stale-after, else 0 (also 0 before "
    "the first frame).",
    gauge};
constexpr MetricSpec kLastFrameTimestamp{
    "smartmeter_last_frame_timestamp_seconds",
    "Host time when the last good frame arrived, in seconds since the Unix epoch.", gauge};
constexpr MetricSpec kFrames{"smartmeter_frames_total",
                             "Good frames decoded since the exporter started.", counter};
constexpr MetricSpec kFrameErrors{"smartmeter_frame_errors_total",
                                  "Frames rejected since the exporter started, by reason.",
                                  counter};
constexpr MetricSpec kReceivedBytes{"smartmeter_received_bytes_total",
                                    "Bytes received from the source since the exporter started.",
                                    counter};
constexpr MetricSpec kReconnects{
    "smartmeter_source_reconnects_total",
    "Times the source was opened again after it failed or closed, since the exporter started.",
    counter};
constexpr MetricSpec kOtherMeterFrames{
    "smartmeter_other_meter_frames_total",
    "Good frames of another meter (other system title or meter id) refused while the meter "
    "being exported is up.",
    counter};
constexpr MetricSpec kSourceConnected{
    "smartmeter_source_connected",
    "1 while the source (serial device or TCP connection) is open, else 0.", gauge};
constexpr MetricSpec kBuildInfo{"smartmeter_build_info",
                                "Version and build of this exporter; always 1.", gauge};

constexpr std::array kSpecs{
    kMeterInfo,          kClockSkew,       kInvocationCounter, kObisValuesDropped, kUp,
    kLastFrameTimestamp, kFrames,          kFrameErrors,       kReceivedBytes,     kReconnects,
    kOtherMeterFrames,   kSourceConnected, kBuildInfo};
static_assert(std::all_of(kSpecs.begin(), kSpecs.end(), is_valid_spec),
              "metric name, help or _total suffix wrong");

// Whole seconds and the fraction apart: converting nanoseconds since 1970 to double in one
// step leaves rounding noise (-2.249999761581421 for -2.25) that the exposition would show.
std::int64_t whole_unix_seconds(Clock::time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}
double fraction_of_second(Clock::time_point t) {
  return std::chrono::duration<double>(t - std::chrono::floor<std::chrono::seconds>(t)).count();
}
double unix_seconds(Clock::time_point t) {
  return static_cast<double>(whole_unix_seconds(t)) + fraction_of_second(t);
}

double as_sample(std::uint64_t count) {
  return static_cast<double>(count);
}

Labels row_labels(const ObisRow& row) {
  if (row.label.name.empty()) return {};
  return {{std::string(row.label.name), std::string(row.label.value)}};
}

// A meter that sends tariff registers but no total (Dutch DSMR: 1.8.1 and 1.8.2, no 1.8.0)
// gets the total as their sum, which is what the total register means (DESIGN.md "Metrics").
// A meter that sends its total keeps it as sent.
constexpr std::array<std::pair<ValueMetric, ValueMetric>, 2> kTotalOfTariffs{{
    {ValueMetric::active_energy_import, ValueMetric::active_energy_import_tariff},
    {ValueMetric::active_energy_export, ValueMetric::active_energy_export_tariff},
}};

void fill_totals_from_tariffs(std::span<const ObisRow> rows,
                              std::vector<std::optional<double>>& row_values) {
  for (const auto& [total, tariff] : kTotalOfTariffs) {
    std::optional<double> sum;
    std::optional<double>* total_value = nullptr;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].metric == total) total_value = &row_values[i];
      if (rows[i].metric == tariff && row_values[i]) sum = sum.value_or(0.0) + *row_values[i];
    }
    if (total_value != nullptr && !*total_value && sum) *total_value = sum;
  }
}

// The registers of one reading split into named series and smartmeter_obis_value.
// A code can reach a taken series twice (the same C.D.E under B=0 and B=1, or a meter
// repeating a register): the first one wins the named series and the others go to
// smartmeter_obis_value, keyed by their full code, so no series is ever duplicated.
// Registers past their own window (register_book.h) are left out, like a stale meter.
// At most `max_obis_series` smartmeter_obis_value series; the number left out is returned.
// Registers in `taken` (the sub-meter readings) have a family of their own.
std::size_t append_register_families(const cosem::Reading& reading, const RegisterFilter& current,
                                     const std::vector<bool>& taken, std::size_t max_obis_series,
                                     std::vector<prometheus::MetricFamily>& out) {
  const auto rows = obis_rows();
  std::vector<std::optional<double>> row_values(rows.size());
  prometheus::MetricFamily obis_values = make_family(kObisValueSpec);
  std::set<std::pair<std::string, std::string>> obis_series;
  std::size_t dropped = 0;

  for (std::size_t index = 0; index < reading.registers.size(); ++index) {
    const cosem::Register& reg = reading.registers[index];
    // Prometheus samples are numbers; text registers (ids, list names, times) have none.
    // The meter id and device name reach smartmeter_meter_info through the Reading.
    if (!reg.numeric() || !current(index) || taken[index]) continue;
    if (const ObisRow* row = map_register(reg)) {
      auto& value = row_values[static_cast<std::size_t>(row - rows.data())];
      if (!value) {
        value = reg.value * row->factor;
        continue;
      }
    }
    std::string code = reg.obis.to_string();
    std::string unit(cosem::unit_symbol(reg.unit));
    if (obis_series.size() >= max_obis_series && !obis_series.contains({code, unit})) {
      ++dropped;  // a frame of hundreds of unknown codes must not grow the scrape without end
      continue;
    }
    if (!obis_series.emplace(code, unit).second) continue;  // exact repeat: first one wins
    add_sample(obis_values, reg.value, {{"obis", std::move(code)}, {"unit", std::move(unit)}});
  }

  fill_totals_from_tariffs(rows, row_values);

  // Rows are grouped by metric in ValueMetric order (checked in obis_map.cpp).
  std::size_t i = 0;
  while (i < rows.size()) {
    const ValueMetric metric = rows[i].metric;
    prometheus::MetricFamily family = make_family(spec_of(metric));
    for (; i < rows.size() && rows[i].metric == metric; ++i) {
      if (row_values[i]) add_sample(family, *row_values[i], row_labels(rows[i]));
    }
    if (!family.metric.empty()) out.push_back(std::move(family));
  }
  if (!obis_values.metric.empty()) out.push_back(std::move(obis_values));
  return dropped;
}

// Everything the frames say about the meter (registers merged over its lists). Left out
// when stale.
void append_value_families(const GoodFrame& frame, const RegisterFilter& current,
                           const CollectorOptions& options,
                           std::vector<prometheus::MetricFamily>& out) {
  static const cosem::Reading kNoReading;
  const cosem::Reading& reading = frame.reading ? *frame.reading : kNoReading;

  std::string system_title, manufacturer;
  if (frame.security) {
    system_title = system_title_label(frame.security->system_title);
    manufacturer = manufacturer_name(frame.security->system_title);
  }
  out.push_back(
      single_sample(kMeterInfo, 1,
                    {{"meter_id", label_value_from_wire(reading.meter_id.value_or(""))},
                     {"system_title", std::move(system_title)},
                     {"manufacturer", std::move(manufacturer)},
                     {"device_name", label_value_from_wire(reading.device_name.value_or(""))},
                     {"protocol", std::string(reading.protocol)}}));

  const std::vector<SubmeterReading> submeters = submeter_readings(reading, current);
  std::vector<bool> taken(reading.registers.size(), false);
  for (const SubmeterReading& sub : submeters) taken[sub.register_index] = true;
  const std::size_t dropped =
      append_register_families(reading, current, taken, options.max_obis_series, out);
  append_submeter_families(submeters, out);
  if (dropped > 0) out.push_back(single_sample(kObisValuesDropped, as_sample(dropped)));

  // Only an absolute meter time can be compared with the host clock; a local time without
  // UTC offset has no unix_seconds.
  // Subtracting in whole seconds first also keeps any meter year in range.
  if (reading.meter_time && reading.meter_time->unix_seconds) {
    const std::int64_t whole =
        *reading.meter_time->unix_seconds - whole_unix_seconds(frame.received.wall);
    out.push_back(single_sample(
        kClockSkew, static_cast<double>(whole) - fraction_of_second(frame.received.wall)));
  }
  if (frame.security) {
    out.push_back(single_sample(kInvocationCounter, as_sample(frame.security->invocation_counter)));
  }
}

}  // namespace

bool register_is_current(const Snapshot& snapshot, std::size_t index,
                         std::chrono::milliseconds stale_after, const HostTime& now) {
  const auto* stamps = snapshot.register_stamps.get();
  return stamps == nullptr || index >= stamps->size() ||
         register_current((*stamps)[index], stale_after, now.steady);
}

bool is_fresh(const Snapshot& snapshot, std::chrono::milliseconds stale_after,
              const HostTime& now) noexcept {
  return snapshot.last && now.steady - snapshot.last->received.steady < stale_after;
}

std::vector<prometheus::MetricFamily> meter_families(const Snapshot& snapshot,
                                                     const CollectorOptions& options,
                                                     const HostTime& now) {
  std::vector<prometheus::MetricFamily> out;
  const bool fresh = is_fresh(snapshot, options.stale_after, now);
  out.push_back(single_sample(kUp, fresh ? 1 : 0));
  if (fresh) {
    append_value_families(
        *snapshot.last,
        [&](std::size_t index) {
          return register_is_current(snapshot, index, options.stale_after, now);
        },
        options, out);
  }
  if (snapshot.last) {
    out.push_back(single_sample(kLastFrameTimestamp, unix_seconds(snapshot.last->received.wall)));
  }

  out.push_back(single_sample(kFrames, as_sample(snapshot.frames_total)));
  prometheus::MetricFamily errors = make_family(kFrameErrors);
  for (std::size_t r = 0; r < kErrorReasonCount; ++r) {
    add_sample(errors, as_sample(snapshot.frame_errors[r]),
               {{"reason", std::string(to_string(static_cast<ErrorReason>(r)))}});
  }
  out.push_back(std::move(errors));
  out.push_back(single_sample(kReceivedBytes, as_sample(snapshot.received_bytes)));
  out.push_back(single_sample(kReconnects, as_sample(snapshot.reconnects)));
  out.push_back(single_sample(kOtherMeterFrames, as_sample(snapshot.other_meter_frames)));
  out.push_back(single_sample(kSourceConnected, snapshot.source_connected ? 1 : 0));

  const BuildInfo& build = options.build;
  out.push_back(single_sample(kBuildInfo, 1,
                              {{"version", build.version},
                               {"revision", build.revision},
                               {"compiler", build.compiler},
                               {"botan_version", build.botan_version}}));
  return out;
}

MeterCollector::MeterCollector(const MeterState& state, CollectorOptions options)
    : state_(state), options_(std::move(options)) {}

std::vector<prometheus::MetricFamily> MeterCollector::Collect() const {
  // One snapshot per scrape: every family below describes the same moment.
  return meter_families(state_.snapshot(), options_, options_.now());
}

}  // namespace sm::metrics
