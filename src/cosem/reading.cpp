#include "cosem/reading.h"

#include <algorithm>

namespace sm::cosem {

[[gnu::hot]] std::optional<MeterTime> MeterTime::of(const dlms::DateTime& time) {
  if (!time.has_date()) return std::nullopt;
  return MeterTime{time, time.unix_seconds()};
}

std::string MeterTime::iso8601() const {
  return time.iso8601().value_or(std::string{});
}

const Register* Reading::find(const Obis& code) const noexcept {
  const auto it = std::find_if(registers.begin(), registers.end(),
                               [&code](const Register& r) { return r.obis == code; });
  return it == registers.end() ? nullptr : &*it;
}

const MeterTime* Reading::time_of(const Obis& code) const noexcept {
  const auto it = std::find_if(register_times.begin(), register_times.end(),
                               [&code](const RegisterTime& t) { return t.obis == code; });
  return it == register_times.end() ? nullptr : &it->time;
}

}  // namespace sm::cosem
