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

#include <memory>
#include <new>

#include <botan/aead.h>
#include <botan/base64.h>
#include <botan/bcrypt.h>
#include <botan/exceptn.h>
#include <botan/hash.h>
#include <botan/mem_ops.h>
#include <botan/secmem.h>
#include <botan/stream_cipher.h>
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

// Botan objects keyed with one EK, kept per thread so a stream of frames under the same
// key pays for the key schedule (and GHASH's H) once.
struct Engine {
  Key key{};
  bool keyed{false};
  std::unique_ptr<Botan::StreamCipher> ctr;   // GCM's own counter mode: CTR-BE, 32-bit counter
  std::unique_ptr<Botan::AEAD_Mode> gcm_dec;  // AES-128/GCM with a 12-byte tag
  std::unique_ptr<Botan::AEAD_Mode> gcm_enc;
  // Working buffer of authenticated decryption, reused from frame to frame (secure
  // memory is slow to allocate). Scrubbed after every use; see ScrubbedScratch.
  Botan::secure_vector<std::uint8_t> scratch;

  Engine() = default;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  ~Engine() { Botan::secure_scrub_memory(key.data(), key.size()); }

  void rekey(const Key& ek) {
    if (keyed && Botan::constant_time_compare(key.data(), ek.data(), kKeySize)) return;
    keyed = false;
    key = ek;
    if (ctr) ctr->set_key(key.data(), key.size());
    if (gcm_dec) gcm_dec->set_key(key.data(), key.size());
    if (gcm_enc) gcm_enc->set_key(key.data(), key.size());
    keyed = true;
  }
  Botan::StreamCipher& counter_mode() {
    if (!ctr) {
      auto c = Botan::StreamCipher::create_or_throw("CTR-BE(AES-128,4)");
      c->set_key(key.data(), key.size());
      ctr = std::move(c);
    }
    return *ctr;
  }
  Botan::AEAD_Mode& gcm(Botan::Cipher_Dir dir) {
    auto& slot = dir == Botan::DECRYPTION ? gcm_dec : gcm_enc;
    if (!slot) {
      auto m = Botan::AEAD_Mode::create_or_throw("AES-128/GCM(12)", dir);
      m->set_key(key.data(), key.size());
      slot = std::move(m);
    }
    return *slot;
  }
};

Engine& engine_for(const Key& ek) {
  thread_local Engine engine;
  engine.rekey(ek);
  return engine;
}

Iv make_iv(const SystemTitle& title, std::uint32_t ic) {
  Iv iv{};
  for (std::size_t i = 0; i < title.size(); ++i) iv[i] = title[i];
  for (std::size_t i = 0; i < 4; ++i) iv[8 + i] = static_cast<std::uint8_t>(ic >> (24 - 8 * i));
  return iv;
}

// GCM encryption without the tag: CTR starting at counter block J0 + 1 = IV || 00000002
// (NIST SP 800-38D 7.1 with a 96-bit IV). A 12-byte IV handed to Botan's CTR would be
// zero-padded to IV || 00000000, so the 16-byte counter block is built here.
void gcm_ctr(Engine& e, const Iv& iv, std::span<const std::uint8_t> in, std::uint8_t* out) {
  std::array<std::uint8_t, 16> block{};
  for (std::size_t i = 0; i < iv.size(); ++i) block[i] = iv[i];
  block[15] = 0x02;
  auto& ctr = e.counter_mode();
  ctr.set_iv(block.data(), block.size());
  ctr.cipher(in.data(), out, in.size());
}

