// Security layer: published GCM examples, every SC mode, hostile headers, key handling.
//
// The "Green Book" examples: DLMS UA 1000-2 (Green Book) ed. 7, 9.2.7 (pp. 133-134:
// ciphering examples for SC 0x10 / 0x20 / 0x30 of the get-request C0 01 00 00 08 00 00 01 00
// 00 FF 02 00; the xDLMS InitiateRequest example; Table 43, HLS with GMAC). The bytes are
// the published ones as reproduced in third-party test suites: Elster's
// DlmsSecurityProviderGcmTest ("Examples from GB ed.7 p.133-134"), gvtret/gosem
// pkg/dlms/cipher_test.go, u9n/dlms-cosem tests (glo-initiate-request 21 30 30 01234567 …),
// and an aes-gcm unit test quoting Table 43 (f(StoC) 10 00000001 1A52FE7DD3E72748973C1E28).
#include "dlms/security.h"

#include <gtest/gtest.h>

#include "dlms/apdu.h"
#include "dlms_test_util.h"

namespace sm::dlms {
namespace {

using test::H;

const Key kEk = test::key_from(H("000102030405060708090A0B0C0D0E0F"));
const Key kAk = test::key_from(H("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"));
const SystemTitle kTitle{0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E};
constexpr std::uint32_t kIc = 0x01234567;
const auto kGetRequest = H("C0010000080000010000FF0200");
const auto kInitiateRequest = H("01011000112233445566778899AABBCCDDEEFF0000065F1F0400007E1F04B0");

Keys both() {
  return Keys{kEk, kAk};
}

// general-glo-ciphering around a published "SC IC payload" string.
std::vector<std::uint8_t> glo(const std::string& content_hex,
                              const std::string& title_hex = "4D4D4D0000BC614E") {
  auto content = H(content_hex);
  std::vector<std::uint8_t> out = {0xDB, 0x08};
  auto title = H(title_hex);
  out.insert(out.end(), title.begin(), title.end());
  write_length(out, content.size());
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

const std::string kAuthOnly = "10 01234567 C0010000080000010000FF0200 06725D910F9221D263877516";
const std::string kEncOnly = "20 01234567 411312FF935A47566827C467BC";
const std::string kAuthEnc = "30 01234567 411312FF935A47566827C467BC 7D825C3BE4A77C3FCC056B6B";
const std::string kAuthEncInitiate =
    "30 01234567 801302FF8A7874133D414CED25B42534D28DB0047720606B175BD52211BE68"
    " 41DB204D39EE6FDB8E356855";

void expect_no_key_material(const std::string& message) {
  for (const auto& k : {kEk, kAk}) {
    EXPECT_EQ(message.find(to_hex(k)), std::string::npos) << message;
    EXPECT_EQ(message.find(to_hex_lower(k)), std::string::npos) << message;
  }
}

TEST(GreenBook, ProtectMatchesPublishedCiphertexts) {
  auto a = protect(kGetRequest, kTitle, kIc, 0x10, both());
  ASSERT_TRUE(a) << a.error().describe();
  EXPECT_EQ(to_hex(*a), to_hex(glo(kAuthOnly)));
  auto e = protect(kGetRequest, kTitle, kIc, 0x20, both());
  ASSERT_TRUE(e) << e.error().describe();
  EXPECT_EQ(to_hex(*e), to_hex(glo(kEncOnly)));
  auto ae = protect(kGetRequest, kTitle, kIc, 0x30, both());
  ASSERT_TRUE(ae) << ae.error().describe();
  EXPECT_EQ(to_hex(*ae), to_hex(glo(kAuthEnc)));
  auto init = protect(kInitiateRequest, kTitle, kIc, 0x30, both());
  ASSERT_TRUE(init) << init.error().describe();
  EXPECT_EQ(to_hex(*init), to_hex(glo(kAuthEncInitiate)));
}

TEST(GreenBook, UnprotectPublishedExamples) {
  struct Case {
    const std::string* content;
    const std::vector<std::uint8_t>* plaintext;
    std::uint8_t sc;
    bool verified;
  };
  const Case cases[] = {
      {&kAuthOnly, &kGetRequest, 0x10, true},
      {&kEncOnly, &kGetRequest, 0x20, false},
      {&kAuthEnc, &kGetRequest, 0x30, true},
      {&kAuthEncInitiate, &kInitiateRequest, 0x30, true},
  };
  for (const auto& c : cases) {
    auto u = unprotect(glo(*c.content), both());
    ASSERT_TRUE(u) << *c.content << ": " << u.error().describe();
    EXPECT_EQ(u->plaintext, *c.plaintext);
    EXPECT_EQ(u->tag_verified, c.verified);
    ASSERT_TRUE(u->security);
    EXPECT_EQ(u->security->apdu_tag, 0xDB);
    EXPECT_EQ(u->security->system_title, kTitle);
    EXPECT_EQ(u->security->control, c.sc);
    EXPECT_EQ(u->security->invocation_counter, kIc);
  }
}

TEST(GreenBook, HlsGmacTable43) {
  // Pass 3: client, SC 0x10, IV 4D4D4D0000000001 || 00000001, T = GMAC(SC || AK || StoC).
  const SystemTitle client{0x4D, 0x4D, 0x4D, 0x00, 0x00, 0x00, 0x00, 0x01};
  auto p3 = protect(H("503677524A323146"), client, 1, 0x10, both());
  ASSERT_TRUE(p3);
  // f(StoC) = SC || IC || T = 10 00000001 1A52FE7DD3E72748973C1E28
  ASSERT_EQ(p3->size(), 11u + 5u + 8u + 12u);
  EXPECT_EQ(to_hex(std::span(*p3).subspan(11, 5)), "1000000001");
  EXPECT_EQ(to_hex(std::span(*p3).last(12)), "1A52FE7DD3E72748973C1E28");
  // Pass 4: server, IV 4D4D4D0000BC614E || 01234567, T = GMAC(SC || AK || CtoS).
  auto p4 = protect(H("4B35366956616759"), kTitle, kIc, 0x10, both());
  ASSERT_TRUE(p4);
  EXPECT_EQ(to_hex(std::span(*p4).last(12)), "FE1466AFB3DBCD4F9389E2B7");
  auto u = unprotect(*p4, both());
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->tag_verified);
  EXPECT_EQ(u->plaintext, H("4B35366956616759"));
}

TEST(GreenBook, PublishedFailureCasesGiveAuth) {
  // Elster's failure cases: last tag bytes changed (SC 0x10) and a tag byte changed (0x30).
  for (const char* content : {"10 01234567 C0010000080000010000FF0200 06725D910F9221D263877426",
                              "30 01234567 411312FF935A47566827C467BC 7D825C3BE5A77C3FCC056B6B"}) {
    auto u = unprotect(glo(content), both());
    ASSERT_FALSE(u) << content;
    EXPECT_EQ(u.error().code, ErrorCode::auth) << content;
    EXPECT_EQ(u.error().layer, Layer::dlms);
    expect_no_key_material(u.error().message);
  }
}

TEST(Security, FlippedCiphertextBitFailsTheTag) {
  auto apdu = glo(kAuthEncInitiate);
  for (std::size_t i = 16; i < apdu.size(); ++i) {  // every ciphertext and tag byte
    auto bad = apdu;
    bad[i] ^= 0x01;
    auto u = unprotect(bad, both());
    ASSERT_FALSE(u) << "byte " << i;
    EXPECT_EQ(u.error().code, ErrorCode::auth) << "byte " << i;
  }
  // The SC byte is authenticated too (it is in the AAD).
  auto bad_sc = apdu;
  bad_sc[11] = 0x31;
  EXPECT_EQ(unprotect(bad_sc, both()).error().code, ErrorCode::auth);
  // As are the system title and IC (they form the IV).
  auto bad_ic = apdu;
  bad_ic[14] ^= 0x80;
  EXPECT_EQ(unprotect(bad_ic, both()).error().code, ErrorCode::auth);
}

TEST(Security, WrongAuthenticationKeyFailsTheTag) {
  Keys keys = both();
  keys.authentication->at(0) ^= 0xFF;
  EXPECT_EQ(unprotect(glo(kAuthEnc), keys).error().code, ErrorCode::auth);
  EXPECT_EQ(unprotect(glo(kAuthOnly), keys).error().code, ErrorCode::auth);
}

TEST(Security, TagWithoutAuthenticationKeyDecryptsUnverified) {
  Keys ek_only{kEk, std::nullopt};
  auto u = unprotect(glo(kAuthEnc), ek_only);
  ASSERT_TRUE(u) << u.error().describe();
  EXPECT_FALSE(u->tag_verified);
  EXPECT_EQ(u->plaintext, kGetRequest);
  // A corrupted tag cannot be noticed without the AK, but the plaintext is still right.
  auto apdu = glo(kAuthEnc);
  apdu.back() ^= 0x01;
  auto v = unprotect(apdu, ek_only);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->plaintext, kGetRequest);
  // Authentication only, no AK: the APDU is in clear; returned unverified.
  auto a = unprotect(glo(kAuthOnly), ek_only);
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->tag_verified);
  EXPECT_EQ(a->plaintext, kGetRequest);
  // Authentication only needs no EK to read, but GMAC needs it to verify.
  auto no_keys = unprotect(glo(kAuthOnly), Keys{});
  ASSERT_TRUE(no_keys);
  EXPECT_FALSE(no_keys->tag_verified);
  EXPECT_EQ(no_keys->plaintext, kGetRequest);
}

