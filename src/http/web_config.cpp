#include "http/web_config.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>

#include "common/ascii.h"

namespace sm::http {
namespace {

constexpr std::size_t max_config_bytes = std::size_t{1024} * 1024;

constexpr std::string_view tls_refusal =
    "TLS is not supported: Debian's CivetWeb TLS crashes with OpenSSL 3; terminate TLS in a "
    "reverse proxy such as nginx or caddy";

constexpr std::string_view bcrypt_hint =
    "expected a bcrypt hash: $2a$, $2b$ or $2y$, a two-digit cost, '$' and 53 more characters "
    "(e.g. from `htpasswd -nBC 10 \"\" | tr -d ':\\n'`)";

// exporter-toolkit's allowed extra headers; an empty value list allows any value.
struct AllowedHeader {
  std::string_view name;
  std::array<std::string_view, 2> only_values;
};
constexpr std::array<AllowedHeader, 5> allowed_headers{{
    {"Strict-Transport-Security", {}},
    {"X-Content-Type-Options", {"nosniff", {}}},
    {"X-Frame-Options", {"deny", "sameorigin"}},
    {"X-XSS-Protection", {}},
    {"Content-Security-Policy", {}},
}};

// One non-blank, non-comment line with its position.
struct ConfigLine {
  std::size_t number{0};  // 1-based
  std::size_t offset{0};  // byte offset of the line start
  std::size_t indent{0};  // leading spaces
  std::string_view text;  // after the indentation
};

struct MappingEntry {
  std::string key;
  std::optional<std::string> value;  // nullopt: nothing after ':' (a nested mapping follows)
};

tl::unexpected<Error> line_error(const ConfigLine& line, std::string_view message) {
  return fail(ErrorCode::config, Layer::http, line.offset,
              "line " + std::to_string(line.number) + ": " + std::string(message));
}

// Characters that start YAML syntax this parser does not implement: flow collections,
// anchors, aliases, tags, block scalars, directives, reserved indicators.
bool starts_unsupported_syntax(std::string_view s) {
  return !s.empty() && std::string_view("{}[]&*!|>%@`?,").find(s.front()) != std::string_view::npos;
}

// Reads a quoted scalar starting at text[0] (' or "); `consumed` gets its length including
// the quotes. Single quotes escape themselves by doubling; double quotes know \" \\ \/.
Result<std::string> parse_quoted(const ConfigLine& line, std::string_view text,
                                 std::size_t& consumed) {
  const char quote = text.front();
  std::string value;
  for (std::size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (quote == '\'' && c == '\'') {
      if (i + 1 < text.size() && text[i + 1] == '\'') {
        value.push_back('\'');
        ++i;
        continue;
      }
      consumed = i + 1;
      return value;
    }
    if (quote == '"' && c == '"') {
      consumed = i + 1;
      return value;
    }
    if (quote == '"' && c == '\\') {
      if (i + 1 >= text.size()) break;
      const char escaped = text[++i];
      if (escaped != '"' && escaped != '\\' && escaped != '/') {
        return line_error(line, std::string("unsupported escape sequence \\") + escaped +
                                    " in a double-quoted string");
      }
      value.push_back(escaped);
      continue;
    }
    value.push_back(c);
  }
  return line_error(
      line, std::string("missing closing ") + quote + " (strings must end on the line they start)");
}

// After a quoted scalar only blanks and a comment may follow.
Result<void> expect_line_end(const ConfigLine& line, std::string_view rest) {
  rest = trim_blanks_left(rest);
  if (!rest.empty() && rest.front() != '#') {
    return line_error(line,
                      "unexpected text after the closing quote: \"" + std::string(rest) + "\"");
  }
  return {};
}

Result<std::optional<std::string>> parse_value(const ConfigLine& line, std::string_view rest) {
  rest = trim_blanks_left(rest);
  if (rest.empty() || rest.front() == '#') return std::optional<std::string>{};
  if (rest.front() == '\'' || rest.front() == '"') {
    std::size_t consumed = 0;
    auto value = parse_quoted(line, rest, consumed);
    if (!value) return tl::unexpected(value.error());
    if (auto end = expect_line_end(line, rest.substr(consumed)); !end) {
      return tl::unexpected(end.error());
    }
    return std::optional<std::string>(std::move(*value));
  }
  if (starts_unsupported_syntax(rest)) {
    return line_error(line, "unsupported YAML syntax \"" + std::string(rest) +
                                "\" (flow collections, anchors, tags and block scalars are not "
                                "supported; write one 'key: value' per line)");
  }
  // A plain scalar ends where a comment (" #") starts.
  const std::size_t comment = rest.find(" #");
  return std::optional<std::string>(std::string(trim_blanks_right(rest.substr(0, comment))));
}

Result<MappingEntry> parse_mapping_entry(const ConfigLine& line) {
  std::string_view text = line.text;
  if (text.front() == '-' && (text.size() == 1 || text[1] == ' ')) {
    return line_error(line, "YAML lists ('- item') are not used in this file");
  }
  MappingEntry entry;
  std::string_view after_key;
  if (text.front() == '\'' || text.front() == '"') {
    std::size_t consumed = 0;
    auto key = parse_quoted(line, text, consumed);
    if (!key) return tl::unexpected(key.error());
    entry.key = std::move(*key);
    after_key = trim_blanks_left(text.substr(consumed));
    if (after_key.empty() || after_key.front() != ':') {
      return line_error(line, "expected ':' after the quoted key");
    }
    after_key.remove_prefix(1);
  } else {
    if (starts_unsupported_syntax(text)) {
      return line_error(line, "unsupported YAML syntax \"" + std::string(text) +
                                  "\" (write one 'key: value' per line)");
    }
    // The key ends at the first ':' followed by a blank or the end of the line (a bcrypt
    // hash or URL in the value may contain ':' without a blank).
    std::size_t colon = 0;
    for (;; ++colon) {
      colon = text.find(':', colon);
      if (colon == std::string_view::npos) return line_error(line, "expected 'key: value'");
      if (colon + 1 == text.size() || text[colon + 1] == ' ') break;
    }
    const std::string_view key = trim_blanks_right(text.substr(0, colon));
    if (key.find(" #") != std::string_view::npos) return line_error(line, "expected 'key: value'");
    entry.key = std::string(key);
    after_key = text.substr(colon + 1);
  }
  if (entry.key.empty()) return line_error(line, "empty key");
  auto value = parse_value(line, after_key);
  if (!value) return tl::unexpected(value.error());
  entry.value = std::move(*value);
  return entry;
}

bool is_printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

// The state of a walk through the file: which section lines belong to and the indentation
// its first entry set (YAML requires siblings to share it).
class WebConfigParser {
 public:
  Result<WebConfig> run(std::string_view text) {
    std::size_t offset = 0;
    std::size_t number = 0;
    bool content_seen = false;
    while (offset < text.size()) {
      const std::size_t end = std::min(text.find('\n', offset), text.size());
      std::string_view raw = text.substr(offset, end - offset);
      if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
      ConfigLine line{++number, offset, 0, {}};
      offset = end + 1;

      while (line.indent < raw.size() && raw[line.indent] == ' ') ++line.indent;
      line.text = trim_blanks_right(raw.substr(line.indent));
      if (!line.text.empty() && line.text.front() == '\t') {
        return line_error(line, "tab in indentation (YAML indents with spaces only)");
      }
      if (line.text.empty() || line.text.front() == '#') continue;
      if (!content_seen && line.indent == 0 &&
          (line.text == "---" || line.text.substr(0, 4) == "--- ")) {
        content_seen = true;  // an optional document start marker
        continue;
      }
      content_seen = true;
      auto handled = line.indent == 0 ? top_level(line) : nested(line);
      if (!handled) return tl::unexpected(handled.error());
    }
    if (auto meaningful = configures_something(); !meaningful) {
      return tl::unexpected(meaningful.error());
    }
    return std::move(config_);
  }

