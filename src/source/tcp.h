// TcpSource: serial-over-TCP (ser2net, M-Bus/LAN gateways) at tcp://host:port.
// The peer closing or resetting the connection is a disconnect: the source reports it
// and reconnects with backoff, exactly like an unplugged serial adapter.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "source/source.h"

namespace sm::source {

struct TcpEndpoint {
  std::string host;  // name, IPv4 or IPv6 literal (without brackets)
  std::uint16_t port{0};

  // "host:port", "[::1]:port"
  [[nodiscard]] std::string to_string() const;
};

[[nodiscard]] bool is_tcp_url(std::string_view device) noexcept;  // starts with "tcp://"

// "tcp://host:port", "tcp://192.0.2.1:3001", "tcp://[2001:db8::1]:3001". The port is
// numeric (1..65535); nothing may follow it.
[[nodiscard]] Result<TcpEndpoint> parse_tcp_url(std::string_view url);

struct TcpOptions {
  TcpEndpoint endpoint;
  // Per address tried; also bounds a name lookup.
  std::chrono::milliseconds connect_timeout{5000};
  // Gateways that lose power send no FIN; keepalive probes notice that within
  // idle + interval * count seconds instead of never.
  bool keepalive = true;
  std::chrono::seconds keepalive_idle{30};
  std::chrono::seconds keepalive_interval{10};
  int keepalive_count = 3;
  Backoff backoff;
};

[[nodiscard]] Result<std::unique_ptr<Source>> make_tcp_source(TcpOptions options);

}  // namespace sm::source
