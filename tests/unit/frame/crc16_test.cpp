#include "frame/crc16.h"

#include <array>
#include <string_view>

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

}  // namespace
}  // namespace sm::frame
