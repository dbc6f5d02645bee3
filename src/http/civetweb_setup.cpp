#include "http/civetweb_setup.h"

#include <algorithm>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <utility>

namespace sm::http::civetweb {
namespace {

// CivetWeb's summary when any listening port fails; the specific cause arrives earlier
// through log_message.
constexpr std::string_view generic_port_failure = "Failed to setup server ports";

// Known causes get a hint about what to do; the OS text stays as CivetWeb reported it.
std::string hint_for(std::string_view cause) {
  if (cause.find("Address already in use") != std::string_view::npos) {
    return " (another process, perhaps a second exporter instance, already listens there)";
  }
  if (cause.find("Permission denied") != std::string_view::npos) {
    return " (ports below 1024 need root or CAP_NET_BIND_SERVICE)";
  }
  if (cause.find("Cannot assign requested address") != std::string_view::npos) {
    return " (no local network interface has this address)";
  }
  return {};
}

// Where a local client reaches a listening socket: wildcard binds via loopback.
std::string wake_host(const ListenAddress& resolved) {
  switch (resolved.kind) {
    case ListenAddress::Kind::any_interface:
      return "127.0.0.1";
    case ListenAddress::Kind::ipv6:
      return resolved.host == "::" ? "::1" : resolved.host;
    case ListenAddress::Kind::ipv4:
    case ListenAddress::Kind::hostname:
      break;
  }
  return resolved.host == "0.0.0.0" ? "127.0.0.1" : resolved.host;
}

}  // namespace

tl::unexpected<Error> start_error(std::string message) {
  return config_error(Layer::http, std::move(message));
}

#if CIVETWEB_VERSION_MAJOR == 1 && CIVETWEB_VERSION_MINOR < 16
void point_error_code_at(mg_error_data& error, unsigned& storage) {
  error.code = &storage;
}
unsigned error_code_of(const mg_error_data& /*error*/, unsigned storage) {
  return storage;
}
#else
void point_error_code_at(mg_error_data& /*error*/, unsigned& /*storage*/) {}
unsigned error_code_of(const mg_error_data& error, unsigned /*storage*/) {
  return error.code;
}
#endif

void init_civetweb_library() {
  static const unsigned initialised = mg_init_library(0);
  (void)initialised;
}

void poke(const std::string& host, std::uint16_t port) noexcept {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* list = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list) != 0) return;
  const int fd = ::socket(list->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    timeval timeout{};
    timeout.tv_usec = 200'000;  // bounds connect() on Linux
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    (void)::connect(fd, list->ai_addr, list->ai_addrlen);
    ::close(fd);
  }
  freeaddrinfo(list);
}

Result<Listeners> plan_listeners(const std::vector<ListenAddress>& addresses) {
  const bool has_ipv6 = mg_check_feature(MG_FEATURES_IPV6) != 0;
  std::vector<std::string> specs;
  Listeners listeners;
  for (const ListenAddress& address : addresses) {
    auto resolved = resolve_listen_address(address);
    if (!resolved) return tl::unexpected(resolved.error());
    auto spec = civetweb_port_spec(*resolved, has_ipv6);
    if (!spec) return tl::unexpected(spec.error());
    if (std::find(specs.begin(), specs.end(), *spec) != specs.end()) {
      return start_error("listen address " + address.to_string() + " given twice");
    }
    listeners.civetweb_ports += (specs.empty() ? "" : ",") + *spec;
    specs.push_back(std::move(*spec));
    listeners.wake_hosts.push_back(wake_host(*resolved));
    listeners.shown += (listeners.shown.empty() ? "" : ", ") + address.to_string();
  }
  listeners.count = specs.size();
  return listeners;
}

std::vector<Setting> civetweb_settings(const ServerOptions& options, std::string listening_ports) {
  return {
      {"listening_ports", std::move(listening_ports)},
      {"num_threads", std::to_string(options.worker_threads)},
      // Idle and slow clients: a request not complete within this is dropped.
      {"request_timeout_ms", std::to_string(options.request_timeout.count())},
      {"enable_keep_alive", "yes"},
      {"keep_alive_timeout_ms", std::to_string(options.keep_alive_timeout.count())},
      {"max_request_size", std::to_string(options.max_request_header_bytes)},
      {"listen_backlog", std::to_string(options.listen_backlog)},
      // Small responses: send them now rather than wait for Nagle's algorithm.
      {"tcp_nodelay", "1"},
      // No file serving, no CORS headers: every request is answered by on_begin_request.
      {"enable_directory_listing", "no"},
      {"access_control_allow_origin", ""},
      {"access_control_allow_methods", ""},
      // Absolute-form requests ("GET http://host:port/metrics", RFC 9112 3.2.2) are
      // otherwise dropped unless the host equals the unused `authentication_domain`.
      {"enable_auth_domain_check", "no"},
  };
}

std::vector<const char*> option_pointers(const std::vector<Setting>& settings) {
  std::vector<const char*> pointers;
  for (const auto& [name, value] : settings) {
    pointers.push_back(name.data());  // the names are string literals
    pointers.push_back(value.c_str());
  }
  pointers.push_back(nullptr);
  return pointers;
}

// CivetWeb's error text is a generic summary; the log lines before it name the cause
// ("cannot bind to 127.0.0.1:9100: 98 (Address already in use)").
std::string start_failure_cause(const std::vector<std::string>& messages, std::string_view summary,
                                unsigned code) {
  std::string cause;
  for (const std::string& message : messages) {
    if (message == generic_port_failure && messages.size() > 1) continue;
    cause += (cause.empty() ? "" : "; ") + message;
  }
  const bool summary_adds_nothing = summary == generic_port_failure && !cause.empty();
  if (!summary.empty() && !summary_adds_nothing && cause.find(summary) == std::string::npos) {
    cause += (cause.empty() ? "" : "; ") + std::string(summary);
  }
  if (cause.empty()) cause = "CivetWeb gave no reason (error code " + std::to_string(code) + ")";
  return cause + hint_for(cause);
}

Result<void> check_options(const ServerOptions& options) {
  if (options.listen_addresses.empty()) return start_error("no listen address given");
  if (options.worker_threads == 0) return start_error("worker_threads must be at least 1");
  if (options.max_request_header_bytes < 1024) {
    return start_error("max_request_header_bytes must be at least 1024 (CivetWeb's minimum)");
  }
  if (options.request_timeout.count() <= 0 || options.keep_alive_timeout.count() <= 0) {
    return start_error("request_timeout and keep_alive_timeout must be positive");
  }
  return {};
}

}  // namespace sm::http::civetweb
