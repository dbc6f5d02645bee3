// DLMS/COSEM security layer: general-glo-ciphering / general-ded-ciphering with
// security suite 0/1 (AES-128-GCM), IEC 62056-5-3 clause 5.6 / Green Book 9.2.7.
//
// The only file of the project that includes Botan. Every Botan exception is caught
// here; nothing escapes as an exception. Keys never appear in a message.
//
//   general-glo-ciphering ::= [219] (0xDB) { system-title OCTET STRING,
//                                            ciphered-content OCTET STRING }
//   general-ded-ciphering ::= [220] (0xDC) (same layout, dedicated key)
//   ciphered-content = SC(1) IC(4) payload [T(12)]
//
// Green Book 9.2.7.2.4 (security suite 0, GCM):
//   IV = system-title (8) || IC (4)
//   SC 0x30 authenticated encryption: A = SC || AK, (C, T) = GCM-AE(EK, IV, P, A)
//   SC 0x20 encryption only:         C = the CTR part of GCM (counter block IV || 2)
//   SC 0x10 authentication only:     A = SC || AK || P, T = GMAC(EK, IV, A); P in clear
//   T is truncated to 12 bytes.
#include "dlms/security.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>

#include <botan/aead.h>
#include <botan/base64.h>
#include <botan/bcrypt.h>
#include <botan/block_cipher.h>
#include <botan/exceptn.h>
// GCM's GHASH: public API in Botan 2 ("will be made internal" later; Botan's headers are
// system includes here, which keeps that notice from failing -Werror).
#include <botan/ghash.h>
#include <botan/hash.h>
#include <botan/mem_ops.h>
#include <botan/secmem.h>
#include <botan/version.h>

#include "common/byte_reader.h"
#include "common/hex.h"
#include "dlms/axdr.h"

namespace sm::dlms {
namespace {

constexpr std::uint8_t kGloCiphering = 0xDB;  // general-glo-ciphering [219]
constexpr std::uint8_t kDedCiphering = 0xDC;  // general-ded-ciphering [220]
constexpr std::uint8_t kAuthenticated = 0x10;
constexpr std::uint8_t kEncrypted = 0x20;
constexpr std::uint8_t kBroadcast = 0x40;
constexpr std::uint8_t kCompressed = 0x80;
constexpr std::uint8_t kSuiteMask = 0x0F;
constexpr std::uint8_t kMaxSuite = 1;  // suites 0 and 1 both use AES-128-GCM
constexpr std::size_t kTagSize = 12;   // Green Book: GCM tag truncated to 12 bytes
constexpr std::size_t kKeySize = 16;
constexpr std::size_t kHeaderSize = 5;  // SC + IC

constexpr std::string_view kSpace = "apdu";
constexpr std::string_view kLayer = "security";

using Iv = std::array<std::uint8_t, 12>;
constexpr std::size_t kBlock = 16;  // AES block, GCM counter block

// `v` as big-endian bytes at `out` (the IV's invocation counter, GCM's counter and
// length blocks).
template <class UInt>
void store_be(std::uint8_t* out, UInt v) {
  for (std::size_t i = 0; i < sizeof(UInt); ++i) {
    out[i] = static_cast<std::uint8_t>(v >> (8 * (sizeof(UInt) - 1 - i)));
  }
}

constexpr std::size_t blocks_for(std::size_t bytes) {
  return (bytes + kBlock - 1) / kBlock;
}

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

// A = SC || AK: the associated data of authenticated (and encrypted) APDUs.
using Aad17 = std::array<std::uint8_t, 1 + kKeySize>;
Aad17 make_aad(std::uint8_t sc, const Key& ak) {
  Aad17 a{};
  a[0] = sc;
  for (std::size_t i = 0; i < kKeySize; ++i) a[1 + i] = ak[i];
  return a;
}

// A = SC || AK || P: the associated data of authentication-only APDUs (GMAC).
Botan::secure_vector<std::uint8_t> gmac_aad(std::uint8_t sc, const Key& ak,
                                            std::span<const std::uint8_t> p) {
  Botan::secure_vector<std::uint8_t> a;
  a.reserve(1 + kKeySize + p.size());
  a.push_back(sc);
  a.insert(a.end(), ak.begin(), ak.end());
  a.insert(a.end(), p.begin(), p.end());
  return a;
}

// Scrubs a stack buffer holding key-derived bytes when it goes out of scope.
template <class Buffer>
class Scrub {
 public:
  explicit Scrub(Buffer& b) : b_(b) {}
  ~Scrub() { Botan::secure_scrub_memory(b_.data(), b_.size()); }
  Scrub(const Scrub&) = delete;
  Scrub& operator=(const Scrub&) = delete;

