#include "common/crc16.h"

#include <array>
#include <span>
#include <vector>

#include <gtest/gtest.h>

namespace sm {
namespace {

// The catalogue check values: crc("123456789").
constexpr std::array<std::uint8_t, 9> kCheckInput{'1', '2', '3', '4', '5', '6', '7', '8', '9'};
static_assert(crc16_x25(kCheckInput) == 0x906E);
static_assert(crc16_arc(kCheckInput) == 0xBB3D);
static_assert(crc16_kermit(kCheckInput) == 0x2189);

TEST(Crc16, CatalogueCheckValues) {
  EXPECT_EQ(crc16_x25(kCheckInput), 0x906E);
  EXPECT_EQ(crc16_arc(kCheckInput), 0xBB3D);
  EXPECT_EQ(crc16_kermit(kCheckInput), 0x2189);
}

TEST(Crc16, EmptyInputIsInitXorOut) {
  EXPECT_EQ(crc16_x25({}), 0x0000);
  EXPECT_EQ(crc16_arc({}), 0x0000);
  EXPECT_EQ(crc16_kermit({}), 0x0000);
}

// NO-AIDON-1PH: format A0D2, destination 41, source 08 83, control 13; the HCS on the
// wire is 82 D6 (low byte first).
TEST(Crc16, X25OfARealHdlcHeader) {
  constexpr std::array<std::uint8_t, 6> header{0xA0, 0xD2, 0x41, 0x08, 0x83, 0x13};
  EXPECT_EQ(crc16_x25(header), 0xD682);
}

// The definition, bit by bit: what every table and kernel is checked against.
template <Crc16Spec S>
std::uint16_t bitwise(std::span<const std::uint8_t> bytes) {
  unsigned crc = S.init;
  for (const std::uint8_t b : bytes) {
    crc ^= b;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1u) != 0 ? (crc >> 1) ^ S.poly : crc >> 1;
  }
  return static_cast<std::uint16_t>(crc ^ S.xorout);
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

// Every catalogue entry through crc16<S> (table or kernel) against the definition, at
// every length that exercises the 8-byte slices, the 4-byte step and the tail, at an
// aligned and an odd start.
template <Crc16Spec S>
void expect_matches_bitwise(unsigned seed) {
  const auto data = random_bytes(300, seed);
  for (std::size_t length = 0; length + 3 <= data.size(); ++length) {
    for (std::size_t start : {std::size_t{0}, std::size_t{3}}) {
      const auto part = std::span<const std::uint8_t>(data).subspan(start, length);
      ASSERT_EQ(crc16<S>(part), bitwise<S>(part)) << "length " << length << ", start " << start;
    }
  }
}

TEST(Crc16, EverySpecMatchesBitwise) {
  expect_matches_bitwise<kCrc16X25>(12345);
  expect_matches_bitwise<kCrc16Arc>(23456);
  expect_matches_bitwise<kCrc16Kermit>(34567);
}

// The table alone, at run time, for every length: the runtime path takes it only for short
// inputs where the CPU has carry-less multiplication (as this one may), and for all inputs
// where it has not (ARM, older x86-64).
TEST(Crc16, TablePathMatchesBitwise) {
  const auto data = random_bytes(300, 4242);
  for (std::size_t length = 0; length <= data.size(); ++length) {
    const auto part = std::span<const std::uint8_t>(data).first(length);
    ASSERT_EQ(crc_detail::sliced<0x8408>(0xFFFFu, part) ^ 0xFFFFu, bitwise<kCrc16X25>(part));
    ASSERT_EQ(crc_detail::sliced<0xA001>(0u, part), bitwise<kCrc16Arc>(part));
  }
}

// The kernel (carry-less multiplication where the CPU has it, which the test names):
// inputs from 16 bytes on go 16 bytes at a time, the leading bytes as one zero-padded
// block, the last block by Barrett reduction. Every length up to 2100 at an aligned and an
// odd start, from X.25's and KERMIT's initial registers; all-zero and all-0xFF blocks are
// the edge cases of the folding, random ones the rest.
TEST(Crc16, KernelMatchesTableAndBitwiseAtEveryLength) {
  RecordProperty("clmul_kernel", crc_detail::ccitt_kernel_active() ? "yes" : "no");
  const std::vector<std::vector<std::uint8_t>> inputs{random_bytes(2103, 777),
                                                      std::vector<std::uint8_t>(2103, 0x00),
                                                      std::vector<std::uint8_t>(2103, 0xFF)};
  for (const auto& data : inputs) {
    for (std::size_t start : {std::size_t{0}, std::size_t{3}}) {
      for (std::size_t length = 0; length <= 2100; ++length) {
        const auto part = std::span<const std::uint8_t>(data).subspan(start, length);
        for (const unsigned init : {0xFFFFu, 0x0000u}) {
          ASSERT_EQ(crc_detail::ccitt_register(init, part),
                    crc_detail::sliced<crc_detail::kCcittPoly>(init, part))
              << "length " << length << ", start " << start << ", init " << init;
        }
        ASSERT_EQ(crc16_x25(part), bitwise<kCrc16X25>(part));
        ASSERT_EQ(crc16_kermit(part), bitwise<kCrc16Kermit>(part));
      }
    }
  }
}

// A prefix of a longer run (an HDLC header): every prefix length of every run length up
// to 40 bytes, so that both the one-block step (runs of 16 bytes and more) and the table
// fallback are checked, and bytes after the prefix never count.
TEST(Crc16, X25PrefixMatchesBitwise) {
  for (const unsigned seed : {5u, 6u}) {
    const auto data = random_bytes(40, seed);
    const auto all = std::span<const std::uint8_t>(data);
    for (std::size_t size = 0; size <= all.size(); ++size) {
      for (std::size_t count = 0; count <= size; ++count) {
        ASSERT_EQ(crc16_x25_prefix(all.first(size), count), bitwise<kCrc16X25>(all.first(count)))
            << "count " << count << " of " << size;
      }
    }
  }
}

// Going on from a CRC gives the CRC of the whole, at every split point.
template <Crc16Spec S>
void expect_continue_equals_whole(std::size_t size) {
  const auto data = random_bytes(size, 99);
  const auto all = std::span<const std::uint8_t>(data);
  const std::uint16_t whole = bitwise<S>(all);
  for (std::size_t split = 0; split <= data.size(); ++split) {
    ASSERT_EQ(crc16_continue<S>(crc16<S>(all.first(split)), all.subspan(split)), whole)
        << "size " << size << ", split " << split;
  }
}

TEST(Crc16, ContinueEqualsTheWhole) {
  for (const std::size_t size : {std::size_t{200}, std::size_t{1100}}) {
    expect_continue_equals_whole<kCrc16X25>(size);
    expect_continue_equals_whole<kCrc16Arc>(size);
    expect_continue_equals_whole<kCrc16Kermit>(size);
  }
  static_assert(crc16_x25_continue(crc16_x25(std::span(kCheckInput).first(4)),
                                   std::span(kCheckInput).subspan(4)) == 0x906E);
  static_assert(crc16_continue<kCrc16Arc>(crc16_arc(std::span(kCheckInput).first(4)),
                                          std::span(kCheckInput).subspan(4)) == 0xBB3D);
}

}  // namespace
}  // namespace sm
