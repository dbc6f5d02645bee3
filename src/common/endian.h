// Big-endian loads and stores: how DLMS, GCM's counter blocks and most wire formats order the
// bytes of an integer. The one definition; bounds are the caller's (ByteReader checks them
// for parsers, common/byte_reader.h).
#pragma once

#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

namespace sm {

// `v` as sizeof(UInt) big-endian bytes at `out`.
template <std::unsigned_integral UInt>
constexpr void store_be(std::uint8_t* out, UInt v) noexcept {
  for (std::size_t i = 0; i < sizeof(UInt); ++i) {
    out[i] = static_cast<std::uint8_t>(v >> (8 * (sizeof(UInt) - 1 - i)));
  }
}

// The sizeof(UInt) big-endian bytes at `in`: one load and a byte swap at run time.
// (Inline: GBT block numbers, A-XDR integers and lengths of every push.)
template <std::unsigned_integral UInt>
[[nodiscard, gnu::always_inline]] constexpr UInt load_be(const std::uint8_t* in) noexcept {
  if constexpr (std::endian::native == std::endian::little && sizeof(UInt) > 1) {
    if (!std::is_constant_evaluated()) {
      UInt v;
      std::memcpy(&v, in, sizeof v);
      if constexpr (sizeof(UInt) == 2) return __builtin_bswap16(v);
      if constexpr (sizeof(UInt) == 4) return __builtin_bswap32(v);
      if constexpr (sizeof(UInt) == 8) return __builtin_bswap64(v);
    }
  }
  UInt v = 0;
  for (std::size_t i = 0; i < sizeof(UInt); ++i) v = static_cast<UInt>((v << 8) | in[i]);
  return v;
}

// Big-endian integers of 1..8 bytes, as A-XDR encodes them: unsigned, and two's complement
// sign-extended from the encoded width. (Inline: they run for every integer of every push.)
[[nodiscard, gnu::always_inline]] inline std::uint64_t load_be_unsigned(
    std::span<const std::uint8_t> bytes) noexcept {
  switch (bytes.size()) {  // the widths of the integer tags as one load each
    case 1:
      return bytes[0];
    case 2:
      return load_be<std::uint16_t>(bytes.data());
    case 4:
      return load_be<std::uint32_t>(bytes.data());
    case 8:
      return load_be<std::uint64_t>(bytes.data());
    default:
      break;
  }
  std::uint64_t v = 0;
  for (auto x : bytes) v = (v << 8) | x;
  return v;
}
[[nodiscard, gnu::always_inline]] inline std::int64_t load_be_signed(
    std::span<const std::uint8_t> bytes) noexcept {
  const std::uint64_t u = load_be_unsigned(bytes);
  const unsigned shift = static_cast<unsigned>(64 - 8 * bytes.size());
  // Sign-extend from the encoded width (C++20: conversions and >> are two's complement).
  return static_cast<std::int64_t>(u << shift) >> shift;
}

}  // namespace sm
