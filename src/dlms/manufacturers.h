// Manufacturers named by the first three bytes of a DLMS system title: the FLAG
// association's three-letter id (Green Book 4.3.4, Blue Book 4.1.8.2). One table for the
// whole project: `decode` prints it, smartmeter_meter_info labels it and `diagnose`
// reports it.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "dlms/security.h"

namespace sm::dlms {

struct Manufacturer {
  std::string_view flag_id;  // "KFM"
  std::string_view name;     // "Kaifa"
};

// Makers of the meters this exporter reads (DESIGN.md "Variants"). Elster's metering
// business belongs to Honeywell, whose HS3300S still sends ELS.
inline constexpr std::array kManufacturers = std::to_array<Manufacturer>({
    {"AID", "Aidon"},
    {"ELS", "Elster/Honeywell"},
    {"EMH", "EMH metering"},
    {"ISK", "Iskraemeco"},
    {"ITF", "Itron"},
    {"KAM", "Kamstrup"},
    {"KFM", "Kaifa"},
    {"LGZ", "Landis+Gyr"},
    {"SAG", "Sagemcom"},
    {"SMS", "Siemens"},
});

// The three letters when the title starts with three capital letters, else nullopt
// (then the bytes could be anything and are unfit for a label or a name).
[[nodiscard]] std::optional<std::string> flag_id(const SystemTitle& system_title);

// The manufacturer for a three-letter FLAG id; "" when the id is not in the table.
[[nodiscard]] std::string_view known_manufacturer(std::string_view flag_id) noexcept;

}  // namespace sm::dlms
