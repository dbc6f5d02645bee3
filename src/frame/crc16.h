// CRC-16/X.25 as used for the HDLC header and frame check sequences (IEC 62056-46,
// after ISO/IEC 13239): reflected polynomial 0x1021 (0x8408), initial
// value 0xFFFF, final XOR 0xFFFF. On the wire the result is sent low byte first.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

namespace sm::frame {

namespace detail {
constexpr std::array<std::uint16_t, 256> make_crc16_x25_table() {
  std::array<std::uint16_t, 256> table{};
  for (unsigned byte = 0; byte < 256; ++byte) {
    unsigned crc = byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1u) != 0 ? (crc >> 1) ^ 0x8408u : crc >> 1;
    table[byte] = static_cast<std::uint16_t>(crc);
  }
  return table;
}
inline constexpr auto kCrc16X25Table = make_crc16_x25_table();

// Slicing-by-8: slice[k][b] is the CRC contribution of byte b followed by k zero bytes,
// so eight bytes are folded in with eight independent table lookups.
constexpr std::array<std::array<std::uint16_t, 256>, 8> make_crc16_x25_slices() {
  std::array<std::array<std::uint16_t, 256>, 8> slice{};
  slice[0] = make_crc16_x25_table();
  for (std::size_t k = 1; k < slice.size(); ++k) {
    for (unsigned byte = 0; byte < 256; ++byte) {
      const unsigned prev = slice[k - 1][byte];
      slice[k][byte] = static_cast<std::uint16_t>((prev >> 8) ^ slice[0][prev & 0xFFu]);
    }
  }
  return slice;
}
inline constexpr auto kCrc16X25Slices = make_crc16_x25_slices();

// The CRC register (no initial value, no final XOR) after `bytes`, from the table.
[[nodiscard]] constexpr unsigned crc16_x25_sliced(unsigned crc,
                                                  std::span<const std::uint8_t> bytes) noexcept {
  const auto& t = kCrc16X25Slices;
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    crc ^= static_cast<unsigned>(bytes[i]) | (static_cast<unsigned>(bytes[i + 1]) << 8);
    crc = t[7][crc & 0xFFu] ^ t[6][crc >> 8] ^ t[5][bytes[i + 2]] ^ t[4][bytes[i + 3]] ^
          t[3][bytes[i + 4]] ^ t[2][bytes[i + 5]] ^ t[1][bytes[i + 6]] ^ t[0][bytes[i + 7]];
  }
  if (i + 4 <= bytes.size()) {  // four of the last seven bytes (an HDLC header, say) at once
    crc ^= static_cast<unsigned>(bytes[i]) | (static_cast<unsigned>(bytes[i + 1]) << 8);
    crc = t[3][crc & 0xFFu] ^ t[2][crc >> 8] ^ t[1][bytes[i + 2]] ^ t[0][bytes[i + 3]];
    i += 4;
  }
  for (; i < bytes.size(); ++i) crc = (crc >> 8) ^ t[0][(crc ^ bytes[i]) & 0xFFu];
  return crc;
}

// The same at run time: 16 bytes per step by carry-less multiplication where the CPU has
// it (x86-64 PCLMULQDQ, checked once), else the table (crc16.cpp).
[[nodiscard]] unsigned crc16_x25_runtime(unsigned crc,
                                         std::span<const std::uint8_t> bytes) noexcept;
}  // namespace detail

// crc16_x25_continue(crc16_x25(a), b) == crc16_x25(a ‖ b): a frame check sequence can
// go on from the header check sequence instead of starting over.
[[nodiscard]] constexpr std::uint16_t crc16_x25_continue(
    std::uint16_t crc, std::span<const std::uint8_t> bytes) noexcept {
  unsigned reg = crc ^ 0xFFFFu;
  if (std::is_constant_evaluated()) {
    reg = detail::crc16_x25_sliced(reg, bytes);
  } else {
    reg = detail::crc16_x25_runtime(reg, bytes);
  }
  return static_cast<std::uint16_t>(reg ^ 0xFFFFu);
}

[[nodiscard]] constexpr std::uint16_t crc16_x25(std::span<const std::uint8_t> bytes) noexcept {
  return crc16_x25_continue(0x0000, bytes);  // register 0xFFFF
}

// crc16_x25(bytes.first(count)), for a short prefix of a longer run of bytes (an HDLC
// header in front of its frame): the bytes after the prefix may be read (never beyond
// `bytes`), so that up to 16 bytes take one carry-less multiplication step.
[[nodiscard]] std::uint16_t crc16_x25_prefix(std::span<const std::uint8_t> bytes,
                                             std::size_t count) noexcept;

}  // namespace sm::frame
