// The one definition of each small primitive: hex digits, big-endian loads and stores,
// log levels, ASCII case folding and trimming.
#include <array>
#include <cstdint>
#include <limits>
#include <span>

#include <gtest/gtest.h>

#include "common/ascii.h"
#include "common/endian.h"
#include "common/hex.h"
#include "common/log_level.h"

namespace sm {
namespace {

// HTTP tokens and DSMR unit spellings compare in ASCII only: "kWh" is "KWH", but a Latin-1
// 0xC4 ('Ä') is not 0xE4 ('ä') whatever the locale, and no byte outside A-Z is folded.
TEST(Ascii, FoldsOnlyAsciiLetters) {
  EXPECT_TRUE(equals_ignoring_ascii_case("kWh", "KWH"));
  EXPECT_TRUE(equals_ignoring_ascii_case("Keep-Alive", "keep-alive"));
  EXPECT_FALSE(equals_ignoring_ascii_case("kWh", "kW"));
  EXPECT_FALSE(equals_ignoring_ascii_case("\xC4", "\xE4"));
  EXPECT_FALSE(equals_ignoring_ascii_case("@", "`"));  // 0x40 and 0x60 are no letters
  EXPECT_FALSE(equals_ignoring_ascii_case("[", "{"));
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    const char expected = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : ch;
    EXPECT_EQ(ascii_lower(ch), expected) << c;
  }
}

TEST(Ascii, TrimsBlanksOnBothSides) {
  EXPECT_EQ(trim_blanks(" \t gzip;q=0 \t"), "gzip;q=0");
  EXPECT_EQ(trim_blanks("a b"), "a b");
  EXPECT_EQ(trim_blanks(" \t "), "");
  EXPECT_EQ(trim_blanks("\nx\n"), "\nx\n");  // only spaces and tabs
  EXPECT_EQ(trim_blanks_left(" \tkey: v \t"), "key: v \t");
  EXPECT_EQ(trim_blanks_right(" \tkey: v \t"), " \tkey: v");
}

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

// The hex digits a text checksum starts with (DSMR's CRC after '!'): at most max_digits,
// either case, stopping at the first other byte.
TEST(LeadingHex, ReadsUpToMaxDigits) {
  const auto text = [](std::string_view s) {
    return std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  };
  auto r = sm::leading_hex(text("AD3B\r\n"), 4);
  EXPECT_EQ(r.digits, 4u);
  EXPECT_EQ(r.value, 0xAD3B);
  r = sm::leading_hex(text("ad3bF"), 4);
  EXPECT_EQ(r.digits, 4u);
  EXPECT_EQ(r.value, 0xAD3B);
  r = sm::leading_hex(text("D3B\r"), 4);
  EXPECT_EQ(r.digits, 3u);
  EXPECT_EQ(r.value, 0x0D3B);
  r = sm::leading_hex(text("\r\n"), 4);
  EXPECT_EQ(r.digits, 0u);
  EXPECT_EQ(r.value, 0);
  r = sm::leading_hex(text("1G"), 4);
  EXPECT_EQ(r.digits, 1u);
  EXPECT_EQ(r.value, 1);
}
