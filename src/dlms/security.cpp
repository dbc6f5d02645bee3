// DLMS/COSEM security layer: general-glo-ciphering / general-ded-ciphering with
// security suite 0/1 (AES-128-GCM), IEC 62056-5-3 clause 5.6 / Green Book 9.2.7.
//
// The cryptography is crypto/'s (Botan's AES-128-GCM behind one seam); this file parses the
// ciphering header, picks the GCM operation the SC byte asks for and reports what it found.
// Keys never appear in a message.
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
#include <utility>

#include "common/byte_reader.h"
#include "common/endian.h"
#include "common/hex.h"
#include "crypto/aes_gcm.h"
#include "crypto/digest.h"
#include "crypto/secret.h"
#include "dlms/apdu_tags.h"
#include "dlms/axdr.h"
#include "dlms/ciphering.h"

namespace sm::dlms {
namespace {

constexpr std::uint8_t kAuthenticated = 0x10;
constexpr std::uint8_t kEncrypted = 0x20;
constexpr std::uint8_t kBroadcast = 0x40;
constexpr std::uint8_t kCompressed = 0x80;
constexpr std::uint8_t kSuiteMask = 0x0F;
constexpr std::uint8_t kMaxSuite = 1;  // suites 0 and 1 both use AES-128-GCM
constexpr std::size_t kTagSize = 12;   // Green Book: GCM tag truncated to 12 bytes
constexpr std::size_t kKeySize = 16;
constexpr std::size_t kHeaderSize = kScIcSize;  // SC + IC

constexpr std::string_view kSpace = "apdu";
constexpr std::string_view kLayer = "security";

using Iv = crypto::GcmNonce;

// A = SC || AK: the associated data of authenticated (and encrypted) APDUs.
using Aad17 = std::array<std::uint8_t, 1 + kKeySize>;
Aad17 make_aad(std::uint8_t sc, const Key& ak) {
  Aad17 a{};
  a[0] = sc;
  std::copy(ak.begin(), ak.end(), a.begin() + 1);
  return a;
}

// A = SC || AK || P: the associated data of authentication-only APDUs (GMAC).
std::vector<std::uint8_t> gmac_aad(std::uint8_t sc, const Key& ak,
                                   std::span<const std::uint8_t> p) {
  std::vector<std::uint8_t> a(1 + kKeySize + p.size());
  a[0] = sc;
  std::copy(ak.begin(), ak.end(), a.begin() + 1);
  std::copy(p.begin(), p.end(), a.begin() + 1 + kKeySize);
  return a;
}

// This thread's GCM context, keyed with `ek`: a stream of frames under the same key pays
// for the key schedule (and the hash of an unchanged A) once.
[[gnu::hot]] Result<crypto::Aes128Gcm*> gcm_for(const Key& ek) {
  thread_local crypto::Aes128Gcm gcm(kTagSize);
  auto keyed = gcm.set_key(ek);
  if (!keyed) return tl::unexpected(keyed.error());
  return &gcm;
}

Iv make_iv(const SystemTitle& title, std::uint32_t ic) {
  Iv iv{};
  std::copy(title.begin(), title.end(), iv.begin());
  store_be(iv.data() + 8, ic);
  return iv;
}

// GCM's receiving side for one APDU whose SC needs the EK. With an AK, the tag is checked
// over the ciphertext (SC 0x30: A = SC || AK) or over A = SC || AK || P (SC 0x10, GMAC):
// false means it does not verify, and no plaintext leaves crypto/. Without an AK, an
// encrypted body is decrypted with GCM's counter mode alone (also when a tag is present
// but cannot be checked).
[[gnu::hot]] Result<bool> open(crypto::Aes128Gcm& gcm, const Iv& iv, std::uint8_t sc, const Key* ak,
                               bool encrypted, std::span<const std::uint8_t> body,
                               std::span<const std::uint8_t> tag,
                               std::vector<std::uint8_t>& plaintext) {
  if (ak == nullptr) {
    auto done = gcm.keystream_xor(iv, body, plaintext);
    if (!done) return tl::unexpected(done.error());
    return true;
  }
  if (encrypted) {
    Aad17 aad = make_aad(sc, *ak);
    crypto::ScrubOnExit<Aad17> scrub_aad(aad);
    return gcm.open(iv, aad, body, tag, plaintext);
  }
  auto aad = gmac_aad(sc, *ak, body);
  crypto::ScrubOnExit<std::vector<std::uint8_t>> scrub_aad(aad);
  return gcm.verify(iv, aad, tag);
}

// Adds an annotation; the meaning is only built when someone collects annotations.
template <class Meaning>
void note(Annotations* notes, std::size_t offset, std::size_t length, Meaning&& meaning) {
  if (notes != nullptr) annotate(notes, kSpace, offset, length, kLayer, meaning());
}

std::string describe_control(std::uint8_t sc) {
  std::string out = "security control 0x" + hex_u8(sc) + ":";
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
  ByteReader r(apdu, Layer::dlms, apdu_name(apdu[0]));
  note(notes, 0, 1,
       [&] { return std::string(apdu_name(apdu[0])) + " (0x" + hex_u8(apdu[0]) + ")"; });
  auto parsed = read_ciphering_header(r);
  if (!parsed) return tl::unexpected(parsed.error());
  const CipheringPrefix& prefix = parsed->prefix;
  note(notes, prefix.title_offset, prefix.length_offset - prefix.title_offset,
       [&] { return describe_title(prefix.system_title); });
  note(notes, prefix.length_offset, prefix.content_offset - prefix.length_offset,
       [&] { return "ciphered content length " + std::to_string(prefix.content_length); });
  if (prefix.total() > apdu.size()) return tl::unexpected(content_missing(r, prefix));
  const std::size_t content_at = prefix.content_offset;
  const auto content = apdu.subspan(content_at, prefix.content_length);
  const std::size_t trailing = apdu.size() - prefix.total();

  const SecurityHeader& header = parsed->security;
  ByteReader c(content, Layer::dlms, r.what(), content_at);
  (void)c.skip(kHeaderSize);  // SC and IC: read by read_ciphering_header
  const std::uint8_t sc = header.control;
  note(notes, content_at, 1, [&] { return describe_control(sc); });
  note(notes, content_at + 1, 4,
       [&] { return "invocation counter " + std::to_string(header.invocation_counter); });

  if ((sc & kCompressed) != 0) {
    return tl::unexpected(c.error_at(
        0, ErrorCode::unsupported, "compressed APDUs (SC 0x" + hex_u8(sc) + ") are not supported"));
  }
  if ((sc & kSuiteMask) > kMaxSuite) {
    return tl::unexpected(c.error_at(0, ErrorCode::unsupported,
                                     "security suite " + std::to_string(sc & kSuiteMask) +
                                         " (SC 0x" + hex_u8(sc) + ") is not supported"));
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
        "APDU is encrypted (SC 0x" + hex_u8(sc) + ") but no encryption key is configured"));
  }

