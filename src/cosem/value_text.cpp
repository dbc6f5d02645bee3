#include "cosem/value_text.h"

#include <cstring>
#include <initializer_list>

#include "common/hex.h"

namespace sm::cosem {
namespace {

constexpr std::uint8_t kNotSpecified = 0xFF;

// A field of a COSEM date/time: in [low, high] or one of the special values given.
bool in_range_or_special(std::uint8_t field, std::uint8_t low, std::uint8_t high,
                         std::initializer_list<std::uint8_t> special) {
  if (field >= low && field <= high) return true;
  for (std::uint8_t s : special) {
    if (field == s) return true;
  }
  return false;
}

std::optional<int> field_or_unspecified(std::uint8_t field) {
  if (field == kNotSpecified) return std::nullopt;
  return field;
}

}  // namespace

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
    const bool hex_digit =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex_digit) return std::nullopt;
  }
  auto bytes = parse_hex(text);
  if (!bytes || !is_printable_ascii(*bytes)) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

std::optional<dlms::DateTime> join_date_and_time(std::span<const std::uint8_t> date,
                                                 std::span<const std::uint8_t> time) {
  if (date.size() != 5 || time.size() != 4) return std::nullopt;
  const bool plausible =
      in_range_or_special(date[2], 1, 12, {0xFD, 0xFE, 0xFF}) &&
      in_range_or_special(date[3], 1, 31, {0xFD, 0xFE, 0xFF}) &&
      in_range_or_special(date[4], 1, 7, {0xFF}) && in_range_or_special(time[0], 0, 23, {0xFF}) &&
      in_range_or_special(time[1], 0, 59, {0xFF}) && in_range_or_special(time[2], 0, 59, {0xFF}) &&
      in_range_or_special(time[3], 0, 99, {0xFF});
  if (!plausible) return std::nullopt;
  dlms::DateTime joined;
  const int year = (date[0] << 8) | date[1];
  if (year != 0xFFFF) joined.year = year;
  joined.month = field_or_unspecified(date[2]);
  joined.day = field_or_unspecified(date[3]);
  joined.weekday = field_or_unspecified(date[4]);
  joined.hour = field_or_unspecified(time[0]);
  joined.minute = field_or_unspecified(time[1]);
  joined.second = field_or_unspecified(time[2]);
  joined.hundredths = field_or_unspecified(time[3]);
  return joined;  // deviation and clock status not sent: the meter's local time
}

}  // namespace sm::cosem
