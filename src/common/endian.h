// Big-endian stores: how DLMS, GCM's counter blocks and most wire formats order the bytes of
// an integer. Loads go through ByteReader (common/byte_reader.h).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>

namespace sm {

// `v` as sizeof(UInt) big-endian bytes at `out`.
template <std::unsigned_integral UInt>
constexpr void store_be(std::uint8_t* out, UInt v) noexcept {
  for (std::size_t i = 0; i < sizeof(UInt); ++i) {
    out[i] = static_cast<std::uint8_t>(v >> (8 * (sizeof(UInt) - 1 - i)));
  }
}

}  // namespace sm
