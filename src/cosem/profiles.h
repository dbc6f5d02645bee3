// Positional profiles and implied-unit (scaler) tables: data, not code (see profiles.cpp).
//
// A positional layout describes a push body that carries no OBIS codes: a structure whose
// element count and element types identify the list, and whose positions say what each
// value is. positional.cpp matches a body against every layout and applies the one that fits
// exactly; a body that fits none is reported as unsupported, never guessed.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "cosem/obis.h"
#include "cosem/units.h"

namespace sm::cosem::profiles {

// What a body element must be for a layout to match, and what it becomes.
enum class Field : std::uint8_t {
  number,        // integer or float -> numeric register (obis, scaler, unit)
  text,          // octet/visible string -> text register at `obis` (meter id, meter type)
  date_time,     // 12-byte COSEM date-time (octet-string or date-time) -> clock register
  time_of_day,   // 4-byte COSEM time (hour, minute, second, hundredths); joined with `date`
  date,          // 5-byte COSEM date (year(2), month, day, weekday); joined with `time_of_day`
  obis_literal,  // a 6-byte octet-string equal to `obis` (the push setup's logical name)
  list_id,       // a string equal to the layout's list id -> text register at `obis`
  unused_text,   // any string, not reported (trailing padding of some lists)
  device_name,   // the logical device name: a 16-byte octet-string beginning with the
                 // layout's `flag_id` (manufacturer) -> text register at `obis` (42.0.0)
};

struct FieldSpec {
  Field kind{Field::number};
  Obis obis{};
  int scaler{0};
  int unit{kUnitNone};
};

struct PositionalLayout {
  std::string_view profile;  // Reading::profile and --meter.profile name
  std::string_view variant;  // which list of the profile ("am550", "list2-3phase", ...)
  std::string_view list_id;  // the string a Field::list_id position must hold; empty if none
  std::span<const FieldSpec> fields;
  std::string_view flag_id = {};  // the prefix a Field::device_name position must carry
};

[[nodiscard]] std::span<const PositionalLayout> positional_layouts() noexcept;

// Implied scalers and units: for lists whose frames carry no scaler-unit, the scaler and
// unit that the meter's or its operator's documentation gives, one table per meter type
// and list, each naming its source. A row matches registers with A = 1, any B, the given
// C and D, any E; a register no row matches stays as sent (never guessed).
//
// Some firmware sends a quantity at a finer resolution than its list's document gives, with
// nothing in the frame to say so (Kamstrup voltages in 0.01 V, see profiles.cpp). Where the
// quantity's real range keeps the two resolutions apart in raw values, the raw value decides:
// a magnitude of at least `finer_from` is in 10^finer_scaler. finer_from 0: no such firmware.
struct ScalerRow {
  std::uint8_t c;
  std::uint8_t d;
  int scaler;
  int unit;
  int finer_scaler = 0;
  std::int64_t finer_from = 0;
};

// A table is chosen for a Reading by what identifies the list (every selector that is set
// must match; a table sets at least one, see implied_units.h):
//  - list_id: the list version string the frame carries ("Kamstrup_V0001");
//  - signature: the exact set of OBIS codes the push carries (for a self-describing push,
//    the codes of its capture-object list), in any order;
//  - layout: the Reading::profile of the body layout the table belongs to (a layout only
//    some operators use, whose registers never carry a scaler-unit).
// A table chosen by its list id names the Reading's profile; one chosen by its signature
// leaves the profile as decoded. Either way Reading::implied_units names the table.
struct ListScalers {
  std::string_view profile;  // table name: --meter.profile, Reading::profile (list-id tables)
  std::string_view list_id;  // the list version string that selects the table; empty: any
  std::span<const ScalerRow> rows;
  std::span<const Obis> signature = {};  // the list's OBIS codes; empty: any
  std::string_view source = {};          // "<name>: <meter type, operator and document>"
  std::string_view layout = {};          // the decoded profile that selects it; empty: any
};

[[nodiscard]] std::span<const ListScalers> list_scaler_tables() noexcept;

}  // namespace sm::cosem::profiles
