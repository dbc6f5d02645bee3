// unprotect() against independent GCM: the published GCM test case 3/4 (McGrew and Viega,
// "The Galois/Counter Mode of Operation", appendix B; also NIST's gcmEncryptExtIV128 set) for
// the counter-mode part, and protect() — Botan's own AES-128/GCM — on random keys, system
// titles, invocation counters and lengths for every mode, with single-bit corruptions.
#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "alloc_probe.h"
#include "dlms/security.h"
#include "dlms_test_util.h"

namespace sm::dlms {
namespace {

using test::Bytes;
using test::H;

constexpr std::size_t kTag = 12;

// The payload (ciphertext or plaintext, then the tag) ends every APDU protect() builds.
std::size_t payload_at(const Bytes& apdu, std::size_t body, std::uint8_t sc) {
  return apdu.size() - body - ((sc & 0x10) != 0 ? kTag : 0);
}

TEST(SecurityGcm, PublishedTestCaseCounterMode) {
  // Test case 3: K, IV = cafebabefacedbad || decaf888 (system title || IC), 64 bytes. SC 0x20
  // is GCM without the tag, so C is the published ciphertext. Test case 4 is the same
  // message cut to 60 bytes (a partial last block), with the same leading ciphertext.
  const Key key = test::key_from(H("feffe9928665731c6d6a8f9467308308"));
  const SystemTitle title{0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce, 0xdb, 0xad};
  const std::uint32_t ic = 0xdecaf888;
  const Bytes p =
      H("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255");
  const Bytes c =
      H("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
        "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985");
  for (std::size_t n : {std::size_t{64}, std::size_t{60}}) {
    const Bytes plain(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(n));
    const Bytes cipher(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(n));
    Bytes apdu = {0xDB, 0x08};
    apdu.insert(apdu.end(), title.begin(), title.end());
    apdu.push_back(static_cast<std::uint8_t>(5 + n));
    apdu.insert(apdu.end(), {0x20, 0xde, 0xca, 0xf8, 0x88});
    apdu.insert(apdu.end(), cipher.begin(), cipher.end());
    auto u = unprotect(apdu, Keys{key, std::nullopt});
    ASSERT_TRUE(u) << n << ": " << u.error().describe();
    EXPECT_EQ(to_hex(u->plaintext), to_hex(plain)) << n;
    auto back = protect(plain, title, ic, 0x20, Keys{key, std::nullopt});
    ASSERT_TRUE(back);
    EXPECT_EQ(to_hex(*back), to_hex(apdu)) << n;
  }
}

// Random APDUs from protect() (Botan's GCM), read back by unprotect() through both of its
// overloads; a few keys drawn from small pools, so the per-thread key and associated-data
// caches both hit and miss.
TEST(SecurityGcm, RandomApdusAgainstBotanGcm) {
  std::mt19937 rng(20240611);
  auto byte = [&] { return static_cast<std::uint8_t>(rng() & 0xFF); };
  auto random_key = [&] {
    Key k;
    for (auto& b : k) b = byte();
    return k;
  };
  const Key eks[] = {random_key(), random_key(), random_key()};
  const Key aks[] = {random_key(), random_key(), random_key()};
  const std::uint8_t modes[] = {0x20, 0x21, 0x60, 0x30, 0x31, 0x70, 0x10, 0x11};
  // Lengths at the edges of blocks and of the keystream chunk (J0 + 31 blocks), then random.
  std::vector<std::size_t> lengths = {0,   1,   11,  12,  13,  15,  16,  17,  63,  64,  65,
                                      241, 250, 495, 496, 497, 511, 512, 513, 527, 528, 600};
  while (lengths.size() < 400) lengths.push_back(rng() % 601);

  Bytes buffer(700, 0xEE);  // handed back each time, as the pipeline does
  std::size_t checked = 0;
  for (std::size_t round = 0; round < lengths.size(); ++round) {
    const std::size_t n = lengths[round];
    const std::uint8_t sc = modes[round % std::size(modes)];
    const Keys keys{eks[rng() % 3], aks[rng() % 3]};
    SystemTitle title;
    for (auto& b : title) b = byte();
    const auto ic = static_cast<std::uint32_t>(rng());
    Bytes plain(n);
    for (auto& b : plain) b = byte();
    const std::string where = "round " + std::to_string(round) + ", SC " + std::to_string(int{sc}) +
                              ", " + std::to_string(n) + " bytes";

    auto apdu = protect(plain, title, ic, sc, keys);
    ASSERT_TRUE(apdu) << where << ": " << apdu.error().describe();
    const bool tagged = (sc & 0x10) != 0;
    const bool encrypted = (sc & 0x20) != 0;

    auto u = round % 2 == 0 ? unprotect(*apdu, keys)
                            : unprotect(*apdu, keys, nullptr, std::move(buffer));
    ASSERT_TRUE(u) << where << ": " << u.error().describe();
    EXPECT_EQ(u->plaintext, plain) << where;
    EXPECT_EQ(u->tag_verified, tagged) << where;
    EXPECT_EQ(u->security->invocation_counter, ic) << where;
    EXPECT_EQ(u->security->system_title, title) << where;
    if (round % 2 == 1) buffer = std::move(u->plaintext);

    const std::size_t at = payload_at(*apdu, n, sc);
    if (tagged) {
      // One flipped bit anywhere in ciphertext or tag: auth, and no plaintext.
      const std::size_t span = n + kTag;
      Bytes bad = *apdu;
      const std::size_t bit = rng() % (span * 8);
      bad[at + bit / 8] ^= static_cast<std::uint8_t>(1U << (bit % 8));
      auto v = unprotect(bad, keys, nullptr, Bytes(n, 0xEE));
      ASSERT_FALSE(v) << where << ", bit " << bit;
      EXPECT_EQ(v.error().code, ErrorCode::auth) << where << ", bit " << bit;
      // The other AK of the pool, or none: auth, or read without verifying.
      Keys other = keys;
      other.authentication = aks[(std::find(std::begin(aks), std::end(aks), *keys.authentication) -
                                  std::begin(aks) + 1) %
                                 3];
      EXPECT_EQ(unprotect(*apdu, other).error().code, ErrorCode::auth) << where;
      auto no_ak = unprotect(*apdu, Keys{keys.encryption, std::nullopt});
      ASSERT_TRUE(no_ak) << where;
      EXPECT_EQ(no_ak->plaintext, plain) << where;
      EXPECT_FALSE(no_ak->tag_verified) << where;
    } else if (n > 0) {
      // Counter mode: a flipped ciphertext bit flips exactly that plaintext bit.
      Bytes bad = *apdu;
      const std::size_t bit = rng() % (n * 8);
      bad[at + bit / 8] ^= static_cast<std::uint8_t>(1U << (bit % 8));
      auto v = unprotect(bad, keys);
      ASSERT_TRUE(v) << where;
      Bytes expected = plain;
      expected[bit / 8] ^= static_cast<std::uint8_t>(1U << (bit % 8));
      EXPECT_EQ(v->plaintext, expected) << where << ", bit " << bit;
    }
    if (encrypted && n >= 16) {
      EXPECT_NE(Bytes(apdu->begin() + static_cast<std::ptrdiff_t>(at),
                      apdu->begin() + static_cast<std::ptrdiff_t>(at + n)),
                plain)
          << where;
    }
    ++checked;
  }
  EXPECT_EQ(checked, lengths.size());
}

TEST(SecurityGcm, AssociatedDataFollowsScAndAk) {
  // A = SC || AK is hashed once and reused while SC and AK stay; each change must show.
  const Key ek = test::key_from(H("000102030405060708090A0B0C0D0E0F"));
  const Key ak1 = test::key_from(H("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"));
  Key ak2 = ak1;
  ak2[15] ^= 0x01;  // differs in the last byte only
  const SystemTitle title{0x4C, 0x47, 0x5A, 0x00, 0x01, 0x02, 0x03, 0x04};
  const Bytes plain(100, 0x42);
  auto a30 = protect(plain, title, 7, 0x30, Keys{ek, ak1});
  auto a31 = protect(plain, title, 8, 0x31, Keys{ek, ak1});
  auto b30 = protect(plain, title, 9, 0x30, Keys{ek, ak2});
  ASSERT_TRUE(a30 && a31 && b30);
  for (int repeat = 0; repeat < 2; ++repeat) {
    EXPECT_TRUE(unprotect(*a30, Keys{ek, ak1}));
    EXPECT_TRUE(unprotect(*a30, Keys{ek, ak1}));
    EXPECT_EQ(unprotect(*a30, Keys{ek, ak2}).error().code, ErrorCode::auth);
    EXPECT_TRUE(unprotect(*b30, Keys{ek, ak2}));
    EXPECT_EQ(unprotect(*b30, Keys{ek, ak1}).error().code, ErrorCode::auth);
    EXPECT_TRUE(unprotect(*a31, Keys{ek, ak1}));
    EXPECT_TRUE(unprotect(*a30, Keys{ek, ak1}));
    auto sc_changed = *a30;
    sc_changed[11] = 0x31;  // same AK, other SC: another A
    EXPECT_EQ(unprotect(sc_changed, Keys{ek, ak1}).error().code, ErrorCode::auth);
  }
}

TEST(SecurityGcm, UnprotectAllocatesOnlyThePlaintext) {
  // Operator new only (Botan's secure allocator is not counted): the plaintext is the one
  // allocation, sized once; with a buffer of enough capacity there is none.
  const Key ek = test::key_from(H("000102030405060708090A0B0C0D0E0F"));
  const Key ak = test::key_from(H("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"));
  const SystemTitle title{0x4B, 0x46, 0x4D, 0x00, 0x01, 0x02, 0x03, 0x04};
  for (std::uint8_t sc : {std::uint8_t{0x21}, std::uint8_t{0x30}}) {
    const Bytes plain(250, 0x0F);
    auto apdu = protect(plain, title, 1, sc, Keys{ek, ak});
    ASSERT_TRUE(apdu);
    ASSERT_TRUE(unprotect(*apdu, Keys{ek, ak}));  // warm: keys, caches

    test::alloc_probe_start();
    auto u = unprotect(*apdu, Keys{ek, ak});
    auto stats = test::alloc_probe_stop();
    ASSERT_TRUE(u);
    EXPECT_EQ(stats.count, 1u) << int{sc};
    EXPECT_EQ(stats.largest, plain.size()) << int{sc};

    Bytes buffer = std::move(u->plaintext);
    test::alloc_probe_start();
    auto v = unprotect(*apdu, Keys{ek, ak}, nullptr, std::move(buffer));
    stats = test::alloc_probe_stop();
    ASSERT_TRUE(v);
    EXPECT_EQ(v->plaintext, plain);
    EXPECT_EQ(stats.count, 0u) << int{sc};
  }
}

}  // namespace
}  // namespace sm::dlms
