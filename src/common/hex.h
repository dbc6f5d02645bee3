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