 private:
  Buffer& b_;
};

// Equality of two byte arrays, one of them secret (the cached EK, the cached AAD with the
// AK, the computed tag against the received one), in constant time: no early exit, the
// words XORed and ORed together, one test at the end.
template <std::size_t N>
bool same_secret(const std::uint8_t* a, const std::uint8_t* b) {
  std::uint64_t diff = 0;
  std::size_t i = 0;
  for (; i + 8 <= N; i += 8) {
    std::uint64_t x = 0;
    std::uint64_t y = 0;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    diff |= x ^ y;
  }
  for (; i < N; ++i) diff |= static_cast<std::uint64_t>(a[i] ^ b[i]);
  return diff == 0;
}

// The cipher objects of one EK, kept per thread so a stream of frames under the same key
// pays for the key schedule, H and the GHASH of the associated data once.
//
// unprotect() composes GCM (NIST SP 800-38D) from Botan's AES-128 and Botan's GHASH: the
// keystream is built here (counter blocks IV || n, one encrypt_n over all of them), so the
// tag is checked before a single byte of plaintext exists, and the CTR-only modes pay for
// neither Botan's CTR keystream buffer nor its seek. protect() keeps Botan's own GCM
// (AEAD_Mode), which makes it an independent reference for the tests of unprotect().
struct Engine {
  Key key{};
  bool keyed{false};
  std::unique_ptr<Botan::BlockCipher> aes;  // AES-128 under EK
  // Keyed with H = AES(EK, 0^128) and used through its stateless ghash_update: the running
  // hash lives in `hash`, so the cached hash of the associated data is copied, not redone.
  Botan::GHASH ghash;
  Botan::secure_vector<std::uint8_t> hash;  // GHASH state of the tag being computed
  // The 17-byte A = SC || AK of the last encrypted-and-authenticated frame and its GHASH
  // (zero padded), valid while aad_cached; `aad` (holding the AK) is scrubbed like the key.
  Aad17 aad{};
  Botan::secure_vector<std::uint8_t> aad_hash;
  bool aad_cached{false};
  std::unique_ptr<Botan::AEAD_Mode> gcm_enc;  // protect(): AES-128/GCM with a 12-byte tag

  Engine() = default;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  ~Engine() {
    Botan::secure_scrub_memory(key.data(), key.size());
    Botan::secure_scrub_memory(aad.data(), aad.size());
  }

  void rekey(const Key& ek) {
    if (keyed && same_secret<kKeySize>(key.data(), ek.data())) return;
    keyed = false;
    aad_cached = false;
    key = ek;
    if (!aes) aes = Botan::BlockCipher::create_or_throw("AES-128");
    aes->set_key(key.data(), key.size());
    std::array<std::uint8_t, kBlock> h{};  // H = AES(EK, 0^128), GHASH's key
    Scrub<decltype(h)> scrub_h(h);
    aes->encrypt(h.data());
    ghash.set_key(h.data(), h.size());
    if (gcm_enc) gcm_enc->set_key(key.data(), key.size());
    keyed = true;
  }

  // Whether `tag` is T = GHASH_H(A, C) XOR AES(EK, J0) (truncated to the tag's length),
  // compared in constant time, for A = SC || AK; the hash of A is kept for the next frame
  // with the same SC and AK. `ek_j0` is the first keystream block (counter IV || 1).
  bool tag_matches(std::uint8_t sc, const Key& ak, std::span<const std::uint8_t> ek_j0,
                   std::span<const std::uint8_t> ciphertext, std::span<const std::uint8_t> tag) {
    if (!aad_cached || aad[0] != sc || !same_secret<kKeySize>(aad.data() + 1, ak.data())) {
      aad_cached = false;
      aad = make_aad(sc, ak);
      aad_hash.assign(kBlock, 0);
      ghash.ghash_update(aad_hash, aad.data(), aad.size());
      aad_cached = true;
    }
    hash.assign(aad_hash.begin(), aad_hash.end());
    return finish_tag(aad.size(), ek_j0, ciphertext, tag);
  }
  // The same for any A (SC 0x10: A = SC || AK || P, no ciphertext); nothing is cached.
  bool tag_matches(std::span<const std::uint8_t> a, std::span<const std::uint8_t> ek_j0,
                   std::span<const std::uint8_t> ciphertext, std::span<const std::uint8_t> tag) {
    hash.assign(kBlock, 0);
    ghash.ghash_update(hash, a.data(), a.size());
    return finish_tag(a.size(), ek_j0, ciphertext, tag);
  }

