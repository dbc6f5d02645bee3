// GCM's counter mode for a 96-bit nonce (NIST SP 800-38D 7.1): the keystream AES(K, N || n)
// for n = 2, 3, … (inc32: the low 32 bits wrap), XORed into the message. The fast kernel
// behind Aes128Gcm::keystream_xor, inside crypto/ only.
//
// Why not Botan's CTR-BE: it keeps a counter buffer and a keystream buffer for its
// parallelism and pays a seek on every set_iv, which for a 300-byte DLMS push costs as much
// as the AES itself (3,044 against 1,452 instructions per KSM West burst). Here the counter
// blocks are written once into a stack chunk and encrypted with one call to Botan's AES
// (AES-NI/ARMv8 encrypt several blocks in parallel). tests/unit/crypto checks it against
// Botan's GCM on the published cases and on random keys, nonces and lengths.
#pragma once

#include <cstdint>
#include <span>

#include <botan/block_cipher.h>

#include "crypto/aes_gcm.h"

namespace sm::crypto {

// out = in XOR GCM's keystream from counter block `first_counter`; `out` has in.size()
// bytes (in == out is fine). The keystream is scrubbed from the stack afterwards.
void gcm_keystream_xor(const Botan::BlockCipher& aes, const GcmNonce& nonce,
                       std::uint32_t first_counter, std::span<const std::uint8_t> in,
                       std::uint8_t* out);

}  // namespace sm::crypto
