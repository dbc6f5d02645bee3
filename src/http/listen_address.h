// ListenAddress: one `--web.listen-address` value, checked before CivetWeb sees it.
//
// Accepts what Prometheus exporters accept: ":9100" (every interface), "127.0.0.1:9100",
// "0.0.0.0:9100", "localhost:9100", "host.example:9100" and "[::1]:9100". CivetWeb's own
// `listening_ports` parser is lenient and comma-separated, so an unchecked value could
// smuggle in a second port ("x:1,2s"); every host here is validated character by character.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace sm::http {

struct ListenAddress {
  enum class Kind {
    any_interface,  // ":port"
    ipv4,           // dotted-quad literal, including 0.0.0.0
    ipv6,           // bracketed literal; `host` holds it without the brackets
    hostname,       // resolved to an IPv4 address when the server starts
  };

  Kind kind{Kind::any_interface};
  std::string host;       // empty for any_interface
  std::uint16_t port{0};  // 0 lets the kernel pick one (see HttpServer::bound_ports)

  // As the user writes it: ":9100", "127.0.0.1:9100", "[::1]:9100".
  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const ListenAddress&, const ListenAddress&) = default;
};

// Pure syntax check; no name resolution.
[[nodiscard]] Result<ListenAddress> parse_listen_address(std::string_view text);

// Turns a hostname into an IPv4 literal ("localhost" without asking the resolver, so it
// means 127.0.0.1 everywhere); other kinds come back unchanged. Blocks on DNS for others.
[[nodiscard]] Result<ListenAddress> resolve_listen_address(const ListenAddress& address);

// One entry of CivetWeb's `listening_ports` option, for a resolved address. Every-interface
// becomes "+port" (one dual-stack socket) when CivetWeb was built with IPv6 and "port"
// (IPv4 only) otherwise; so does "[::]:port", as in Go. IPv6 literals are refused without
// IPv6 support (Debian 12's CivetWeb), because CivetWeb would only say "invalid port spec".
[[nodiscard]] Result<std::string> civetweb_port_spec(const ListenAddress& address,
                                                     bool civetweb_has_ipv6);

}  // namespace sm::http
