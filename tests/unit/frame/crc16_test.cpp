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

// Reproducible pseudo-random bytes.
std::vector<std::uint8_t> random_bytes(std::size_t size, unsigned seed) {
  std::vector<std::uint8_t> data(size);
  for (auto& b : data) {
    seed = seed * 1103515245u + 12345u;
    b = static_cast<std::uint8_t>(seed >> 16);
  }
  return data;
}

TEST(Crc16X25, SlicedMatchesBitwiseForAllLengths) {
  const auto data = random_bytes(300, 12345);
  for (std::size_t length = 0; length <= data.size(); ++length) {
    for (std::size_t start : {std::size_t{0}, std::size_t{3}}) {
      if (start + length > data.size()) continue;
      const auto part = std::span<const std::uint8_t>(data).subspan(start, length);
      EXPECT_EQ(crc16_x25(part), crc16_x25_bitwise(part)) << "length " << length;
    }
  }
}

// The table path alone, at run time, for every length: crc16_x25() takes it only for short
// inputs where the CPU has carry-less multiplication (as this one may), and for all inputs
// where it has not (ARM, older x86-64).
TEST(Crc16X25, TablePathMatchesBitwiseForAllLengths) {
  const auto data = random_bytes(300, 4242);
  for (std::size_t length = 0; length <= data.size(); ++length) {
    const auto part = std::span<const std::uint8_t>(data).first(length);
    const auto crc = static_cast<std::uint16_t>(detail::crc16_x25_sliced(0xFFFFu, part) ^ 0xFFFFu);
    ASSERT_EQ(crc, crc16_x25_bitwise(part)) << "length " << length;
  }
}

// Inputs from 16 bytes on go 16 bytes at a time (carry-less multiplication where the CPU
// has it): the leading bytes as one zero-padded block, the last block by Barrett
// reduction. Every length up to 2100, at an aligned and an odd start; all-zero and
// all-0xFF blocks are the edge cases of the folding, random ones the rest.
TEST(Crc16X25, FoldedMatchesBitwiseAtEveryLength) {
  const std::vector<std::vector<std::uint8_t>> inputs{random_bytes(2103, 777),
                                                      std::vector<std::uint8_t>(2103, 0x00),
                                                      std::vector<std::uint8_t>(2103, 0xFF)};
  for (const auto& data : inputs) {
    for (std::size_t start : {std::size_t{0}, std::size_t{3}}) {
      for (std::size_t length = 0; length <= 2100; ++length) {
        const auto part = std::span<const std::uint8_t>(data).subspan(start, length);
        ASSERT_EQ(crc16_x25(part), crc16_x25_bitwise(part))
            << "length " << length << ", start " << start;
      }
    }
  }
}

// A prefix of a longer run (an HDLC header): every prefix length of every run length up
// to 40 bytes, so that both the one-block step (runs of 16 bytes and more) and the table
// fallback are checked, and bytes after the prefix never count.
TEST(Crc16X25, PrefixMatchesBitwise) {
  for (const unsigned seed : {5u, 6u}) {
    const auto data = random_bytes(40, seed);
    const auto all = std::span<const std::uint8_t>(data);
    for (std::size_t size = 0; size <= all.size(); ++size) {
      for (std::size_t count = 0; count <= size; ++count) {
        ASSERT_EQ(crc16_x25_prefix(all.first(size), count), crc16_x25_bitwise(all.first(count)))
            << "count " << count << " of " << size;
      }
    }
  }
}

// Going on from a CRC gives the CRC of the whole, at every split point.
TEST(Crc16X25, ContinueEqualsTheWhole) {
  for (const std::size_t size : {std::size_t{200}, std::size_t{1100}}) {
    const auto data = random_bytes(size, 99);
    const auto all = std::span<const std::uint8_t>(data);
    const std::uint16_t whole = crc16_x25_bitwise(all);
    for (std::size_t split = 0; split <= data.size(); ++split) {
      ASSERT_EQ(crc16_x25_continue(crc16_x25(all.first(split)), all.subspan(split)), whole)
          << "size " << size << ", split " << split;
    }
  }
  static_assert(crc16_x25_continue(crc16_x25(std::span(kCheckInput).first(4)),
                                   std::span(kCheckInput).subspan(4)) == 0x906E);
}

}  // namespace
}  // namespace sm::frame
