// Redaction of key material in text that leaves the process (errors, log lines): the one
// place where a key typed into the wrong flag, a positional argument or a config value is
// kept out of what is printed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sm {

// A run of at least this many hex digits (':' allowed between them) is taken for a key, or
// most of one: a mistyped key of 31 or 33 digits is still the key. System titles (16
// digits) and OBIS codes stay readable.
inline constexpr std::size_t kRedactMinHexDigits = 24;

// `text` with every such run replaced by "[redacted N hex digits]".
[[nodiscard]] std::string redact_keys(std::string_view text);

}  // namespace sm
