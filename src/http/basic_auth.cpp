#include "http/basic_auth.h"

#include <algorithm>
#include <array>
#include <utility>

#include "common/ascii.h"
#include "crypto/secret.h"

namespace sm::http {
namespace {

// A genuine bcrypt hash (of a throw-away password); only its cost digits are replaced,
// so checking against it costs exactly what checking a real user's hash costs.
constexpr std::string_view dummy_hash_template =
    "$2b$10$KNa6ztI7n2HT38ld2Jljp.znoe8RQxuexdER7OUHMn../euLRKmA6";
constexpr std::size_t bcrypt_hash_length = 60;
constexpr std::size_t bcrypt_cost_offset = 4;

bool is_bcrypt_base64(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '/';
}

// RFC 4648 base64 with the standard alphabet; padding optional. nullopt on any other byte.
std::optional<std::string> decode_base64(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string decoded;
  decoded.reserve(text.size() / 4 * 3 + 2);
  unsigned accumulator = 0;
  int bits = 0;
  for (const char c : text) {
    unsigned value = 0;
    if (c >= 'A' && c <= 'Z') {
      value = static_cast<unsigned>(c - 'A');
    } else if (c >= 'a' && c <= 'z') {
      value = static_cast<unsigned>(c - 'a' + 26);
    } else if (c >= '0' && c <= '9') {
      value = static_cast<unsigned>(c - '0' + 52);
    } else if (c == '+') {
      value = 62;
    } else if (c == '/') {
      value = 63;
    } else {
      return std::nullopt;
    }
    accumulator = ((accumulator << 6) | value) & 0xFFFFFFu;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      decoded.push_back(static_cast<char>((accumulator >> bits) & 0xFFu));
    }
  }
  return decoded;
}

std::string dummy_hash_for(const UserTable& users) {
  // The most expensive configured cost: an unknown user then takes at least as long as
  // any real one, never noticeably less.
  int cost = 10;
  if (!users.empty()) {
    cost = 0;
    for (const auto& [user, hash] : users) cost = std::max(cost, bcrypt_cost(hash));
  }
  std::string hash(dummy_hash_template);
  hash[bcrypt_cost_offset] = static_cast<char>('0' + cost / 10);
  hash[bcrypt_cost_offset + 1] = static_cast<char>('0' + cost % 10);
  return hash;
}

}  // namespace

int bcrypt_cost(std::string_view hash) noexcept {
  return (hash[bcrypt_cost_offset] - '0') * 10 + (hash[bcrypt_cost_offset + 1] - '0');
}

