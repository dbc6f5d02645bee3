#include "http/basic_auth.h"

#include <atomic>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_client.h"

namespace {
using sm::http::AuthDecision;
using sm::http::BasicAuthenticator;
using sm::http::is_bcrypt_hash;
using sm::http::parse_basic_authorization;
using sm::http::UserTable;
using sm::http::testing::base64;
using ::testing::HasSubstr;

const std::string alice_hash = "$2b$10$" + std::string(53, 'a');
const std::string bob_hash = "$2y$12$" + std::string(53, 'b');

// Stands in for bcrypt: a password matches a hash when the hash ends with the password's
// first letter repeated, e.g. "aaa..." matches "a-secret". Records every call.
struct FakeVerifier {
  std::atomic<int> calls{0};
  std::mutex mutex;
  std::vector<std::string> hashes_seen;

  sm::http::PasswordVerifier function() {
    return [this](std::string_view password, std::string_view hash) {
      ++calls;
      {
        const std::lock_guard lock(mutex);
        hashes_seen.emplace_back(hash);
      }
      return !password.empty() && hash.back() == password.front() &&
             password.substr(1) == "-secret";
    };
  }
};

std::string header(std::string_view user, std::string_view password) {
  return "Basic " + base64(std::string(user) + ":" + std::string(password));
}

TEST(BcryptHash, Form) {
  EXPECT_TRUE(is_bcrypt_hash(alice_hash));
  EXPECT_TRUE(is_bcrypt_hash("$2a$04$" + std::string(53, '.')));
  EXPECT_TRUE(is_bcrypt_hash("$2b$31$" + std::string(53, '/')));
  EXPECT_FALSE(is_bcrypt_hash("$2b$32$" + std::string(53, 'a')));
  EXPECT_FALSE(is_bcrypt_hash("$2b$1a$" + std::string(53, 'a')));
  EXPECT_FALSE(is_bcrypt_hash("$2$10$" + std::string(54, 'a')));
  EXPECT_FALSE(is_bcrypt_hash("$2b$10$" + std::string(54, 'a')));
  EXPECT_FALSE(is_bcrypt_hash("$2b$10$" + std::string(52, 'a') + "+"));
  EXPECT_FALSE(is_bcrypt_hash(""));
}

TEST(BasicAuthorizationHeader, Parses) {
  auto credentials = parse_basic_authorization(header("prometheus", "pass:with:colons"));
  ASSERT_TRUE(credentials.has_value());
  EXPECT_EQ(credentials->user, "prometheus");
  EXPECT_EQ(credentials->password, "pass:with:colons");  // the user ends at the first ':'

  auto lowercase = parse_basic_authorization("basic   " + base64("u:") + "  ");
  ASSERT_TRUE(lowercase.has_value());
  EXPECT_EQ(lowercase->user, "u");
  EXPECT_EQ(lowercase->password, "");

  // Unpadded base64 is accepted too ("u:p" encodes without padding anyway; "ab:c" needs it).
  auto unpadded = parse_basic_authorization("Basic " + base64("ab:cd").substr(0, 7));
  ASSERT_TRUE(unpadded.has_value());
  EXPECT_EQ(unpadded->password, "cd");
}

TEST(BasicAuthorizationHeader, RejectsOtherSchemesAndGarbage) {
  EXPECT_FALSE(parse_basic_authorization("Bearer abc").has_value());
  EXPECT_FALSE(parse_basic_authorization("Basic").has_value());
  EXPECT_FALSE(parse_basic_authorization("Basic ").has_value());
  EXPECT_FALSE(parse_basic_authorization("BasicdTpw").has_value());
  EXPECT_FALSE(parse_basic_authorization("Basic !!!!").has_value());
  EXPECT_FALSE(parse_basic_authorization("Basic " + base64("no colon")).has_value());
  EXPECT_FALSE(parse_basic_authorization("Basic A").has_value());  // truncated base64
}

TEST(BasicAuthenticator, DisabledWithoutUsers) {
  FakeVerifier verifier;
  BasicAuthenticator auth(verifier.function());
  EXPECT_FALSE(auth.enabled());
  EXPECT_TRUE(auth.authorize(std::nullopt));
  EXPECT_EQ(verifier.calls, 0);
}

TEST(BasicAuthenticator, ChecksCredentials) {
  FakeVerifier verifier;
  BasicAuthenticator auth(verifier.function());
  ASSERT_TRUE(auth.set_users({{"alice", alice_hash}, {"bob", bob_hash}}).has_value());
  EXPECT_TRUE(auth.enabled());
  EXPECT_FALSE(auth.authorize(std::nullopt));
  EXPECT_FALSE(auth.authorize("Bearer x"));
  EXPECT_EQ(verifier.calls, 0);  // nothing to verify without credentials

  EXPECT_FALSE(auth.authorize(header("alice", "b-secret")));
  EXPECT_TRUE(auth.authorize(header("alice", "a-secret")));
  EXPECT_TRUE(auth.authorize(header("bob", "b-secret")));
  EXPECT_FALSE(auth.authorize(header("bob", "a-secret")));
}

TEST(BasicAuthenticator, UnknownUserStillCostsOneVerificationAtTheConfiguredCost) {
  FakeVerifier verifier;
  BasicAuthenticator auth(verifier.function());
  ASSERT_TRUE(auth.set_users({{"alice", alice_hash}, {"bob", bob_hash}}).has_value());
  // The password even "matches" the dummy hash's last character: still refused.
  EXPECT_FALSE(auth.authorize(header("mallory", "6-secret")));
  ASSERT_EQ(verifier.calls, 1);
  const std::string& dummy = verifier.hashes_seen.at(0);
  EXPECT_TRUE(is_bcrypt_hash(dummy));
  EXPECT_EQ(dummy.substr(4, 2), "12");  // the highest configured cost (bob's)
  EXPECT_NE(dummy, alice_hash);
  EXPECT_NE(dummy, bob_hash);
}

TEST(BasicAuthenticator, CachesSuccessfulChecksOnly) {
  FakeVerifier verifier;
  BasicAuthenticator auth(verifier.function());
  ASSERT_TRUE(auth.set_users({{"alice", alice_hash}}).has_value());
  EXPECT_TRUE(auth.authorize(header("alice", "a-secret")));
  EXPECT_TRUE(auth.authorize(header("alice", "a-secret")));
  EXPECT_TRUE(auth.authorize(header("alice", "a-secret")));
  EXPECT_EQ(verifier.calls, 1);

  EXPECT_FALSE(auth.authorize(header("alice", "wrong")));
  EXPECT_FALSE(auth.authorize(header("alice", "wrong")));
  EXPECT_EQ(verifier.calls, 3);  // failures are verified every time
}

TEST(BasicAuthenticator, ReloadForgetsTheCache) {
  FakeVerifier verifier;
  BasicAuthenticator auth(verifier.function());
  ASSERT_TRUE(auth.set_users({{"alice", alice_hash}}).has_value());
  EXPECT_TRUE(auth.authorize(header("alice", "a-secret")));
  // New hash for alice: the old password must not keep working from the cache.
  ASSERT_TRUE(auth.set_users({{"alice", bob_hash}}).has_value());
  EXPECT_FALSE(auth.authorize(header("alice", "a-secret")));
  EXPECT_EQ(verifier.calls, 2);
  ASSERT_TRUE(auth.set_users({}).has_value());
  EXPECT_FALSE(auth.enabled());
  EXPECT_TRUE(auth.authorize(std::nullopt));
}

TEST(BasicAuthenticator, CacheIsBounded) {
  FakeVerifier verifier;
  BasicAuthenticator auth(verifier.function());
  UserTable users;
  const std::size_t user_count = BasicAuthenticator::cache_capacity + 1;
  for (std::size_t i = 0; i < user_count; ++i)
    users.emplace("user" + std::to_string(i), alice_hash);
  ASSERT_TRUE(auth.set_users(users).has_value());
  for (std::size_t i = 0; i < user_count; ++i) {
    EXPECT_TRUE(auth.authorize(header("user" + std::to_string(i), "a-secret")));
  }
  EXPECT_EQ(verifier.calls, static_cast<int>(user_count));
  // user0 was the oldest entry and has been evicted by the last one; the newest is cached.
  EXPECT_TRUE(auth.authorize(header("user" + std::to_string(user_count - 1), "a-secret")));
  EXPECT_EQ(verifier.calls, static_cast<int>(user_count));
  EXPECT_TRUE(auth.authorize(header("user0", "a-secret")));
  EXPECT_EQ(verifier.calls, static_cast<int>(user_count) + 1);
}

TEST(BasicAuthenticator, RefusesBadTablesAndKeepsTheOldOne) {
  FakeVerifier verifier;
  BasicAuthenticator auth(verifier.function());
  ASSERT_TRUE(auth.set_users({{"alice", alice_hash}}).has_value());
  auto bad_hash = auth.set_users({{"bob", "plaintext"}});
  ASSERT_FALSE(bad_hash.has_value());
  EXPECT_THAT(bad_hash.error().message, HasSubstr("bcrypt"));
  EXPECT_FALSE(auth.set_users({{"a:b", alice_hash}}).has_value());
  EXPECT_FALSE(auth.set_users({{"", alice_hash}}).has_value());
  EXPECT_TRUE(auth.authorize(header("alice", "a-secret")));  // old table still active

  BasicAuthenticator no_verifier{sm::http::PasswordVerifier{}};
  auto refused = no_verifier.set_users({{"alice", alice_hash}});
  ASSERT_FALSE(refused.has_value());
  EXPECT_THAT(refused.error().message, HasSubstr("verifier"));
}

// A verifier that, for the password "stall", blocks until released: a bcrypt run in
// progress, held open so the test sees what other requests do meanwhile (no timing).
struct StallingVerifier {
  FakeVerifier inner;
  std::promise<void> entered;
  std::promise<void> release;

