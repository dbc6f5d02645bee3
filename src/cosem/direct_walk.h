// The direct path: the OBIS-tagged walk run straight over the A-XDR bytes of a
// data-notification, without building the value tree first.
#pragma once

#include <cstdint>
#include <span>

#include "cosem/reading.h"
#include "dlms/axdr.h"

namespace sm::cosem::detail {

// The Reading of the common pushes into `reading`; false (the general path then decides)
// for anything else and on every error.
bool decode_direct(std::span<const std::uint8_t> apdu, const dlms::AxdrLimits& limits,
                   Reading& reading);

}  // namespace sm::cosem::detail
