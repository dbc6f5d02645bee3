// HttpServer: the exporter's HTTP endpoint, on CivetWeb's C API.
//
// Deliberately small: exact-path routes registered before start(), GET and HEAD only,
// Basic auth in front of every path (including unknown ones, so a 404 tells an
// unauthenticated client nothing), and no file serving. CivetWeb's own request processing
// (files, CORS pre-flight, WebDAV, .htpasswd) is never reached: one `begin_request` callback
// answers every request, which also leaves no window between mg_start() and handler
// registration in which CivetWeb would answer on its own.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "http/basic_auth.h"
#include "http/header_field.h"
#include "http/listen_address.h"
#include "http/web_config.h"

namespace sm::http {

struct HeaderView {
  std::string_view name;
  std::string_view value;
};

// What a handler sees; valid only during the handler call.
struct Request {
  std::string_view method;  // "GET" or "HEAD" (others never reach a handler)
  std::string_view path;    // percent-decoded, dot segments removed, without the query
  std::string_view query;   // raw, without '?'; empty when absent
  std::span<const HeaderView> headers;
  std::string_view client;  // the peer's IP address, as CivetWeb reports it

  // Case-insensitive lookup of the first header with this name.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const;
};

struct Response {
  int status{200};
  std::string content_type{"text/plain; charset=utf-8"};
  std::string body;                  // not sent for HEAD; Content-Length always is
  std::vector<HeaderField> headers;  // extra headers; ones containing CR or LF are dropped
};

// Runs on a CivetWeb worker thread, concurrently with other handlers. An exception
// becomes a 500 and a log line; it never unwinds into CivetWeb.
using Handler = std::function<Response(const Request&)>;

// Receives CivetWeb's error messages and handler failures, one line each, from any thread
// (calls are serialised by the server).
using LogSink = std::function<void(std::string_view message)>;

// Idle and slow clients are bounded by CivetWeb's own timeouts: CivetWeb gives a
// connection one worker thread for its whole life, and closes it when a request is not
// complete within request_timeout (keep_alive_timeout between keep-alive requests). So a
// connection that sends nothing, or drips a request, holds a worker for at most one
// timeout (a little more if its bytes keep arriving, see README "Connections"), and
// connections queued behind such clients are served one timeout later per worker.
struct ServerOptions {
  std::vector<ListenAddress> listen_addresses;  // at least one
  // One thread per connection: a scrape, a browser or a slow client each hold one.
  unsigned worker_threads{16};
  // Budget for reading a request (from the moment a worker takes the connection) and for
  // each write. A scrape's request arrives in one packet, long before this.
  std::chrono::milliseconds request_timeout{1'000};
  // Idle time a keep-alive connection may hold a worker before its next request.
  std::chrono::milliseconds keep_alive_timeout{1'000};
  // Request line plus headers; CivetWeb preallocates this per worker (minimum 1024).
  std::size_t max_request_header_bytes{16384};
  unsigned listen_backlog{64};
  LogSink log;  // may be empty
};

class HttpServer {
 public:
  // `verifier` checks passwords against bcrypt hashes; only needed once users are set.
  explicit HttpServer(PasswordVerifier verifier = {});
  ~HttpServer();  // stops the server
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  HttpServer(HttpServer&&) = delete;
  HttpServer& operator=(HttpServer&&) = delete;

  // `path` must start with '/' and is matched exactly ("/metrics" does not serve
  // "/metrics/x"). Fails after start() or for a duplicate path.
  [[nodiscard]] Result<void> add_route(std::string path, Handler handler);

  // Validates and resolves the addresses, then starts CivetWeb. On failure the message
  // carries CivetWeb's real cause, e.g. "cannot listen on 127.0.0.1:9100: cannot bind to
  // 127.0.0.1:9100: 98 (Address already in use)".
  [[nodiscard]] Result<void> start(const ServerOptions& options);

  // Waits for requests in progress; safe to call twice.
  void stop() noexcept;
  [[nodiscard]] bool running() const noexcept;

  // Ports actually bound, in listen-address order (useful with port 0).
  [[nodiscard]] std::vector<std::uint16_t> bound_ports() const;

  // Thread-safe; take effect for the next request (SIGHUP reload).
  [[nodiscard]] Result<void> set_users(UserTable users);
  void set_response_headers(std::vector<HeaderField> headers);
  [[nodiscard]] Result<void> apply_web_config(const WebConfig& config);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sm::http
