#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include <gtest/gtest.h>

#include "frame/link_frames.h"

namespace sm::frame::link {
namespace {

std::uint8_t plain_sum(std::span<const std::uint8_t> bytes) {
  unsigned sum = 0;
  for (const std::uint8_t b : bytes) sum += b;
  return static_cast<std::uint8_t>(sum & 0xFFu);
}

TEST(MbusChecksum, EmptyAndShortInputs) {
  EXPECT_EQ(mbus_checksum({}), 0);
  const std::vector<std::uint8_t> bytes{0x53, 0xFF, 0x00, 0x01, 0x67};
  EXPECT_EQ(mbus_checksum(bytes), 0xBA);  // 0x53 + 0xFF + 0x01 + 0x67 = 0x1BA
}

// The word-wise sum against the byte-wise definition, for every length that exercises the
// 8-byte steps, the tail, and more than one 1,024-byte block; all-0xFF input is the worst
// case for the 16-bit lanes.
TEST(MbusChecksum, EqualsTheByteWiseSum) {
  std::mt19937 random(42);
  std::vector<std::uint8_t> bytes(3000);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(random());
  const std::vector<std::uint8_t> ones(3000, 0xFF);
  for (std::size_t n = 0; n <= bytes.size(); ++n) {
    ASSERT_EQ(mbus_checksum(std::span(bytes).first(n)), plain_sum(std::span(bytes).first(n))) << n;
    ASSERT_EQ(mbus_checksum(std::span(ones).first(n)), plain_sum(std::span(ones).first(n))) << n;
  }
}

}  // namespace
}  // namespace sm::frame::link
