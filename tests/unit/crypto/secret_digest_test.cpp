// crypto/secret.h and crypto/digest.h: constant-time equality, scrubbing, SHA-256 (FIPS 180-2
// appendix B.1 "abc"), bcrypt checks and the library version.
#include <array>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/hex.h"
#include "crypto/digest.h"
#include "crypto/secret.h"

namespace sm::crypto {
namespace {

TEST(Secret, EqualSecretComparesEveryByteAndTheLength) {
  const std::vector<std::uint8_t> a{1, 2, 3, 4, 5, 6, 7, 8, 9};
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto b = a;
    b[i] ^= 0x01;
    EXPECT_FALSE(equal_secret(a, b)) << i;
  }
  EXPECT_TRUE(equal_secret(a, a));
  EXPECT_FALSE(equal_secret(std::span(a), std::span(a).first(8)));
  EXPECT_TRUE(equal_secret(std::span<const std::uint8_t>{}, std::span<const std::uint8_t>{}));
  EXPECT_TRUE(equal_secret(std::string_view("secret"), std::string_view("secret")));
  EXPECT_FALSE(equal_secret(std::string_view("secret"), std::string_view("secreT")));
  EXPECT_FALSE(equal_secret(std::string_view("secret"), std::string_view("secrets")));
}

TEST(Secret, ScrubZeroesBytesAndEmptiesStrings) {
  std::vector<std::uint8_t> bytes(40, 0xA5);
  scrub(bytes);
  EXPECT_EQ(bytes, std::vector<std::uint8_t>(40, 0));
  std::array<std::uint8_t, 16> key{};
  key.fill(0x5A);
  std::optional<ScrubOnExit<std::array<std::uint8_t, 16>>> guard;
  guard.emplace(key);
  EXPECT_EQ(key[0], 0x5A) << "scrubbed before the guard left";
  guard.reset();  // leaves the scope here
  EXPECT_EQ(key, (std::array<std::uint8_t, 16>{}));
  std::string password = "correct horse";
  scrub(password);
  EXPECT_TRUE(password.empty());
}

TEST(Digest, Sha256OfPartsIsTheHashOfTheirConcatenation) {
  const std::vector<std::uint8_t> abc{'a', 'b', 'c'};
  auto d = sha256({abc});
  ASSERT_TRUE(d);
  EXPECT_EQ(to_hex_lower(*d), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto split = sha256({std::span(abc).first(1), std::span(abc).subspan(1)});
  ASSERT_TRUE(split);
  EXPECT_EQ(*split, *d);
  EXPECT_EQ(sha256_base64("abc"), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
}

TEST(Digest, Bcrypt) {
  // From Apache's htpasswd (an independent bcrypt): `htpasswd -nbB -C 4 user secret`; the
  // cost is kept low, each check costs 2^cost rounds.
  const std::string hash = "$2y$04$N1NXBHUwGBLazDyiwL4UzewiRi8ABLlDO0Usfw8ouOlSgL22Ae9Jq";
  EXPECT_TRUE(check_bcrypt("secret", hash));
  EXPECT_FALSE(check_bcrypt("Secret", hash));
  EXPECT_FALSE(check_bcrypt("secret", "not a hash"));
  EXPECT_FALSE(check_bcrypt("secret", ""));
}

TEST(Digest, LibraryVersionIsBotan2Or3) {
  const std::string v = library_version();
  EXPECT_TRUE(std::regex_match(v, std::regex(R"([23]\.[0-9]+\.[0-9]+.*)"))) << v;
}

TEST(Digest, AesProviderIsNamedByBotan) {
  // Botan names its implementation ("cpu" in Botan 2; "aesni", "vaes", "avx2_aes", "armv8",
  // "vperm", "base"... by Botan 3 version and CPU): a list here would break on the next
  // release. What --version needs: Botan answered, with one word.
  const std::string p = aes_provider();
  EXPECT_FALSE(p.empty());
  EXPECT_NE(p, "unknown");
  EXPECT_EQ(p.find_first_of(" \t\n"), std::string::npos) << p;
}

}  // namespace
}  // namespace sm::crypto
