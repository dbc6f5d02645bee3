#include "http/web_config.h"

#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {
using sm::http::HeaderField;
using sm::http::load_web_config;
using sm::http::parse_web_config;
using sm::http::WebConfig;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Syntactically valid bcrypt hashes (the parser checks form, not content).
const std::string hash_a = "$2b$10$" + std::string(53, 'a');
const std::string hash_b = "$2y$12$" + std::string(52, 'B') + "/";

WebConfig parsed(const std::string& yaml) {
  auto config = parse_web_config(yaml);
  EXPECT_TRUE(config.has_value()) << config.error().message;
  return config.value_or(WebConfig{});
}

std::string error_of(const std::string& yaml) {
  auto config = parse_web_config(yaml);
  EXPECT_FALSE(config.has_value()) << "accepted:\n" << yaml;
  if (config) return {};
  // The user's file is wrong: a configuration error, never a frame-error code.
  EXPECT_EQ(config.error().code, sm::ErrorCode::config) << yaml;
  EXPECT_EQ(config.error().layer, sm::Layer::http) << yaml;
  return config.error().message;
}

// Fail-open guard: a given file that configures nothing would serve /metrics without auth.
TEST(WebConfig, AFileThatConfiguresNothingIsRefused) {
  EXPECT_THAT(error_of(""), HasSubstr("configures nothing"));
  EXPECT_THAT(error_of("# only a comment\n\n   \n"), HasSubstr("configures nothing"));
  EXPECT_THAT(error_of("---\nhttp_server_config:\n  headers:\n"), HasSubstr("configures nothing"));
  EXPECT_THAT(error_of("basic_auth_users:\n"),
              AllOf(StartsWith("line 1: "), HasSubstr("basic_auth_users has no users")));
  EXPECT_THAT(error_of("# users\nbasic_auth_users:\n#  prometheus: " + hash_a + "\n"),
              AllOf(StartsWith("line 2: "), HasSubstr("basic_auth_users has no users")));
  EXPECT_THAT(error_of("basic_auth_users:\nhttp_server_config:\n  http2: true\n"),
              HasSubstr("basic_auth_users has no users"));
  // Headers alone are a deliberate configuration without authentication.
  EXPECT_TRUE(parsed("http_server_config:\n  headers:\n    X-Frame-Options: deny\n")
                  .basic_auth_users.empty());
  EXPECT_TRUE(parsed("http_server_config:\n  http2: true\n").basic_auth_users.empty());
}

TEST(WebConfig, AReloadNeverTurnsAuthenticationOff) {
  const WebConfig with_users = parsed("basic_auth_users:\n  a: " + hash_a + "\n");
  const WebConfig other_users = parsed("basic_auth_users:\n  b: " + hash_b + "\n");
  const WebConfig headers_only = parsed("http_server_config:\n  http2: false\n");
  auto refused = sm::http::check_web_config_reload(with_users, headers_only);
  ASSERT_FALSE(refused.has_value());
  EXPECT_THAT(refused.error().message, HasSubstr("never turns authentication off"));
  EXPECT_TRUE(sm::http::check_web_config_reload(with_users, other_users).has_value());
  EXPECT_TRUE(sm::http::check_web_config_reload(headers_only, with_users).has_value());
  EXPECT_TRUE(sm::http::check_web_config_reload(headers_only, headers_only).has_value());
  EXPECT_EQ(sm::http::describe_basic_auth(with_users), "on (1 user)");
  EXPECT_EQ(sm::http::describe_basic_auth(headers_only), "off");
}

TEST(WebConfig, GoodFileWithCommentsAndQuotes) {
  const WebConfig config = parsed(
      "---\n"
      "# exporter-toolkit web config\n"
      "basic_auth_users:   # bcrypt hashes\n"
      "  prometheus: " +
      hash_a +
      "\n"
      "\n"
      "  # a comment between users\n"
      "  'grafana': '" +
      hash_b +
      "'  # single quotes\n"
      "  \"ops team\": \"" +
      hash_a +
      "\"\r\n"
      "  plain: " +
      hash_b + " # trailing comment\n");
  ASSERT_EQ(config.basic_auth_users.size(), 4u);
  EXPECT_EQ(config.basic_auth_users.at("prometheus"), hash_a);
  EXPECT_EQ(config.basic_auth_users.at("grafana"), hash_b);
  EXPECT_EQ(config.basic_auth_users.at("ops team"), hash_a);
  EXPECT_EQ(config.basic_auth_users.at("plain"), hash_b);
  EXPECT_TRUE(config.response_headers.empty());
}

