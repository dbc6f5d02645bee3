#include "http/listen_address.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {
using sm::http::civetweb_port_spec;
using sm::http::ListenAddress;
using sm::http::parse_listen_address;
using sm::http::resolve_listen_address;
using Kind = ListenAddress::Kind;
using ::testing::HasSubstr;

ListenAddress parsed(std::string_view text) {
  auto address = parse_listen_address(text);
  EXPECT_TRUE(address.has_value()) << text << ": " << address.error().message;
  return address.value_or(ListenAddress{});
}

std::string error_of(std::string_view text) {
  auto address = parse_listen_address(text);
  EXPECT_FALSE(address.has_value()) << text << " was accepted";
  return address ? std::string() : address.error().message;
}

TEST(ListenAddress, PortOnlyMeansEveryInterface) {
  EXPECT_EQ(parsed(":10045"), (ListenAddress{Kind::any_interface, "", 10045}));
  EXPECT_EQ(parsed(":10045").to_string(), ":10045");
}

TEST(ListenAddress, Ipv4Literals) {
  EXPECT_EQ(parsed("127.0.0.1:9999"), (ListenAddress{Kind::ipv4, "127.0.0.1", 9999}));
  EXPECT_EQ(parsed("0.0.0.0:80"), (ListenAddress{Kind::ipv4, "0.0.0.0", 80}));
}

TEST(ListenAddress, HostNames) {
  EXPECT_EQ(parsed("localhost:9100"), (ListenAddress{Kind::hostname, "localhost", 9100}));
  EXPECT_EQ(parsed("pi-4.home.arpa:9100").kind, Kind::hostname);
}

TEST(ListenAddress, BracketedIpv6) {
  EXPECT_EQ(parsed("[::1]:9999"), (ListenAddress{Kind::ipv6, "::1", 9999}));
  EXPECT_EQ(parsed("[::]:9999").host, "::");
  EXPECT_EQ(parsed("[fe80::1:2]:1").to_string(), "[fe80::1:2]:1");
}

TEST(ListenAddress, PortRange) {
  EXPECT_EQ(parsed(":0").port, 0);  // the kernel picks one
  EXPECT_EQ(parsed(":65535").port, 65535);
  EXPECT_THAT(error_of(":65536"), HasSubstr("larger than 65535"));
  EXPECT_THAT(error_of(":123456"), HasSubstr("larger than 65535"));
  EXPECT_THAT(error_of(":http"), HasSubstr("not a number"));
  EXPECT_THAT(error_of(":-1"), HasSubstr("not a number"));
  EXPECT_THAT(error_of(":+80"), HasSubstr("not a number"));
  EXPECT_THAT(error_of("localhost:"), HasSubstr("missing port"));
}

TEST(ListenAddress, RejectsMalformedInput) {
  EXPECT_THAT(error_of(""), HasSubstr("empty"));
  EXPECT_THAT(error_of("9100"), HasSubstr("\":9100\""));  // suggests the right spelling
  EXPECT_THAT(error_of("localhost"), HasSubstr("host:port"));
  EXPECT_THAT(error_of("::1:9100"), HasSubstr("brackets"));
  EXPECT_THAT(error_of("[::1]9100"), HasSubstr("':port' after ']'"));
  EXPECT_THAT(error_of("[::1:9100"), HasSubstr("missing ']'"));
  EXPECT_THAT(error_of("[127.0.0.1]:80"), HasSubstr("not an IPv6 address"));
  EXPECT_THAT(error_of("10.1:80"), HasSubstr("not an IPv4 address"));
  EXPECT_THAT(error_of("256.1.1.1:80"), HasSubstr("not an IPv4 address"));
  EXPECT_THAT(error_of("-bad-.example:80"), HasSubstr("neither an IP address nor a host name"));
  EXPECT_THAT(error_of("a b:80"), HasSubstr("neither"));
}

TEST(ListenAddress, CannotSmuggleExtraCivetwebPorts) {
  // CivetWeb's listening_ports is a comma-separated list with 's'/'r' suffixes.
  EXPECT_FALSE(parse_listen_address("127.0.0.1:80,443s").has_value());
  EXPECT_FALSE(parse_listen_address("x,1:80").has_value());
  EXPECT_FALSE(parse_listen_address(":80s").has_value());
}

TEST(ListenAddress, LocalhostResolvesToIpv4LoopbackWithoutDns) {
  auto resolved = resolve_listen_address(parsed("localhost:9100"));
  ASSERT_TRUE(resolved.has_value());
  EXPECT_EQ(*resolved, (ListenAddress{Kind::ipv4, "127.0.0.1", 9100}));
}

TEST(ListenAddress, LiteralsPassThroughResolution) {
  const ListenAddress literal = parsed("192.0.2.7:1");
  EXPECT_EQ(resolve_listen_address(literal).value(), literal);
}

TEST(ListenAddress, UnresolvableHostIsAClearError) {
  auto resolved = resolve_listen_address(parsed("no-such-host.invalid:9100"));
  ASSERT_FALSE(resolved.has_value());
  EXPECT_THAT(resolved.error().message, HasSubstr("cannot resolve"));
  EXPECT_THAT(resolved.error().message, HasSubstr("no-such-host.invalid:9100"));
}

TEST(ListenAddress, CivetwebSpecs) {
  EXPECT_EQ(civetweb_port_spec(parsed(":9100"), false).value(), "9100");
  EXPECT_EQ(civetweb_port_spec(parsed(":9100"), true).value(), "+9100");
  EXPECT_EQ(civetweb_port_spec(parsed("127.0.0.1:9999"), false).value(), "127.0.0.1:9999");
  EXPECT_EQ(civetweb_port_spec(parsed("[::1]:9999"), true).value(), "[::1]:9999");
  // "[::]" is every interface, IPv4 too, as for Go exporters: one dual-stack socket.
  EXPECT_EQ(civetweb_port_spec(parsed("[::]:10369"), true).value(), "+10369");
  EXPECT_EQ(civetweb_port_spec(parsed("[0::0]:10369"), true).value(), "+10369");
  EXPECT_THAT(civetweb_port_spec(parsed("[::]:10369"), false).error().message,
              HasSubstr("without IPv6 support"));
  auto no_ipv6 = civetweb_port_spec(parsed("[::1]:9999"), false);
  ASSERT_FALSE(no_ipv6.has_value());
  EXPECT_THAT(no_ipv6.error().message, HasSubstr("without IPv6 support"));
  EXPECT_FALSE(civetweb_port_spec(parsed("localhost:1"), false).has_value());  // resolve first
}

}  // namespace
