#include "cosem/value_text.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "common/hex.h"

namespace sm::cosem {

bool is_printable_ascii(std::span<const std::uint8_t> bytes) noexcept {
  // Eight bytes at a time: a byte below 0x20 sets its high bit in (x - 0x20..) & ~x, one
  // above 0x7E (or from 0x80 on) in (x + 0x01..) | x (Bit Twiddling Hacks, "Determine if
  // a word has a byte less than / greater than n", exact for these n).
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t x;
    std::memcpy(&x, bytes.data() + i, 8);
    const std::uint64_t below = (x - kOnes * 0x20) & ~x & kHigh;
    const std::uint64_t above = ((x + kOnes * (127 - 0x7E)) | x) & kHigh;
    if ((below | above) != 0) return false;
  }
  for (; i < bytes.size(); ++i) {
    if (bytes[i] < 0x20 || bytes[i] > 0x7E) return false;
  }
  return true;
}

Text bytes_text(std::span<const std::uint8_t> bytes) {
  std::size_t length = bytes.size();
  while (length > 0 && bytes[length - 1] == 0x00) --length;  // NUL padding of fixed-size fields
  const auto content = bytes.first(length);
  if (is_printable_ascii(content)) {
    return Text(std::string_view(reinterpret_cast<const char*>(content.data()), content.size()));
  }
  return to_hex(bytes);
}

std::optional<std::string> decode_hex_ascii(std::string_view text) {
  if (text.empty() || text.size() % 2 != 0) return std::nullopt;
  for (char c : text) {
    if (hex_digit_value(c) < 0) return std::nullopt;
  }
  auto bytes = parse_hex(text);
  if (!bytes || !is_printable_ascii(*bytes)) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

std::optional<dlms::DateTime> join_date_and_time(std::span<const std::uint8_t> date,
                                                 std::span<const std::uint8_t> time) {
  if (date.size() != 5 || time.size() != 4) return std::nullopt;
  // One date-time as the wire would carry it, deviation (0x8000) and clock status (0xFF)
  // unspecified, checked by the one date-time validation: the meter's local time.
  std::array<std::uint8_t, 12> twelve{};
  std::copy(date.begin(), date.end(), twelve.begin());
  std::copy(time.begin(), time.end(), twelve.begin() + 5);
  twelve[9] = 0x80;
  twelve[10] = 0x00;
  twelve[11] = 0xFF;
  return dlms::try_parse_date_time(twelve);
}

}  // namespace sm::cosem
