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
std::string digits_of(std::uint32_t value, int count) {
  std::string out(static_cast<std::size_t>(count), '0');
  for (int i = count - 1; i >= 0; --i, value >>= 4) {
    out[static_cast<std::size_t>(i)] = kHexDigits[value & 0xFu];
  }
  return out;
}
bool is_separator(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == ':' || c == ';' ||
         c == '-';
}
}  // namespace

std::string hex_u8(std::uint8_t value) {
  return digits_of(value, 2);
}
std::string hex_u16(std::uint16_t value) {
  return digits_of(value, 4);
}
std::string hex_u32(std::uint32_t value) {
  return digits_of(value, 8);
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  return encode(bytes, kHexDigits);
}
std::string to_hex_lower(std::span<const std::uint8_t> bytes) {
  return encode(bytes, kHexDigitsLower);
}

namespace {

// The one hex grammar: emit(byte) for every byte the text gives; false when the text is not
// hex (what parse_hex() documents).
template <class Emit>
bool scan_hex(std::string_view text, Emit&& emit) {
  int high = -1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '#') {  // comment to end of line (used by capture files in tests/data)
      if (high >= 0) return false;
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (is_separator(c)) {
      if (high >= 0) return false;  // a separator splits a byte
      continue;
    }
    if (c == '0' && i + 1 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X') && high < 0) {
      ++i;
      continue;
    }
    int v = hex_digit_value(c);
    if (v < 0) return false;
    if (high < 0) {
      high = v;
    } else {
      emit(static_cast<std::uint8_t>((high << 4) | v));
      high = -1;
    }
  }
  return high < 0;
}

}  // namespace

bool parse_hex_append(std::string_view text, std::vector<std::uint8_t>& out) {
  const std::size_t before = out.size();
  if (scan_hex(text, [&out](std::uint8_t b) { out.push_back(b); })) return true;
  out.resize(before);
  return false;
}

std::optional<std::vector<std::uint8_t>> parse_hex(std::string_view text) {
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 2);
  if (!parse_hex_append(text, out)) return std::nullopt;
  return out;
}

bool looks_like_hex_text(std::span<const std::uint8_t> data) {
  // Checked where it lies, without a copy or an output (captures are up to 256 MiB).
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  bool any = false;
  return scan_hex(text, [&any](std::uint8_t) { any = true; }) && any;
}

}  // namespace sm
