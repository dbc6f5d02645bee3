#include "common/hex.h"

#include <cctype>

namespace sm {
namespace {
std::string encode(std::span<const std::uint8_t> bytes, std::string_view digits) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0x0F]);
  }
  return out;
}
int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
bool is_separator(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == ':' || c == ';' ||
         c == '-';
}
}  // namespace

std::string to_hex(std::span<const std::uint8_t> bytes) {
  return encode(bytes, "0123456789ABCDEF");
}
std::string to_hex_lower(std::span<const std::uint8_t> bytes) {
  return encode(bytes, "0123456789abcdef");
}

std::optional<std::vector<std::uint8_t>> parse_hex(std::string_view text) {
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 2);
  int high = -1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '#') {  // comment to end of line (used by capture files in tests/data)
      if (high >= 0) return std::nullopt;
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (is_separator(c)) {
      if (high >= 0) return std::nullopt;  // a separator splits a byte
      continue;
    }
    if (c == '0' && i + 1 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X') && high < 0) {
      ++i;
      continue;
    }
    int v = digit_value(c);
    if (v < 0) return std::nullopt;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>((high << 4) | v));
      high = -1;
    }
  }
  if (high >= 0) return std::nullopt;
  return out;
}

bool looks_like_hex_text(std::span<const std::uint8_t> data) {
  std::string text(data.begin(), data.end());
  auto parsed = parse_hex(text);
  return parsed.has_value() && !parsed->empty();
}

}  // namespace sm
