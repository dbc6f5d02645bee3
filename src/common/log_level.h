// Log severities, the one scale for the application's Logger (app/log.h) and for what
// sources report through their Sink (source/source.h). Ordered: a higher level is more severe.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace sm {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3 };

inline constexpr std::array kLogLevels{LogLevel::debug, LogLevel::info, LogLevel::warn,
                                       LogLevel::error};

// "debug", "info", "warn", "error": the --log.level values and the level field of a line.
[[nodiscard]] constexpr std::string_view log_level_name(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
  }
  return "info";
}

[[nodiscard]] constexpr std::optional<LogLevel> parse_log_level(std::string_view name) noexcept {
  for (const LogLevel level : kLogLevels) {
    if (name == log_level_name(level)) return level;
  }
  return std::nullopt;
}

}  // namespace sm
