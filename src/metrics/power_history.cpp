#include "metrics/power_history.h"

#include "metrics/obis_map.h"

namespace sm::metrics {
namespace {

std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

// Start of the bucket that holds second `s` (floor, also for times before 1970).
std::int64_t bucket_start(std::int64_t s) {
  constexpr std::int64_t width = PowerHistory::kBucket.count();
  const std::int64_t r = s % width;
  return r < 0 ? s - r - width : s - r;
}

}  // namespace

std::optional<PowerSample> power_of(const cosem::Reading& reading) {
  PowerSample sample;
  for (const auto& reg : reading.registers) {
    const ObisRow* row = map_register(reg);
    if (row == nullptr) continue;
    if (row->metric == ValueMetric::active_power_import && !sample.import_watts) {
      sample.import_watts = reg.value * row->factor;
    } else if (row->metric == ValueMetric::active_power_export && !sample.export_watts) {
      sample.export_watts = reg.value * row->factor;
    }
  }
  if (!sample.import_watts && !sample.export_watts) return std::nullopt;
  return sample;
}

void PowerHistory::drop_before(std::int64_t oldest_start) noexcept {
  while (size_ > 0 && ring_[head_].start < oldest_start) {
    head_ = (head_ + 1) % kCapacity;
    --size_;
  }
}

void PowerHistory::add(std::chrono::system_clock::time_point at, const PowerSample& sample) {
  const std::int64_t start = bucket_start(unix_seconds(at));
  if (size_ > 0) {
    const Bucket& newest = this->at(size_ - 1);
    // The host clock went back past the newest bucket: the old buckets would lie in the
    // future of every new one, so start over rather than draw a chart that folds back.
    if (start < newest.start) size_ = 0;
  }
  drop_before(start - kWindow.count() + kBucket.count());
  if (size_ == 0 || this->at(size_ - 1).start != start) {
    if (size_ == kCapacity) {  // cannot happen after drop_before, kept as the hard bound
      head_ = (head_ + 1) % kCapacity;
      --size_;
    }
    ring_[(head_ + size_) % kCapacity] = Bucket{start, 0, 0, 0, 0};
    ++size_;
  }
  Bucket& b = ring_[(head_ + size_ - 1) % kCapacity];
  if (sample.import_watts) {
    b.import_sum += *sample.import_watts;
    ++b.import_count;
  }
  if (sample.export_watts) {
    b.export_sum += *sample.export_watts;
    ++b.export_count;
  }
}

std::vector<PowerPoint> PowerHistory::points(std::chrono::system_clock::time_point now) const {
  const std::int64_t oldest = bucket_start(unix_seconds(now)) - kWindow.count() + kBucket.count();
  std::vector<PowerPoint> out;
  out.reserve(size_);
  for (std::size_t i = 0; i < size_; ++i) {
    const Bucket& b = at(i);
    if (b.start < oldest) continue;
    PowerPoint p;
    p.start_unix_seconds = b.start;
    if (b.import_count > 0) p.import_watts = b.import_sum / b.import_count;
    if (b.export_count > 0) p.export_watts = b.export_sum / b.export_count;
    out.push_back(p);
  }
  return out;
}

}  // namespace sm::metrics
