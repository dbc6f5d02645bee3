// AES-128-GCM from Botan's own AEAD_Mode ("AES-128/GCM(n)"): the tag is computed and
// checked by Botan. The counter mode alone (no tag) is gcm_keystream.cpp's kernel over
// Botan's AES block cipher, started at counter block nonce || 00000002 (a 12-byte IV given to
// a plain CTR mode would be zero-padded to nonce || 00000000: the right cipher, the wrong
// keystream).
//
// Public API of Botan 2.19 and Botan 3 only (aead.h, block_cipher.h, exceptn.h); the one
// difference between them that reaches this file is the name of the cipher direction.
#include "crypto/aes_gcm.h"

#include <algorithm>
#include <array>
#include <new>
#include <string>
#include <string_view>
#include <utility>

#include <botan/aead.h>
#include <botan/exceptn.h>
#include <botan/secmem.h>
#include <botan/version.h>

#include "crypto/gcm_keystream.h"
#include "crypto/secret.h"
#include "crypto/secret_box.h"

namespace sm::crypto {
namespace {

// Botan 3 scoped the direction (and deprecated Botan 2's unscoped names).
#if BOTAN_VERSION_MAJOR >= 3
constexpr auto kEncryption = Botan::Cipher_Dir::Encryption;
constexpr auto kDecryption = Botan::Cipher_Dir::Decryption;
#else
constexpr auto kEncryption = Botan::ENCRYPTION;
constexpr auto kDecryption = Botan::DECRYPTION;
#endif

// GCM's first message block is counter 2 (SP 800-38D 7.1: J0 = nonce || 1 masks the tag).
constexpr std::uint8_t kFirstMessageCounter = 2;

// Botan reports failures by exception: turned into errors here, the one wrapper that calls it.
template <class F>
auto guarded(std::string_view what, F&& f) -> decltype(f()) {
  return catch_into_error(ErrorCode::decrypt, Layer::crypto, what, std::forward<F>(f));
}

// One of Botan's GCM directions and the associated data it was last given (which Botan keeps
// between messages, so a repeat need not be hashed again). The copy may hold a key (DLMS:
// A = SC || AK), so it lives in Botan's scrubbing allocator and is compared in constant time.
struct GcmDirection {
  std::unique_ptr<Botan::AEAD_Mode> mode;
  Botan::secure_vector<std::uint8_t> ad;
  bool ad_set{false};

  Botan::AEAD_Mode& get(Botan::Cipher_Dir dir, std::size_t tag_size, const Aes128Key& key) {
    if (!mode) {
      mode =
          Botan::AEAD_Mode::create_or_throw("AES-128/GCM(" + std::to_string(tag_size) + ")", dir);
      mode->set_key(key.data(), key.size());
    }
    return *mode;
  }
  void set_associated_data(std::span<const std::uint8_t> data) {
    if (ad_set && equal_secret(ad, data)) return;
    ad_set = false;
    mode->set_associated_data(data.data(), data.size());
    ad.assign(data.begin(), data.end());
    ad_set = true;
  }
  void rekey(const Aes128Key& key) {
    ad_set = false;  // Botan's hash of the associated data belongs to the old key
    if (mode) mode->set_key(key.data(), key.size());
  }
};

}  // namespace

struct Aes128Gcm::State {
  Aes128Key key{};
  bool keyed{false};
  GcmDirection decryption;
  GcmDirection encryption;
  std::unique_ptr<Botan::BlockCipher> aes;  // the counter mode's, created on first use
  // ciphertext || tag, decrypted in place by Botan; scrubbed after every message.
  Botan::secure_vector<std::uint8_t> work;

