// PowerHistory: the last hour of active power for the status page's chart, in a fixed
// ring of 10-second buckets (360 in all). Every good frame adds its import/export power
// to the bucket of its arrival time, so memory stays the same whether the meter pushes
// every 10 s, every second, or a replay pushes thousands of frames a second.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "cosem/reading.h"

namespace sm::metrics {

// Active power of one frame, from the OBIS rows for 1.7.0 and 2.7.0 (obis_map.cpp).
struct PowerSample {
  std::optional<double> import_watts;
  std::optional<double> export_watts;
};

// nullopt when the reading carries neither total import nor total export power.
[[nodiscard]] std::optional<PowerSample> power_of(const cosem::Reading& reading);

// One bucket: the mean of the frames that arrived in [start, start + bucket width).
struct PowerPoint {
  std::int64_t start_unix_seconds{0};
  std::optional<double> import_watts;  // nullopt: no frame of the bucket carried it
  std::optional<double> export_watts;
};

class PowerHistory {
 public:
  static constexpr std::chrono::seconds kBucket{10};
  static constexpr std::chrono::seconds kWindow{3600};
  static constexpr std::size_t kCapacity = kWindow / kBucket;  // 360

  void add(std::chrono::system_clock::time_point at, const PowerSample& sample);

  // The buckets younger than kWindow at `now`, oldest first.
  [[nodiscard]] std::vector<PowerPoint> points(std::chrono::system_clock::time_point now) const;

  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  struct Bucket {
    std::int64_t start{0};
    double import_sum{0}, export_sum{0};
    std::uint32_t import_count{0}, export_count{0};
  };
  [[nodiscard]] const Bucket& at(std::size_t i) const noexcept {
    return ring_[(head_ + i) % kCapacity];
  }
  void drop_before(std::int64_t oldest_start) noexcept;

  std::array<Bucket, kCapacity> ring_{};
  std::size_t head_ = 0;  // index of the oldest bucket
  std::size_t size_ = 0;
};

}  // namespace sm::metrics
