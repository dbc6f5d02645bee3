// COSEM date-time (Blue Book 4.1.6.1): 12 bytes
//   year(2) month day weekday hour minute second hundredths deviation(2) clock-status
// 0xFF (0xFFFF for year) = not specified; deviation 0x8000 = not specified.
// The deviation is minutes UTC minus local time (Austria: -60 winter, -120 summer),
// so UTC = local + deviation.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "common/result.h"

namespace sm::dlms {

struct DateTime {
  std::optional<int> year, month, day, weekday, hour, minute, second, hundredths;
  std::optional<int> deviation_minutes;  // UTC - local, in minutes
  std::uint8_t clock_status{0xFF};       // 0xFF = not specified
  bool operator==(const DateTime&) const = default;

  // Year, month and day are all specified (what iso8601() needs).
  [[nodiscard]] bool has_date() const noexcept { return year && month && day; }

  // Seconds since the Unix epoch, when every field needed is present and the
  // deviation is known. Without a deviation, nullopt (the time is local). Unspecified
  // seconds count as 0 (a time known to the minute).
  [[nodiscard]] std::optional<std::int64_t> unix_seconds() const;
  // ISO 8601: "2021-07-19T15:46:35+02:00" with an offset when the deviation is known,
  // "2021-07-19T15:46:35" (local time) otherwise; nullopt when the date is unspecified.
  [[nodiscard]] std::optional<std::string> iso8601() const;
  // The same into `out`, no allocation: the number of characters written, 0 when the
  // date is unspecified.
  static constexpr std::size_t kIso8601Size = 96;  // 9 fields of at most 11 characters, separators
  std::size_t write_iso8601(std::span<char, kIso8601Size> out) const noexcept;
};

// Parses exactly 12 bytes. Impossible values (month 13, 30 February, deviation beyond
// ±720 min, ...) are decode errors at the offending byte; 0xFD/0xFE (DST markers) in
// month/day are accepted and leave the field unspecified. `offset` is where the 12
// bytes sit in the caller's buffer (for error offsets).
Result<DateTime> parse_date_time(std::span<const std::uint8_t> twelve, std::size_t offset = 0);

// The same without the error: nullopt wherever parse_date_time() fails (and nothing is
// allocated for it; values that are not date-times are common where one is looked for).
[[nodiscard]] std::optional<DateTime> try_parse_date_time(
    std::span<const std::uint8_t> twelve) noexcept;

}  // namespace sm::dlms
