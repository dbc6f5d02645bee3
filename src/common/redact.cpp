#include "common/redact.h"

#include "common/hex.h"

namespace sm {
namespace {

bool is_hex_digit(char c) {
  return hex_digit_value(c) >= 0;
}

}  // namespace

std::string redact_keys(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_hex_digit(text[i])) {
      out += text[i++];
      continue;
    }
    // A run of hex digits with single ':' between them ("10:11:…" as keys are pasted).
    std::size_t end = i;
    std::size_t digits = 0;
    std::size_t last_digit = i;
    while (end < text.size()) {
      if (is_hex_digit(text[end])) {
        ++digits;
        last_digit = end++;
      } else if (text[end] == ':' && end + 1 < text.size() && is_hex_digit(text[end + 1])) {
        ++end;
      } else {
        break;
      }
    }
    if (digits >= kRedactMinHexDigits) {
      out += "[redacted " + std::to_string(digits) + " hex digits]";
      i = last_digit + 1;
    } else {
      out.append(text.substr(i, end - i));
      i = end;
    }
  }
  return out;
}

}  // namespace sm
