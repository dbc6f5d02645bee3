#include "app/keys.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hex.h"
#include "crypto/secret.h"

namespace sm::app {

Result<dlms::Key> parse_key(std::string_view text, std::string_view what) {
  auto bytes = parse_hex(text);
  if (!bytes) {
    return config_error(Layer::app, std::string(what) + ": not a hex key (expected 32 hex digits)");
  }
  if (bytes->size() != 16) {
    std::string message = std::string(what) + ": a key has 16 bytes (32 hex digits), got " +
                          std::to_string(bytes->size()) + " bytes";
    crypto::scrub(std::span(*bytes));
    return config_error(Layer::app, std::move(message));
  }
  dlms::Key key{};
  std::copy(bytes->begin(), bytes->end(), key.begin());
  crypto::scrub(std::span(*bytes));
  return key;
}

std::optional<std::string> readable_by_others(const std::string& path, std::string_view what) {
  struct stat st = {};
  if (::stat(path.c_str(), &st) != 0 || (st.st_mode & (S_IRGRP | S_IROTH)) == 0) return {};
  return std::string(what) + " " + path +
         " is readable by group or others; restrict it with chmod 600 (or use systemd "
         "LoadCredential=)";
}

Result<dlms::Key> load_key_file(const std::string& path, std::string* warning) {
  auto error = [&path](const std::string& why) {
    return config_error(Layer::app, "cannot read key file " + path + ": " + why);
  };
  // O_NONBLOCK: opening a FIFO does not wait for a writer (it is refused below).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return error(std::strerror(errno));
  struct stat st = {};
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    return error(std::strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    const char* kind = S_ISDIR(st.st_mode)    ? "it is a directory"
                       : S_ISFIFO(st.st_mode) ? "it is a FIFO, not a regular file"
                       : S_ISCHR(st.st_mode)  ? "it is a character device, not a regular file"
                                              : "it is not a regular file";
    return error(kind);
  }
  // Read at most one byte more than a key file may hold: a file that never ends, or a huge
  // one, costs kMaxKeyFileBytes of memory, not all there is.
  std::array<std::uint8_t, kMaxKeyFileBytes + 1> buffer{};
  crypto::ScrubOnExit scrub_buffer(buffer);
  std::size_t size = 0;
  while (size < buffer.size()) {
    const ssize_t n = ::read(fd, buffer.data() + size, buffer.size() - size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      return error(std::strerror(e));
    }
    if (n == 0) break;
    size += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (size > kMaxKeyFileBytes) {
    return error("larger than " + std::to_string(kMaxKeyFileBytes) +
                 " bytes; a key file holds 32 hex digits");
  }
  auto key = parse_key(std::string_view(reinterpret_cast<const char*>(buffer.data()), size),
                       "key file " + path);
  if (key && warning != nullptr) {
    if (auto w = readable_by_others(path, "key file")) *warning = *w;
  }
  return key;
}

Result<std::optional<dlms::Key>> resolve_key(const KeySource& source, const char* credential,
                                             std::vector<std::string>& warnings) {
  if (!source.hex.empty() && !source.file.empty()) {
    return config_error(Layer::app, std::string(source.flag) + " and " + source.flag +
                                        "-file exclude each other; give the key one way");
  }
  if (!source.hex.empty()) {
    if (source.config_file.empty()) {
      warnings.push_back(std::string(source.flag) +
                         " puts the key on the command line, where ps and the shell history show "
                         "it; use a key file or systemd credentials instead");
    } else if (auto w = readable_by_others(source.config_file, "--config file")) {
      warnings.push_back(*w + "; it holds the key (" + std::string(source.flag).substr(2) +
                         "); better move the key into " + source.flag + "-file");
    }
    auto key = parse_key(source.hex, source.config_file.empty()
                                         ? std::string(source.flag)
                                         : std::string(source.flag).substr(2) + " in --config " +
                                               source.config_file);
    if (!key) return tl::unexpected(key.error());
    return std::optional<dlms::Key>(*key);
  }
  std::string path(source.file);
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

Result<dlms::Keys> resolve_keys(const KeySource& key, const KeySource& auth_key,
                                std::vector<std::string>& warnings) {
  auto ek = resolve_key(key, "meter-key", warnings);
  if (!ek) return tl::unexpected(ek.error());
  auto ak = resolve_key(auth_key, "meter-auth-key", warnings);
  if (!ak) return tl::unexpected(ak.error());
  return dlms::Keys{*ek, *ak};
}

std::string key_description(const std::optional<dlms::Key>& key, std::string_view what) {
  return key ? std::string(what) + " fingerprint " + dlms::key_fingerprint(*key)
             : "no " + std::string(what);
}

}  // namespace sm::app