  Botan::AEAD_Mode& gcm_encryption() {
    if (!gcm_enc) {
      auto m = Botan::AEAD_Mode::create_or_throw("AES-128/GCM(12)", Botan::ENCRYPTION);
      m->set_key(key.data(), key.size());
      gcm_enc = std::move(m);
    }
    return *gcm_enc;
  }

 private:
  // hash holds GHASH(A); adds C (zero padded) and the block len64(A) || len64(C) (bits),
  // masks the result with AES(EK, J0) and compares. Botan's CLMUL GHASH takes four blocks
  // per step: the leading multiple of four full blocks of C is hashed in place, the rest
  // (at most three full blocks, the partial one and the lengths) from one stack buffer.
  bool finish_tag(std::size_t aad_len, std::span<const std::uint8_t> ek_j0,
                  std::span<const std::uint8_t> c, std::span<const std::uint8_t> tag) {
    const std::size_t grouped = c.size() / (4 * kBlock) * (4 * kBlock);
    if (grouped > 0) ghash.ghash_update(hash, c.data(), grouped);
    std::array<std::uint8_t, 5 * kBlock> rest{};  // public bytes: ciphertext and lengths
    const std::size_t rest_len = c.size() - grouped;
    if (rest_len > 0) std::memcpy(rest.data(), c.data() + grouped, rest_len);
    const std::size_t lengths_at = blocks_for(rest_len) * kBlock;
    store_be(rest.data() + lengths_at, std::uint64_t{aad_len} * 8);
    store_be(rest.data() + lengths_at + 8, std::uint64_t{c.size()} * 8);
    ghash.ghash_update(hash, rest.data(), lengths_at + kBlock);
    xor_words<Block16>(hash.data(), hash.data(), ek_j0.data());
    const bool ok = tag.size() == kTagSize && same_secret<kTagSize>(hash.data(), tag.data());
    Botan::secure_scrub_memory(hash.data(), hash.size());
    return ok;
  }
};

[[gnu::hot]] Engine& engine_for(const Key& ek) {
  thread_local Engine engine;
  engine.rekey(ek);
  return engine;
}

Iv make_iv(const SystemTitle& title, std::uint32_t ic) {
  Iv iv{};
  for (std::size_t i = 0; i < title.size(); ++i) iv[i] = title[i];
  store_be(iv.data() + 8, ic);
  return iv;
}

// GCM's keystream for a 96-bit IV (SP 800-38D 7.1): AES(EK, IV || n) for n = 1 (J0, which
// masks the tag), 2, 3, … (the message; inc32: the low 32 bits wrap). Generated on the stack
// up to kChunkBlocks blocks per AES call (AES-NI encrypts several blocks in parallel) and
// scrubbed when the Keystream goes out of scope.
class Keystream {
 public:
  static constexpr std::size_t kChunkBlocks = 32;

  Keystream(const Botan::BlockCipher& aes, const Iv& iv, std::uint32_t first_counter)
      : aes_(aes), iv_(iv), counter_(first_counter) {}
  ~Keystream() { Botan::secure_scrub_memory(bytes_.data(), used_); }
  Keystream(const Keystream&) = delete;
  Keystream& operator=(const Keystream&) = delete;

  // The next `blocks` (1..kChunkBlocks) keystream blocks; valid until the next call.
  std::span<const std::uint8_t> next(std::size_t blocks) {
    // Locals, so the compiler keeps them in registers while storing bytes.
    std::array<std::uint8_t, kBlock> counter_block{};
    std::memcpy(counter_block.data(), iv_.data(), iv_.size());
    std::uint32_t c = counter_;
    std::uint8_t* block = bytes_.data();
    if ((c & 0xFF) + blocks <= 0x100) {
      // Only the counter's last byte changes within this chunk: the first 224 blocks
      // (3.5 KiB) of every APDU.
      store_be(counter_block.data() + 12, c);
      for (std::size_t b = 0; b < blocks; ++b, block += kBlock, ++c) {
        std::memcpy(block, counter_block.data(), kBlock);
        block[15] = static_cast<std::uint8_t>(c);
      }
    } else {
      for (std::size_t b = 0; b < blocks; ++b, block += kBlock, ++c) {
        store_be(counter_block.data() + 12, c);
        std::memcpy(block, counter_block.data(), kBlock);
      }
    }
    counter_ = c;
    aes_.encrypt_n(bytes_.data(), bytes_.data(), blocks);
    used_ = std::max(used_, blocks * kBlock);
    return {bytes_.data(), blocks * kBlock};
  }

