// HTTP Basic authentication (RFC 7617) against bcrypt hashes, as in Prometheus'
// exporter-toolkit `basic_auth_users`.
//
// This layer does not link a crypto library: the bcrypt check is injected
// (app/ wires it to Botan::check_bcrypt), so tests can count and fake it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace sm::http {

// user name -> bcrypt hash ("$2b$10$..."); std::less<> allows lookups by string_view.
using UserTable = std::map<std::string, std::string, std::less<>>;

// True when `password` matches `bcrypt_hash`. Called from CivetWeb worker threads, so it
// must be thread-safe; it may be slow (that is bcrypt's point).
using PasswordVerifier =
    std::function<bool(std::string_view password, std::string_view bcrypt_hash)>;

// "$2a$", "$2b$" or "$2y$", a two-digit cost 04..31, "$", then 53 characters of bcrypt's
// base64 alphabet (22 salt + 31 hash): 60 characters in all.
[[nodiscard]] bool is_bcrypt_hash(std::string_view hash) noexcept;

// The cost of a hash is_bcrypt_hash() accepts.
[[nodiscard]] int bcrypt_cost(std::string_view hash) noexcept;

// The highest cost the bcrypt check computes: Botan 2.19 (like 3.x) refuses 19..31 with
// "Invalid bcrypt work factor", so no password would ever match such a hash.
inline constexpr int max_bcrypt_cost = 18;

struct BasicCredentials {
  std::string user;
  std::string password;
};

// Parses an `Authorization` header value: "Basic <base64(user:password)>". The scheme is
// case-insensitive; the user ends at the first ':' (RFC 7617 section 2). nullopt for any
// other scheme or malformed base64.
[[nodiscard]] std::optional<BasicCredentials> parse_basic_authorization(
    std::string_view header_value);

enum class AuthDecision {
  granted,  // authentication off, or valid credentials
  denied,   // no, malformed or wrong credentials: 401
  busy,     // not checked: every bcrypt slot this client may use is taken: 429
};

class BasicAuthenticator {
 public:
  // Successful (user, password) checks remembered, so a scrape every few seconds does not
  // cost one bcrypt run (~0.1 s at cost 10) each time.
  static constexpr std::size_t cache_capacity = 64;

  // Credentials not in the cache cost a bcrypt run each; a flood of wrong passwords would
  // otherwise keep every worker thread and CPU busy while a scrape with valid (cached)
  // credentials waits behind them. At most `shared_check_slots` such runs go on at once;
  // one more slot is kept for clients with no failed attempt on record, so a guessing client
  // cannot lock a new, legitimate one out. A request that finds no free slot is answered at
  // once (busy), without running bcrypt.
  static constexpr std::size_t shared_check_slots = 1;
  static constexpr std::size_t reserved_check_slots = 1;
  // Clients (remote addresses) whose last check failed; the oldest is forgotten first.
  static constexpr std::size_t failed_clients_capacity = 256;

  explicit BasicAuthenticator(PasswordVerifier verifier);
  ~BasicAuthenticator();
  BasicAuthenticator(const BasicAuthenticator&) = delete;
  BasicAuthenticator& operator=(const BasicAuthenticator&) = delete;

  // Replaces the user table (empty = authentication off) and forgets every cached check.
  // Thread-safe: used on SIGHUP while requests are being served. Fails, leaving the old
  // table in place, on a malformed hash or user name, or users without a verifier.
  [[nodiscard]] Result<void> set_users(UserTable users);

  [[nodiscard]] bool enabled() const;

  // True when authentication is off or the header carries valid credentials.
  // An unknown user costs one verifier run against a dummy hash of the configured cost,
  // so response time does not tell which user names exist. Thread-safe; the verifier
  // runs without holding the lock. Exceptions from the verifier propagate.
  [[nodiscard]] bool authorize(std::optional<std::string_view> authorization_header);

  // As authorize(), with the concurrency limit above applied per client (its address).
  [[nodiscard]] AuthDecision check(std::optional<std::string_view> authorization_header,
                                   std::string_view client);

  // Verifier runs (bcrypt) started so far, and requests answered busy without one.
  [[nodiscard]] std::uint64_t verifications() const;
  [[nodiscard]] std::uint64_t refused_busy() const;

 private:
  struct CachedCheck {
    std::string user;
    std::string password;
  };

  [[nodiscard]] bool cached(const BasicCredentials& credentials) const;  // lock held
  void remember(const BasicCredentials& credentials);                    // lock held
  void forget_all();                                                     // lock held
  [[nodiscard]] bool take_check_slot(std::string_view client);           // lock held
  void record_outcome(std::string_view client, bool granted);            // lock held

  PasswordVerifier verifier_;
  mutable std::mutex mutex_;
  std::shared_ptr<const UserTable> users_;  // swapped whole, read outside the lock
  std::string dummy_hash_;
  std::uint64_t generation_{0};  // bumped by set_users; stale checks are not cached
  std::vector<CachedCheck> cache_;
  std::size_t next_cache_slot_{0};
  std::size_t checks_running_{0};
  std::vector<std::string> failed_clients_;  // oldest first
  std::uint64_t verifications_{0};
  std::uint64_t refused_busy_{0};
};

}  // namespace sm::http
