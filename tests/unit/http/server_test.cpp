#include "http/server.h"

#include <array>
#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_client.h"

namespace {
using namespace std::chrono_literals;
using sm::http::HttpServer;
using sm::http::ListenAddress;
using sm::http::Request;
using sm::http::Response;
using sm::http::ServerOptions;
using sm::http::testing::basic_auth;
using sm::http::testing::connect_to;
using sm::http::testing::free_port;
using sm::http::testing::http_request;
using sm::http::testing::listen_on;
using sm::http::testing::raw_exchange;
using sm::http::testing::send_all;
using ::testing::HasSubstr;

const std::string alice_hash = "$2b$10$" + std::string(53, 'a');

ListenAddress loopback_address(std::uint16_t port) {
  return ListenAddress{ListenAddress::Kind::ipv4, "127.0.0.1", port};
}

// Fake bcrypt: "right" matches alice's hash, nothing else matches anything.
struct CountingVerifier {
  std::atomic<int> calls{0};
  std::mutex mutex;
  std::vector<std::string> hashes_seen;

  sm::http::PasswordVerifier function() {
    return [this](std::string_view password, std::string_view hash) {
      ++calls;
      const std::lock_guard lock(mutex);
      hashes_seen.emplace_back(hash);
      return password == "right" && hash == alice_hash;
    };
  }
};

class ServerTest : public ::testing::Test {
 protected:
  // Registers the routes every test uses, then starts on a free loopback port.
  void start(ServerOptions options = {}) {
    ASSERT_TRUE(server
                    .add_route("/metrics",
                               [this](const Request& request) {
                                 ++metrics_calls;
                                 {
                                   const std::lock_guard lock(seen_mutex);
                                   seen_query = std::string(request.query);
                                   seen_accept =
                                       std::string(request.header("accept").value_or("-"));
                                 }
                                 Response response;
                                 response.content_type = "text/plain; version=0.0.4; charset=utf-8";
                                 response.body = "smartmeter_up 1\n";
                                 response.headers.push_back({"X-Route", "metrics"});
                                 return response;
                               })
                    .has_value());
    ASSERT_TRUE(server
                    .add_route("/throws",
                               [](const Request&) -> Response {
                                 throw std::runtime_error("collector exploded");
                               })
                    .has_value());
    port = free_port();
    ASSERT_NE(port, 0);
    options.listen_addresses = {loopback_address(port)};
    options.log = [this](std::string_view line) {
      const std::lock_guard lock(log_mutex);
      log_lines.emplace_back(line);
    };
    auto started = server.start(options);
    ASSERT_TRUE(started.has_value()) << started.error().message;
  }

  std::string joined_log() {
    const std::lock_guard lock(log_mutex);
    std::string all;
    for (const auto& line : log_lines) all += line + "\n";
    return all;
  }

  CountingVerifier verifier;
  std::uint16_t port{0};
  std::atomic<int> metrics_calls{0};
  std::mutex seen_mutex;
  std::string seen_query;
  std::string seen_accept;
  std::mutex log_mutex;
  std::vector<std::string> log_lines;
  // Last, so it is destroyed (stopped) first: its handlers and its log sink use the members
  // above until then.
  HttpServer server{verifier.function()};
};

TEST_F(ServerTest, RouteReturnsBodyTypeAndHeaders) {
  start();
  auto reply = http_request(port, "GET", "/metrics?name[]=x", {{"Accept", "text/plain"}});
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "smartmeter_up 1\n");
  EXPECT_EQ(reply->header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(reply->header("Content-Length"), "16");
  EXPECT_EQ(reply->header("X-Route"), "metrics");
  EXPECT_EQ(seen_query, "name[]=x");
  EXPECT_EQ(seen_accept, "text/plain");
}

TEST_F(ServerTest, DoesNotAdvertiseServerSoftwareOrCors) {
  start();
  auto reply = http_request(port, "GET", "/metrics", {{"Origin", "http://evil.example"}});
  ASSERT_TRUE(reply.has_value());
  EXPECT_FALSE(reply->header("Server").has_value());
  EXPECT_FALSE(reply->header("Access-Control-Allow-Origin").has_value());
}

TEST_F(ServerTest, HeadSendsHeadersWithoutBody) {
  start();
  auto reply = http_request(port, "HEAD", "/metrics");
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->header("Content-Length"), "16");
  EXPECT_EQ(reply->body, "");
}