  sm::http::PasswordVerifier function() {
    auto check = inner.function();
    auto released = release.get_future().share();
    return [this, check, released](std::string_view password, std::string_view hash) {
      if (password == "stall") {
        entered.set_value();
        released.wait();
      }
      return check(password, hash);
    };
  }
};

// Issue 14 item 15: wrong passwords cost a bcrypt each; 16 threads of them made a valid
// scrape wait. Unverified credentials now get a bounded number of check slots.
TEST(BasicAuthenticator, WrongPasswordsDoNotQueueBcryptRunsOrDelayValidScrapes) {
  StallingVerifier verifier;
  BasicAuthenticator auth(verifier.function());
  ASSERT_TRUE(auth.set_users({{"alice", alice_hash}, {"bob", bob_hash}}).has_value());
  ASSERT_EQ(auth.check(header("alice", "a-secret"), "10.0.0.1"), AuthDecision::granted);
  ASSERT_EQ(auth.check(header("alice", "guess1"), "10.0.0.9"), AuthDecision::denied);
  ASSERT_EQ(verifier.inner.calls, 2);

  // The guessing client's next attempt holds the shared slot inside bcrypt...
  std::thread stalled(
      [&] { EXPECT_EQ(auth.check(header("alice", "stall"), "10.0.0.9"), AuthDecision::denied); });
  verifier.entered.get_future().wait();
  ASSERT_EQ(verifier.inner.calls, 2);  // counted after the stall
  // ...so its further guesses are answered at once, without a bcrypt run each,
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ(auth.check(header("alice", "guess" + std::to_string(i)), "10.0.0.9"),
              AuthDecision::busy);
  }
  EXPECT_EQ(auth.refused_busy(), 16u);
  // the valid scrape is served from the cache without waiting for the stalled check,
  EXPECT_EQ(auth.check(header("alice", "a-secret"), "10.0.0.1"), AuthDecision::granted);
  // and a client without failures still gets its (new) credentials checked.
  EXPECT_EQ(auth.check(header("bob", "b-secret"), "10.0.0.2"), AuthDecision::granted);
  EXPECT_EQ(verifier.inner.calls, 3);
  EXPECT_EQ(auth.verifications(), 4u);

