// The CRC module: reflected CRC-16s from the catalogue ("Catalogue of parametrised CRC
// algorithms", R. Williams' model), each given by its reflected polynomial, initial register
// and final XOR, over one table-driven definition:
//   X.25   (HDLC header and frame check sequences, IEC 62056-46; the SML transport)
//   ARC    (DSMR P1 telegrams; poly 0x8005 reflected)
//   KERMIT (SML implementations that say "CCITT"; X.25's polynomial, register 0, no XOR)
// On the wire a CRC-16 is sent low byte first. Polynomial 0x8408 (X.25, KERMIT) runs 16 bytes
// a step by carry-less multiplication where the CPU has it: that kernel is crc16_clmul.cpp,
// behind crc_detail::ccitt_register().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

namespace sm {

struct Crc16Spec {
  std::uint16_t poly;    // reflected: x^0's coefficient in bit 15
  std::uint16_t init;    // the register before the first byte
  std::uint16_t xorout;  // XORed into the register to give the CRC
};
inline constexpr Crc16Spec kCrc16X25{0x8408, 0xFFFF, 0xFFFF};
inline constexpr Crc16Spec kCrc16Arc{0xA001, 0x0000, 0x0000};
inline constexpr Crc16Spec kCrc16Kermit{0x8408, 0x0000, 0x0000};

namespace crc_detail {

inline constexpr std::uint16_t kCcittPoly = 0x8408;  // x^16 + x^12 + x^5 + 1, reflected

// Slicing-by-8: slice[k][b] is the register contribution of byte b followed by k zero bytes,
// so eight bytes are folded in with eight independent table lookups.
template <std::uint16_t Poly>
constexpr std::array<std::array<std::uint16_t, 256>, 8> make_slices() {
  std::array<std::array<std::uint16_t, 256>, 8> slice{};
  for (unsigned byte = 0; byte < 256; ++byte) {
    unsigned crc = byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1u) != 0 ? (crc >> 1) ^ Poly : crc >> 1;
    slice[0][byte] = static_cast<std::uint16_t>(crc);
  }
  for (std::size_t k = 1; k < slice.size(); ++k) {
    for (unsigned byte = 0; byte < 256; ++byte) {
      const unsigned prev = slice[k - 1][byte];
      slice[k][byte] = static_cast<std::uint16_t>((prev >> 8) ^ slice[0][prev & 0xFFu]);
    }
  }
  return slice;
}
template <std::uint16_t Poly>
inline constexpr auto kSlices = make_slices<Poly>();

// The register after `bytes`, starting from `crc` (no initial value, no final XOR).
template <std::uint16_t Poly>
[[nodiscard]] constexpr unsigned sliced(unsigned crc,
                                        std::span<const std::uint8_t> bytes) noexcept {
  const auto& t = kSlices<Poly>;
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

// The seam to the fast kernel (crc16_clmul.cpp), for polynomial 0x8408: the register after
// `bytes`, 16 bytes a step by carry-less multiplication where the CPU has it (x86-64
// PCLMULQDQ, checked once), else sliced<kCcittPoly>().
[[nodiscard]] unsigned ccitt_register(unsigned crc, std::span<const std::uint8_t> bytes) noexcept;
// The register after bytes.first(count); the bytes after the prefix may be read (never
// beyond `bytes`), so that a prefix of up to 16 bytes is one kernel step.
[[nodiscard]] unsigned ccitt_register_prefix(unsigned crc, std::span<const std::uint8_t> bytes,
                                             std::size_t count) noexcept;
// Whether ccitt_register() runs the carry-less multiplication kernel on this CPU.
[[nodiscard]] bool ccitt_kernel_active() noexcept;

template <std::uint16_t Poly>
[[nodiscard]] constexpr unsigned update(unsigned crc,
                                        std::span<const std::uint8_t> bytes) noexcept {
  if constexpr (Poly == kCcittPoly) {
    if (!std::is_constant_evaluated()) return ccitt_register(crc, bytes);
  }
  return sliced<Poly>(crc, bytes);
}

}  // namespace crc_detail

// crc16_continue<S>(crc16<S>(a), b) == crc16<S>(a ‖ b): a frame check sequence can go on
// from the header check sequence instead of starting over.
template <Crc16Spec S>
[[nodiscard]] constexpr std::uint16_t crc16_continue(std::uint16_t crc,
                                                     std::span<const std::uint8_t> bytes) noexcept {
  return static_cast<std::uint16_t>(crc_detail::update<S.poly>(crc ^ S.xorout, bytes) ^ S.xorout);
}

template <Crc16Spec S>
[[nodiscard]] constexpr std::uint16_t crc16(std::span<const std::uint8_t> bytes) noexcept {
  return crc16_continue<S>(static_cast<std::uint16_t>(S.init ^ S.xorout), bytes);
}

// The catalogue's CRCs by name.
[[nodiscard]] constexpr std::uint16_t crc16_x25(std::span<const std::uint8_t> bytes) noexcept {
  return crc16<kCrc16X25>(bytes);
}
[[nodiscard]] constexpr std::uint16_t crc16_x25_continue(
    std::uint16_t crc, std::span<const std::uint8_t> bytes) noexcept {
  return crc16_continue<kCrc16X25>(crc, bytes);
}
[[nodiscard]] constexpr std::uint16_t crc16_arc(std::span<const std::uint8_t> bytes) noexcept {
  return crc16<kCrc16Arc>(bytes);
}
[[nodiscard]] constexpr std::uint16_t crc16_kermit(std::span<const std::uint8_t> bytes) noexcept {
  return crc16<kCrc16Kermit>(bytes);
}

// DSMR P1's CRC field, after the telegram's '!': crc16_arc over '/'..'!' as 4 hex digits,
// 3 where a device drops a leading zero (DSMR 4.x/5.0.2 P1 companion standard); DSMR 2.2
// and 3.0 send none. Read with leading_hex() (common/hex.h).
inline constexpr std::size_t kDsmrCrcDigits = 4;
inline constexpr std::size_t kDsmrCrcMinDigits = 3;

// crc16_x25(bytes.first(count)), for a short prefix of a longer run of bytes (an HDLC header
// in front of its frame): the bytes after the prefix may be read (never beyond `bytes`), so
// that up to 16 bytes take one carry-less multiplication step.
[[nodiscard]] inline std::uint16_t crc16_x25_prefix(std::span<const std::uint8_t> bytes,
                                                    std::size_t count) noexcept {
  return static_cast<std::uint16_t>(
      crc_detail::ccitt_register_prefix(kCrc16X25.init, bytes, count) ^ kCrc16X25.xorout);
}

}  // namespace sm
