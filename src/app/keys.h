// Loading keys from flags and files. Keys never reach logs or errors: messages name the
// flag or file and show a fingerprint at most.
#pragma once

#include <cstddef>
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

// A key file holds 32 hex digits, maybe with separators, comments and line ends; one with
// more bytes is refused without reading the rest.
inline constexpr std::size_t kMaxKeyFileBytes = 512;

// Reads and parses a key file: a regular file of at most kMaxKeyFileBytes (a FIFO, a device
// such as /dev/zero or a directory is refused at once). `warning` receives a message when
// the file is readable by group or others.
Result<dlms::Key> load_key_file(const std::string& path, std::string* warning = nullptr);

// A warning when `path` is readable by group or others (`what`: "key file", ...).
std::optional<std::string> readable_by_others(const std::string& path, std::string_view what);

// Where the serving flags may give one key: `hex` (from --meter.key on the command line, or
// from the --config file `config_file` when not empty), `file` (--meter.key-file).
struct KeySource {
  std::string_view hex;
  std::string_view file;
  const char* flag = "--meter.key";  // the hex flag; its file flag is flag + "-file"
  std::string config_file;           // set when `hex` came from this --config file
};

// A key as the serving flags give it: `hex` (with a warning that it is visible in ps, or
// that the config file holding it is readable by others), else `file`, else
// $CREDENTIALS_DIRECTORY/<credential> when it exists; nullopt when none is configured. Both
// `hex` and `file` at once is an error.
Result<std::optional<dlms::Key>> resolve_key(const KeySource& source, const char* credential,
                                             std::vector<std::string>& warnings);

// Both keys of the serving flags (credentials "meter-key" and "meter-auth-key"), as
// resolve_key() finds each.
Result<dlms::Keys> resolve_keys(const KeySource& key, const KeySource& auth_key,
                                std::vector<std::string>& warnings);

// "key fingerprint 1a2b3c4d" or "no key" (`what`: "key", "authentication key", ...).
std::string key_description(const std::optional<dlms::Key>& key, std::string_view what);

}  // namespace sm::app
