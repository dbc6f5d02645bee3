#include "metrics/meter_identity.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

#include "common/hex.h"

namespace sm::metrics {
namespace {

struct Manufacturer {
  std::string_view flag_id;
  std::string_view name;
};

// Makers of the meters this exporter reads (DESIGN.md "Variants"). Elster's metering
// business belongs to Honeywell, whose HS3300S still sends ELS.
constexpr std::array kManufacturers = std::to_array<Manufacturer>({
    {"AID", "Aidon"},
    {"ELS", "Elster/Honeywell"},
    {"ISK", "Iskraemeco"},
    {"KAM", "Kamstrup"},
    {"KFM", "Kaifa"},
    {"LGZ", "Landis+Gyr"},
    {"SAG", "Sagemcom"},
    {"SMS", "Siemens"},
});

constexpr bool is_capital_letter(std::uint8_t byte) noexcept {
  return byte >= 'A' && byte <= 'Z';
}

}  // namespace

std::string_view known_manufacturer(std::string_view flag_id) noexcept {
  const auto it = std::find_if(kManufacturers.begin(), kManufacturers.end(),
                               [flag_id](const Manufacturer& m) { return m.flag_id == flag_id; });
  return it == kManufacturers.end() ? std::string_view{} : it->name;
}

std::string manufacturer_name(const dlms::SystemTitle& system_title) {
  const auto flag_bytes = std::span(system_title).first<3>();
  // Anything else is not a FLAG id and could be any byte, unfit for a label value.
  if (!std::all_of(flag_bytes.begin(), flag_bytes.end(), is_capital_letter)) return {};
  const std::string flag_id(flag_bytes.begin(), flag_bytes.end());
  const std::string_view known = known_manufacturer(flag_id);
  return known.empty() ? flag_id : std::string(known);
}

std::string system_title_label(const dlms::SystemTitle& system_title) {
  return to_hex(system_title);
}

}  // namespace sm::metrics