  const bool can_verify = authenticated && keys.encryption && keys.authentication;
  Unprotected out;
  out.security = header;
  out.plaintext = std::move(buffer);
  if (encrypted || can_verify) {
    auto gcm = gcm_for(*keys.encryption);
    if (!gcm) return tl::unexpected(gcm.error());
    const Iv iv = make_iv(header.system_title, header.invocation_counter);
    auto verified = open(**gcm, iv, sc, can_verify ? &*keys.authentication : nullptr, encrypted,
                         body, tag, out.plaintext);
    if (!verified) return tl::unexpected(verified.error());
    if (!*verified) {
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
    crypto::scrub(out.plaintext);
    return tl::unexpected(r.error_at(prefix.total(), ErrorCode::length,
                                     std::to_string(trailing) +
                                         " bytes follow the declared ciphered content of " +
                                         std::to_string(prefix.content_length) + " bytes"));
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
                "protect: security control 0x" + hex_u8(control) + " is not supported");
  }
  if ((authenticated || encrypted) && !keys.encryption) {
    return fail(ErrorCode::key, Layer::dlms, 0, "protect: no encryption key configured");
  }
  if (authenticated && !keys.authentication) {
    return fail(ErrorCode::key, Layer::dlms, 0, "protect: no authentication key configured");
  }

  // SC || IC, then the payload: GCM by crypto/'s seal (Botan's own GCM, independent of the
  // counter mode unprotect() uses for SC 0x20, so the tests compare two implementations).
  std::vector<std::uint8_t> content(kHeaderSize);
  content[0] = control;
  store_be(content.data() + 1, invocation_counter);
  if (!authenticated && !encrypted) {
    // resize + copy rather than insert: GCC 12's -O3 warns (-Warray-bounds, a false positive)
    // on insert's reallocation path here.
    content.resize(kHeaderSize + plaintext.size());
    std::copy(plaintext.begin(), plaintext.end(), content.begin() + kHeaderSize);
  } else {
    auto gcm = gcm_for(*keys.encryption);
    if (!gcm) return tl::unexpected(gcm.error());
    const Iv iv = make_iv(system_title, invocation_counter);
    Result<void> sealed;
    if (encrypted) {
      // Encryption only (0x20) is GCM's ciphertext without its tag (over empty A): the
      // same counter mode from IV || 2.
      Aad17 aad = authenticated ? make_aad(control, *keys.authentication) : Aad17{};
      crypto::ScrubOnExit<Aad17> scrub_aad(aad);
      sealed = (*gcm)->seal(iv, std::span(aad).first(authenticated ? aad.size() : 0), plaintext,
                            content);
      if (sealed && !authenticated) content.resize(kHeaderSize + plaintext.size());
    } else {
      // Authentication only (0x10): P in clear, T = GMAC over A = SC || AK || P.
      auto aad = gmac_aad(control, *keys.authentication, plaintext);
      crypto::ScrubOnExit<std::vector<std::uint8_t>> scrub_aad(aad);
      content.insert(content.end(), plaintext.begin(), plaintext.end());
      sealed = (*gcm)->seal(iv, aad, {}, content);
    }
    if (!sealed) return tl::unexpected(sealed.error());
  }

  std::vector<std::uint8_t> out;
  out.reserve(content.size() + 16);
  out.push_back(apdu_tag::general_glo_ciphering);
  out.push_back(kSystemTitleSize);
  out.insert(out.end(), system_title.begin(), system_title.end());
  write_length(out, content.size());
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

// Allocation failures (the plaintext buffer) end here as errors, not as exceptions.
template <class F>
auto guarded(std::string_view what, F&& f) -> decltype(f()) {
  return catch_into_error(ErrorCode::decrypt, Layer::dlms, what, std::forward<F>(f));
}

}  // namespace

bool is_ciphered(std::span<const std::uint8_t> apdu) noexcept {
  return !apdu.empty() && is_ciphering_tag(apdu[0]);
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
  const auto digest = crypto::sha256(
      {std::span(reinterpret_cast<const std::uint8_t*>(kDomain.data()), kDomain.size()), key});
  if (!digest) return "unavailable";
  return to_hex_lower(std::span(*digest).first(4));
}

}  // namespace sm::dlms