TEST(Security, EncryptedWithoutEncryptionKeyIsAKeyError) {
  for (const auto* content : {&kEncOnly, &kAuthEnc}) {
    auto u = unprotect(glo(*content), Keys{std::nullopt, kAk});
    ASSERT_FALSE(u);
    EXPECT_EQ(u.error().code, ErrorCode::key);
    EXPECT_EQ(u.error().offset, 11u);  // the SC byte
    expect_no_key_material(u.error().message);
  }
}

TEST(Security, UncipheredApduPassesThrough) {
  const auto apdu = H("0F 00000001 00 12 0001");
  auto u = unprotect(apdu, both());
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->security);
  EXPECT_FALSE(u->tag_verified);
  EXPECT_EQ(u->plaintext, apdu);
  EXPECT_FALSE(is_ciphered(apdu));
  EXPECT_TRUE(is_ciphered(H("DB")));
  EXPECT_TRUE(is_ciphered(H("DC")));
  EXPECT_FALSE(is_ciphered(H("DF")));  // general-signing, not ciphering
  EXPECT_FALSE(is_ciphered({}));
  EXPECT_EQ(unprotect({}, both()).error().code, ErrorCode::incomplete);
}

TEST(Security, DedicatedCipheringUsesTheSameLayout) {
  auto apdu = glo(kAuthEnc);
  apdu[0] = 0xDC;
  Annotations notes;
  auto u = unprotect(apdu, both(), &notes);
  ASSERT_TRUE(u) << u.error().describe();
  EXPECT_EQ(u->security->apdu_tag, 0xDC);
  EXPECT_EQ(u->plaintext, kGetRequest);
  ASSERT_FALSE(notes.empty());
  EXPECT_EQ(notes[0].meaning, "general-ded-ciphering (0xDC)");
}

