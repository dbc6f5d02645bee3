// CRC-16/X.25 by carry-less multiplication (after Intel's "Fast CRC Computation for
// Generic Polynomials Using PCLMULQDQ Instruction", 2009), for the HDLC frame check
// sequence over whole frames: the table costs about four instructions a byte, folding
// 16 bytes costs about six.
//
// The CRC register after a message M (no initial value) is M(x)·x^16 mod P(x), so any
// block with the same remainder mod P gives the same CRC. A 16-byte block X followed by
// 16 more bytes Y is replaced by fold(X) ^ Y, where fold(X) ≡ X(x)·x^128 (mod P) is
// computed from X's two 64-bit halves with one multiplication each by a 16-bit constant.
// The last block, and the bytes before the first whole block, go through the table.
#include "frame/crc16.h"

#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#define SM_CRC16_CLMUL 1
#endif

namespace sm::frame::detail {

#if defined(SM_CRC16_CLMUL)
namespace {

// x^power mod P(x), P = x^16 + x^12 + x^5 + 1, as a bit-reflected 64-bit operand: bit j
// holds the coefficient of x^(63-j), the order in which a reflected CRC sees the bits.
constexpr std::uint64_t fold_constant(unsigned power) {
  unsigned remainder = 1;
  for (unsigned i = 0; i < power; ++i) {
    remainder <<= 1;
    if ((remainder & 0x10000u) != 0) remainder ^= 0x11021u;
  }
  std::uint64_t reflected = 0;
  for (unsigned i = 0; i < 16; ++i) {
    if (((remainder >> i) & 1u) != 0) reflected |= std::uint64_t{1} << (63 - i);
  }
  return reflected;
}

// A block loaded little-endian holds x^127 in bit 0. Its low half H stands for H·x^64,
// its high half L for L; the product of two reflected 64-bit operands comes out one
// degree short, hence x^191 and x^127 for H·x^192 and L·x^128.
constexpr std::uint64_t kFoldLow = fold_constant(191);
constexpr std::uint64_t kFoldHigh = fold_constant(127);

constexpr std::size_t kBlock = 16;

[[gnu::target("pclmul")]] unsigned fold_blocks(unsigned crc, const std::uint8_t* blocks,
                                               std::size_t count) noexcept {
  const __m128i constants =
      _mm_set_epi64x(static_cast<long long>(kFoldHigh), static_cast<long long>(kFoldLow));
  __m128i x;
  std::memcpy(&x, blocks, kBlock);
  x = _mm_xor_si128(x, _mm_cvtsi32_si128(static_cast<int>(crc)));
  for (std::size_t i = 1; i < count; ++i) {
    __m128i next;
    std::memcpy(&next, blocks + i * kBlock, kBlock);
    const __m128i low = _mm_clmulepi64_si128(x, constants, 0x00);
    const __m128i high = _mm_clmulepi64_si128(x, constants, 0x11);
    x = _mm_xor_si128(_mm_xor_si128(low, high), next);
  }
  std::uint8_t last[kBlock];
  std::memcpy(last, &x, kBlock);
  return crc16_x25_sliced(0, last);
}

bool cpu_has_clmul() noexcept {
  __builtin_cpu_init();
  return __builtin_cpu_supports("pclmul") != 0;
}

}  // namespace
#endif

unsigned crc16_x25_runtime(unsigned crc, std::span<const std::uint8_t> bytes) noexcept {
#if defined(SM_CRC16_CLMUL)
  // Folding pays from two blocks on; the bytes before the first whole block go first.
  static const bool clmul = cpu_has_clmul();
  if (clmul && bytes.size() >= 2 * kBlock) {
    const std::size_t head = bytes.size() % kBlock;
    crc = crc16_x25_sliced(crc, bytes.first(head));
    return fold_blocks(crc, bytes.data() + head, bytes.size() / kBlock);
  }
#endif
  return crc16_x25_sliced(crc, bytes);
}

}  // namespace sm::frame::detail
