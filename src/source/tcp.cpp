#include "source/tcp.h"

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <mutex>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <system_error>
#include <thread>
#include <unistd.h>

#include "source/reconnect.h"

namespace sm::source {
namespace {

constexpr std::string_view kScheme = "tcp://";

struct AddrinfoDeleter {
  void operator()(addrinfo* list) const noexcept {
    if (list != nullptr) ::freeaddrinfo(list);
  }
};
using AddrinfoList = std::unique_ptr<addrinfo, AddrinfoDeleter>;

// A name lookup in flight on a helper thread. getaddrinfo() cannot be interrupted and
// may take the resolver's full timeout; stop() must not wait for it, so the thread owns
// a share of this state and finishes (and frees it) on its own when we walk away.
struct PendingLookup {
  UniqueFd done{::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};
  std::mutex mutex;
  int status{0};
  int system_error{0};  // errno of the lookup thread when status == EAI_SYSTEM
  AddrinfoList result;
};

addrinfo stream_hints(int flags) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = flags;
  return hints;
}

std::string address_text(const sockaddr* address, socklen_t length) {
  std::array<char, NI_MAXHOST> host{};
  std::array<char, NI_MAXSERV> port{};
  if (::getnameinfo(address, length, host.data(), host.size(), port.data(), port.size(),
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return "?";
  }
  std::string text(host.data());
  if (text.find(':') != std::string::npos) text = "[" + text + "]";
  return text + ":" + port.data();
}

class TcpSource final : public Source, private StreamOpener {
 public:
  explicit TcpSource(TcpOptions options) : options_(std::move(options)), loop_(options_.backoff) {}

  void run(Sink& sink) override { loop_.run(sink, *this); }
  void stop() override { loop_.stop(); }
  void reopen() override { loop_.reopen(); }
  [[nodiscard]] std::string describe() const override {
    return "tcp " + options_.endpoint.to_string();
  }

  [[nodiscard]] const SourceControl& control() const noexcept { return loop_.control(); }

 private:
  OpenResult open_stream(SourceControl& control, Sink& sink) override {
    auto deadline = SourceControl::Clock::now() + options_.connect_timeout;
    auto addresses = resolve(control, deadline);
    if (!addresses) return tl::unexpected(addresses.error());

    std::string failures;
    for (const addrinfo* candidate = addresses->get(); candidate != nullptr;
         candidate = candidate->ai_next) {
      auto connected = connect_to(*candidate, control, sink);
      if (connected) return connected;
      if (control.interrupt_pending()) return connected;
      if (!failures.empty()) failures += "; ";
      failures += connected.error();
    }
    return tl::unexpected(failures.empty() ? "no addresses" : failures);
  }

  [[nodiscard]] std::string end_of_stream_reason() const override {
    return "connection closed by peer";
  }

  tl::expected<AddrinfoList, std::string> resolve(SourceControl& control,
                                                  SourceControl::Clock::time_point deadline) {
    const std::string port = std::to_string(options_.endpoint.port);
    const std::string& host = options_.endpoint.host;

    // Literal addresses (the usual case for gateways) need no lookup and no thread.
    addrinfo numeric_hints = stream_hints(AI_NUMERICHOST | AI_NUMERICSERV);
    addrinfo* list = nullptr;
    if (::getaddrinfo(host.c_str(), port.c_str(), &numeric_hints, &list) == 0) {
      return AddrinfoList(list);
    }

    auto lookup = std::make_shared<PendingLookup>();
    if (!lookup->done) return tl::unexpected("eventfd: " + errno_text(errno));
    try {
      std::thread([lookup, host, port] {
        addrinfo hints = stream_hints(AI_NUMERICSERV);
        addrinfo* found = nullptr;
        int status = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
        int system_error = errno;
        {
          std::lock_guard lock(lookup->mutex);
          lookup->status = status;
          lookup->system_error = system_error;
          lookup->result.reset(found);
        }
        std::uint64_t one = 1;
        [[maybe_unused]] auto written = ::write(lookup->done.get(), &one, sizeof one);
      }).detach();
    } catch (const std::system_error& e) {
      return tl::unexpected(std::string("cannot start name lookup: ") + e.what());
    }

    auto waited = control.wait(lookup->done.get(), POLLIN, deadline);
    switch (waited.outcome) {
      case SourceControl::Wait::ready:
        break;
      case SourceControl::Wait::interrupted:
        return tl::unexpected(std::string("interrupted"));
      case SourceControl::Wait::timeout:
        return tl::unexpected("name lookup of " + host + " timed out");
      case SourceControl::Wait::failed:
        return tl::unexpected("poll: " + errno_text(waited.error));
    }
    std::lock_guard lock(lookup->mutex);
    if (lookup->status != 0) {
      std::string reason = lookup->status == EAI_SYSTEM ? errno_text(lookup->system_error)
                                                        : ::gai_strerror(lookup->status);
      return tl::unexpected("name lookup of " + host + ": " + reason);
    }
    return std::move(lookup->result);
  }

  OpenResult connect_to(const addrinfo& address, SourceControl& control, Sink& sink) {
    const std::string peer = address_text(address.ai_addr, address.ai_addrlen);
    UniqueFd socket_fd(::socket(address.ai_family,
                                address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                                address.ai_protocol));
    if (!socket_fd) return tl::unexpected("socket: " + errno_text(errno));

    if (::connect(socket_fd.get(), address.ai_addr, address.ai_addrlen) != 0) {
      if (errno != EINPROGRESS) return tl::unexpected(peer + ": " + errno_text(errno));
      auto deadline = SourceControl::Clock::now() + options_.connect_timeout;
      auto waited = control.wait(socket_fd.get(), POLLOUT, deadline);
      switch (waited.outcome) {
        case SourceControl::Wait::ready:
          break;
        case SourceControl::Wait::interrupted:
          return tl::unexpected(std::string("interrupted"));
        case SourceControl::Wait::timeout:
          return tl::unexpected(peer + ": connect timed out");
        case SourceControl::Wait::failed:
          return tl::unexpected("poll: " + errno_text(waited.error));
      }
      int error = 0;
      socklen_t length = sizeof error;
      if (::getsockopt(socket_fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
        error = errno;
      }
      if (error != 0) return tl::unexpected(peer + ": " + errno_text(error));
    }
    if (options_.keepalive) enable_keepalive(socket_fd.get(), sink);
    sink.log(LogLevel::debug, "connected to " + peer);
    return socket_fd;
  }

  void enable_keepalive(int fd, Sink& sink) const {
    auto set = [fd](int level, int name, int value) {
      return ::setsockopt(fd, level, name, &value, sizeof value) == 0;
    };
    bool ok =
        set(SOL_SOCKET, SO_KEEPALIVE, 1) &&
        set(IPPROTO_TCP, TCP_KEEPIDLE, static_cast<int>(options_.keepalive_idle.count())) &&
        set(IPPROTO_TCP, TCP_KEEPINTVL, static_cast<int>(options_.keepalive_interval.count())) &&
        set(IPPROTO_TCP, TCP_KEEPCNT, options_.keepalive_count);
    if (!ok) sink.log(LogLevel::debug, "TCP keepalive not enabled: " + errno_text(errno));
  }

  TcpOptions options_;
  ReconnectLoop loop_;
};

}  // namespace

std::string TcpEndpoint::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

bool is_tcp_url(std::string_view device) noexcept {
  return device.starts_with(kScheme);
}

Result<TcpEndpoint> parse_tcp_url(std::string_view url) {
  auto invalid = [url](std::size_t offset, std::string_view why) {
    return fail(ErrorCode::config, Layer::source, offset,
                "invalid TCP address \"" + std::string(url) + "\": " + std::string(why) +
                    " (expected tcp://host:port or tcp://[ipv6]:port)");
  };
  if (!is_tcp_url(url)) return invalid(0, "missing tcp://");
  std::string_view rest = url.substr(kScheme.size());
  std::size_t rest_offset = kScheme.size();

  std::string_view host;
  std::string_view port_text;
  if (rest.starts_with('[')) {
    auto close = rest.find(']');
    if (close == std::string_view::npos) return invalid(rest_offset, "unclosed [");
    host = rest.substr(1, close - 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.starts_with(':')) return invalid(rest_offset + close + 1, "missing :port");
    port_text = after.substr(1);
  } else {
    auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) return invalid(url.size(), "missing :port");
    host = rest.substr(0, colon);
    if (host.find(':') != std::string_view::npos) {
      return invalid(rest_offset, "put IPv6 addresses in brackets");
    }
    port_text = rest.substr(colon + 1);
  }
  if (host.empty()) return invalid(rest_offset, "empty host");
  if (host.find_first_of("/ \t") != std::string_view::npos) {
    return invalid(rest_offset, "host contains '/' or spaces");
  }

  unsigned port = 0;
  const char* first = port_text.data();
  const char* last = port_text.data() + port_text.size();
  auto [end, error] = std::from_chars(first, last, port);
  std::size_t port_offset = url.size() - port_text.size();
  if (port_text.empty() || error != std::errc{} || end != last) {
    return invalid(port_offset, "port must be a number");
  }
  if (port == 0 || port > 65535) return invalid(port_offset, "port must be 1..65535");
  return TcpEndpoint{std::string(host), static_cast<std::uint16_t>(port)};
}

Result<std::unique_ptr<Source>> make_tcp_source(TcpOptions options) {
  if (options.endpoint.host.empty() || options.endpoint.port == 0) {
    return config_error(Layer::source, "TCP endpoint needs a host and a port");
  }
  auto source = std::make_unique<TcpSource>(std::move(options));
  if (!source->control().valid()) {
    return config_error(Layer::source, source->control().setup_error());
  }
  return std::unique_ptr<Source>(std::move(source));
}

}  // namespace sm::source
