#include "crypto/gcm_keystream.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "common/endian.h"
#include "crypto/secret.h"

namespace sm::crypto {
namespace {

constexpr std::size_t kBlock = 16;
constexpr std::size_t kChunkBlocks = 32;  // 512 bytes of keystream per AES call

// 16 bytes as one vector register (SSE2, NEON): GCC's and clang's vector extension.
using Block16 = std::uint8_t __attribute__((vector_size(16)));

// out = a XOR b for one Word (an integer or Block16) of bytes, read and written unaligned.
template <class Word>
void xor_words(std::uint8_t* out, const std::uint8_t* a, const std::uint8_t* b) {
  Word x;
  Word y;
  std::memcpy(&x, a, sizeof(Word));
  std::memcpy(&y, b, sizeof(Word));
  x ^= y;
  std::memcpy(out, &x, sizeof(Word));
}

void xor_bytes(std::uint8_t* out, const std::uint8_t* a, const std::uint8_t* b, std::size_t n) {
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) xor_words<Block16>(out + i, a + i, b + i);
  if (i + 8 <= n) {
    xor_words<std::uint64_t>(out + i, a + i, b + i);
    i += 8;
  }
  for (; i < n; ++i) out[i] = static_cast<std::uint8_t>(a[i] ^ b[i]);
}

// Writes `blocks` counter blocks N || c, N || c+1, … into `chunk`.
void counter_blocks(std::uint8_t* chunk, const GcmNonce& nonce, std::uint32_t c,
                    std::size_t blocks) {
  std::array<std::uint8_t, kBlock> block{};
  std::copy(nonce.begin(), nonce.end(), block.begin());
  store_be(block.data() + 12, c);
  if ((c & 0xFFu) + blocks <= 0x100) {
    // Only the counter's last byte changes within this chunk (the first 3.5 KiB of a message).
    for (std::size_t b = 0; b < blocks; ++b, chunk += kBlock) {
      std::memcpy(chunk, block.data(), kBlock);
      chunk[15] = static_cast<std::uint8_t>(c + b);
    }
    return;
  }
  for (std::size_t b = 0; b < blocks; ++b, chunk += kBlock) {
    store_be(block.data() + 12, static_cast<std::uint32_t>(c + b));
    std::memcpy(chunk, block.data(), kBlock);
  }
}

}  // namespace

void gcm_keystream_xor(const Botan::BlockCipher& aes, const GcmNonce& nonce,
                       std::uint32_t first_counter, std::span<const std::uint8_t> in,
                       std::uint8_t* out) {
  // Not initialised: every byte read was written by counter_blocks() first.
  alignas(16) std::array<std::uint8_t, kChunkBlocks * kBlock> chunk;
  std::size_t used = 0;
  std::uint32_t counter = first_counter;
  for (std::size_t done = 0; done < in.size();) {
    const std::size_t n = std::min(in.size() - done, chunk.size());
    const std::size_t blocks = (n + kBlock - 1) / kBlock;
    counter_blocks(chunk.data(), nonce, counter, blocks);
    aes.encrypt_n(chunk.data(), chunk.data(), blocks);
    used = std::max(used, blocks * kBlock);
    xor_bytes(out + done, in.data() + done, chunk.data(), n);
    counter += static_cast<std::uint32_t>(blocks);
    done += n;
  }
  scrub(std::span(chunk).first(used));
}

}  // namespace sm::crypto