  // out = in XOR the keystream: first `ready` (left over from next()), then fresh chunks.
  void apply(std::span<const std::uint8_t> ready, std::span<const std::uint8_t> in,
             std::uint8_t* out) {
    std::size_t done = std::min(ready.size(), in.size());
    xor_bytes(out, in.data(), ready.data(), done);
    while (done < in.size()) {
      const std::size_t left = in.size() - done;
      const auto chunk = next(std::min(blocks_for(left), kChunkBlocks));
      const std::size_t n = std::min(chunk.size(), left);
      xor_bytes(out + done, in.data() + done, chunk.data(), n);
      done += n;
    }
  }

 private:
  static void xor_bytes(std::uint8_t* out, const std::uint8_t* a, const std::uint8_t* b,
                        std::size_t n) {
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) xor_words<Block16>(out + i, a + i, b + i);
    if (i + 8 <= n) {
      xor_words<std::uint64_t>(out + i, a + i, b + i);
      i += 8;
    }
    for (; i < n; ++i) out[i] = static_cast<std::uint8_t>(a[i] ^ b[i]);
  }

  const Botan::BlockCipher& aes_;
  const Iv& iv_;
  std::uint32_t counter_;
  std::size_t used_{0};
  // Not initialised: every byte read was written by next() first.
  alignas(16) std::array<std::uint8_t, kChunkBlocks * kBlock> bytes_;
};

// GCM's receiving side for one APDU whose SC needs the EK. With an AK, the tag is computed
// over the ciphertext (SC 0x30: A = SC || AK) or over A = SC || AK || P (SC 0x10, GMAC) and
// compared in constant time before anything is decrypted: false means it does not verify,
// and no plaintext has existed anywhere. When `encrypted`, the body is decrypted into
// `plaintext` with GCM's counter mode (also when there is a tag but no AK to check it).
[[gnu::hot]] bool open(Engine& e, const Iv& iv, std::uint8_t sc, const Key* ak, bool encrypted,
                       std::span<const std::uint8_t> body, std::span<const std::uint8_t> tag,
                       std::vector<std::uint8_t>& plaintext) {
  // With a tag to check the keystream starts at J0 = IV || 1, whose block masks the tag.
  Keystream keystream(*e.aes, iv, ak != nullptr ? 1 : 2);
  std::span<const std::uint8_t> ready;  // keystream generated with J0's block, not yet used
  if (ak != nullptr) {
    ready = keystream.next(
        std::min(1 + (encrypted ? blocks_for(body.size()) : 0), Keystream::kChunkBlocks));
    const bool ok = encrypted
                        ? e.tag_matches(sc, *ak, ready.first(kBlock), body, tag)
                        : e.tag_matches(gmac_aad(sc, *ak, body), ready.first(kBlock), {}, tag);
    if (!ok) return false;
    ready = ready.subspan(kBlock);
  }
  if (encrypted) {
    plaintext.clear();
    plaintext.resize(body.size());
    keystream.apply(ready, body, plaintext.data());
  }
  return true;
}

// Adds an annotation; the meaning is only built when someone collects annotations.
template <class Meaning>
void note(Annotations* notes, std::size_t offset, std::size_t length, Meaning&& meaning) {
  if (notes != nullptr) annotate(notes, kSpace, offset, length, kLayer, meaning());
}

std::string hex2(std::uint8_t b) {
  return to_hex(std::span<const std::uint8_t>(&b, 1));
}

std::string describe_control(std::uint8_t sc) {
  std::string out = "security control 0x" + hex2(sc) + ":";
  if ((sc & kAuthenticated) != 0) out += " authenticated";
  if ((sc & kEncrypted) != 0) out += " encrypted";
  if ((sc & (kAuthenticated | kEncrypted)) == 0) out += " no protection";
  if ((sc & kBroadcast) != 0) out += " broadcast-key";
  if ((sc & kCompressed) != 0) out += " compressed";
  out += ", suite " + std::to_string(sc & kSuiteMask);
  return out;
}

std::string describe_title(std::span<const std::uint8_t> t) {
  std::string out = "system title " + to_hex(t);
  // The first three bytes are usually the FLAG manufacturer id in ASCII (KFM, LGZ, SAG...).
  bool ascii = true;
  for (std::size_t i = 0; i < 3 && i < t.size(); ++i) ascii = ascii && t[i] >= 0x20 && t[i] < 0x7F;
  if (ascii && t.size() >= 3) {
    out += " (" +
           std::string{static_cast<char>(t[0]), static_cast<char>(t[1]), static_cast<char>(t[2])} +
           ")";
  }
  return out;
}

[[gnu::hot]] Result<Unprotected> unprotect_ciphered(std::span<const std::uint8_t> apdu,
                                                    const Keys& keys, Annotations* notes,
                                                    std::vector<std::uint8_t>& buffer) {
  const std::uint8_t apdu_tag = apdu[0];
  ByteReader r(apdu, Layer::dlms,
               apdu_tag == kGloCiphering ? "general-glo-ciphering" : "general-ded-ciphering");
  (void)r.u8();
  note(notes, 0, 1, [&] {
    return std::string(apdu_tag == kGloCiphering ? "general-glo-ciphering (0xDB)"
                                                 : "general-ded-ciphering (0xDC)");
  });

  // system-title OCTET STRING: 8 bytes (Green Book 4.3.4), needed for the IV.
  const std::size_t title_at = r.position();
  auto title_len = read_length(r);
  if (!title_len) return tl::unexpected(title_len.error());
  if (*title_len != 8) {
    return tl::unexpected(
        r.error_at(title_at, ErrorCode::decode,
                   "system title of " + std::to_string(*title_len) + " bytes, expected 8"));
  }
  auto title_bytes = r.bytes(8);
  if (!title_bytes) return tl::unexpected(title_bytes.error());
  note(notes, title_at, r.position() - title_at, [&] { return describe_title(*title_bytes); });

  // ciphered-content OCTET STRING: its A-XDR length must match the bytes present.
  const std::size_t length_at = r.position();
  auto content_len = read_length(r);
  if (!content_len) return tl::unexpected(content_len.error());
  note(notes, length_at, r.position() - length_at,
       [&] { return "ciphered content length " + std::to_string(*content_len); });
  if (*content_len > r.remaining()) {
    return tl::unexpected(r.error_at(length_at, ErrorCode::incomplete,
                                     "ciphered content declares " + std::to_string(*content_len) +
                                         " bytes, " + std::to_string(r.remaining()) + " present"));
  }
  if (*content_len < kHeaderSize) {
    return tl::unexpected(r.error_at(
        length_at, ErrorCode::length,
        "ciphered content of " + std::to_string(*content_len) + " bytes cannot hold SC and IC"));
  }
  const std::size_t content_at = r.position();
  const std::span<const std::uint8_t> content = *r.bytes(*content_len);  // checked above
  const std::size_t trailing = r.remaining();

  SecurityHeader header;
  header.apdu_tag = apdu_tag;
  for (std::size_t i = 0; i < 8; ++i) header.system_title[i] = (*title_bytes)[i];
  ByteReader c(content, Layer::dlms, r.what(), content_at);
  header.control = *c.u8();
  header.invocation_counter = *c.u32be();
  const std::uint8_t sc = header.control;
  note(notes, content_at, 1, [&] { return describe_control(sc); });
  note(notes, content_at + 1, 4,
       [&] { return "invocation counter " + std::to_string(header.invocation_counter); });

  if ((sc & kCompressed) != 0) {
    return tl::unexpected(c.error_at(0, ErrorCode::unsupported,
                                     "compressed APDUs (SC 0x" + hex2(sc) + ") are not supported"));
  }
  if ((sc & kSuiteMask) > kMaxSuite) {
    return tl::unexpected(c.error_at(0, ErrorCode::unsupported,
                                     "security suite " + std::to_string(sc & kSuiteMask) +
                                         " (SC 0x" + hex2(sc) + ") is not supported"));
  }

  const bool authenticated = (sc & kAuthenticated) != 0;
  const bool encrypted = (sc & kEncrypted) != 0;
  const std::span<const std::uint8_t> payload = c.rest();
  const std::size_t payload_at = content_at + kHeaderSize;
  const std::size_t tag_len = authenticated ? kTagSize : 0;
  if (payload.size() < tag_len) {
    return tl::unexpected(c.error(
        ErrorCode::length,
        "payload of " + std::to_string(payload.size()) + " bytes is shorter than the 12-byte tag"));
  }
  const auto body = payload.first(payload.size() - tag_len);
  const auto tag = payload.last(tag_len);
  note(notes, payload_at, body.size(), [&] {
    std::string meaning(encrypted ? "ciphertext (" : "plaintext APDU (");
    return meaning.append(std::to_string(body.size())).append(" bytes)");
  });
  if (authenticated) {
    note(notes, payload_at + body.size(), kTagSize,
         [&] { return std::string("authentication tag (GCM, 12 bytes)"); });
  }

  if (encrypted && !keys.encryption) {
    return tl::unexpected(c.error_at(
        0, ErrorCode::key,
        "APDU is encrypted (SC 0x" + hex2(sc) + ") but no encryption key is configured"));
  }

  const bool can_verify = authenticated && keys.encryption && keys.authentication;
  Unprotected out;
  out.security = header;
  out.plaintext = std::move(buffer);
  if (encrypted || can_verify) {
    const Iv iv = make_iv(header.system_title, header.invocation_counter);
    if (!open(engine_for(*keys.encryption), iv, sc, can_verify ? &*keys.authentication : nullptr,
              encrypted, body, tag, out.plaintext)) {
      return tl::unexpected(c.error_at(0, ErrorCode::auth,
                                       std::string(encrypted ? "GCM" : "GMAC") +
                                           " tag does not verify (wrong keys or corrupted APDU)"));
    }
    out.tag_verified = can_verify;
  }
  if (!encrypted) {
    // In clear: authentication only, no protection at all, or authentication we cannot
    // check (missing key).
    out.plaintext.assign(body.begin(), body.end());
  }

  // The declared unit decoded (errors inside it take precedence); bytes after it mean the
  // APDU was mis-assembled, so nothing is returned.
  if (trailing > 0) {
    Botan::secure_scrub_memory(out.plaintext.data(), out.plaintext.size());
    return tl::unexpected(
        r.error(ErrorCode::length, std::to_string(trailing) +
                                       " bytes follow the declared ciphered content of " +
                                       std::to_string(*content_len) + " bytes"));
  }
  return out;
}

Result<std::vector<std::uint8_t>> protect_impl(std::span<const std::uint8_t> plaintext,
                                               const SystemTitle& system_title,
                                               std::uint32_t invocation_counter,
                                               std::uint8_t control, const Keys& keys) {
  const bool authenticated = (control & kAuthenticated) != 0;
  const bool encrypted = (control & kEncrypted) != 0;
  if ((control & kCompressed) != 0 || (control & kSuiteMask) > kMaxSuite) {
    return fail(ErrorCode::unsupported, Layer::dlms, 0,
                "protect: security control 0x" + hex2(control) + " is not supported");
  }
  if ((authenticated || encrypted) && !keys.encryption) {
    return fail(ErrorCode::key, Layer::dlms, 0, "protect: no encryption key configured");
  }
  if (authenticated && !keys.authentication) {
    return fail(ErrorCode::key, Layer::dlms, 0, "protect: no authentication key configured");
  }

  const Iv iv = make_iv(system_title, invocation_counter);
  std::vector<std::uint8_t> content;
  content.reserve(kHeaderSize + plaintext.size() + kTagSize);
  content.push_back(control);
  for (int shift = 24; shift >= 0; shift -= 8) {
    content.push_back(static_cast<std::uint8_t>(invocation_counter >> shift));
  }

  if (encrypted) {
    // Botan's own GCM. Encryption only (0x20) is GCM's ciphertext without its tag: the same
    // counter mode from IV || 2 (the tag, over empty associated data, is dropped).
    Engine& e = engine_for(*keys.encryption);
    auto& gcm = e.gcm_encryption();
    Aad17 aad = authenticated ? make_aad(control, *keys.authentication) : Aad17{};
    Scrub<Aad17> scrub_aad(aad);
    Botan::secure_vector<std::uint8_t> buffer(plaintext.begin(), plaintext.end());
    gcm.set_associated_data(aad.data(), authenticated ? aad.size() : 0);
    gcm.start(iv.data(), iv.size());
    gcm.finish(buffer);  // ciphertext || 12-byte tag
    if (!authenticated) buffer.resize(plaintext.size());
    content.insert(content.end(), buffer.begin(), buffer.end());
  } else if (authenticated) {
    Engine& e = engine_for(*keys.encryption);
    auto& gcm = e.gcm_encryption();
    const auto aad = gmac_aad(control, *keys.authentication, plaintext);
    Botan::secure_vector<std::uint8_t> tag;  // empty message: finish() yields only T
    gcm.set_associated_data(aad.data(), aad.size());
    gcm.start(iv.data(), iv.size());
    gcm.finish(tag);
    content.insert(content.end(), plaintext.begin(), plaintext.end());
    content.insert(content.end(), tag.begin(), tag.end());
  } else {
    content.insert(content.end(), plaintext.begin(), plaintext.end());
  }

  std::vector<std::uint8_t> out;
  out.reserve(content.size() + 16);
  out.push_back(kGloCiphering);
  out.push_back(0x08);
  out.insert(out.end(), system_title.begin(), system_title.end());
  write_length(out, content.size());
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

// Botan reports failures by exception; turn them into errors here, at the wrapper.
template <class F>
auto guarded(std::string_view what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return fail(ErrorCode::decrypt, Layer::dlms, 0, std::string(what) + ": out of memory");
  } catch (const std::exception& ex) {
    // Botan's messages name algorithms and sizes, never key bytes.
    return fail(ErrorCode::decrypt, Layer::dlms, 0,
                std::string(what) + ": crypto library error: " + ex.what());
  } catch (...) {
    return fail(ErrorCode::decrypt, Layer::dlms, 0, std::string(what) + ": unknown crypto error");
  }
}

}  // namespace

