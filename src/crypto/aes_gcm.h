// AES-128 in Galois/Counter Mode (NIST SP 800-38D) with a 96-bit nonce, from Botan's own
// GCM and CTR (aes_gcm.cpp): the receiving side checks the tag and decrypts, the sending
// side seals, and `keystream_xor` is GCM's counter mode alone (what DLMS security suites
// 0/1 send when a message is encrypted but not authenticated).
//
// A context is keyed once and reused message after message: setting the same key or the
// same associated data again costs one constant-time compare, not a new key schedule or a
// new hash of the associated data. Botan's exceptions end here: every call returns a
// Result whose error (code `decrypt`, layer `crypto`) names the operation, never a key.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/result.h"

namespace sm::crypto {

using Aes128Key = std::array<std::uint8_t, 16>;
using GcmNonce = std::array<std::uint8_t, 12>;

class Aes128Gcm {
 public:
  // `tag_size`: the tag length in bytes, 12..16 (SP 800-38D 5.2.1.2; DLMS uses 12).
  explicit Aes128Gcm(std::size_t tag_size);
  ~Aes128Gcm();
  Aes128Gcm(const Aes128Gcm&) = delete;
  Aes128Gcm& operator=(const Aes128Gcm&) = delete;

  [[nodiscard]] std::size_t tag_size() const noexcept { return tag_size_; }

  // Keys the context for the calls that follow (a no-op for the key it holds).
  Result<void> set_key(const Aes128Key& key);

  // Authenticated decryption: when `tag` verifies over (`ad`, `ciphertext`), `plaintext`
  // holds the decrypted bytes (its capacity is reused) and the result is true. When it does
  // not, the result is false and `plaintext` is left empty: no decrypted byte leaves.
  Result<bool> open(const GcmNonce& nonce, std::span<const std::uint8_t> ad,
                    std::span<const std::uint8_t> ciphertext, std::span<const std::uint8_t> tag,
                    std::vector<std::uint8_t>& plaintext);

  // GMAC: whether `tag` authenticates `ad` (an empty message).
  Result<bool> verify(const GcmNonce& nonce, std::span<const std::uint8_t> ad,
                      std::span<const std::uint8_t> tag);

  // Authenticated encryption: ciphertext || tag appended to `out`.
  Result<void> seal(const GcmNonce& nonce, std::span<const std::uint8_t> ad,
                    std::span<const std::uint8_t> plaintext, std::vector<std::uint8_t>& out);

  // GCM's counter mode without the tag: out = in XOR AES(K, nonce || 2), AES(K, nonce || 3),
  // … (SP 800-38D 7.1 step 3; counter block 1 masks the tag). Encrypts and decrypts alike.
  // `out` is resized to in.size() (its capacity is reused).
  Result<void> keystream_xor(const GcmNonce& nonce, std::span<const std::uint8_t> in,
                             std::vector<std::uint8_t>& out);

 private:
  struct State;  // Botan's objects and what is cached for them (aes_gcm.cpp)
  std::size_t tag_size_;
  std::unique_ptr<State> state_;
};

}  // namespace sm::crypto
