#include "crypto/digest.h"

#include <algorithm>
#include <exception>

#include <botan/base64.h>
#include <botan/bcrypt.h>
#include <botan/block_cipher.h>
#include <botan/hash.h>
#include <botan/version.h>

namespace sm::crypto {

std::optional<Sha256Digest> sha256(std::initializer_list<std::span<const std::uint8_t>> parts) {
  try {
    auto sha = Botan::HashFunction::create_or_throw("SHA-256");
    for (const auto part : parts) sha->update(part.data(), part.size());
    const auto digest = sha->final();
    Sha256Digest out{};
    if (digest.size() != out.size()) return std::nullopt;
    std::copy(digest.begin(), digest.end(), out.begin());
    return out;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string sha256_base64(std::string_view text) {
  const auto digest =
      sha256({std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())});
  if (!digest) return "";
  try {
    return Botan::base64_encode(digest->data(), digest->size());
  } catch (const std::exception&) {
    return "";
  }
}

bool check_bcrypt(std::string_view password, std::string_view hash) {
  try {
    return Botan::check_bcrypt(std::string(password), std::string(hash));
  } catch (const std::exception&) {
    return false;
  }
}

std::string library_version() {
  try {
    return Botan::short_version_string();
  } catch (const std::exception&) {
    return "unknown";
  }
}

std::string aes_provider() {
  try {
    return Botan::BlockCipher::create_or_throw("AES-128")->provider();
  } catch (const std::exception&) {
    return "unknown";
  }
}

}  // namespace sm::crypto
