#include "metrics/meter_identity.h"

#include "common/hex.h"

namespace sm::metrics {

std::string manufacturer_name(const dlms::SystemTitle& system_title) {
  // Without a FLAG id the bytes could be anything, unfit for a label value.
  const auto id = dlms::flag_id(system_title);
  if (!id) return {};
  const std::string_view known = known_manufacturer(*id);
  return known.empty() ? *id : std::string(known);
}

std::string system_title_label(const dlms::SystemTitle& system_title) {
  return to_hex(system_title);
}

}  // namespace sm::metrics
