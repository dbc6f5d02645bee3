// Prometheus-style durations: "500ms", "30s", "5m", "1h", "1h30m", "2d".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sm::app {
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
std::string format_duration(std::chrono::milliseconds d);
}  // namespace sm::app
