// Hex text <-> bytes. Parsing tolerates what people paste: whitespace, newlines,
// "0x" prefixes, commas, colons. Used by the CLI, key files and tests.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sm {

inline constexpr std::string_view kHexDigits = "0123456789ABCDEF";
inline constexpr std::string_view kHexDigitsLower = "0123456789abcdef";

// A hex digit's value (either case); -1 for any other character.
[[nodiscard]] constexpr int hex_digit_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The hex digits at the start of `text`, at most `max_digits` (<= 4), and their value: a
// checksum sent as text (DSMR P1's CRC after '!'). digits == 0 when none starts it.
struct LeadingHex {
  std::size_t digits{0};
  std::uint16_t value{0};
};
[[nodiscard]] constexpr LeadingHex leading_hex(std::span<const std::uint8_t> text,
                                               std::size_t max_digits) noexcept {
  LeadingHex out;
  while (out.digits < text.size() && out.digits < max_digits) {
    const int digit = hex_digit_value(static_cast<char>(text[out.digits]));
    if (digit < 0) break;
    out.value = static_cast<std::uint16_t>((out.value << 4) | digit);
    ++out.digits;
  }
  return out;
}

// One integer as upper-case hex digits, most significant first, as wide as its type and
// without prefix: hex_u8(0x3A) == "3A", hex_u16(0x906E) == "906E", hex_u32(0x1F) ==
// "0000001F". Messages that show "0x3A" write "0x" + hex_u8(b).
[[nodiscard]] std::string hex_u8(std::uint8_t value);
[[nodiscard]] std::string hex_u16(std::uint16_t value);
[[nodiscard]] std::string hex_u32(std::uint32_t value);

// Upper-case hex, no separators.
[[nodiscard]] std::string to_hex(std::span<const std::uint8_t> bytes);
[[nodiscard]] std::string to_hex_lower(std::span<const std::uint8_t> bytes);

// `#` starts a comment that runs to the end of the line.
// Returns nullopt when the text holds anything but hex digits and tolerated separators,
// or an odd number of digits.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> parse_hex(std::string_view text);
// The same, appended to `out`; false (and `out` as it was) when parse_hex() would fail.
[[nodiscard]] bool parse_hex_append(std::string_view text, std::vector<std::uint8_t>& out);

// True when `data` looks like hex text rather than raw binary (for inputs of either kind).
[[nodiscard]] bool looks_like_hex_text(std::span<const std::uint8_t> data);

}  // namespace sm