 private:
  enum class Section { none, users, http_server, http_headers };

  // A file given with --web.config.file is meant to configure something. An empty file, or
  // a `basic_auth_users:` whose users are all commented out, would otherwise serve /metrics
  // without authentication while the operator believes it protected (fail-open).
  Result<void> configures_something() const {
    if (users_line_ && config_.basic_auth_users.empty()) {
      return line_error(*users_line_,
                        "basic_auth_users has no users (all commented out?); add a user, or "
                        "remove the section to serve without authentication");
    }
    if (config_.basic_auth_users.empty() && config_.response_headers.empty() &&
        !http_keys_seen_.contains("http2")) {
      return config_error(Layer::http,
                          "the file configures nothing (it is empty or only comments); give "
                          "basic_auth_users or http_server_config, or leave out --web.config.file");
    }
    return {};
  }

  Result<void> top_level(const ConfigLine& line) {
    auto entry = parse_mapping_entry(line);
    if (!entry) return tl::unexpected(entry.error());
    if (entry->key == "tls_server_config") {
      return line_error(line, tls_refusal);
    }
    if (entry->key != "basic_auth_users" && entry->key != "http_server_config") {
      return line_error(line, "unknown key \"" + entry->key +
                                  "\" (supported: basic_auth_users, http_server_config)");
    }
    if (!top_keys_seen_.insert(entry->key).second) {
      return line_error(line, "\"" + entry->key + "\" appears twice");
    }
    if (entry->value) {
      return line_error(line, "\"" + entry->key +
                                  "\" must be followed by indented 'key: value' lines, not a "
                                  "value on the same line");
    }
    section_ = entry->key == "basic_auth_users" ? Section::users : Section::http_server;
    if (section_ == Section::users) users_line_ = line;
    section_indent_.reset();
    headers_indent_.reset();
    return {};
  }

