// Implied scalers and units (issue 14 item 5, issue 19 item 3): for a push whose registers
// carry no scaler-unit, the table in profiles.cpp that the list's identity selects (list id
// or the exact set of OBIS codes) gives each covered register its scaler and unit, and
// marks it Scaling::implied; Reading::implied_units then names the table. A register no row
// covers, and a list no table selects, stays as sent.
#pragma once

#include <cstddef>
#include <string_view>

#include "cosem/profiles.h"
#include "cosem/reading.h"

namespace sm::cosem {

// The table this Reading's list selects (list id, signature), or null. A table selected by
// its signature alone needs a register as sent (Scaling::as_sent); a table without any
// selector is never selected.
[[nodiscard]] const profiles::ListScalers* select_scaler_table(const Reading& reading) noexcept;

// The table of this name (--meter.profile), or null.
[[nodiscard]] const profiles::ListScalers* scaler_table_named(std::string_view name) noexcept;

// Gives every numeric register as sent that a row of `table` covers the row's scaler and
// unit (value = raw x 10^scaler) and Scaling::implied; sets reading.implied_units to the
// table's source when at least one was. How many registers it changed.
std::size_t apply_scaler_table(const profiles::ListScalers& table, Reading& reading) noexcept;

}  // namespace sm::cosem
