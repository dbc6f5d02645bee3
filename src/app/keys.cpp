#include "app/keys.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "common/hex.h"

namespace sm::app {

Result<dlms::Key> parse_key(std::string_view text, std::string_view what) {
  auto bytes = parse_hex(text);
  if (!bytes) {
    return fail(ErrorCode::key, Layer::app, 0,
                std::string(what) + ": not a hex key (expected 32 hex digits)");
  }
  if (bytes->size() != 16) {
    std::string message = std::string(what) + ": a key has 16 bytes (32 hex digits), got " +
                          std::to_string(bytes->size()) + " bytes";
    std::fill(bytes->begin(), bytes->end(), std::uint8_t{0});
    return fail(ErrorCode::key, Layer::app, 0, std::move(message));
  }
  dlms::Key key{};
  std::copy(bytes->begin(), bytes->end(), key.begin());
  std::fill(bytes->begin(), bytes->end(), std::uint8_t{0});
  return key;
}

Result<dlms::Key> load_key_file(const std::string& path, std::string* warning) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return fail(ErrorCode::key, Layer::app, 0,
                "cannot read key file " + path + ": it is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(ErrorCode::key, Layer::app, 0,
                "cannot read key file " + path + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string content = text.str();
  auto key = parse_key(content, "key file " + path);
  std::fill(content.begin(), content.end(), '\0');
  if (key && warning != nullptr) {
    struct stat st = {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
      *warning = "key file " + path +
                 " is readable by group or others; restrict it with chmod 600 (or use systemd "
                 "LoadCredential=)";
    }
  }
  return key;
}

Result<std::optional<dlms::Key>> resolve_key(const std::string& hex, const std::string& file,
                                             const char* credential, const char* flag,
                                             std::vector<std::string>& warnings) {
  if (!hex.empty()) {
    warnings.push_back(std::string(flag) +
                       " puts the key on the command line, where ps and the shell history show "
                       "it; use a key file or systemd credentials instead");
    auto key = parse_key(hex, flag);
    if (!key) return tl::unexpected(key.error());
    return std::optional<dlms::Key>(*key);
  }
  std::string path = file;
  if (path.empty()) {
    const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
    if (dir == nullptr) return std::optional<dlms::Key>();
    path = std::string(dir) + "/" + credential;
    if (!std::filesystem::exists(path)) return std::optional<dlms::Key>();
  }
  std::string warning;
  auto key = load_key_file(path, &warning);
  if (!key) return tl::unexpected(key.error());
  if (!warning.empty()) warnings.push_back(warning);
  return std::optional<dlms::Key>(*key);
}

Result<dlms::Keys> resolve_keys(const std::string& key_hex, const std::string& key_file,
                                const std::string& auth_key_hex, const std::string& auth_key_file,
                                std::vector<std::string>& warnings) {
  auto ek = resolve_key(key_hex, key_file, "meter-key", "--meter.key", warnings);
  if (!ek) return tl::unexpected(ek.error());
  auto ak =
      resolve_key(auth_key_hex, auth_key_file, "meter-auth-key", "--meter.auth-key", warnings);
  if (!ak) return tl::unexpected(ak.error());
  return dlms::Keys{*ek, *ak};
}

std::string key_description(const std::optional<dlms::Key>& key, std::string_view what) {
  return key ? std::string(what) + " fingerprint " + dlms::key_fingerprint(*key)
             : "no " + std::string(what);
}

}  // namespace sm::app
