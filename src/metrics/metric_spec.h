// MetricSpec: name, help and type of one exported family — the data every family of
// this library is built from, checked at compile time where the checks are cheap.
#pragma once

#include <cstddef>
#include <string_view>

namespace sm::metrics {

enum class MetricKind { gauge, counter };

struct MetricSpec {
  std::string_view name;
  std::string_view help;
  MetricKind kind{MetricKind::gauge};
};

// prometheus-cpp 1.0.1's TextSerializer prints a family name exactly as given (it adds no
// `_total`) and prints HELP text unescaped. So counter names carry `_total` themselves, and
// help text must hold neither a backslash nor a line break, or the exposition breaks.
[[nodiscard]] constexpr bool is_valid_metric_name(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    const bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i != 0)) return false;
  }
  return true;
}

[[nodiscard]] constexpr bool is_valid_spec(const MetricSpec& spec) noexcept {
  if (!is_valid_metric_name(spec.name) || spec.help.empty()) return false;
  if (spec.help.find_first_of("\\\n") != std::string_view::npos) return false;
  const bool ends_in_total = spec.name.ends_with("_total");
  return spec.kind == MetricKind::counter ? ends_in_total : !ends_in_total;
}

}  // namespace sm::metrics