  Result<void> nested(const ConfigLine& line) {
    if (section_ == Section::none) {
      return line_error(line, "unexpected indentation (no section above this line)");
    }
    if (!section_indent_) section_indent_ = line.indent;
    if (line.indent < *section_indent_) {
      return line_error(line, "bad indentation: expected " + std::to_string(*section_indent_) +
                                  " spaces, like the first entry of this section");
    }
    if (line.indent > *section_indent_) {
      if (section_ != Section::http_headers) {
        return line_error(line, "bad indentation: expected " + std::to_string(*section_indent_) +
                                    " spaces, like the first entry of this section");
      }
      return header(line);
    }
    if (section_ == Section::users) return user(line);
    section_ = Section::http_server;  // back from a nested `headers:` block
    return http_server_setting(line);
  }

  Result<void> user(const ConfigLine& line) {
    auto entry = parse_mapping_entry(line);
    if (!entry) return tl::unexpected(entry.error());
    const std::string user_label = "user \"" + entry->key + "\": ";
    if (entry->key.find(':') != std::string::npos) {
      return line_error(line, user_label + "a user name cannot contain ':' (RFC 7617)");
    }
    if (!entry->value || entry->value->empty()) {
      return line_error(line, user_label + "missing password hash");
    }
    if (!is_bcrypt_hash(*entry->value))
      return line_error(line, user_label + std::string(bcrypt_hint));
    if (bcrypt_cost(*entry->value) > max_bcrypt_cost) {
      return line_error(line, user_label + "bcrypt cost " +
                                  std::to_string(bcrypt_cost(*entry->value)) + " is above " +
                                  std::to_string(max_bcrypt_cost) +
                                  ", the most Botan computes; every login would fail (make the "
                                  "hash with `htpasswd -nBC 10`)");
    }
    if (!config_.basic_auth_users.emplace(entry->key, std::move(*entry->value)).second) {
      return line_error(line, user_label + "appears twice");
    }
    return {};
  }

  Result<void> http_server_setting(const ConfigLine& line) {
    auto entry = parse_mapping_entry(line);
    if (!entry) return tl::unexpected(entry.error());
    if (!http_keys_seen_.insert(entry->key).second) {
      return line_error(line, "\"" + entry->key + "\" appears twice");
    }
    if (entry->key == "http2") {
      // exporter-toolkit's switch for HTTP/2; CivetWeb here only speaks HTTP/1.1, so
      // either value is accepted and has no effect.
      if (!entry->value || (*entry->value != "true" && *entry->value != "false")) {
        return line_error(line, "http2 must be true or false");
      }
      return {};
    }
    if (entry->key == "headers") {
      if (entry->value) {
        return line_error(line, "\"headers\" must be followed by indented 'Name: value' lines");
      }
      section_ = Section::http_headers;
      headers_indent_.reset();
      return {};
    }
    return line_error(
        line, "unknown http_server_config key \"" + entry->key + "\" (supported: headers, http2)");
  }