bool is_bcrypt_hash(std::string_view hash) noexcept {
  if (hash.size() != bcrypt_hash_length) return false;
  if (hash.substr(0, 2) != "$2") return false;
  if (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') return false;
  if (hash[3] != '$' || hash[6] != '$') return false;
  const char tens = hash[bcrypt_cost_offset];
  const char ones = hash[bcrypt_cost_offset + 1];
  if (tens < '0' || tens > '9' || ones < '0' || ones > '9') return false;
  const int cost = bcrypt_cost(hash);
  if (cost < 4 || cost > 31) return false;
  const std::string_view salt_and_hash = hash.substr(7);
  return std::all_of(salt_and_hash.begin(), salt_and_hash.end(), is_bcrypt_base64);
}

std::optional<BasicCredentials> parse_basic_authorization(std::string_view header_value) {
  constexpr std::string_view scheme = "basic";
  if (header_value.size() <= scheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (ascii_lower(header_value[i]) != scheme[i]) return std::nullopt;
  }
  std::string_view token = header_value.substr(scheme.size());
  if (token.front() != ' ') return std::nullopt;
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  if (token.empty()) return std::nullopt;

  auto decoded = decode_base64(token);
  if (!decoded) return std::nullopt;
  const std::size_t colon = decoded->find(':');
  if (colon == std::string::npos) {
    crypto::scrub(*decoded);
    return std::nullopt;
  }
  BasicCredentials credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
  crypto::scrub(*decoded);
  return credentials;
}

BasicAuthenticator::BasicAuthenticator(PasswordVerifier verifier)
    : verifier_(std::move(verifier)),
      users_(std::make_shared<const UserTable>()),
      dummy_hash_(dummy_hash_for({})) {}

BasicAuthenticator::~BasicAuthenticator() {
  forget_all();
}

Result<void> BasicAuthenticator::set_users(UserTable users) {
  for (const auto& [user, hash] : users) {
    if (user.empty()) {
      return config_error(Layer::http, "basic auth: empty user name");
    }
    if (user.find(':') != std::string::npos) {
      return config_error(Layer::http, "basic auth: user \"" + user +
                                           "\": a user name cannot contain ':' (RFC 7617)");
    }
    if (!is_bcrypt_hash(hash)) {
      return config_error(Layer::http,
                          "basic auth: user \"" + user + "\": password hash is not a bcrypt hash");
    }
  }
  if (!users.empty() && !verifier_) {
    return config_error(Layer::http,
                        "basic auth: users configured but no password verifier installed");
  }
  std::string dummy = dummy_hash_for(users);
  auto table = std::make_shared<const UserTable>(std::move(users));

  const std::lock_guard lock(mutex_);
  users_ = std::move(table);
  dummy_hash_ = std::move(dummy);
  ++generation_;
  forget_all();
  return {};
}

bool BasicAuthenticator::enabled() const {
  const std::lock_guard lock(mutex_);
  return !users_->empty();
}

bool BasicAuthenticator::authorize(std::optional<std::string_view> authorization_header) {
  return check(authorization_header, {}) == AuthDecision::granted;
}

std::uint64_t BasicAuthenticator::verifications() const {
  const std::lock_guard lock(mutex_);
  return verifications_;
}

std::uint64_t BasicAuthenticator::refused_busy() const {
  const std::lock_guard lock(mutex_);
  return refused_busy_;
}

AuthDecision BasicAuthenticator::check(std::optional<std::string_view> authorization_header,
                                       std::string_view client) {
  std::shared_ptr<const UserTable> users;
  std::string dummy_hash;
  std::uint64_t generation = 0;
  {
    const std::lock_guard lock(mutex_);
    if (users_->empty()) return AuthDecision::granted;
    users = users_;
    dummy_hash = dummy_hash_;
    generation = generation_;
  }
  if (!authorization_header) return AuthDecision::denied;
  auto credentials = parse_basic_authorization(*authorization_header);
  if (!credentials) return AuthDecision::denied;

  {
    // Looked up for unknown users too (never a hit), so both paths do the same work.
    const std::lock_guard lock(mutex_);
    const bool hit = generation == generation_ && cached(*credentials);
    if (hit || !take_check_slot(client)) {
      crypto::scrub(credentials->password);
      if (!hit) ++refused_busy_;
      return hit ? AuthDecision::granted : AuthDecision::busy;
    }
    ++verifications_;
  }
  const auto user = users->find(credentials->user);
  const bool known_user = user != users->end();

  // Unknown users are checked too (against the dummy hash) and the result thrown away.
  bool password_matches = false;
  try {
    password_matches =
        verifier_(credentials->password, known_user ? std::string_view(user->second) : dummy_hash);
  } catch (...) {
    const std::lock_guard lock(mutex_);
    --checks_running_;
    crypto::scrub(credentials->password);
    throw;
  }
  const bool granted = known_user && password_matches;
  {
    const std::lock_guard lock(mutex_);
    --checks_running_;
    record_outcome(client, granted);
    if (granted && generation == generation_) remember(*credentials);  // not across a reload
  }
  crypto::scrub(credentials->password);
  return granted ? AuthDecision::granted : AuthDecision::denied;
}

bool BasicAuthenticator::take_check_slot(std::string_view client) {
  const bool failed_before =
      std::find(failed_clients_.begin(), failed_clients_.end(), client) != failed_clients_.end();
  const std::size_t slots = shared_check_slots + (failed_before ? 0 : reserved_check_slots);
  if (checks_running_ >= slots) return false;
  ++checks_running_;
  return true;
}

void BasicAuthenticator::record_outcome(std::string_view client, bool granted) {
  const auto entry = std::find(failed_clients_.begin(), failed_clients_.end(), client);
  if (entry != failed_clients_.end()) failed_clients_.erase(entry);
  if (granted) return;
  if (failed_clients_.size() >= failed_clients_capacity)
    failed_clients_.erase(failed_clients_.begin());
  failed_clients_.emplace_back(client);
}

bool BasicAuthenticator::cached(const BasicCredentials& credentials) const {
  // Every entry is compared, hit or not: the scan's duration says nothing about the match.
  bool hit = false;
  for (const CachedCheck& entry : cache_) {
    const bool same_user = crypto::equal_secret(entry.user, credentials.user);
    const bool same_password = crypto::equal_secret(entry.password, credentials.password);
    hit = hit || (same_user && same_password);
  }
  return hit;
}

void BasicAuthenticator::remember(const BasicCredentials& credentials) {
  if (cached(credentials)) return;  // two threads verified the same pair at once
  CachedCheck entry{credentials.user, credentials.password};
  if (cache_.size() < cache_capacity) {
    cache_.push_back(std::move(entry));
    return;
  }
  // Full: overwrite the oldest entry (round robin), wiping the password it held.
  CachedCheck& slot = cache_[next_cache_slot_];
  crypto::scrub(slot.password);
  slot = std::move(entry);
  next_cache_slot_ = (next_cache_slot_ + 1) % cache_capacity;
}

void BasicAuthenticator::forget_all() {
  for (CachedCheck& entry : cache_) crypto::scrub(entry.password);
  cache_.clear();
  next_cache_slot_ = 0;
}

}  // namespace sm::http
