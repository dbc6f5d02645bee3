#include "app/keys.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

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
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
      *warning = "key file " + path +
                 " is readable by group or others; restrict it with chmod 600 (or use systemd "
                 "LoadCredential=)";
    }
  }
  return key;
}

}  // namespace sm::app