TEST_F(ServerTest, UnknownPathIs404) {
  start();
  for (const char* path : {"/", "/metricsx", "/metrics/", "/metrics/x", "/favicon.ico"}) {
    auto reply = http_request(port, "GET", path);
    ASSERT_TRUE(reply.has_value()) << path;
    EXPECT_EQ(reply->status, 404) << path;
    EXPECT_EQ(reply->header("Content-Type"), "text/plain; charset=utf-8");
  }
  EXPECT_EQ(metrics_calls, 0);
}

TEST_F(ServerTest, DotSegmentsAreResolvedBeforeRouting) {
  start();
  auto reply = http_request(port, "GET", "/x/../metrics");
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
}

TEST_F(ServerTest, AbsoluteFormRequestsAddressedToUsAreServed) {
  start();
  const std::string reply =
      raw_exchange(port, "GET http://127.0.0.1:" + std::to_string(port) +
                             "/metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(reply, HasSubstr("HTTP/1.1 200 OK"));
}

TEST_F(ServerTest, OtherMethodsAre405) {
  start();
  for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS"}) {
    auto reply = http_request(port, method, "/metrics", {}, "body");
    ASSERT_TRUE(reply.has_value()) << method;
    EXPECT_EQ(reply->status, 405) << method;
    EXPECT_EQ(reply->header("Allow"), "GET, HEAD") << method;
  }
  // A CORS pre-flight is not answered by CivetWeb on our behalf either.
  auto preflight =
      http_request(port, "OPTIONS", "/metrics",
                   {{"Origin", "http://a.example"}, {"Access-Control-Request-Method", "GET"}});
  ASSERT_TRUE(preflight.has_value());
  EXPECT_EQ(preflight->status, 405);
  EXPECT_EQ(metrics_calls, 0);
}

TEST_F(ServerTest, HandlerExceptionBecomes500AndALogLine) {
  start();
  auto reply = http_request(port, "GET", "/throws");
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 500);
  EXPECT_THAT(joined_log(), HasSubstr("handler for /throws failed: collector exploded"));
  // The server keeps serving.
  auto next = http_request(port, "GET", "/metrics");
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->status, 200);
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  const std::string two_requests =
      "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string replies = raw_exchange(port, two_requests);
  std::size_t count = 0;
  for (std::size_t at = replies.find("HTTP/1.1 200"); at != std::string::npos;
       at = replies.find("HTTP/1.1 200", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 2u) << replies;
  EXPECT_THAT(replies, HasSubstr("Connection: keep-alive"));
}