TEST(Security, DeclaredLengthShorterThanBytesPresentIsALengthError) {
  auto apdu = glo(kEncOnly);
  apdu.push_back(0x00);
  auto u = unprotect(apdu, both());
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().code, ErrorCode::length);
  // With a valid tag the unit itself verifies, then the extra bytes are rejected.
  auto t = glo(kAuthEnc);
  t.insert(t.end(), {0x01, 0x02});
  EXPECT_EQ(unprotect(t, both()).error().code, ErrorCode::length);
}

TEST(Security, DeclaredLengthLongerThanBytesPresentIsIncomplete) {
  auto apdu = glo(kAuthEnc);
  for (std::size_t cut = 1; cut < apdu.size(); ++cut) {
    std::vector<std::uint8_t> head(apdu.begin(), apdu.begin() + static_cast<std::ptrdiff_t>(cut));
    auto u = unprotect(head, both());
    ASSERT_FALSE(u) << cut;
    EXPECT_EQ(u.error().code, ErrorCode::incomplete) << cut << ": " << u.error().describe();
  }
}

TEST(Security, MalformedHeaders) {
  // system title of 7 bytes
  auto t7 = unprotect(H("DB 07 4D4D4D0000BC61 12"), both());
  ASSERT_FALSE(t7);
  EXPECT_EQ(t7.error().code, ErrorCode::decode);
  // content too short for SC + IC
  auto short_content = unprotect(H("DB 08 4D4D4D0000BC614E 03 200123"), both());
  ASSERT_FALSE(short_content);
  EXPECT_EQ(short_content.error().code, ErrorCode::length);
  // tagged but shorter than the tag
  auto short_tag = unprotect(glo("30 01234567 0102030405"), both());
  ASSERT_FALSE(short_tag);
  EXPECT_EQ(short_tag.error().code, ErrorCode::length);
  // invalid A-XDR length form in the content length
  auto bad_len = unprotect(H("DB 08 4D4D4D0000BC614E 85 0000000001"), both());
  ASSERT_FALSE(bad_len);
  EXPECT_EQ(bad_len.error().code, ErrorCode::decode);
  // a huge declared length: incomplete, decided before anything is allocated
  auto huge = unprotect(H("DB 08 4D4D4D0000BC614E 84 FFFFFFFF 20 01234567"), both());
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().code, ErrorCode::incomplete);
}

