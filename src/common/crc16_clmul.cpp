// The CRC register of polynomial 0x8408 (CRC-16/X.25, KERMIT) by carry-less multiplication (after
// Intel's "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ Instruction", 2009), for
// the HDLC frame check sequence over whole frames: the table costs about four instructions a byte,
// folding 16 bytes costs about six.
//
// The CRC register after a message M (no initial value) is M(x)·x^16 mod P(x), so any
// block with the same remainder mod P gives the same CRC, and zero bytes in front of a
// message (with the register at zero) change nothing. So the 1..15 bytes before the first
// whole block go first as one zero-padded block. A 16-byte block X followed by 16 more
// bytes Y is replaced by fold(X) ^ Y, where fold(X) ≡ X(x)·x^128 (mod P) is computed from
// X's two 64-bit halves with one multiplication each by a 16-bit constant. The last block
// is folded down to 64 bits, whose CRC a Barrett reduction gives.
#include <cstring>

#include "common/crc16.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define SM_CRC16_CLMUL 1
#endif

namespace sm::crc_detail {

#if defined(SM_CRC16_CLMUL)
namespace {

constexpr unsigned kPoly = 0x11021u;  // x^16 + x^12 + x^5 + 1, not reflected

constexpr unsigned reflect16(unsigned v) {
  unsigned r = 0;
  for (unsigned i = 0; i < 16; ++i) r |= ((v >> i) & 1u) << (15 - i);
  return r;
}
static_assert(reflect16(kPoly & 0xFFFFu) == kCcittPoly, "the kernel's polynomial is the table's");

// x^power mod P(x) as a bit-reflected 64-bit operand: bit j holds the coefficient of
// x^(63-j), the order in which a reflected CRC sees the bits.
constexpr std::uint64_t fold_constant(unsigned power) {
  unsigned remainder = 1;
  for (unsigned i = 0; i < power; ++i) {
    remainder <<= 1;
    if ((remainder & 0x10000u) != 0) remainder ^= kPoly;
  }
  std::uint64_t reflected = 0;
  for (unsigned i = 0; i < 16; ++i) {
    if (((remainder >> i) & 1u) != 0) reflected |= std::uint64_t{1} << (63 - i);
  }
  return reflected;
}

// Barrett's constant floor(x^80 / P(x)) without its x^64 term, reflected like the above.
// Long division: the quotient bit of degree d is the leading bit of the running remainder.
constexpr std::uint64_t barrett_constant() {
  unsigned remainder = 0x10000u;  // x^16: the top of x^80 as the division starts
  std::uint64_t reflected = 0;
  for (int degree = 64; degree >= 0; --degree) {
    const bool bit = (remainder & 0x10000u) != 0;
    if (bit) remainder ^= kPoly;
    if (bit && degree < 64) reflected |= std::uint64_t{1} << (63 - degree);
    remainder <<= 1;
  }
  return reflected;
}

// A block loaded little-endian holds x^127 in bit 0. Its low half H stands for H·x^64,
// its high half L for L; the product of two reflected 64-bit operands comes out one
// degree short, hence x^191 and x^127 for H·x^192 and L·x^128, and x^63 for H·x^64.
constexpr std::uint64_t kFoldLow = fold_constant(191);
constexpr std::uint64_t kFoldHigh = fold_constant(127);
constexpr std::uint64_t kFoldToHigh = fold_constant(63);
constexpr std::uint64_t kBarrett = barrett_constant();

constexpr std::size_t kBlock = 16;

// Byte-shuffle masks: loaded from offset n, the first 16 - n bytes are 0x80 (zero) and
// the rest 0, 1, ...: the first n bytes of a block move to its end behind zeros.
constexpr std::array<std::uint8_t, 2 * kBlock> make_shift_masks() {
  std::array<std::uint8_t, 2 * kBlock> masks{};
  for (std::size_t i = 0; i < kBlock; ++i) {
    masks[i] = 0x80;
    masks[kBlock + i] = static_cast<std::uint8_t>(i);
  }
  return masks;
}
constexpr auto kShiftMasks = make_shift_masks();

__m128i load_block(const std::uint8_t* at) noexcept {
  __m128i block;
  std::memcpy(&block, at, kBlock);
  return block;
}

// The CRC register of the 16-byte block `x` (128 -> 80 -> 64 bits, then Barrett): the low
// half H (H·x^64) is replaced by H·x^64 mod P, which ends up in the bits 48..63, and
// these once more. For Y of degree < 64, Y·x^16 mod P = (Q·(x^12 + x^5 + 1)) mod x^16
// with the quotient Q = Y + floor(Y·mu / x^64); only Q's 16 lowest terms count.
[[gnu::target("pclmul,ssse3")]] inline unsigned reduce(__m128i x) noexcept {
  const __m128i reduce =
      _mm_set_epi64x(static_cast<long long>(kBarrett), static_cast<long long>(kFoldToHigh));
  const __m128i zero = _mm_setzero_si128();
  x = _mm_xor_si128(_mm_clmulepi64_si128(x, reduce, 0x00), _mm_unpackhi_epi64(zero, x));
  x = _mm_xor_si128(_mm_clmulepi64_si128(x, reduce, 0x00), x);
  const auto y = static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(x, x)));
  const auto product = static_cast<std::uint64_t>(_mm_cvtsi128_si64(
      _mm_clmulepi64_si128(_mm_cvtsi64_si128(static_cast<long long>(y)), reduce, 0x10)));
  const auto q = static_cast<unsigned>((y ^ (product << 1)) >> 48);
  return (q ^ (q >> 5) ^ (q >> 12)) & 0xFFFFu;
}