  verifier.release.set_value();
  stalled.join();
  EXPECT_EQ(verifier.inner.calls, 4);
  // Slots are given back: the guessing client is checked (and refused) again.
  EXPECT_EQ(auth.check(header("alice", "guess"), "10.0.0.9"), AuthDecision::denied);
  EXPECT_EQ(verifier.inner.calls, 5);
}

TEST(BasicAuthenticator, ASuccessClearsAClientsFailedRecord) {
  StallingVerifier verifier;
  BasicAuthenticator auth(verifier.function());
  ASSERT_TRUE(auth.set_users({{"alice", alice_hash}, {"bob", bob_hash}}).has_value());
  // A typo, then the right password: the client is no longer treated as guessing.
  ASSERT_EQ(auth.check(header("bob", "typo"), "10.0.0.5"), AuthDecision::denied);
  ASSERT_EQ(auth.check(header("bob", "b-secret"), "10.0.0.5"), AuthDecision::granted);
  std::thread stalled([&] { (void)auth.check(header("alice", "stall"), "10.0.0.9"); });
  verifier.entered.get_future().wait();
  EXPECT_EQ(auth.check(header("alice", "a-secret"), "10.0.0.5"), AuthDecision::granted);
  verifier.release.set_value();
  stalled.join();
}

}  // namespace
