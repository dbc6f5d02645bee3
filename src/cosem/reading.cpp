#include "cosem/reading.h"

#include <algorithm>

namespace sm::cosem {

const Register* Reading::find(const Obis& code) const noexcept {
  const auto it = std::find_if(registers.begin(), registers.end(),
                               [&code](const Register& r) { return r.obis == code; });
  return it == registers.end() ? nullptr : &*it;
}

}  // namespace sm::cosem