  Result<void> header(const ConfigLine& line) {
    if (!headers_indent_) headers_indent_ = line.indent;
    if (line.indent != *headers_indent_) {
      return line_error(line, "bad indentation: expected " + std::to_string(*headers_indent_) +
                                  " spaces, like the first header");
    }
    auto entry = parse_mapping_entry(line);
    if (!entry) return tl::unexpected(entry.error());
    const auto allowed = std::find_if(
        allowed_headers.begin(), allowed_headers.end(),
        [&](const AllowedHeader& h) { return equals_ignoring_ascii_case(h.name, entry->key); });
    if (allowed == allowed_headers.end()) {
      return line_error(line, "header \"" + entry->key +
                                  "\" is not allowed (allowed: Strict-Transport-Security, "
                                  "X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, "
                                  "Content-Security-Policy)");
    }
    if (!entry->value || entry->value->empty()) {
      return line_error(line, "header \"" + std::string(allowed->name) + "\" has no value");
    }
    if (!is_printable_ascii(*entry->value)) {
      return line_error(
          line, "header \"" + std::string(allowed->name) + "\" value must be printable ASCII");
    }
    if (!allowed->only_values.front().empty() &&
        std::none_of(allowed->only_values.begin(), allowed->only_values.end(),
                     [&](std::string_view v) {
                       return !v.empty() && equals_ignoring_ascii_case(v, *entry->value);
                     })) {
      return line_error(line, "header \"" + std::string(allowed->name) + "\" does not allow \"" +
                                  *entry->value + "\"");
    }
    for (const HeaderField& existing : config_.response_headers) {
      if (existing.name == allowed->name) {
        return line_error(line, "header \"" + existing.name + "\" appears twice");
      }
    }
    config_.response_headers.push_back({std::string(allowed->name), std::move(*entry->value)});
    return {};
  }

  WebConfig config_;
  Section section_{Section::none};
  std::optional<std::size_t> section_indent_;
  std::optional<std::size_t> headers_indent_;
  std::optional<ConfigLine> users_line_;  // where `basic_auth_users:` stands, once seen
  std::set<std::string, std::less<>> top_keys_seen_;
  std::set<std::string, std::less<>> http_keys_seen_;
};

}  // namespace

Result<WebConfig> parse_web_config(std::string_view yaml_text) {
  return WebConfigParser{}.run(yaml_text);
}

Result<void> check_web_config_reload(const WebConfig& current, const WebConfig& next) {
  if (!current.basic_auth_users.empty() && next.basic_auth_users.empty()) {
    return config_error(Layer::http,
                        "the new web config has no basic_auth_users: a reload never turns "
                        "authentication off (restart the exporter to do that)");
  }
  return {};
}

std::string describe_basic_auth(const WebConfig& config) {
  const std::size_t users = config.basic_auth_users.size();
  if (users == 0) return "off";
  return "on (" + std::to_string(users) + (users == 1 ? " user)" : " users)");
}

Result<WebConfig> load_web_config(const std::string& path) {
  const auto file_error = [&](std::string_view message, ErrorCode code = ErrorCode::config,
                              std::size_t offset = 0) {
    return fail(code, Layer::http, offset, "web config file " + path + ": " + std::string(message));
  };
  std::ifstream file(path, std::ios::binary);
  if (!file) return file_error(std::strerror(errno), ErrorCode::io);
  std::string text(max_config_bytes + 1, '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (file.bad()) return file_error(std::strerror(errno), ErrorCode::io);
  const auto bytes_read = static_cast<std::size_t>(file.gcount());
  if (bytes_read > max_config_bytes) {
    return file_error("larger than 1 MiB; is this the right file?", ErrorCode::length);
  }
  text.resize(bytes_read);
  auto config = parse_web_config(text);
  if (!config) {
    return file_error(config.error().message, config.error().code, config.error().offset);
  }
  return config;
}

}  // namespace sm::http
