// The one definition of each small primitive: hex digits, big-endian loads and stores,
// log levels.
#include <array>
#include <cstdint>
#include <limits>
#include <span>

#include <gtest/gtest.h>

#include "common/endian.h"
#include "common/hex.h"
#include "common/log_level.h"

namespace sm {
namespace {

// The width is the type's, never the value's: hex_u32 of a byte is eight digits.
TEST(Hex, OneIntegerAsWideAsItsType) {
  EXPECT_EQ(hex_u8(0x3A), "3A");
  EXPECT_EQ(hex_u8(0x05), "05");
  EXPECT_EQ(hex_u16(0x906E), "906E");
  EXPECT_EQ(hex_u16(0x003A), "003A");
  EXPECT_EQ(hex_u32(0x0000003A), "0000003A");
  EXPECT_EQ(hex_u32(0xDEADBEEF), "DEADBEEF");
  for (unsigned b = 0; b < 256; ++b) {
    const auto byte = static_cast<std::uint8_t>(b);
    ASSERT_EQ(hex_u8(byte), to_hex(std::span(&byte, 1)));
  }
}

TEST(Hex, DigitValue) {
  EXPECT_EQ(hex_digit_value('0'), 0);
  EXPECT_EQ(hex_digit_value('9'), 9);
  EXPECT_EQ(hex_digit_value('a'), 10);
  EXPECT_EQ(hex_digit_value('F'), 15);
  for (const char c : {'g', 'G', '/', ':', '@', '`', ' ', 'x'}) EXPECT_EQ(hex_digit_value(c), -1);
}

TEST(Endian, StoreAndLoadAreInverse) {
  std::array<std::uint8_t, 8> buffer{};
  store_be(buffer.data(), std::uint32_t{0x01020304});
  EXPECT_EQ(buffer[0], 0x01);
  EXPECT_EQ(buffer[3], 0x04);
  EXPECT_EQ(load_be<std::uint32_t>(buffer.data()), 0x01020304u);
  EXPECT_EQ(load_be<std::uint16_t>(buffer.data() + 1), 0x0203u);
  store_be(buffer.data(), std::uint64_t{0x8877665544332211});
  EXPECT_EQ(load_be<std::uint64_t>(buffer.data()), 0x8877665544332211u);
  static_assert(load_be<std::uint16_t>(std::array<std::uint8_t, 2>{0x12, 0x34}.data()) == 0x1234);
}

// Every width the A-XDR integers have (1, 2, 4, 8) and the ones they have not (3, 5..7):
// the one-load fast cases and the byte loop give the same value.
TEST(Endian, VariableWidthLoads) {
  const std::array<std::uint8_t, 8> bytes{0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10};
  std::uint64_t expected = 0;
  for (std::size_t width = 1; width <= bytes.size(); ++width) {
    expected = (expected << 8) | bytes[width - 1];
    const auto part = std::span(bytes).first(width);
    ASSERT_EQ(load_be_unsigned(part), expected) << "width " << width;
    // The first byte has its top bit set: every width is negative.
    ASSERT_LT(load_be_signed(part), 0) << "width " << width;
  }
  EXPECT_EQ(load_be_signed(std::span(bytes).first(1)), -2);
  EXPECT_EQ(load_be_signed(std::span(bytes).first(2)), -292);  // 0xFEDC
}

// Sources and the Logger share one scale; the filters (`level < LogLevel::warn`) rely on
// its order, the --log.level flag on the names.
TEST(LogLevel, OrderedBySeverityAndNamed) {
  for (std::size_t i = 0; i < kLogLevels.size(); ++i) {
    EXPECT_EQ(parse_log_level(log_level_name(kLogLevels[i])), kLogLevels[i]);
    if (i > 0) {
      EXPECT_LT(kLogLevels[i - 1], kLogLevels[i]);
    }
  }
  EXPECT_EQ(log_level_name(LogLevel::warn), "warn");
  EXPECT_LT(LogLevel::debug, LogLevel::error);
  EXPECT_FALSE(parse_log_level("warning"));
}

}  // namespace
}  // namespace sm
