// Transitional: the CRC module is common/crc16.h. This header only keeps app/diagnosis.cpp
// (being rewritten on another branch) building; delete it when nothing includes it.
#pragma once

#include "common/crc16.h"

namespace sm::frame {
using sm::crc16_x25;
}  // namespace sm::frame
