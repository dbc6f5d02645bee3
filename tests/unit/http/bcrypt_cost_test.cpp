// Issue 14 item 14: a bcrypt cost Botan refuses (19..31) is refused when the web config is
// read, with a message, instead of failing every login with a bare 401.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "http/basic_auth.h"
#include "http/web_config.h"

namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

std::string hash_of_cost(int cost) {
  const std::string digits = (cost < 10 ? "0" : "") + std::to_string(cost);
  return "$2b$" + digits + "$" + std::string(53, 'a');
}

TEST(WebConfigBcryptCost, CostsBotanRefusesAreRefusedAtLoad) {
  for (int cost : {sm::http::max_bcrypt_cost + 1, 25, 31}) {
    auto config =
        sm::http::parse_web_config("basic_auth_users:\n  a: " + hash_of_cost(cost) + "\n");
    ASSERT_FALSE(config.has_value()) << cost;
    EXPECT_THAT(config.error().message,
                AllOf(HasSubstr("line 2"), HasSubstr("user \"a\""),
                      HasSubstr("cost " + std::to_string(cost)), HasSubstr("htpasswd")));
  }
  for (int cost : {4, 10, sm::http::max_bcrypt_cost}) {
    auto config =
        sm::http::parse_web_config("basic_auth_users:\n  a: " + hash_of_cost(cost) + "\n");
    EXPECT_TRUE(config.has_value()) << cost << ": " << config.error().message;
  }
}

}  // namespace
