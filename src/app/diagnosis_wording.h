// `diagnose`, internal: the words of the report — durations, counts, byte values, link
// layer names, the operator hints and the security control byte in plain language.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "frame/frame.h"

namespace sm::app::diag {

std::string seconds_text(std::chrono::microseconds d);
std::string plural(std::size_t n, std::string_view one, std::string_view many);
std::string_view link_name(frame::LinkType link);
// Which operators send frames like these; empty when no row of the table matches.
std::string operator_hint(const std::string& id, frame::LinkType link, std::uint8_t control);
std::string describe_control(std::uint8_t sc);

}  // namespace sm::app::diag
