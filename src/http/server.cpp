#include "http/server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <ctime>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include <civetweb.h>

#include "common/ascii.h"
#include "http/civetweb_setup.h"
#include "http/content_encoding.h"

namespace sm::http {
namespace {

constexpr std::string_view realm_challenge = "Basic realm=\"smartmeter_exporter\"";

// A header line must not be able to end early and start another one (response splitting).
bool is_safe_header(const HeaderField& field) {
  const auto unsafe = [](char c) { return c == '\r' || c == '\n' || c == '\0'; };
  return !field.name.empty() && std::none_of(field.name.begin(), field.name.end(), unsafe) &&
         field.name.find(':') == std::string::npos &&
         std::none_of(field.value.begin(), field.value.end(), unsafe);
}

Response plain_response(int status, std::string body) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

// Whether the client wants the connection kept open after this response: its Connection
// header's tokens when it sent one, else the default of its HTTP version.
bool client_wants_keep_alive(const Request& request, const char* http_version) {
  if (const auto connection = request.header("Connection")) {
    std::string_view tokens = *connection;
    while (!tokens.empty()) {
      const std::size_t comma = tokens.find(',');
      if (equals_ignoring_ascii_case(trim_blanks(tokens.substr(0, comma)), "keep-alive")) {
        return true;
      }
      if (comma == std::string_view::npos) break;
      tokens.remove_prefix(comma + 1);
    }
    return false;
  }
  return http_version != nullptr && std::string_view(http_version) == "1.1";
}

// An IMF-fixdate (RFC 9110 5.6.7) for the Date header.
std::string http_date(std::time_t now) {
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::array<char, 40> text{};
  const std::size_t length =
      std::strftime(text.data(), text.size(), "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return {text.data(), length};
}

// Compresses the body for clients that accept gzip (Prometheus always does). Below a few
// hundred bytes gzip's own frame and the CPU time buy nothing.
void encode_body(const Request& request, Response& response) {
  constexpr std::size_t kMinimumGzipBytes = 256;
  if (response.body.size() < kMinimumGzipBytes) return;
  response.headers.push_back({"Vary", "Accept-Encoding"});
  const auto accepted = request.header("Accept-Encoding");
  if (!accepted || !accepts_gzip(*accepted)) return;
  auto compressed = gzip_compress(response.body);
  if (!compressed) return;  // zlib failed (out of memory): the plain body is still right
  response.body = std::move(*compressed);
  response.headers.push_back({"Content-Encoding", "gzip"});
}

}  // namespace

std::optional<std::string_view> Request::header(std::string_view name) const {
  for (const HeaderView& field : headers) {
    if (equals_ignoring_ascii_case(field.name, name)) return field.value;
  }
  return std::nullopt;
}

struct HttpServer::Impl {
  explicit Impl(PasswordVerifier verifier) : authenticator(std::move(verifier)) {}

  static int on_begin_request(mg_connection* connection) noexcept;
  static int on_log_message(const mg_connection* connection, const char* message) noexcept;
  static int on_init_connection(const mg_connection* connection, void** connection_data) noexcept;
  static void on_connection_closed(const mg_connection* connection) noexcept;

  // True while every worker holds a connection (new ones wait in CivetWeb's queue).
  [[nodiscard]] bool saturated() const noexcept {
    return open_connections.load() >= worker_threads;
  }
  [[nodiscard]] Result<mg_context*> start_civetweb(const char** options, std::string_view shown);

  int handle(mg_connection* connection);
  Response respond(const Request& request);
  void send(mg_connection* connection, const Response& response, bool head_only, bool keep_alive);
  void log(std::string_view message) noexcept;

  BasicAuthenticator authenticator;
  std::map<std::string, Handler, std::less<>> routes;  // read-only while running

  std::mutex response_headers_mutex;
  std::shared_ptr<const std::vector<HeaderField>> response_headers =
      std::make_shared<const std::vector<HeaderField>>();

  std::mutex log_mutex;
  LogSink log_sink;
  bool collecting_startup_messages{false};    // guarded by log_mutex
  std::vector<std::string> startup_messages;  // guarded by log_mutex

  // CivetWeb gives each connection a worker thread for its whole life. While every worker
  // is held, responses go out with "Connection: close" now and then so that busy
  // keep-alive clients take turns with the connections waiting in CivetWeb's queue (idle
  // and slow ones are CivetWeb's timeouts' business, see ServerOptions).
  std::atomic<unsigned> open_connections{0};
  unsigned worker_threads{1};

