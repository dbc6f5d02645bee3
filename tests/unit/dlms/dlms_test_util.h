// Helpers shared by the dlms unit tests: hex literals, vector files under
// tests/data/vectors/<ID>/ (input.hex, key.hex, auth-key.hex, plaintext.hex, vector.json).
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "common/hex.h"
#include "dlms/security.h"

namespace sm::dlms::test {

using Bytes = std::vector<std::uint8_t>;

// Hex literal -> bytes; a malformed literal is a bug in the test itself.
inline Bytes H(std::string_view hex) {
  auto b = sm::parse_hex(hex);
  if (!b) {
    ADD_FAILURE() << "bad hex literal in test: " << hex;
    return {};
  }
  return *b;
}

inline std::filesystem::path vectors_dir() {
  return std::filesystem::path(SM_TEST_DATA) / "vectors";
}

inline std::optional<std::string> read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::optional<Bytes> hex_file(const std::string& id, const std::string& name) {
  auto text = read_text(vectors_dir() / id / name);
  if (!text) return std::nullopt;
  return sm::parse_hex(*text);
}

// Non-comment, non-empty lines of a hex file, each parsed on its own (one datagram a line).
inline std::vector<Bytes> hex_lines(const std::string& id, const std::string& name) {
  std::vector<Bytes> out;
  auto text = read_text(vectors_dir() / id / name);
  if (!text) return out;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto b = sm::parse_hex(line);
    if (b && !b->empty()) out.push_back(*b);
  }
  return out;
}

// Every string value of `"key": "..."` in a vector.json (the files hold hex strings and
// plain text only, so a full JSON parser is not needed for these fields).
inline std::vector<std::string> json_strings(const std::string& json, std::string_view key) {
  std::vector<std::string> out;
  std::string needle = "\"";
  needle.append(key);
  needle.append("\": \"");
  for (auto pos = json.find(needle); pos != std::string::npos; pos = json.find(needle, pos)) {
    pos += needle.size();
    const auto end = json.find('"', pos);
    if (end == std::string::npos) break;
    out.push_back(json.substr(pos, end - pos));
  }
  return out;
}

inline std::optional<Bytes> json_hex(const std::string& id, std::string_view key) {
  auto json = read_text(vectors_dir() / id / "vector.json");
  if (!json) return std::nullopt;
  auto values = json_strings(*json, key);
  if (values.empty()) return std::nullopt;
  return sm::parse_hex(values.front());
}

inline Key key_from(const Bytes& b) {
  Key k{};
  EXPECT_EQ(b.size(), k.size());
  for (std::size_t i = 0; i < k.size() && i < b.size(); ++i) k[i] = b[i];
  return k;
}

inline Keys vector_keys(const std::string& id) {
  Keys keys;
  if (auto ek = hex_file(id, "key.hex")) keys.encryption = key_from(*ek);
  if (auto ak = hex_file(id, "auth-key.hex")) keys.authentication = key_from(*ak);
  return keys;
}

inline std::vector<std::string> vector_ids() {
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(vectors_dir(), ec)) {
    if (entry.is_directory()) ids.push_back(entry.path().filename().string());
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

inline std::string test_name(const std::string& id) {
  std::string out;
  for (char c : id) out.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out;
}

}  // namespace sm::dlms::test
