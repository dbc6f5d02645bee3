// crypto::Aes128Gcm against published GCM test cases (McGrew and Viega, "The Galois/Counter
// Mode of Operation", appendix B, test cases 1-4; the same values are in NIST's
// gcmEncryptExtIV128 set), its counter mode against its own sealing on random inputs, and
// the refusals: a flipped bit, a wrong key, wrong associated data, a short tag.
#include "crypto/aes_gcm.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/hex.h"

namespace sm::crypto {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes H(std::string_view hex) {
  auto b = parse_hex(hex);
  EXPECT_TRUE(b.has_value()) << hex;
  return b.value_or(Bytes{});
}
template <std::size_t N>
std::array<std::uint8_t, N> A(std::string_view hex) {
  const Bytes b = H(hex);
  std::array<std::uint8_t, N> out{};
  EXPECT_EQ(b.size(), N) << hex;
  std::copy_n(b.begin(), std::min(N, b.size()), out.begin());
  return out;
}

struct Published {
  const char* name;
  const char* key;
  const char* nonce;
  const char* ad;
  const char* plaintext;
  const char* ciphertext;
  const char* tag;  // full 16 bytes
};

const Published kCases[] = {
    {"case 1", "00000000000000000000000000000000", "000000000000000000000000", "", "", "",
     "58e2fccefa7e3061367f1d57a4e7455a"},
    {"case 2", "00000000000000000000000000000000", "000000000000000000000000", "",
     "00000000000000000000000000000000", "0388dace60b6a392f328c2b971b2fe78",
     "ab6e47d42cec13bdf53a67b21257bddf"},
    {"case 3", "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", "",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
     "4d5c2af327cd64a62cf35abd2ba6fab4"},
    {"case 4", "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
     "5bc94fbc3221a5db94fae95ae7121a47"},
};

TEST(Aes128Gcm, PublishedCasesSealOpenAndCounterMode) {
  for (std::size_t tag_size : {std::size_t{12}, std::size_t{16}}) {
    Aes128Gcm gcm(tag_size);
    for (const auto& c : kCases) {
      const std::string where = std::string(c.name) + ", tag " + std::to_string(tag_size);
      ASSERT_TRUE(gcm.set_key(A<16>(c.key)));
      const auto nonce = A<12>(c.nonce);
      const Bytes ad = H(c.ad);
      const Bytes p = H(c.plaintext);
      const Bytes expected_c = H(c.ciphertext);
      Bytes tag = H(c.tag);
      tag.resize(tag_size);

      Bytes sealed;
      ASSERT_TRUE(gcm.seal(nonce, ad, p, sealed)) << where;
      Bytes expected = expected_c;
      expected.insert(expected.end(), tag.begin(), tag.end());
      EXPECT_EQ(to_hex(sealed), to_hex(expected)) << where;

      Bytes opened(3, 0xEE);
      auto ok = gcm.open(nonce, ad, expected_c, tag, opened);
      ASSERT_TRUE(ok) << where << ": " << ok.error().describe();
      EXPECT_TRUE(*ok) << where;
      EXPECT_EQ(opened, p) << where;

      Bytes ctr;
      ASSERT_TRUE(gcm.keystream_xor(nonce, expected_c, ctr)) << where;
      EXPECT_EQ(ctr, p) << where;  // the counter mode alone starts at block 2, as GCM's
      if (p.empty()) {
        auto v = gcm.verify(nonce, ad, tag);  // GMAC over the (empty) A
        ASSERT_TRUE(v) << where;
        EXPECT_TRUE(*v) << where;
      }
    }
  }
}

TEST(Aes128Gcm, EveryFlippedBitIsRefusedWithoutPlaintext) {
  const auto& c = kCases[3];
  Aes128Gcm gcm(12);
  ASSERT_TRUE(gcm.set_key(A<16>(c.key)));
  const auto nonce = A<12>(c.nonce);
  const Bytes ad = H(c.ad);
  Bytes sealed;
  ASSERT_TRUE(gcm.seal(nonce, ad, H(c.plaintext), sealed));
  for (std::size_t bit = 0; bit < sealed.size() * 8; ++bit) {
    Bytes bad = sealed;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1U << (bit % 8));
    Bytes out(5, 0xEE);
    auto r =
        gcm.open(nonce, ad, std::span(bad).first(bad.size() - 12), std::span(bad).last(12), out);
    ASSERT_TRUE(r) << bit;
    EXPECT_FALSE(*r) << bit;
    EXPECT_TRUE(out.empty()) << bit;
  }
  // Other associated data, another key, a tag of the wrong length: refused as well.
  Bytes out;
  Bytes other_ad = ad;
  other_ad.back() ^= 1;
  const auto body = std::span(sealed).first(sealed.size() - 12);
  const auto tag = std::span(sealed).last(12);
  EXPECT_FALSE(*gcm.open(nonce, other_ad, body, tag, out));
  EXPECT_FALSE(*gcm.open(nonce, {}, body, tag, out));
  EXPECT_TRUE(*gcm.open(nonce, ad, body, tag, out));  // the cached A follows each change
  EXPECT_FALSE(*gcm.open(nonce, ad, body, tag.first(11), out));
  auto key = A<16>(c.key);
  key[0] ^= 0x80;
  ASSERT_TRUE(gcm.set_key(key));
  EXPECT_FALSE(*gcm.open(nonce, ad, body, tag, out));
  ASSERT_TRUE(gcm.set_key(A<16>(c.key)));
  EXPECT_TRUE(*gcm.open(nonce, ad, body, tag, out));
}

TEST(Aes128Gcm, CounterModeIsSealWithoutTagOnRandomInputs) {
  std::mt19937 rng(20261207);
  auto byte = [&] { return static_cast<std::uint8_t>(rng() & 0xFF); };
  Aes128Gcm gcm(12);
  Aes128Gcm reference(16);
  for (int round = 0; round < 300; ++round) {
    Aes128Key key;
    for (auto& b : key) b = byte();
    GcmNonce nonce;
    for (auto& b : nonce) b = byte();
    // Lengths across block edges and past the 2^8 boundary of the counter's last byte.
    const std::size_t n = round < 40 ? static_cast<std::size_t>(round) * 17 : rng() % 5000;
    Bytes p(n);
    for (auto& b : p) b = byte();
    ASSERT_TRUE(gcm.set_key(key));
    ASSERT_TRUE(reference.set_key(key));
    Bytes sealed;
    ASSERT_TRUE(reference.seal(nonce, {}, p, sealed));
    Bytes ctr;
    ASSERT_TRUE(gcm.keystream_xor(nonce, p, ctr));
    ASSERT_EQ(ctr.size(), n);
    EXPECT_TRUE(std::equal(ctr.begin(), ctr.end(), sealed.begin())) << round << ", " << n;
    Bytes back;
    ASSERT_TRUE(gcm.keystream_xor(nonce, ctr, back));
    EXPECT_EQ(back, p) << round;
  }
}

TEST(Aes128Gcm, UnkeyedContextIsAnErrorNotAnException) {
  Aes128Gcm gcm(12);
  Bytes out;
  const GcmNonce nonce{};
  auto r = gcm.open(nonce, {}, {}, Bytes(12), out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::decrypt);
  EXPECT_EQ(r.error().layer, Layer::crypto);
  EXPECT_FALSE(gcm.keystream_xor(nonce, Bytes(3), out));
  EXPECT_FALSE(gcm.seal(nonce, {}, Bytes(3), out));
}

}  // namespace
}  // namespace sm::crypto