TEST(WebConfig, HttpServerConfigHeadersAndHttp2) {
  const WebConfig config = parsed(
      "http_server_config:\n"
      "    http2: false\n"
      "    headers:\n"
      "      x-frame-options: deny\n"
      "      Content-Security-Policy: default-src 'self'\n"
      "basic_auth_users:\n"
      "  p: " +
      hash_a + "\n");
  EXPECT_EQ(config.response_headers,
            (std::vector<HeaderField>{{"X-Frame-Options", "deny"},
                                      {"Content-Security-Policy", "default-src 'self'"}}));
  EXPECT_EQ(config.basic_auth_users.size(), 1u);
}

TEST(WebConfig, TlsIsRefusedWithAPointerToAReverseProxy) {
  const std::string message = error_of(
      "tls_server_config:\n"
      "  cert_file: server.crt\n"
      "  key_file: server.key\n");
  EXPECT_THAT(message, StartsWith("line 1: "));
  EXPECT_THAT(message, HasSubstr("TLS is not supported"));
  EXPECT_THAT(message, HasSubstr("OpenSSL 3"));
  EXPECT_THAT(message, HasSubstr("reverse proxy such as nginx or caddy"));
}

TEST(WebConfig, ErrorsNameTheLine) {
  EXPECT_THAT(error_of("basic_auth_users:\n  a: " + hash_a + "\nrate_limit:\n"),
              AllOf(StartsWith("line 3: "), HasSubstr("unknown key \"rate_limit\"")));
  EXPECT_THAT(error_of("basic_auth_users:\n  a: " + hash_a + "\n   b: " + hash_b + "\n"),
              AllOf(StartsWith("line 3: "), HasSubstr("bad indentation")));
  EXPECT_THAT(error_of("basic_auth_users:\n    a: " + hash_a + "\n  b: " + hash_b + "\n"),
              AllOf(StartsWith("line 3: "), HasSubstr("bad indentation")));
  EXPECT_THAT(error_of("  basic_auth_users:\n"),
              AllOf(StartsWith("line 1: "), HasSubstr("unexpected indentation")));
  EXPECT_THAT(error_of("basic_auth_users:\n\ta: " + hash_a + "\n"),
              AllOf(StartsWith("line 2: "), HasSubstr("tab")));
}

TEST(WebConfig, ErrorOffsetIsTheLineStart) {
  auto config = parse_web_config("basic_auth_users:\nbogus: 1\n");
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().offset, 18u);
}

TEST(WebConfig, RejectsHashesThatAreNotBcrypt) {
  EXPECT_THAT(error_of("basic_auth_users:\n  a: secret\n"),
              AllOf(StartsWith("line 2: "), HasSubstr("user \"a\""), HasSubstr("bcrypt")));
  EXPECT_THAT(error_of("basic_auth_users:\n  a: $2x$10$" + std::string(53, 'a') + "\n"),
              HasSubstr("bcrypt"));  // unknown variant
  EXPECT_THAT(error_of("basic_auth_users:\n  a: $2b$03$" + std::string(53, 'a') + "\n"),
              HasSubstr("bcrypt"));  // cost below 4
  EXPECT_THAT(error_of("basic_auth_users:\n  a: $2b$10$" + std::string(52, 'a') + "\n"),
              HasSubstr("bcrypt"));  // one character short
  EXPECT_THAT(error_of("basic_auth_users:\n  a: $2b$10$" + std::string(52, 'a') + "!\n"),
              HasSubstr("bcrypt"));  // outside bcrypt's alphabet
  EXPECT_THAT(error_of("basic_auth_users:\n  a:\n"), HasSubstr("missing password hash"));
}