TEST_F(ServerTest, ConnectionHeaderFollowsTheClientAndHttpVersion) {
  start();
  const std::string http10 = raw_exchange(port, "GET /metrics HTTP/1.0\r\n\r\n");
  EXPECT_THAT(http10, HasSubstr("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(http10, HasSubstr("\r\nConnection: close\r\n"));
  const std::string asked_close =
      raw_exchange(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(asked_close, HasSubstr("\r\nConnection: close\r\n"));
  // HTTP/1.0 with keep-alive asked for: kept open, so a second request is answered too.
  const std::string kept =
      raw_exchange(port,
                   "GET /metrics HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"
                   "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(kept, HasSubstr("\r\nConnection: keep-alive\r\n"));
  EXPECT_NE(kept.find("HTTP/1.1 200", kept.find("keep-alive")), std::string::npos) << kept;
  // One Date header in IMF-fixdate form.
  auto reply = http_request(port, "GET", "/metrics");
  ASSERT_TRUE(reply.has_value());
  const auto date = reply->header("Date");
  ASSERT_TRUE(date.has_value());
  EXPECT_THAT(*date, ::testing::MatchesRegex("[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} "
                                             "[0-9]{2}:[0-9]{2}:[0-9]{2} GMT"));
}

TEST_F(ServerTest, OversizedRequestHeadersAreRejected) {
  ServerOptions options;
  options.max_request_header_bytes = 4096;
  start(options);
  const std::string huge = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8192, 'a') +
                           "\r\nConnection: close\r\n\r\n";
  const std::string reply = raw_exchange(port, huge);
  EXPECT_THAT(reply, ::testing::Not(HasSubstr("200 OK")));
  EXPECT_EQ(metrics_calls, 0);
  auto next = http_request(port, "GET", "/metrics");
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->status, 200);
}

// Slow ("slowloris") clients hold both workers; CivetWeb's request timeout drops them,
// so a scrape queued behind them is answered well within the client's 5 s.
TEST_F(ServerTest, SlowClientsAreClosedByTheRequestTimeout) {
  ServerOptions options;
  options.worker_threads = 2;
  options.request_timeout = 300ms;
  start(options);

  std::atomic<bool> stop_trickling{false};
  std::vector<std::thread> slowloris;
  std::atomic<int> closed_by_server{0};
  for (int i = 0; i < 4; ++i) {
    slowloris.emplace_back([&] {
      auto socket = connect_to(port);
      if (!socket.valid() || !send_all(socket, "GET /metrics HTTP/1.1\r\n")) return;
      // One header byte every 50 ms: never a complete request.
      while (!stop_trickling) {
        if (!send_all(socket, "X")) {
          ++closed_by_server;
          return;
        }
        std::this_thread::sleep_for(50ms);
      }
    });
  }
  std::this_thread::sleep_for(100ms);  // let them take both workers

  auto reply = http_request(port, "GET", "/metrics");
  stop_trickling = true;
  for (auto& thread : slowloris) thread.join();

  ASSERT_TRUE(reply.has_value()) << "the scrape was not answered while slow clients waited";
  EXPECT_EQ(reply->status, 200);
  EXPECT_GE(closed_by_server.load(), 2) << "the two that held the workers were not closed";
}

// 40 connections that send nothing, 4 workers: each holds a worker for one request timeout,
// so the scrapes behind them wait about 10 timeouts, and every idle one is closed.
TEST_F(ServerTest, ManyIdleConnectionsDoNotStopScrapes) {
  ServerOptions options;
  options.worker_threads = 4;
  options.request_timeout = 200ms;
  start(options);

  std::vector<sm::http::testing::Socket> idle;
  for (int i = 0; i < 40; ++i) {
    auto socket = connect_to(port);
    ASSERT_TRUE(socket.valid());
    idle.push_back(std::move(socket));
  }
  for (int scrape = 0; scrape < 3; ++scrape) {
    auto reply = http_request(port, "GET", "/metrics");
    ASSERT_TRUE(reply.has_value()) << "scrape " << scrape << " not answered";
    EXPECT_EQ(reply->status, 200);
  }
  int closed = 0;
  for (const auto& socket : idle) closed += sm::http::testing::closed_by_server(socket) ? 1 : 0;
  EXPECT_EQ(closed, 40);
}

TEST_F(ServerTest, AnIdleConnectionIsClosedAfterTheRequestTimeout) {
  ServerOptions options;
  options.request_timeout = 200ms;
  start(options);
  auto idle = connect_to(port);  // receive timeout 5 s, far beyond the request timeout
  ASSERT_TRUE(idle.valid());
  EXPECT_TRUE(sm::http::testing::closed_by_server(idle));
}

TEST_F(ServerTest, ARequestWithinTheRequestTimeoutIsServed) {
  ServerOptions options;
  options.request_timeout = 3s;
  start(options);
  auto slow = connect_to(port);
  ASSERT_TRUE(slow.valid());
  ASSERT_TRUE(send_all(slow, "GET /metrics HTTP/1.1\r\n"));
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(send_all(slow, "Host: x\r\nConnection: close\r\n\r\n"));
  const auto reply = sm::http::testing::parse_reply(sm::http::testing::receive_until_close(slow));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
}

TEST_F(ServerTest, AnIdleKeepAliveConnectionIsClosedAfterTheKeepAliveTimeout) {
  ServerOptions options;
  options.request_timeout = 60s;
  options.keep_alive_timeout = 200ms;
  start(options);
  auto client = connect_to(port);
  ASSERT_TRUE(client.valid());
  ASSERT_TRUE(send_all(client, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
  // The response, then the end of the stream once the connection idled for 200 ms (the
  // receive timeout of 5 s would end the read otherwise).
  EXPECT_TRUE(sm::http::testing::closed_by_server(client));
  EXPECT_EQ(metrics_calls, 1);
}

// Busy keep-alive clients that hold every worker are answered with "Connection: close",
// so a client waiting in the queue gets a worker.
TEST_F(ServerTest, KeepAliveClientsTakeTurnsWhenEveryWorkerIsHeld) {
  ServerOptions options;
  options.worker_threads = 2;
  options.request_timeout = 60s;
  options.keep_alive_timeout = 60s;
  start(options);

  std::atomic<bool> stop{false};
  std::atomic<int> closes_seen{0};
  std::vector<std::thread> busy;
  for (int i = 0; i < 2; ++i) {
    busy.emplace_back([&] {
      while (!stop) {
        auto socket = connect_to(port);
        if (!socket.valid()) return;
        // Keep-alive requests back to back until the server closes the connection.
        std::array<char, 65536> buffer{};
        while (!stop) {
          if (!send_all(socket, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")) break;
          const ssize_t n = ::recv(socket.fd(), buffer.data(), buffer.size(), 0);
          if (n <= 0) break;
          if (std::string_view(buffer.data(), static_cast<std::size_t>(n))
                  .find("Connection: close") != std::string_view::npos) {
            ++closes_seen;
            break;
          }
        }
      }
    });
  }
  std::this_thread::sleep_for(200ms);
  auto reply = http_request(port, "GET", "/metrics");
  stop = true;
  for (auto& thread : busy) thread.join();

  ASSERT_TRUE(reply.has_value()) << "a queued client was starved by keep-alive clients";
  EXPECT_EQ(reply->status, 200);
  EXPECT_GE(closes_seen.load(), 1);
}

TEST_F(ServerTest, RoutesCannotBeAddedWhileRunning) {
  start();
  auto late = server.add_route("/late", [](const Request&) { return Response{}; });
  ASSERT_FALSE(late.has_value());
  EXPECT_THAT(late.error().message, HasSubstr("before the server starts"));
}

TEST_F(ServerTest, ConfiguredResponseHeadersAreSentEverywhere) {
  start();
  ASSERT_TRUE(server
                  .apply_web_config({{},
                                     {{"X-Frame-Options", "deny"},
                                      {"Content-Security-Policy", "default-src 'self'"}}})
                  .has_value());
  for (const char* path : {"/metrics", "/nope"}) {
    auto reply = http_request(port, "GET", path);
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->header("X-Frame-Options"), "deny") << path;
    EXPECT_EQ(reply->header("Content-Security-Policy"), "default-src 'self'") << path;
  }
}

// --- Basic auth -------------------------------------------------------------------------

class AuthServerTest : public ServerTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server.set_users({{"alice", alice_hash}}).has_value());
    start();
  }
};

TEST_F(AuthServerTest, MissingCredentialsAre401WithChallenge) {
  auto reply = http_request(port, "GET", "/metrics");
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 401);
  EXPECT_EQ(reply->header("WWW-Authenticate"), "Basic realm=\"smartmeter_exporter\"");
  EXPECT_EQ(metrics_calls, 0);
  EXPECT_EQ(verifier.calls, 0);
}

TEST_F(AuthServerTest, EveryPathAndMethodIsProtected) {
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/nope"}, {"POST", "/metrics"}, {"HEAD", "/metrics"}}) {
    auto reply = http_request(port, method, path);
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->status, 401) << method << " " << path;
  }
}