  mg_context* context{nullptr};
  std::size_t listen_address_count{0};
  std::vector<std::pair<std::string, std::uint16_t>> wake_endpoints;  // see stop()
};

void HttpServer::Impl::log(std::string_view message) noexcept {
  try {
    const std::lock_guard lock(log_mutex);
    if (collecting_startup_messages) {
      startup_messages.emplace_back(message);
      return;
    }
    if (log_sink) log_sink(message);
  } catch (...) {
    // Logging must not take a worker down; a lost line is the lesser harm.
  }
}

int HttpServer::Impl::on_log_message(const mg_connection* connection,
                                     const char* message) noexcept {
  const mg_context* context = connection != nullptr ? mg_get_context(connection) : nullptr;
  auto* impl = context != nullptr ? static_cast<Impl*>(mg_get_user_data(context)) : nullptr;
  if (impl != nullptr && message != nullptr) impl->log(message);
  return 1;  // handled: CivetWeb must not write its own log
}

int HttpServer::Impl::on_init_connection(const mg_connection* connection,
                                         void** /*connection_data*/) noexcept {
  const mg_context* context = mg_get_context(connection);
  auto* impl = context != nullptr ? static_cast<Impl*>(mg_get_user_data(context)) : nullptr;
  if (impl != nullptr) impl->open_connections.fetch_add(1);
  return 0;
}

void HttpServer::Impl::on_connection_closed(const mg_connection* connection) noexcept {
  const mg_context* context = mg_get_context(connection);
  auto* impl = context != nullptr ? static_cast<Impl*>(mg_get_user_data(context)) : nullptr;
  if (impl != nullptr) impl->open_connections.fetch_sub(1);
}

int HttpServer::Impl::on_begin_request(mg_connection* connection) noexcept {
  const mg_request_info* info = mg_get_request_info(connection);
  auto* impl = info != nullptr ? static_cast<Impl*>(info->user_data) : nullptr;
  if (impl == nullptr) return 0;
  try {
    return impl->handle(connection);
  } catch (const std::exception& e) {
    impl->log(std::string("HTTP request failed: ") + e.what());
  } catch (...) {
    impl->log("HTTP request failed: unknown exception");
  }
  // Nothing has been sent yet: handle() builds the whole response before writing.
  try {
    mg_disable_connection_keep_alive(connection);
    impl->send(connection, plain_response(500, "internal server error\n"), false, false);
  } catch (...) {
    // Out of memory while reporting a failure: let the connection close.
  }
  return 500;
}

int HttpServer::Impl::handle(mg_connection* connection) {
  const mg_request_info* info = mg_get_request_info(connection);
  std::array<HeaderView, MG_MAX_HEADERS> header_storage{};
  const auto header_count =
      static_cast<std::size_t>(std::clamp(info->num_headers, 0, static_cast<int>(MG_MAX_HEADERS)));
  for (std::size_t i = 0; i < header_count; ++i) {
    const mg_header& field = info->http_headers[i];
    header_storage[i] = {field.name != nullptr ? field.name : "",
                         field.value != nullptr ? field.value : ""};
  }
  Request request;
  request.method = info->request_method != nullptr ? info->request_method : "";
  // local_uri is NULL for requests not addressed to a path here ("OPTIONS *", absolute
  // URIs for other hosts). CivetWeb 1.15 drops those before calling us; should one get
  // through, it gets the 404 of an unknown path.
  request.path = info->local_uri != nullptr ? info->local_uri : "";
  request.query = info->query_string != nullptr ? info->query_string : "";
  request.headers = std::span<const HeaderView>(header_storage.data(), header_count);
  request.client = info->remote_addr;

  Response response = respond(request);
  encode_body(request, response);

  // We never read request bodies; CivetWeb would otherwise have to skip them to find the
  // next request on the connection, so such connections end after the response.
  const bool has_body = info->content_length > 0 || request.header("Transfer-Encoding");
  // When every worker holds a connection, others wait in CivetWeb's queue. A keep-alive
  // connection then gets kRequestsPerTurn requests and is closed, so queued clients wait
  // for at most that many short responses per worker, and busy clients still reuse their
  // connections. The count lives in CivetWeb's per-connection pointer (nullptr, i.e. 0, at
  // init_connection).
  constexpr std::uintptr_t kRequestsPerTurn = 16;
  const auto served = reinterpret_cast<std::uintptr_t>(mg_get_user_connection_data(connection)) + 1;
  mg_set_user_connection_data(connection, reinterpret_cast<void*>(served));
  const bool keep_alive = client_wants_keep_alive(request, info->http_version) && !has_body &&
                          (request.method == "GET" || request.method == "HEAD") &&
                          (served % kRequestsPerTurn != 0 || !saturated());
  if (!keep_alive) mg_disable_connection_keep_alive(connection);
  send(connection, response, request.method == "HEAD", keep_alive);
  return response.status;
}

Response HttpServer::Impl::respond(const Request& request) {
  // Authentication first, for every path: unknown paths and methods reveal nothing.
  const AuthDecision decision =
      authenticator.check(request.header("Authorization"), request.client);
  if (decision == AuthDecision::busy) {
    // Password checks for unverified credentials are rationed (see BasicAuthenticator);
    // this one was not run, so it is no verdict on the credentials.
    Response response = plain_response(429, "too many password checks in progress; retry\n");
    response.headers.push_back({"Retry-After", "1"});
    return response;
  }
  if (decision != AuthDecision::granted) {
    Response response = plain_response(401, "unauthorized\n");
    response.headers.push_back({"WWW-Authenticate", std::string(realm_challenge)});
    return response;
  }
  const auto route = routes.find(request.path);
  if (route == routes.end()) return plain_response(404, "not found\n");
  if (request.method != "GET" && request.method != "HEAD") {
    Response response = plain_response(405, "method not allowed\n");
    response.headers.push_back({"Allow", "GET, HEAD"});
    return response;
  }

  Response response;
  try {
    response = route->second(request);
  } catch (const std::exception& e) {
    log("handler for " + route->first + " failed: " + e.what());
    return plain_response(500, "internal server error\n");
  } catch (...) {
    log("handler for " + route->first + " failed: unknown exception");
    return plain_response(500, "internal server error\n");
  }
  if (response.status < 100 || response.status > 599) {
    log("handler for " + route->first + " returned invalid status " +
        std::to_string(response.status));
    return plain_response(500, "internal server error\n");
  }
  return response;
}

void HttpServer::Impl::send(mg_connection* connection, const Response& response, bool head_only,
                            bool keep_alive) {
  std::shared_ptr<const std::vector<HeaderField>> configured_headers;
  {
    const std::lock_guard lock(response_headers_mutex);
    configured_headers = response_headers;
  }
  // The whole response in one buffer and one write: with TCP_NODELAY every separate write
  // would be a packet of its own.
  std::string out;
  out.reserve(256 + (head_only ? 0 : response.body.size()));
  const char* reason = mg_get_response_code_text(connection, response.status);
  out += "HTTP/1.1 " + std::to_string(response.status) + " " + (reason != nullptr ? reason : "") +
         "\r\n";
  const auto add = [&out](std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
  };
  if (!response.content_type.empty() && is_safe_header({"Content-Type", response.content_type})) {
    add("Content-Type", response.content_type);
  }
  add("Content-Length", std::to_string(response.body.size()));
  add("Date", http_date(std::time(nullptr)));
  add("Connection", keep_alive ? "keep-alive" : "close");
  for (const HeaderField& field : *configured_headers) add(field.name, field.value);
  for (const HeaderField& field : response.headers) {
    if (!is_safe_header(field)) {
      log("dropped response header with CR, LF, NUL or ':' in it: " + field.name);
      continue;
    }
    add(field.name, field.value);
  }
  out += "\r\n";
  if (!head_only) out += response.body;
  // A client that went away is not an error worth reporting.
  (void)mg_write(connection, out.data(), out.size());
}

HttpServer::HttpServer(PasswordVerifier verifier)
    : impl_(std::make_unique<Impl>(std::move(verifier))) {}

HttpServer::~HttpServer() {
  stop();
}

Result<void> HttpServer::add_route(std::string path, Handler handler) {
  if (impl_->context != nullptr) {
    return config_error(Layer::http,
                        "route " + path + ": routes must be added before the server starts");
  }
  if (path.empty() || path.front() != '/') {
    return config_error(Layer::http, "route \"" + path + "\" must start with '/'");
  }
  if (!handler) {
    return config_error(Layer::http, "route " + path + ": empty handler");
  }
  const std::string path_copy = path;
  if (!impl_->routes.emplace(std::move(path), std::move(handler)).second) {
    return config_error(Layer::http, "route " + path_copy + " registered twice");
  }
  return {};
}

// Starts CivetWeb with every callback set, so no request is answered without us. Its log
// lines during start-up are kept: a failure's cause is among them, and a good start's
// warnings go to the log sink afterwards.
Result<mg_context*> HttpServer::Impl::start_civetweb(const char** options, std::string_view shown) {
  mg_callbacks callbacks{};
  callbacks.begin_request = &Impl::on_begin_request;
  callbacks.log_message = &Impl::on_log_message;
  callbacks.init_connection = &Impl::on_init_connection;
  callbacks.connection_closed = &Impl::on_connection_closed;
  mg_init_data init{};
  init.callbacks = &callbacks;
  init.user_data = this;
  init.configuration_options = options;
  std::array<char, 256> error_text{};
  unsigned error_code = 0;
  mg_error_data error{};
  civetweb::point_error_code_at(error, error_code);
  error.text = error_text.data();
  error.text_buffer_size = error_text.size();

  std::vector<std::string> messages;
  {
    const std::lock_guard lock(log_mutex);
    collecting_startup_messages = true;
    startup_messages.clear();
  }
  mg_context* started = mg_start2(&init, &error);
  {
    const std::lock_guard lock(log_mutex);
    collecting_startup_messages = false;
    messages = std::move(startup_messages);
    startup_messages.clear();
  }
  if (started == nullptr) {
    return civetweb::start_error(
        "cannot listen on " + std::string(shown) + ": " +
        civetweb::start_failure_cause(messages, error_text.data(),
                                      civetweb::error_code_of(error, error_code)));
  }
  for (const std::string& message : messages) log(message);
  return started;
}

Result<void> HttpServer::start(const ServerOptions& options) {
  if (impl_->context != nullptr) return civetweb::start_error("HTTP server already running");
  if (auto checked = civetweb::check_options(options); !checked) return checked;
  civetweb::init_civetweb_library();
  auto listeners = civetweb::plan_listeners(options.listen_addresses);
  if (!listeners) return tl::unexpected(listeners.error());
  const std::vector<civetweb::Setting> settings =
      civetweb::civetweb_settings(options, listeners->civetweb_ports);
  std::vector<const char*> pointers = civetweb::option_pointers(settings);

  impl_->worker_threads = options.worker_threads;
  {
    const std::lock_guard lock(impl_->log_mutex);
    impl_->log_sink = options.log;
  }
  auto context = impl_->start_civetweb(pointers.data(), listeners->shown);
  if (!context) return tl::unexpected(context.error());
  impl_->context = *context;
  impl_->listen_address_count = listeners->count;
  impl_->wake_endpoints.clear();
  const std::vector<std::uint16_t> ports = bound_ports();
  for (std::size_t i = 0; i < ports.size(); ++i) {
    impl_->wake_endpoints.emplace_back(
        i < listeners->wake_hosts.size() ? listeners->wake_hosts[i] : "127.0.0.1", ports[i]);
  }
  return {};
}

void HttpServer::stop() noexcept {
  if (impl_ == nullptr || impl_->context == nullptr) return;
  // mg_stop() returns once CivetWeb's accept thread sees the stop flag, which it reads
  // between waits for a connection of at most 2 s (CivetWeb's SOCKET_TIMEOUT_QUANTUM).
  // A connection to our own listening sockets ends that wait at once, as any client's
  // would; pokes made before the flag is set are connections that close without a request.
  std::atomic<bool> stopped{false};
  std::thread waker;
  try {
    waker = std::thread([&stopped, endpoints = impl_->wake_endpoints] {
      while (!stopped.load()) {
        for (const auto& [host, port] : endpoints) civetweb::poke(host, port);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  } catch (...) {
    // No thread (or no memory): mg_stop() still works, within CivetWeb's 2 s.
  }
  mg_stop(impl_->context);
  stopped = true;
  if (waker.joinable()) waker.join();
  impl_->context = nullptr;
}

bool HttpServer::running() const noexcept {
  return impl_->context != nullptr;
}

std::vector<std::uint16_t> HttpServer::bound_ports() const {
  std::vector<std::uint16_t> ports;
  if (impl_->context == nullptr) return ports;
  std::vector<mg_server_port> entries(std::max<std::size_t>(impl_->listen_address_count, 1));
  const int count =
      mg_get_server_ports(impl_->context, static_cast<int>(entries.size()), entries.data());
  for (int i = 0; i < count; ++i) {
    ports.push_back(static_cast<std::uint16_t>(entries[static_cast<std::size_t>(i)].port));
  }
  return ports;
}

Result<void> HttpServer::set_users(UserTable users) {
  return impl_->authenticator.set_users(std::move(users));
}

void HttpServer::set_response_headers(std::vector<HeaderField> headers) {
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [](const HeaderField& field) { return !is_safe_header(field); }),
                headers.end());
  auto shared = std::make_shared<const std::vector<HeaderField>>(std::move(headers));
  const std::lock_guard lock(impl_->response_headers_mutex);
  impl_->response_headers = std::move(shared);
}

Result<void> HttpServer::apply_web_config(const WebConfig& config) {
  // Users first: if their table is refused, the old headers stay too.
  if (auto users = set_users(config.basic_auth_users); !users) return users;
  set_response_headers(config.response_headers);
  return {};
}

}  // namespace sm::http
