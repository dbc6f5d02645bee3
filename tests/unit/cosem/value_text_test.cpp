#include "cosem/value_text.h"

#include <cstddef>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace sm::cosem {
namespace {

// The word-at-a-time check against the byte-by-byte definition: every byte value at every
// position of spans of 1 to 24 bytes (whole words, tails, and both).
TEST(ValueText, PrintableAsciiIsExactlyTheBytes0x20To0x7E) {
  for (std::size_t length = 1; length <= 24; ++length) {
    for (std::size_t at = 0; at < length; ++at) {
      for (int b = 0; b < 256; ++b) {
        std::vector<std::uint8_t> bytes(length, 'A');
        bytes[at] = static_cast<std::uint8_t>(b);
        const bool expected = b >= 0x20 && b <= 0x7E;
        ASSERT_EQ(is_printable_ascii(bytes), expected)
            << "byte 0x" << std::hex << b << std::dec << " at " << at << " of " << length;
      }
    }
  }
  EXPECT_TRUE(is_printable_ascii({}));
  // Neighbours of the limits side by side in one word.
  const std::vector<std::uint8_t> edges{0x20, 0x7E, 0x20, 0x7E, 0x20, 0x7E, 0x20, 0x7E};
  EXPECT_TRUE(is_printable_ascii(edges));
}

TEST(ValueText, BytesTextKeepsPrintableTextAndHexesTheRest) {
  const std::vector<std::uint8_t> id{'K', 'F', 'M', '1', '1', '0', '0', '1', '0',
                                     '0', '0', '0', '0', '0', '3', '5', 0,   0};
  EXPECT_EQ(bytes_text(id), "KFM1100100000035");  // NUL padding dropped
  const std::vector<std::uint8_t> binary{'K', 'F', 'M', 0x01, 'A', 'B', 'C', 'D', 'E'};
  EXPECT_EQ(bytes_text(binary), "4B464D014142434445");
}

// A date and a time sent as two values go through the one date-time validation: a day the
// month does not have is no date, a DST marker (0xFD/0xFE) in the day names no day.
TEST(ValueText, JoinedDateAndTimeAreValidatedLikeADateTime) {
  const std::vector<std::uint8_t> time{0x0C, 0x1E, 0x00, 0xFF};  // 12:30:00
  const auto joined = [&time](std::uint8_t month, std::uint8_t day) {
    const std::vector<std::uint8_t> date{0x07, 0xE8, month, day, 0xFF};  // 2024
    return join_date_and_time(date, time);
  };
  const auto april_30 = joined(4, 30);
  ASSERT_TRUE(april_30.has_value());
  EXPECT_EQ(april_30->day, 30);
  EXPECT_EQ(april_30->hour, 12);
  EXPECT_FALSE(april_30->deviation_minutes.has_value());  // the meter's local time
  EXPECT_FALSE(joined(4, 31).has_value());                // 31 April
  EXPECT_TRUE(joined(2, 29).has_value());                 // 2024 is a leap year
  EXPECT_FALSE(joined(2, 30).has_value());
  const auto last_day = joined(4, 0xFE);
  ASSERT_TRUE(last_day.has_value());
  EXPECT_FALSE(last_day->day.has_value());
}

}  // namespace
}  // namespace sm::cosem