TEST(WebConfig, RejectsDuplicatesAndColonsInUserNames) {
  EXPECT_THAT(error_of("basic_auth_users:\n  a: " + hash_a + "\n  a: " + hash_b + "\n"),
              AllOf(StartsWith("line 3: "), HasSubstr("twice")));
  EXPECT_THAT(error_of("basic_auth_users:\nbasic_auth_users:\n"),
              AllOf(StartsWith("line 2: "), HasSubstr("twice")));
  EXPECT_THAT(error_of("basic_auth_users:\n  'a:b': " + hash_a + "\n"), HasSubstr("':'"));
}

TEST(WebConfig, RejectsYamlItDoesNotImplement) {
  EXPECT_THAT(error_of("basic_auth_users: {}\n"), HasSubstr("unsupported YAML syntax"));
  EXPECT_THAT(error_of("basic_auth_users:\n  - a\n"), HasSubstr("lists"));
  EXPECT_THAT(error_of("basic_auth_users:\n  a: &anchor x\n"), HasSubstr("unsupported"));
  EXPECT_THAT(error_of("basic_auth_users:\n  a: |\n"), HasSubstr("unsupported"));
  EXPECT_THAT(error_of("basic_auth_users:\n  a: 'unterminated\n"), HasSubstr("missing closing '"));
  EXPECT_THAT(error_of("basic_auth_users:\n  a: \"x\" y\n"), HasSubstr("after the closing quote"));
  EXPECT_THAT(error_of("basic_auth_users:\n  a: \"\\n\"\n"), HasSubstr("escape"));
  EXPECT_THAT(error_of("basic_auth_users: x\n"), HasSubstr("indented"));
  EXPECT_THAT(error_of("just text\n"), HasSubstr("expected 'key: value'"));
}

TEST(WebConfig, QuotedValuesUnescape) {
  // Not valid hashes, so check the unescaping through the error-free header path.
  const WebConfig config = parsed(
      "http_server_config:\n"
      "  headers:\n"
      "    Content-Security-Policy: 'default-src ''self'''\n"
      "    Strict-Transport-Security: \"max-age=1 \\\"x\\\" \\\\ \\/\"\n");
  ASSERT_EQ(config.response_headers.size(), 2u);
  EXPECT_EQ(config.response_headers[0].value, "default-src 'self'");
  EXPECT_EQ(config.response_headers[1].value, "max-age=1 \"x\" \\ /");
}

TEST(WebConfig, HttpServerConfigErrors) {
  EXPECT_THAT(error_of("http_server_config:\n  http2: maybe\n"), HasSubstr("true or false"));
  EXPECT_THAT(error_of("http_server_config:\n  compression: on\n"),
              HasSubstr("unknown http_server_config key"));
  EXPECT_THAT(error_of("http_server_config:\n  headers:\n    Server: x\n"),
              AllOf(StartsWith("line 3: "), HasSubstr("not allowed")));
  EXPECT_THAT(error_of("http_server_config:\n  headers:\n    X-Frame-Options: allow\n"),
              HasSubstr("does not allow"));
  EXPECT_THAT(error_of("http_server_config:\n  http2: true\n    x: y\n"),
              HasSubstr("bad indentation"));
  EXPECT_THAT(error_of("http_server_config:\n  headers:\n    X-XSS-Protection: 1\n"
                       "     X-Frame-Options: deny\n"),
              AllOf(StartsWith("line 4: "), HasSubstr("bad indentation")));
}

TEST(WebConfig, LoadReadsTheFileAndPrefixesErrorsWithThePath) {
  const std::string path =
      ::testing::TempDir() + "web_config_test_" + std::to_string(getpid()) + ".yml";
  {
    std::ofstream file(path);
    file << "basic_auth_users:\n  prometheus: '" << hash_a << "'\n";
  }
  auto config = load_web_config(path);
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->basic_auth_users.at("prometheus"), hash_a);

  {
    std::ofstream file(path);
    file << "tls_server_config:\n";
  }
  auto refused = load_web_config(path);
  ASSERT_FALSE(refused.has_value());
  EXPECT_THAT(refused.error().message, HasSubstr(path + ": line 1: TLS is not supported"));
  std::remove(path.c_str());

  auto missing = load_web_config(path);
  ASSERT_FALSE(missing.has_value());
  EXPECT_THAT(missing.error().message, HasSubstr("No such file or directory"));
}

}  // namespace
