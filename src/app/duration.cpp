#include "app/duration.h"

#include <array>
#include <cstdint>

namespace sm::app {
namespace {
struct UnitRow {
  std::string_view suffix;
  std::int64_t millis;
};
// Longest suffix first so "ms" is not read as "m".
constexpr std::array kUnits{UnitRow{"ms", 1},         UnitRow{"s", 1000},
                            UnitRow{"m", 60'000},     UnitRow{"h", 3'600'000},
                            UnitRow{"d", 86'400'000}, UnitRow{"w", 604'800'000}};
}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text == "0") return std::chrono::milliseconds(0);
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t number = 0;
    std::size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      number = number * 10 + (text[i] - '0');
      if (number > 1'000'000'000) return std::nullopt;
      ++i;
      ++digits;
    }
    if (digits == 0) return std::nullopt;
    const UnitRow* unit = nullptr;
    for (const auto& u : kUnits) {
      if (text.substr(i, u.suffix.size()) == u.suffix) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) return std::nullopt;
    i += unit->suffix.size();
    total += number * unit->millis;
  }
  return std::chrono::milliseconds(total);
}

std::string format_duration(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms % 1000 != 0) return std::to_string(ms) + "ms";
  if (ms % 60'000 != 0) return std::to_string(ms / 1000) + "s";
  if (ms % 3'600'000 != 0) return std::to_string(ms / 60'000) + "m";
  return std::to_string(ms / 3'600'000) + "h";
}

}  // namespace sm::app
