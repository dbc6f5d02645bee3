#include "http/listen_address.h"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <memory>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace sm::http {
namespace {

tl::unexpected<Error> address_error(std::string_view text, std::string_view reason) {
  return config_error(Layer::http,
                      "listen address \"" + std::string(text) + "\": " + std::string(reason));
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.
bool is_hostname(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  std::size_t label_start = 0;
  while (label_start <= name.size()) {
    const std::size_t dot = std::min(name.find('.', label_start), name.size());
    const std::string_view label = name.substr(label_start, dot - label_start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (const char c : label) {
      const bool ok = is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
      if (!ok) return false;
    }
    label_start = dot + 1;
  }
  return true;
}

bool is_ipv4_literal(const std::string& host) {
  in_addr parsed{};
  return inet_pton(AF_INET, host.c_str(), &parsed) == 1;
}

bool is_ipv6_literal(const std::string& host) {
  in6_addr parsed{};
  return inet_pton(AF_INET6, host.c_str(), &parsed) == 1;
}

bool is_unspecified_ipv6(const std::string& host) {
  in6_addr parsed{};
  return inet_pton(AF_INET6, host.c_str(), &parsed) == 1 && IN6_IS_ADDR_UNSPECIFIED(&parsed);
}

Result<std::uint16_t> parse_port(std::string_view text, std::string_view port) {
  if (port.empty()) return address_error(text, "missing port after ':'");
  if (!all_digits(port)) {
    return address_error(text, "port \"" + std::string(port) + "\" is not a number");
  }
  if (port.size() > 5) return address_error(text, "port is larger than 65535");
  unsigned value = 0;
  for (const char c : port) value = value * 10 + static_cast<unsigned>(c - '0');
  if (value > 65535) return address_error(text, "port is larger than 65535");
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::string ListenAddress::to_string() const {
  const std::string port_text = std::to_string(port);
  switch (kind) {
    case Kind::any_interface:
      return ":" + port_text;
    case Kind::ipv6:
      return "[" + host + "]:" + port_text;
    case Kind::ipv4:
    case Kind::hostname:
      return host + ":" + port_text;
  }
  return host + ":" + port_text;
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  if (text.empty()) return address_error(text, "empty");

  if (text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return address_error(text, "missing ']'");
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      return address_error(text, "expected ':port' after ']'");
    }
    ListenAddress address;
    address.kind = ListenAddress::Kind::ipv6;
    address.host = std::string(text.substr(1, close - 1));
    if (!is_ipv6_literal(address.host)) {
      return address_error(text, "\"" + address.host + "\" is not an IPv6 address");
    }
    auto port = parse_port(text, text.substr(close + 2));
    if (!port) return tl::unexpected(port.error());
    address.port = *port;
    return address;
  }

  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    if (all_digits(text)) {
      return address_error(
          text, "missing host; write \":" + std::string(text) + "\" to listen on every interface");
    }
    return address_error(text, "expected host:port");
  }
  const std::string_view host = text.substr(0, colon);
  if (host.find(':') != std::string_view::npos) {
    return address_error(text, "IPv6 addresses must be written in brackets, e.g. [::1]:9100");
  }
  auto port = parse_port(text, text.substr(colon + 1));
  if (!port) return tl::unexpected(port.error());

  ListenAddress address;
  address.port = *port;
  address.host = std::string(host);
  if (host.empty()) {
    address.kind = ListenAddress::Kind::any_interface;
  } else if (std::all_of(host.begin(), host.end(),
                         [](char c) { return is_digit(c) || c == '.'; })) {
    // Looks numeric, so it must be a complete dotted quad; "10.1" is a typo, not a name.
    if (!is_ipv4_literal(address.host)) {
      return address_error(text, "\"" + address.host + "\" is not an IPv4 address");
    }
    address.kind = ListenAddress::Kind::ipv4;
  } else if (is_hostname(host)) {
    address.kind = ListenAddress::Kind::hostname;
  } else {
    return address_error(text, "\"" + address.host + "\" is neither an IP address nor a host name");
  }
  return address;
}

Result<ListenAddress> resolve_listen_address(const ListenAddress& address) {
  if (address.kind != ListenAddress::Kind::hostname) return address;

  ListenAddress resolved = address;
  resolved.kind = ListenAddress::Kind::ipv4;
  if (address.host == "localhost") {
    resolved.host = "127.0.0.1";
    return resolved;
  }

  addrinfo hints{};
  hints.ai_family = AF_INET;  // CivetWeb on Debian has no IPv6 (see civetweb_port_spec)
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* raw_list = nullptr;
  const int rc = getaddrinfo(address.host.c_str(), nullptr, &hints, &raw_list);
  if (rc != 0) {
    return address_error(address.to_string(),
                         std::string("cannot resolve host name: ") + gai_strerror(rc));
  }
  const std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(raw_list, &freeaddrinfo);
  for (const addrinfo* entry = list.get(); entry != nullptr; entry = entry->ai_next) {
    if (entry->ai_family != AF_INET) continue;
    // getnameinfo formats the sockaddr without us casting it to sockaddr_in.
    std::array<char, NI_MAXHOST> buffer{};
    if (getnameinfo(entry->ai_addr, entry->ai_addrlen, buffer.data(),
                    static_cast<socklen_t>(buffer.size()), nullptr, 0, NI_NUMERICHOST) == 0) {
      resolved.host = buffer.data();
      return resolved;
    }
  }
  return address_error(address.to_string(), "host name has no IPv4 address");
}

Result<std::string> civetweb_port_spec(const ListenAddress& address, bool civetweb_has_ipv6) {
  const std::string port_text = std::to_string(address.port);
  switch (address.kind) {
    case ListenAddress::Kind::any_interface:
      return civetweb_has_ipv6 ? "+" + port_text : port_text;
    case ListenAddress::Kind::ipv4:
      return address.host + ":" + port_text;
    case ListenAddress::Kind::ipv6:
      if (!civetweb_has_ipv6) {
        return config_error(
            Layer::http,
            "listen address \"" + address.to_string() +
                "\": this CivetWeb library was built without IPv6 support (Debian 12's "
                "libcivetweb1 is; Debian 13's has it); listen on an IPv4 address (e.g. "
                "127.0.0.1 or \":port\") or put a reverse proxy in front");
      }
      // "[::]" means every interface, IPv4 included, as in Go's net.Listen (and so in every
      // other exporter); CivetWeb's "[::]:port" would be IPv6 only.
      if (is_unspecified_ipv6(address.host)) return "+" + port_text;
      return "[" + address.host + "]:" + port_text;
    case ListenAddress::Kind::hostname:
      break;
  }
  return config_error(Layer::http,
                      "listen address \"" + address.to_string() + "\" must be resolved first");
}

}  // namespace sm::http