TEST_F(AuthServerTest, WrongPasswordIs401) {
  auto reply = http_request(port, "GET", "/metrics", {basic_auth("alice", "wrong")});
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 401);
  EXPECT_TRUE(reply->header("WWW-Authenticate").has_value());
  EXPECT_EQ(verifier.calls, 1);
}

TEST_F(AuthServerTest, RightPasswordIs200AndIsCached) {
  auto first = http_request(port, "GET", "/metrics", {basic_auth("alice", "right")});
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->body, "smartmeter_up 1\n");
  EXPECT_EQ(verifier.calls, 1);

  auto second = http_request(port, "GET", "/metrics", {basic_auth("alice", "right")});
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(verifier.calls, 1);  // answered from the cache

  // Authenticated requests to unknown paths get the real 404.
  auto missing = http_request(port, "GET", "/nope", {basic_auth("alice", "right")});
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->status, 404);
}

TEST_F(AuthServerTest, UnknownUserIs401AfterOneDummyVerification) {
  auto reply = http_request(port, "GET", "/metrics", {basic_auth("mallory", "right")});
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 401);
  ASSERT_EQ(verifier.calls, 1);
  const std::lock_guard lock(verifier.mutex);
  EXPECT_NE(verifier.hashes_seen.at(0), alice_hash);
  EXPECT_EQ(verifier.hashes_seen.at(0).substr(0, 7), "$2b$10$");  // alice's cost
}

TEST_F(AuthServerTest, UsersCanBeReloadedWhileRunning) {
  ASSERT_TRUE(server.set_users({}).has_value());
  auto open = http_request(port, "GET", "/metrics");
  ASSERT_TRUE(open.has_value());
  EXPECT_EQ(open->status, 200);

  ASSERT_TRUE(server.set_users({{"alice", alice_hash}}).has_value());
  auto closed = http_request(port, "GET", "/metrics");
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->status, 401);
}

