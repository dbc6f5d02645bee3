// A tiny blocking HTTP/1.1 client over loopback TCP, for the server tests only: one request
// (or raw bytes) per connection, "Connection: close", read until the server closes.
// getaddrinfo/getnameinfo hand us sockaddr pointers, so no casts are needed.
#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <netdb.h>
#include <optional>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace sm::http::testing {

class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() { reset(); }
  Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Socket& operator=(Socket&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_{-1};
};

using AddrInfoList = std::unique_ptr<addrinfo, decltype(&freeaddrinfo)>;

inline AddrInfoList loopback(std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* list = nullptr;
  if (getaddrinfo("127.0.0.1", std::to_string(port).c_str(), &hints, &list) != 0) list = nullptr;
  return {list, &freeaddrinfo};
}

// A listening socket on 127.0.0.1:`port` (0: any free port); `bound_port` gets the port.
inline Socket listen_on(std::uint16_t port, std::uint16_t& bound_port) {
  const AddrInfoList address = loopback(port);
  if (!address) return {};
  Socket socket(::socket(AF_INET, SOCK_STREAM, 0));
  if (!socket.valid()) return {};
  if (::bind(socket.fd(), address->ai_addr, address->ai_addrlen) != 0) return {};
  if (::listen(socket.fd(), 4) != 0) return {};
  socklen_t length = address->ai_addrlen;
  if (::getsockname(socket.fd(), address->ai_addr, &length) != 0) return {};
  std::array<char, NI_MAXSERV> service{};
  if (getnameinfo(address->ai_addr, length, nullptr, 0, service.data(),
                  static_cast<socklen_t>(service.size()), NI_NUMERICSERV) != 0) {
    return {};
  }
  bound_port = static_cast<std::uint16_t>(std::stoul(service.data()));
  return socket;
}

// A port that was free a moment ago (bind to port 0, read it back, close).
inline std::uint16_t free_port() {
  std::uint16_t port = 0;
  Socket probe = listen_on(0, port);
  return probe.valid() ? port : 0;
}

inline Socket connect_to(std::uint16_t port, int timeout_seconds = 5) {
  const AddrInfoList address = loopback(port);
  if (!address) return {};
  Socket socket(::socket(AF_INET, SOCK_STREAM, 0));
  if (!socket.valid()) return {};
  timeval timeout{};
  timeout.tv_sec = timeout_seconds;
  ::setsockopt(socket.fd(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(socket.fd(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (::connect(socket.fd(), address->ai_addr, address->ai_addrlen) != 0) return {};
  return socket;
}

inline bool send_all(const Socket& socket, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(socket.fd(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

inline std::string receive_until_close(const Socket& socket) {
  std::string received;
  std::array<char, 4096> buffer{};
  for (;;) {
    const ssize_t n = ::recv(socket.fd(), buffer.data(), buffer.size(), 0);
    if (n <= 0) break;  // closed, reset or timed out
    received.append(buffer.data(), static_cast<std::size_t>(n));
  }
  return received;
}

// Whether the server closed the connection: reads (and drops) whatever it sent until the
// end of the stream. False when the socket's receive timeout ran out first.
inline bool closed_by_server(const Socket& socket) {
  std::array<char, 4096> buffer{};
  for (;;) {
    const ssize_t n = ::recv(socket.fd(), buffer.data(), buffer.size(), 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
  }
}

// Sends `request` as is and returns everything the server sends until it closes.
inline std::string raw_exchange(std::uint16_t port, std::string_view request) {
  Socket socket = connect_to(port);
  if (!socket.valid() || !send_all(socket, request)) return {};
  return receive_until_close(socket);
}

struct HttpReply {
  int status{0};
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  [[nodiscard]] std::optional<std::string> header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (key.size() == name.size() &&
          std::equal(key.begin(), key.end(), name.begin(),
                     [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        return value;
      }
    }
    return std::nullopt;
  }
};

inline std::optional<HttpReply> parse_reply(std::string_view raw) {
  const std::size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string_view::npos || raw.substr(0, 5) != "HTTP/") {
    return std::nullopt;
  }
  HttpReply reply;
  const std::size_t status_start = raw.find(' ');
  if (status_start == std::string_view::npos || status_start + 4 > head_end) return std::nullopt;
  reply.status = std::stoi(std::string(raw.substr(status_start + 1, 3)));
  std::size_t line_start = raw.find("\r\n") + 2;
  while (line_start < head_end) {
    const std::size_t line_end = raw.find("\r\n", line_start);
    const std::string_view line = raw.substr(line_start, line_end - line_start);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      reply.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
    line_start = line_end + 2;
  }
  reply.body = std::string(raw.substr(head_end + 4));
  return reply;
}

inline std::optional<HttpReply> http_request(
    std::uint16_t port, std::string_view method, std::string_view target,
    const std::vector<std::pair<std::string, std::string>>& headers = {},
    std::string_view body = {}) {
  std::string request = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\n";
  request += "Host: 127.0.0.1:" + std::to_string(port) + "\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  if (!body.empty()) request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  request += "\r\n";
  request += body;
  return parse_reply(raw_exchange(port, request));
}

inline std::string base64(std::string_view text) {
  constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string encoded;
  std::size_t i = 0;
  for (; i + 2 < text.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(text[i]) << 16) |
                       (static_cast<unsigned char>(text[i + 1]) << 8) |
                       static_cast<unsigned char>(text[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) encoded.push_back(alphabet[(v >> shift) & 63]);
  }
  if (text.size() - i == 1) {
    const unsigned v = static_cast<unsigned char>(text[i]) << 16;
    encoded += {alphabet[(v >> 18) & 63], alphabet[(v >> 12) & 63], '=', '='};
  } else if (text.size() - i == 2) {
    const unsigned v = (static_cast<unsigned char>(text[i]) << 16) |
                       (static_cast<unsigned char>(text[i + 1]) << 8);
    encoded += {alphabet[(v >> 18) & 63], alphabet[(v >> 12) & 63], alphabet[(v >> 6) & 63], '='};
  }
  return encoded;
}

inline std::pair<std::string, std::string> basic_auth(std::string_view user,
                                                      std::string_view password) {
  return {"Authorization", "Basic " + base64(std::string(user) + ":" + std::string(password))};
}

}  // namespace sm::http::testing
