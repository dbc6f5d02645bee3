#include "dlms/manufacturers.h"

#include <algorithm>
#include <cstdint>
#include <span>

namespace sm::dlms {

std::optional<std::string> flag_id(const SystemTitle& system_title) {
  const auto letters = std::span(system_title).first<3>();
  const auto capital = [](std::uint8_t b) { return b >= 'A' && b <= 'Z'; };
  if (!std::all_of(letters.begin(), letters.end(), capital)) return std::nullopt;
  return std::string(letters.begin(), letters.end());
}

std::string_view known_manufacturer(std::string_view id) noexcept {
  const auto* it = std::find_if(kManufacturers.begin(), kManufacturers.end(),
                                [id](const Manufacturer& m) { return m.flag_id == id; });
  return it == kManufacturers.end() ? std::string_view{} : it->name;
}

}  // namespace sm::dlms
