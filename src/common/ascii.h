// ASCII case folding for protocol tokens: HTTP header names, codings and auth schemes
// (RFC 9110 5.1, 8.4.1, 11.1 are case-insensitive in ASCII), DSMR unit spellings. Unlike
// std::tolower it does not depend on the C locale, and it never folds non-ASCII bytes.
#pragma once

#include <algorithm>
#include <string_view>

namespace sm {

[[nodiscard]] constexpr char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

[[nodiscard]] constexpr bool equals_ignoring_ascii_case(std::string_view a,
                                                        std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

// `s` without leading / trailing / both spaces and tabs (HTTP's OWS, RFC 9110 5.6.3; the
// blanks of a YAML line).
[[nodiscard]] constexpr std::string_view trim_blanks_left(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}
[[nodiscard]] constexpr std::string_view trim_blanks_right(std::string_view s) noexcept {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
[[nodiscard]] constexpr std::string_view trim_blanks(std::string_view s) noexcept {
  return trim_blanks_right(trim_blanks_left(s));
}

}  // namespace sm
