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

}  // namespace sm::cosem