bool is_ciphered(std::span<const std::uint8_t> apdu) noexcept {
  return !apdu.empty() && (apdu[0] == kGloCiphering || apdu[0] == kDedCiphering);
}

Result<Unprotected> unprotect(std::span<const std::uint8_t> apdu, const Keys& keys,
                              Annotations* notes) {
  return unprotect(apdu, keys, notes, {});
}

Result<Unprotected> unprotect(std::span<const std::uint8_t> apdu, const Keys& keys,
                              Annotations* notes, std::vector<std::uint8_t> buffer) {
  if (apdu.empty()) return fail(ErrorCode::incomplete, Layer::dlms, 0, "empty APDU");
  if (!is_ciphered(apdu)) {
    return guarded("unprotect", [&]() -> Result<Unprotected> {
      Unprotected out;
      out.plaintext = std::move(buffer);
      out.plaintext.assign(apdu.begin(), apdu.end());
      return out;
    });
  }
  return guarded("unprotect", [&] { return unprotect_ciphered(apdu, keys, notes, buffer); });
}

Result<std::vector<std::uint8_t>> protect(std::span<const std::uint8_t> plaintext,
                                          const SystemTitle& system_title,
                                          std::uint32_t invocation_counter, std::uint8_t control,
                                          const Keys& keys) {
  return guarded("protect", [&] {
    return protect_impl(plaintext, system_title, invocation_counter, control, keys);
  });
}

std::string key_fingerprint(const Key& key) {
  static constexpr std::string_view kDomain = "smartmeter_exporter key fingerprint";
  try {
    auto sha = Botan::HashFunction::create_or_throw("SHA-256");
    sha->update(std::string(kDomain));
    sha->update(key.data(), key.size());
    const auto digest = sha->final();
    return to_hex_lower(std::span<const std::uint8_t>(digest.data(), 4));
  } catch (...) {
    return "unavailable";
  }
}

std::string crypto_library_version() {
  try {
    return Botan::short_version_string();  // e.g. "2.19.3"
  } catch (...) {
    return "unknown";
  }
}

bool check_bcrypt(std::string_view password, std::string_view hash) {
  try {
    return Botan::check_bcrypt(std::string(password), std::string(hash));
  } catch (const std::exception&) {
    return false;  // malformed hash: treat as a failed check
  }
}

std::string sha256_base64(std::string_view data) {
  try {
    auto sha = Botan::HashFunction::create_or_throw("SHA-256");
    sha->update(std::string(data));
    return Botan::base64_encode(sha->final());
  } catch (...) {
    return "";
  }
}

}  // namespace sm::dlms