TEST(Security, UnsupportedControlBits) {
  for (const char* content : {"22 01234567 411312FF935A47566827C467BC",     // suite 2
                              "2F 01234567 411312FF935A47566827C467BC",     // suite 15
                              "A0 01234567 411312FF935A47566827C467BC"}) {  // compressed
    auto u = unprotect(glo(content), both());
    ASSERT_FALSE(u) << content;
    EXPECT_EQ(u.error().code, ErrorCode::unsupported) << content;
  }
  // Suite 1 and the broadcast bit decrypt like suite 0 (same AES-128-GCM).
  auto s1 = unprotect(glo("21 01234567 411312FF935A47566827C467BC"), both());
  ASSERT_TRUE(s1);
  EXPECT_EQ(s1->plaintext, kGetRequest);
  auto bc = unprotect(glo("60 01234567 411312FF935A47566827C467BC"), both());
  ASSERT_TRUE(bc);
  EXPECT_EQ(bc->plaintext, kGetRequest);
  EXPECT_EQ(protect(kGetRequest, kTitle, kIc, 0x22, both()).error().code, ErrorCode::unsupported);
}

TEST(Security, NoProtectionControlIsReturnedInClear) {
  auto u = unprotect(glo("00 01234567 C0010000080000010000FF0200"), Keys{});
  ASSERT_TRUE(u);
  EXPECT_EQ(u->plaintext, kGetRequest);
  EXPECT_FALSE(u->tag_verified);
}

TEST(Security, ProtectRoundTripsEveryModeAndLengthForm) {
  for (int sc_value : {0x00, 0x10, 0x20, 0x21, 0x30, 0x31}) {
    const auto sc = static_cast<std::uint8_t>(sc_value);
    for (std::size_t n : {0u, 1u, 15u, 16u, 17u, 100u, 200u, 300u, 70000u}) {
      std::vector<std::uint8_t> plain(n);
      for (std::size_t i = 0; i < n; ++i) plain[i] = static_cast<std::uint8_t>(i * 7 + sc);
      auto p = protect(plain, kTitle, 42, sc, both());
      ASSERT_TRUE(p) << int(sc) << "/" << n << ": " << p.error().describe();
      auto u = unprotect(*p, both());
      ASSERT_TRUE(u) << int(sc) << "/" << n << ": " << u.error().describe();
      EXPECT_EQ(u->plaintext, plain) << int(sc) << "/" << n;
      EXPECT_EQ(u->tag_verified, (sc & 0x10) != 0);
      EXPECT_EQ(u->security->invocation_counter, 42u);
      if ((sc & 0x20) != 0 && n >= 16) {
        EXPECT_NE(std::vector<std::uint8_t>(
                      p->end() - static_cast<std::ptrdiff_t>(n) - ((sc & 0x10) != 0 ? 12 : 0),
                      p->end() - ((sc & 0x10) != 0 ? 12 : 0)),
                  plain);
      }
    }
  }
}

