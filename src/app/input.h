// Reading captured bytes for `decode`: a timed capture (as `record` writes), hex text (whitespace,
// 0x, commas, '#' comments tolerated) or raw binary, from a file or standard input.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace sm::app {

// "-" reads standard input.
Result<std::vector<std::uint8_t>> read_capture_bytes(const std::string& path);

}  // namespace sm::app
