// COSEM date-time (Blue Book 4.1.6.1 "Date and time formats").
//
//   year(2, 0xFFFF n/s) month(1..12; 0xFD DST end, 0xFE DST begin, 0xFF n/s)
//   day(1..31; 0xFD 2nd last, 0xFE last, 0xFF n/s) weekday(1..7 Monday=1, 0xFF n/s)
//   hour(0..23) minute(0..59) second(0..59) hundredths(0..99) (0xFF n/s each)
//   deviation(int16, -720..720 minutes, 0x8000 n/s) clock-status(bit 7 = DST active)
//
// The deviation is UTC minus local time in minutes, so UTC = local + deviation.
#include "dlms/datetime.h"

#include <array>
#include <charconv>
#include <cstring>
#include <iterator>
#include <string_view>

#include "common/endian.h"

namespace sm::dlms {
namespace {

constexpr std::uint8_t kNotSpecified = 0xFF;
constexpr std::uint16_t kDeviationNotSpecified = 0x8000;
constexpr int kMaxDeviation = 720;  // Blue Book: -720 ... +720 minutes

constexpr bool is_leap(int y) noexcept {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

constexpr int days_in_month(int y, int m) noexcept {
  constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return (m == 2 && is_leap(y)) ? 29 : days[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-Compatible
// Low-Level Date Algorithms", days_from_civil).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);                 // [0, 399]
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}
static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);

// One byte field: `lo..hi`, 0xFF = not specified; `dst_specials`: 0xFD/0xFE are valid
// but do not name a calendar value (month and day). False when the byte is out of range.
constexpr bool field(std::uint8_t raw, int lo, int hi, bool dst_specials,
                     std::optional<int>& out) noexcept {
  if (raw == kNotSpecified || (dst_specials && (raw == 0xFD || raw == 0xFE))) {
    out.reset();
    return true;
  }
  if (raw < lo || raw > hi) return false;
  out = raw;
  return true;
}

[[gnu::cold]] tl::unexpected<Error> field_out_of_range(std::string_view name, std::uint8_t raw,
                                                       int lo, int hi, std::size_t offset) {
  return fail(ErrorCode::decode, Layer::dlms, offset,
              "date-time: " + std::string(name) + " " + std::to_string(raw) + " out of range " +
                  std::to_string(lo) + ".." + std::to_string(hi));
}

// printf("%0*d", width, value) into `out`, which has room for it: the sign counts
// towards the width, zeros go between sign and digits.
[[gnu::noinline]] char* put_padded_any(char* out, int value, int width) noexcept {
  const bool negative = value < 0;
  const auto magnitude =
      negative ? 0u - static_cast<unsigned>(value) : static_cast<unsigned>(value);
  char digits[16];
  const auto end = std::to_chars(digits, digits + sizeof digits, magnitude).ptr;
  const int count = static_cast<int>(end - digits);
  if (negative) *out++ = '-';
  for (int pad = width - count - (negative ? 1 : 0); pad > 0; --pad) *out++ = '0';
  for (const char* d = digits; d != end; ++d) *out++ = *d;
  return out;
}

// "00" "01" ... "99": two digits a look-up.
constexpr auto kTwoDigits = [] {
  std::array<char, 200> digits{};
  for (std::size_t i = 0; i < 100; ++i) {
    digits[2 * i] = static_cast<char>('0' + i / 10);
    digits[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
  return digits;
}();

inline char* put_two_digits(char* out, unsigned value) noexcept {
  std::memcpy(out, &kTwoDigits[2 * value], 2);
  return out + 2;
}

// The same, with the values every valid date-time has (0..99, years 0..9999) written
// directly.
inline char* put_padded(char* out, int value, int width) noexcept {
  if (width == 2 && value >= 0 && value <= 99)
    return put_two_digits(out, static_cast<unsigned>(value));
  if (width == 4 && value >= 0 && value <= 9999) {
    const auto v = static_cast<unsigned>(value);
    return put_two_digits(put_two_digits(out, v / 100), v % 100);
  }
  return put_padded_any(out, value, width);
}

}  // namespace

namespace {

// The one-byte fields after the year, in wire order (byte 2 + index).
using DateTimeField = std::optional<int> DateTime::*;
struct FieldSpec {
  DateTimeField member;
  int lo, hi;
  bool dst_specials;
  std::string_view name;
};
constexpr FieldSpec kFields[7] = {
    {&DateTime::month, 1, 12, true, "month"},
    {&DateTime::day, 1, 31, true, "day"},
    {&DateTime::weekday, 1, 7, false, "weekday"},
    {&DateTime::hour, 0, 23, false, "hour"},
    {&DateTime::minute, 0, 59, false, "minute"},
    {&DateTime::second, 0, 59, false, "second"},
    {&DateTime::hundredths, 0, 99, false, "hundredths"},
};

constexpr std::size_t kFirstField = 2;
constexpr std::size_t kDeviationAt = 9;

std::uint16_t u16_at(std::span<const std::uint8_t> twelve, std::size_t at) noexcept {
  return load_be<std::uint16_t>(&twelve[at]);
}

[[gnu::cold]] tl::unexpected<Error> date_time_error(std::span<const std::uint8_t> twelve,
                                                    std::size_t offset) {
  if (twelve.size() != 12) {
    return fail(ErrorCode::length, Layer::dlms, offset,
                "date-time: expected 12 bytes, got " + std::to_string(twelve.size()));
  }
  DateTime dt;
  for (std::size_t i = 0; i < std::size(kFields); ++i) {
    const FieldSpec& f = kFields[i];
    const std::uint8_t raw = twelve[kFirstField + i];
    if (!field(raw, f.lo, f.hi, f.dst_specials, dt.*f.member)) {
      return field_out_of_range(f.name, raw, f.lo, f.hi, offset + kFirstField + i);
    }
  }
  const std::uint16_t year = u16_at(twelve, 0);
  if (year != 0xFFFF && dt.month && dt.day && *dt.day > days_in_month(year, *dt.month)) {
    return fail(ErrorCode::decode, Layer::dlms, offset + 3,
                "date-time: day " + std::to_string(*dt.day) + " does not exist in " +
                    std::to_string(year) + "-" + std::to_string(*dt.month));
  }
  const auto minutes = static_cast<int>(static_cast<std::int16_t>(u16_at(twelve, kDeviationAt)));
  return fail(ErrorCode::decode, Layer::dlms, offset + kDeviationAt,
              "date-time: deviation " + std::to_string(minutes) + " min out of range -720..720");
}

}  // namespace

[[gnu::hot]] std::optional<DateTime> try_parse_date_time(
    std::span<const std::uint8_t> twelve) noexcept {
  if (twelve.size() != 12) return std::nullopt;
  std::optional<DateTime> parsed{std::in_place};
  DateTime& dt = *parsed;
  const std::uint16_t year = u16_at(twelve, 0);
  if (year != 0xFFFF) dt.year = year;
  // kFields one by one with constant indices (this runs for the header and the clock of
  // every push), so the ranges fold into the code.
  const auto in_range = [&](std::size_t i, std::optional<int>& out) {
    const FieldSpec& f = kFields[i];
    return field(twelve[kFirstField + i], f.lo, f.hi, f.dst_specials, out);
  };
  if (!in_range(0, dt.month) || !in_range(1, dt.day) || !in_range(2, dt.weekday) ||
      !in_range(3, dt.hour) || !in_range(4, dt.minute) || !in_range(5, dt.second) ||
      !in_range(6, dt.hundredths)) {
    return std::nullopt;
  }
  if (dt.year && dt.month && dt.day && *dt.day > days_in_month(*dt.year, *dt.month)) {
    return std::nullopt;
  }
  const std::uint16_t deviation = u16_at(twelve, kDeviationAt);
  if (deviation != kDeviationNotSpecified) {
    const auto minutes = static_cast<int>(static_cast<std::int16_t>(deviation));
    if (minutes < -kMaxDeviation || minutes > kMaxDeviation) return std::nullopt;
    dt.deviation_minutes = minutes;
  }
  dt.clock_status = twelve[11];
  return parsed;
}

Result<DateTime> parse_date_time(std::span<const std::uint8_t> twelve, std::size_t offset) {
  if (auto dt = try_parse_date_time(twelve)) return *dt;
  return date_time_error(twelve, offset);
}

std::optional<std::int64_t> DateTime::unix_seconds() const {
  // A time known to the minute (seconds unspecified) counts as hh:mm:00.
  if (!year || !month || !day || !hour || !minute || !deviation_minutes) return std::nullopt;
  const std::int64_t days =
      days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day));
  const std::int64_t local = days * 86400 + std::int64_t{*hour} * 3600 +
                             std::int64_t{*minute} * 60 + std::int64_t{second.value_or(0)};
  return local + std::int64_t{*deviation_minutes} * 60;  // UTC = local + deviation
}

// Formatted by hand (this runs for every frame): the same text as
// "%04d-%02d-%02dT%02d:%02d:%02d" and "%c%02d:%02d", for any field values.
std::optional<std::string> DateTime::iso8601() const {
  std::array<char, kIso8601Size> buffer;
  const std::size_t n = write_iso8601(buffer);
  if (n == 0) return std::nullopt;
  return std::string(buffer.data(), n);
}

[[gnu::hot]] std::size_t DateTime::write_iso8601(std::span<char, kIso8601Size> out) const noexcept {
  if (!has_date()) return 0;
  char* const buf = out.data();
  char* p = put_padded(buf, *year, 4);
  *p++ = '-';
  p = put_padded(p, *month, 2);
  *p++ = '-';
  p = put_padded(p, *day, 2);
  if (hour && minute) {
    *p++ = 'T';
    p = put_padded(p, *hour, 2);
    *p++ = ':';
    p = put_padded(p, *minute, 2);
    *p++ = ':';
    p = put_padded(p, second.value_or(0), 2);
    if (deviation_minutes) {
      const int offset = -*deviation_minutes;  // ISO offset is local minus UTC
      const int magnitude = offset < 0 ? -offset : offset;
      *p++ = offset < 0 ? '-' : '+';
      p = put_padded(p, magnitude / 60, 2);
      *p++ = ':';
      p = put_padded(p, magnitude % 60, 2);
    }
  }
  return static_cast<std::size_t>(p - buf);
}

}  // namespace sm::dlms