// --- Start-up -----------------------------------------------------------------------------

TEST(ServerStart, PortInUseNamesThePortAndTheCause) {
  std::uint16_t port = 0;
  auto occupier = listen_on(0, port);
  ASSERT_TRUE(occupier.valid());

  HttpServer server;
  ServerOptions options;
  options.listen_addresses = {loopback_address(port)};
  auto started = server.start(options);
  ASSERT_FALSE(started.has_value());
  const std::string& message = started.error().message;
  EXPECT_THAT(message, HasSubstr("127.0.0.1:" + std::to_string(port)));
  EXPECT_THAT(message, HasSubstr("Address already in use"));
  EXPECT_THAT(message, HasSubstr("another process"));
  EXPECT_THAT(message, ::testing::Not(HasSubstr("Failed to setup server ports")));  // noise
  EXPECT_FALSE(server.running());
}

TEST(ServerStart, PortZeroReportsTheBoundPort) {
  HttpServer server;
  ASSERT_TRUE(server
                  .add_route("/",
                             [](const Request&) {
                               Response response;
                               response.body = "landing\n";
                               return response;
                             })
                  .has_value());
  ServerOptions options;
  options.listen_addresses = {loopback_address(0)};
  ASSERT_TRUE(server.start(options).has_value());
  const auto ports = server.bound_ports();
  ASSERT_EQ(ports.size(), 1u);
  ASSERT_NE(ports[0], 0);
  auto reply = http_request(ports[0], "GET", "/");
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->body, "landing\n");
  server.stop();
  server.stop();  // idempotent
  EXPECT_FALSE(server.running());
}

TEST(ServerStart, SeveralListenAddresses) {
  HttpServer server;
  ServerOptions options;
  const std::uint16_t first = free_port();
  options.listen_addresses = {loopback_address(first), loopback_address(0)};
  ASSERT_TRUE(server.start(options).has_value());
  const auto ports = server.bound_ports();
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_EQ(ports[0], first);
  for (const std::uint16_t port : ports) {
    auto reply = http_request(port, "GET", "/anything");
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->status, 404);
  }
}

TEST(ServerStart, RefusesBadOptionsBeforeStartingCivetweb) {
  HttpServer server;
  auto none = server.start(ServerOptions{});
  ASSERT_FALSE(none.has_value());
  EXPECT_THAT(none.error().message, HasSubstr("no listen address"));

  ServerOptions twice;
  twice.listen_addresses = {loopback_address(9), loopback_address(9)};
  auto duplicate = server.start(twice);
  ASSERT_FALSE(duplicate.has_value());
  EXPECT_THAT(duplicate.error().message, HasSubstr("given twice"));

  ServerOptions unresolvable;
  unresolvable.listen_addresses = {{ListenAddress::Kind::hostname, "no-such-host.invalid", 1}};
  auto unresolved = server.start(unresolvable);
  ASSERT_FALSE(unresolved.has_value());
  EXPECT_THAT(unresolved.error().message, HasSubstr("cannot resolve"));

  // A timeout of 0 would drop every request; CivetWeb reads a negative one as "none".
  ServerOptions no_timeout;
  no_timeout.listen_addresses = {loopback_address(9)};
  no_timeout.request_timeout = 0ms;
  auto refused = server.start(no_timeout);
  ASSERT_FALSE(refused.has_value());
  EXPECT_THAT(refused.error().message, HasSubstr("request_timeout"));
  EXPECT_FALSE(server.running());
}

TEST(ServerStart, Ipv6EitherWorksOrSaysWhyNot) {
  HttpServer server;
  ServerOptions options;
  options.listen_addresses = {{ListenAddress::Kind::ipv6, "::1", free_port()}};
  auto started = server.start(options);
  if (!started) {
    EXPECT_THAT(started.error().message, HasSubstr("IPv6"));
  }
}

TEST(ServerStart, LocalhostListensOnIpv4Loopback) {
  HttpServer server;
  ServerOptions options;
  const std::uint16_t port = free_port();
  options.listen_addresses = {{ListenAddress::Kind::hostname, "localhost", port}};
  ASSERT_TRUE(server.start(options).has_value());
  auto reply = http_request(port, "GET", "/");
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 404);
}

}  // namespace