// A = SC || AK: the associated data of authenticated (and encrypted) APDUs.
using Aad17 = std::array<std::uint8_t, 1 + kKeySize>;
Aad17 make_aad(std::uint8_t sc, const Key& ak) {
  Aad17 a{};
  a[0] = sc;
  for (std::size_t i = 0; i < kKeySize; ++i) a[1 + i] = ak[i];
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

// Lends an Engine's scratch buffer and scrubs (and empties) it when the borrower is done,
// on every path: unverified plaintext never stays behind in it.
class ScrubbedScratch {
 public:
  explicit ScrubbedScratch(Botan::secure_vector<std::uint8_t>& b) : b_(b) {}
  ~ScrubbedScratch() {
    Botan::secure_scrub_memory(b_.data(), b_.size());
    b_.clear();
  }
  ScrubbedScratch(const ScrubbedScratch&) = delete;
  ScrubbedScratch& operator=(const ScrubbedScratch&) = delete;
  Botan::secure_vector<std::uint8_t>& get() noexcept { return b_; }

 private:
  Botan::secure_vector<std::uint8_t>& b_;
};

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

Result<Unprotected> unprotect_ciphered(std::span<const std::uint8_t> apdu, const Keys& keys,
                                       Annotations* notes, std::vector<std::uint8_t>& buffer) {
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

  const Iv iv = make_iv(header.system_title, header.invocation_counter);
  Unprotected out;
  out.security = header;
  out.plaintext = std::move(buffer);
  out.plaintext.clear();

  const bool can_verify = authenticated && keys.encryption && keys.authentication;
  if (encrypted && can_verify) {
    // Authenticated decryption; Botan checks the tag in constant time. The plaintext is
    // produced in the engine's secure scratch buffer, which is wiped after use (so also
    // when the tag fails).
    Engine& e = engine_for(*keys.encryption);
    auto& gcm = e.gcm(Botan::DECRYPTION);
    Aad17 aad = make_aad(sc, *keys.authentication);
    Scrub<Aad17> scrub_aad(aad);
    ScrubbedScratch scratch(e.scratch);
    auto& work = scratch.get();
    // resize + copy_mem (one memmove): assign() from iterators copies byte by byte into
    // a vector with Botan's allocator.
    work.resize(payload.size());
    Botan::copy_mem(work.data(), payload.data(), payload.size());
    try {
      gcm.set_associated_data(aad.data(), aad.size());
      gcm.start(iv.data(), iv.size());
      gcm.finish(work);
    } catch (const Botan::Invalid_Authentication_Tag&) {
      return tl::unexpected(
          c.error_at(0, ErrorCode::auth, "GCM tag does not verify (wrong keys or corrupted APDU)"));
    }
    out.plaintext.assign(work.begin(), work.end());
    out.tag_verified = true;
  } else if (encrypted) {
    // Encryption only, or a tag we cannot check (no AK): GCM's counter mode, tag ignored.
    Engine& e = engine_for(*keys.encryption);
    out.plaintext.resize(body.size());
    gcm_ctr(e, iv, body, out.plaintext.data());
    out.tag_verified = false;
  } else if (can_verify) {
    // Authentication only: T = GMAC over SC || AK || P, i.e. GCM with an empty message.
    Engine& e = engine_for(*keys.encryption);
    auto& gcm = e.gcm(Botan::DECRYPTION);
    Botan::secure_vector<std::uint8_t> aad;
    aad.reserve(1 + kKeySize + body.size());
    aad.push_back(sc);
    aad.insert(aad.end(), keys.authentication->begin(), keys.authentication->end());
    aad.insert(aad.end(), body.begin(), body.end());
    Botan::secure_vector<std::uint8_t> tag_only(tag.begin(), tag.end());
    try {
      gcm.set_associated_data(aad.data(), aad.size());
      gcm.start(iv.data(), iv.size());
      gcm.finish(tag_only);
    } catch (const Botan::Invalid_Authentication_Tag&) {
      return tl::unexpected(c.error_at(0, ErrorCode::auth,
                                       "GMAC tag does not verify (wrong keys or corrupted APDU)"));
    }
    out.plaintext.assign(body.begin(), body.end());
    out.tag_verified = true;
  } else {
    // In clear: no protection at all, or authentication we cannot check (missing key).
    out.plaintext.assign(body.begin(), body.end());
    out.tag_verified = false;
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

  if (encrypted && authenticated) {
    Engine& e = engine_for(*keys.encryption);
    auto& gcm = e.gcm(Botan::ENCRYPTION);
    Aad17 aad = make_aad(control, *keys.authentication);
    Scrub<Aad17> scrub_aad(aad);
    Botan::secure_vector<std::uint8_t> buffer(plaintext.begin(), plaintext.end());
    gcm.set_associated_data(aad.data(), aad.size());
    gcm.start(iv.data(), iv.size());
    gcm.finish(buffer);  // ciphertext || 12-byte tag
    content.insert(content.end(), buffer.begin(), buffer.end());
  } else if (encrypted) {
    Engine& e = engine_for(*keys.encryption);
    const std::size_t at = content.size();
    content.resize(at + plaintext.size());
    gcm_ctr(e, iv, plaintext, content.data() + at);
  } else if (authenticated) {
    Engine& e = engine_for(*keys.encryption);
    auto& gcm = e.gcm(Botan::ENCRYPTION);
    Botan::secure_vector<std::uint8_t> aad;
    aad.reserve(1 + kKeySize + plaintext.size());
    aad.push_back(control);
    aad.insert(aad.end(), keys.authentication->begin(), keys.authentication->end());
    aad.insert(aad.end(), plaintext.begin(), plaintext.end());
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
