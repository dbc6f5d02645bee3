// Loading keys from flags and files. Keys never reach logs or errors: messages name the
// flag or file and show a fingerprint at most.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "dlms/security.h"

namespace sm::app {

// 32 hex digits; whitespace, "0x", ':' and ',' tolerated. `what` names the source of the
// text for the error message ("--key", "key file /etc/…").
Result<dlms::Key> parse_key(std::string_view text, std::string_view what);

// Reads and parses a key file. `warning` receives a message when the file is readable by
// group or others.
Result<dlms::Key> load_key_file(const std::string& path, std::string* warning = nullptr);

// A key as the serving flags give it: `hex` (from --meter.key, with a warning that it is
// visible in ps), else `file`, else $CREDENTIALS_DIRECTORY/<credential> when it exists;
// nullopt when none is configured. `flag` names the hex flag in messages.
Result<std::optional<dlms::Key>> resolve_key(const std::string& hex, const std::string& file,
                                             const char* credential, const char* flag,
                                             std::vector<std::string>& warnings);

// Both keys of the serving flags (--meter.key, --meter.key-file, credential "meter-key";
// the same for the authentication key), as resolve_key() finds each.
Result<dlms::Keys> resolve_keys(const std::string& key_hex, const std::string& key_file,
                                const std::string& auth_key_hex, const std::string& auth_key_file,
                                std::vector<std::string>& warnings);

// "key fingerprint 1a2b3c4d" or "no key" (`what`: "key", "authentication key", ...).
std::string key_description(const std::optional<dlms::Key>& key, std::string_view what);

}  // namespace sm::app