  State() = default;
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() { scrub(key); }
  // The key copy above sits in pages left out of core dumps (crypto/secret_box.h).
  static void* operator new(std::size_t bytes) { return allocate_secret_pages(bytes); }
  static void operator delete(void* p, std::size_t bytes) noexcept {
    release_secret_pages(p, bytes);
  }
};

Aes128Gcm::Aes128Gcm(std::size_t tag_size)
    : tag_size_(tag_size), state_(std::make_unique<State>()) {}

Aes128Gcm::~Aes128Gcm() = default;

Result<void> Aes128Gcm::set_key(const Aes128Key& key) {
  State& s = *state_;
  if (s.keyed && equal_secret(s.key, key)) return {};
  return guarded("AES-128-GCM key", [&]() -> Result<void> {
    s.keyed = false;
    s.key = key;
    s.decryption.rekey(key);
    s.encryption.rekey(key);
    if (s.aes) s.aes->set_key(key.data(), key.size());
    s.keyed = true;
    return {};
  });
}

Result<bool> Aes128Gcm::open(const GcmNonce& nonce, std::span<const std::uint8_t> ad,
                             std::span<const std::uint8_t> ciphertext,
                             std::span<const std::uint8_t> tag,
                             std::vector<std::uint8_t>& plaintext) {
  plaintext.clear();
  if (!state_->keyed) return fail(ErrorCode::decrypt, Layer::crypto, 0, "GCM open: no key");
  if (tag.size() != tag_size_) return false;
  State& s = *state_;
  ScrubOnExit<Botan::secure_vector<std::uint8_t>> scrub_work(s.work);
  return guarded("GCM open", [&]() -> Result<bool> {
    auto& gcm = s.decryption.get(kDecryption, tag_size_, s.key);
    s.decryption.set_associated_data(ad);
    gcm.start(nonce.data(), nonce.size());
    s.work.assign(ciphertext.begin(), ciphertext.end());
    s.work.insert(s.work.end(), tag.begin(), tag.end());
    try {
      gcm.finish(s.work);  // checks the tag; the plaintext stays in `work` until it does
    } catch (const Botan::Invalid_Authentication_Tag&) {
      return false;
    }
    plaintext.assign(s.work.begin(), s.work.end());
    return true;
  });
}

Result<bool> Aes128Gcm::verify(const GcmNonce& nonce, std::span<const std::uint8_t> ad,
                               std::span<const std::uint8_t> tag) {
  std::vector<std::uint8_t> none;
  return open(nonce, ad, {}, tag, none);
}

Result<void> Aes128Gcm::seal(const GcmNonce& nonce, std::span<const std::uint8_t> ad,
                             std::span<const std::uint8_t> plaintext,
                             std::vector<std::uint8_t>& out) {
  if (!state_->keyed) return fail(ErrorCode::decrypt, Layer::crypto, 0, "GCM seal: no key");
  State& s = *state_;
  return guarded("GCM seal", [&]() -> Result<void> {
    auto& gcm = s.encryption.get(kEncryption, tag_size_, s.key);
    s.encryption.set_associated_data(ad);
    gcm.start(nonce.data(), nonce.size());
    Botan::secure_vector<std::uint8_t> buffer(plaintext.begin(), plaintext.end());
    gcm.finish(buffer);  // ciphertext || tag
    out.insert(out.end(), buffer.begin(), buffer.end());
    return {};
  });
}

Result<void> Aes128Gcm::keystream_xor(const GcmNonce& nonce, std::span<const std::uint8_t> in,
                                      std::vector<std::uint8_t>& out) {
  if (!state_->keyed) return fail(ErrorCode::decrypt, Layer::crypto, 0, "GCM CTR: no key");
  State& s = *state_;
  return guarded("GCM CTR", [&]() -> Result<void> {
    if (!s.aes) {
      s.aes = Botan::BlockCipher::create_or_throw("AES-128");
      s.aes->set_key(s.key.data(), s.key.size());
    }
    out.resize(in.size());
    gcm_keystream_xor(*s.aes, nonce, kFirstMessageCounter, in, out.data());
    return {};
  });
}

}  // namespace sm::crypto
