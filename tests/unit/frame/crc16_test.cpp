#include "frame/crc16.h"

#include <array>
#include <span>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace sm::frame {
namespace {

// The catalogue check value of CRC-16/X.25 (a.k.a. CRC-16/IBM-SDLC): crc("123456789").
constexpr std::array<std::uint8_t, 9> kCheckInput{'1', '2', '3', '4', '5', '6', '7', '8', '9'};
static_assert(crc16_x25(kCheckInput) == 0x906E);

TEST(Crc16X25, CatalogueCheckValue) {
  EXPECT_EQ(crc16_x25(kCheckInput), 0x906E);
}

TEST(Crc16X25, EmptyInput) {
  EXPECT_EQ(crc16_x25({}), 0x0000);
}

// NO-AIDON-1PH: format A0D2, destination 41, source 08 83, control 13; the HCS on the
// wire is 82 D6 (low byte first).
TEST(Crc16X25, HdlcHeaderOfARealFrame) {
  constexpr std::array<std::uint8_t, 6> header{0xA0, 0xD2, 0x41, 0x08, 0x83, 0x13};
  EXPECT_EQ(crc16_x25(header), 0xD682);
}

// The sliced implementation against the bit-by-bit definition, for every length that
// exercises the 8-byte blocks, the tail and both together.
std::uint16_t crc16_x25_bitwise(std::span<const std::uint8_t> bytes) {
  unsigned crc = 0xFFFF;
  for (const std::uint8_t b : bytes) {
    crc ^= b;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1u) != 0 ? (crc >> 1) ^ 0x8408u : crc >> 1;
  }
  return static_cast<std::uint16_t>(crc ^ 0xFFFFu);
}

TEST(Crc16X25, SlicedMatchesBitwiseForAllLengths) {
  std::vector<std::uint8_t> data(300);
  unsigned state = 12345;
  for (auto& b : data) {
    state = state * 1103515245u + 12345u;
    b = static_cast<std::uint8_t>(state >> 16);
  }
  for (std::size_t length = 0; length <= data.size(); ++length) {
    for (std::size_t start : {std::size_t{0}, std::size_t{3}}) {
      if (start + length > data.size()) continue;
      const auto part = std::span<const std::uint8_t>(data).subspan(start, length);
      EXPECT_EQ(crc16_x25(part), crc16_x25_bitwise(part)) << "length " << length;
    }
  }
}

}  // namespace
}  // namespace sm::frame
