// MeterCollector: the one prometheus::Collectable of the exporter. At scrape time it
// takes one MeterState snapshot and builds every family from it (DESIGN.md "Metrics").
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "metrics/meter_state.h"

namespace sm::metrics {

struct BuildInfo {
  std::string version, revision, compiler, botan_version;
};

struct CollectorOptions {
  std::chrono::milliseconds stale_after{30000};
  BuildInfo build;
  // At most this many smartmeter_obis_value series (registers without a named metric);
  // the rest are left out and counted in smartmeter_obis_values_dropped.
  std::size_t max_obis_series = 200;
  // Host clocks; injectable for tests.
  std::function<HostTime()> now = [] { return HostTime::now(); };
};

// The families of one snapshot as seen at `now`: what MeterCollector::Collect returns,
// as a pure function for tests and for `diagnose`.
[[nodiscard]] std::vector<prometheus::MetricFamily> meter_families(const Snapshot& snapshot,
                                                                   const CollectorOptions& options,
                                                                   const HostTime& now);

// True while the last good frame is younger than stale_after (smartmeter_up), on the
// steady clock.
[[nodiscard]] bool is_fresh(const Snapshot& snapshot, std::chrono::milliseconds stale_after,
                            const HostTime& now) noexcept;

// True while the register at `index` of snapshot.last->reading is within its own window
// (register_book.h); the value families leave the others out.
[[nodiscard]] bool register_is_current(const Snapshot& snapshot, std::size_t index,
                                       std::chrono::milliseconds stale_after, const HostTime& now);

class MeterCollector : public prometheus::Collectable {
 public:
  MeterCollector(const MeterState& state, CollectorOptions options);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const MeterState& state_;
  CollectorOptions options_;
};

// process_* metrics from /proc/self (prometheus-cpp has no process collector):
// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds.
class ProcessCollector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

// Text exposition format 0.0.4 of the families of all collectables, in order.
std::string serialize(const std::vector<const prometheus::Collectable*>& collectables);

}  // namespace sm::metrics
