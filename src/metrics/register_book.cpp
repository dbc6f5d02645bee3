#include "metrics/register_book.h"

#include <algorithm>
#include <utility>

namespace sm::metrics {
namespace {

// Two frames name different meters only when both carry the same kind of identity and it
// differs: a Kaifa List 1 carries no meter id, a plaintext HDLC frame no system title.
bool is_other_meter(const RegisterBook& book, const cosem::Reading& reading,
                    const std::optional<dlms::SecurityHeader>& security) {
  if (book.security && security && book.security->system_title != security->system_title) {
    return true;
  }
  const auto& known_id = book.reading->meter_id;
  return known_id && reading.meter_id && !(*known_id == *reading.meter_id);
}

template <typename T>
const std::optional<T>& newest(const std::optional<T>& incoming, const std::optional<T>& known) {
  return incoming ? incoming : known;
}

}  // namespace

RegisterClock::duration register_window(const RegisterStamp& stamp,
                                        std::chrono::milliseconds stale_after) {
  const RegisterClock::duration cap = kRegisterWindowCap;
  const RegisterClock::duration floor = stale_after;
  if (!stamp.interval) return std::max(floor, cap);
  return std::max(floor, std::min<RegisterClock::duration>(2 * *stamp.interval, cap));
}

bool register_current(const RegisterStamp& stamp, std::chrono::milliseconds stale_after,
                      RegisterClock::time_point now) {
  return now - stamp.received < register_window(stamp, stale_after);
}

MergeVerdict merge_frame(RegisterBook& book, const cosem::Reading& reading,
                         const std::optional<dlms::SecurityHeader>& security,
                         RegisterClock::time_point received,
                         std::chrono::milliseconds stale_after) {
  MergeVerdict verdict = MergeVerdict::merged;
  const bool up = book.reading && received - book.last_received < stale_after;
  if (book.reading && is_other_meter(book, reading, security)) {
    if (up) return MergeVerdict::other_meter;
    book = RegisterBook{};
    verdict = MergeVerdict::new_meter;
  }

  // Every reading-level field is this frame's (meter time, profile, text, ...: a copy, so a
  // field added to Reading later is not lost here); the identities and the units' source
  // are the newest any frame gave; the registers are merged below.
  auto merged = std::make_shared<cosem::Reading>(reading);
  merged->registers.clear();
  auto stamps = std::make_shared<std::vector<RegisterStamp>>();
  if (book.reading) {
    const cosem::Reading& known = *book.reading;
    merged->meter_id = newest(reading.meter_id, known.meter_id);
    merged->device_name = newest(reading.device_name, known.device_name);
    merged->list_id = newest(reading.list_id, known.list_id);
    if (merged->implied_units.empty()) merged->implied_units = known.implied_units;
    // The known registers that are still current, in their order.
    for (std::size_t i = 0; i < known.registers.size(); ++i) {
      if (!register_current((*book.stamps)[i], stale_after, received)) continue;
      merged->registers.push_back(known.registers[i]);
      stamps->push_back((*book.stamps)[i]);
    }
  }

  // The frame's registers replace the k-th known occurrence of their code, or come last.
  const std::size_t known_count = merged->registers.size();
  std::vector<bool> replaced(known_count, false);
  for (const cosem::Register& reg : reading.registers) {
    std::size_t at = 0;
    while (at < known_count && (replaced[at] || !(merged->registers[at].obis == reg.obis))) ++at;
    if (at == known_count) {
      merged->registers.push_back(reg);
      stamps->push_back(RegisterStamp{received, std::nullopt});
      continue;
    }
    RegisterStamp& stamp = (*stamps)[at];
    // Learned only between frames without a gap (and never from a clock that went back).
    if (up && received >= stamp.received) stamp.interval = received - stamp.received;
    stamp.received = received;
    merged->registers[at] = reg;
    replaced[at] = true;
  }

  book.reading = std::move(merged);
  book.stamps = std::move(stamps);
  book.security = security ? security : book.security;
  book.last_received = received;
  return verdict;
}

}  // namespace sm::metrics
