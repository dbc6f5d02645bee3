// The `--web.config.file`: Prometheus exporter-toolkit's YAML format, read without a YAML
// library. Only the subset that file needs is understood:
//
//   # comment
//   basic_auth_users:                 # user: bcrypt hash, one per line
//     prometheus: $2b$10$...          # hashes may be quoted with ' or "
//   http_server_config:
//     http2: true                     # accepted and ignored: CivetWeb here speaks HTTP/1.1
//     headers:                        # sent on every response
//       X-Frame-Options: deny
//
// Supported headers are exporter-toolkit's list: Strict-Transport-Security,
// X-Content-Type-Options (nosniff), X-Frame-Options (deny|sameorigin), X-XSS-Protection,
// Content-Security-Policy. `tls_server_config` is refused: Debian's CivetWeb TLS crashes with
// OpenSSL 3, so TLS belongs in a reverse proxy. Anything else (other keys, lists, flow
// syntax `{}`/`[]`, anchors, tags, block scalars, tabs, inconsistent indentation) is an
// error naming the line, so a typo never silently turns authentication off. So is a file
// that configures nothing (empty, only comments, or `basic_auth_users:` without a user).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "http/basic_auth.h"
#include "http/header_field.h"

namespace sm::http {

struct WebConfig {
  UserTable basic_auth_users;                 // empty: no authentication
  std::vector<HeaderField> response_headers;  // http_server_config.headers, in file order

  friend bool operator==(const WebConfig&, const WebConfig&) = default;
};

// Pure parser. Errors say "line N: ..." and carry the line's byte offset.
[[nodiscard]] Result<WebConfig> parse_web_config(std::string_view yaml_text);

// Whether a reload (SIGHUP) may replace `current` by `next`: one that would turn basic auth
// from on to off is refused, so a truncated or half-edited file never opens /metrics.
[[nodiscard]] Result<void> check_web_config_reload(const WebConfig& current, const WebConfig& next);

// "on (2 users)" or "off", for the log at start and on every reload.
[[nodiscard]] std::string describe_basic_auth(const WebConfig& config);

// Reads (at most 1 MiB) and parses; errors are prefixed with the path.
[[nodiscard]] Result<WebConfig> load_web_config(const std::string& path);

}  // namespace sm::http