// The first `count` (1..16) bytes at `data` behind zeros, the register's two bytes added.
[[gnu::target("pclmul,ssse3")]] inline __m128i first_block(unsigned crc, const std::uint8_t* data,
                                                           std::size_t count) noexcept {
  __m128i mask;
  std::memcpy(&mask, kShiftMasks.data() + count, kBlock);
  return _mm_shuffle_epi8(_mm_xor_si128(load_block(data), _mm_cvtsi32_si128(static_cast<int>(crc))),
                          mask);
}

// `size` >= 16 and size % 16 != 1 (the register's two bytes are then in the first block).
[[gnu::target("pclmul,ssse3")]] unsigned fold(unsigned crc, const std::uint8_t* data,
                                              std::size_t size) noexcept {
  // The first block: the leading size % 16 bytes behind zeros, or a whole block.
  const std::size_t first = size % kBlock == 0 ? kBlock : size % kBlock;
  __m128i x = first_block(crc, data, first);
  const __m128i constants =
      _mm_set_epi64x(static_cast<long long>(kFoldHigh), static_cast<long long>(kFoldLow));
  for (const std::uint8_t* next = data + first; next != data + size; next += kBlock) {
    const __m128i low = _mm_clmulepi64_si128(x, constants, 0x00);
    const __m128i high = _mm_clmulepi64_si128(x, constants, 0x11);
    x = _mm_xor_si128(_mm_xor_si128(low, high), load_block(next));
  }
  return reduce(x);
}

bool cpu_has_clmul() noexcept {
  __builtin_cpu_init();
  return __builtin_cpu_supports("pclmul") != 0 && __builtin_cpu_supports("ssse3") != 0;
}

// Checked once, before main.
const bool kClmul = cpu_has_clmul();

}  // namespace
#endif

unsigned ccitt_register(unsigned crc, std::span<const std::uint8_t> bytes) noexcept {
#if defined(SM_CRC16_CLMUL)
  if (kClmul && bytes.size() >= kBlock) {
    if (bytes.size() % kBlock == 1) {  // the register's second byte would be in block two
      crc = (crc >> 8) ^ kSlices<kCcittPoly>[0][(crc ^ bytes[0]) & 0xFFu];
      bytes = bytes.subspan(1);
    }
    return fold(crc, bytes.data(), bytes.size());
  }
#endif
  return sliced<kCcittPoly>(crc, bytes);
}

unsigned ccitt_register_prefix(unsigned crc, std::span<const std::uint8_t> bytes,
                               std::size_t count) noexcept {
#if defined(SM_CRC16_CLMUL)
  // A short prefix (an HDLC header) is one block: the 16 bytes from its start, the bytes
  // after the prefix shuffled out.
  if (kClmul && count >= 2 && count <= kBlock && bytes.size() >= kBlock) {
    return reduce(first_block(crc, bytes.data(), count));
  }
#endif
  return ccitt_register(crc, bytes.first(count));
}

bool ccitt_kernel_active() noexcept {
#if defined(SM_CRC16_CLMUL)
  return kClmul;
#else
  return false;
#endif
}

}  // namespace sm::crc_detail