TEST(Security, ProtectNeedsTheKeysItUses) {
  EXPECT_EQ(protect(kGetRequest, kTitle, kIc, 0x20, Keys{}).error().code, ErrorCode::key);
  EXPECT_EQ(protect(kGetRequest, kTitle, kIc, 0x30, Keys{kEk, std::nullopt}).error().code,
            ErrorCode::key);
  EXPECT_EQ(protect(kGetRequest, kTitle, kIc, 0x10, Keys{kEk, std::nullopt}).error().code,
            ErrorCode::key);
  EXPECT_EQ(protect(kGetRequest, kTitle, kIc, 0x10, Keys{std::nullopt, kAk}).error().code,
            ErrorCode::key);
}

TEST(Security, SwitchingKeysBetweenCalls) {
  // The per-thread cipher cache must re-key when the key changes.
  Keys zero{Key{}, Key{}};
  auto a = protect(kGetRequest, kTitle, kIc, 0x30, zero);
  auto b = protect(kGetRequest, kTitle, kIc, 0x30, both());
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(to_hex(*b), to_hex(glo(kAuthEnc)));
  EXPECT_EQ(unprotect(*a, zero)->plaintext, kGetRequest);
  EXPECT_EQ(unprotect(*b, both())->plaintext, kGetRequest);
  EXPECT_EQ(unprotect(*a, both()).error().code, ErrorCode::auth);
  EXPECT_EQ(unprotect(*b, zero).error().code, ErrorCode::auth);
  EXPECT_EQ(unprotect(glo(kEncOnly), both())->plaintext, kGetRequest);
}

TEST(Security, AnnotationsDescribeTheHeader) {
  Annotations notes;
  ASSERT_TRUE(unprotect(glo(kAuthEnc), both(), &notes));
  ASSERT_EQ(notes.size(), 7u);
  EXPECT_EQ(notes[0].meaning, "general-glo-ciphering (0xDB)");
  EXPECT_EQ(notes[1].meaning, "system title 4D4D4D0000BC614E (MMM)");
  EXPECT_EQ(notes[1].offset, 1u);
  EXPECT_EQ(notes[1].length, 9u);
  EXPECT_EQ(notes[2].meaning, "ciphered content length 30");
  EXPECT_EQ(notes[3].meaning, "security control 0x30: authenticated encrypted, suite 0");
  EXPECT_EQ(notes[3].offset, 11u);
  EXPECT_EQ(notes[4].meaning, "invocation counter 19088743");
  EXPECT_EQ(notes[5].offset, 16u);
  EXPECT_EQ(notes[5].length, 13u);
  EXPECT_EQ(notes[6].length, 12u);
  for (const auto& n : notes) {
    EXPECT_EQ(n.space, "apdu");
    EXPECT_EQ(n.layer, "security");
    expect_no_key_material(n.meaning);
  }
}

TEST(Security, KeyFingerprint) {
  // SHA-256("smartmeter_exporter key fingerprint" || key), first 8 hex digits.
  EXPECT_EQ(key_fingerprint(kEk), "d4086f7d");
  EXPECT_EQ(key_fingerprint(Key{}), "f84d85f2");
  EXPECT_NE(key_fingerprint(kAk), key_fingerprint(kEk));
}

}  // namespace
}  // namespace sm::dlms
