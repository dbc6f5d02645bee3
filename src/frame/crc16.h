// CRC-16/X.25 as used for the HDLC header and frame check sequences (IEC 62056-46,
// after ISO/IEC 13239): reflected polynomial 0x1021 (0x8408), initial
// value 0xFFFF, final XOR 0xFFFF. On the wire the result is sent low byte first.
#pragma once

#include <array>
#include <cstdint>
#include <span>

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
}  // namespace detail

[[nodiscard]] constexpr std::uint16_t crc16_x25(std::span<const std::uint8_t> bytes) noexcept {
  unsigned crc = 0xFFFF;
  for (const std::uint8_t b : bytes) crc = (crc >> 8) ^ detail::kCrc16X25Table[(crc ^ b) & 0xFFu];
  return static_cast<std::uint16_t>(crc ^ 0xFFFFu);
}

}  // namespace sm::frame
