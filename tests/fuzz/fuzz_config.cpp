// libFuzzer target: the configuration parsers on arbitrary text.
//   1. `--config FILE`: CLI11's TOML reader behind DottedConfig, applied to the real serving
//      flags (add_serve_flags), then the values' own parsers (listen addresses, durations).
//   2. `--web.config.file`: the exporter-toolkit YAML subset (parse_web_config).
// Only "input rejected" is a normal outcome: CLI11 reports it by throwing CLI::Error, the
// other parsers by their Result. Anything else (another exception, a sanitizer report, an
// accepted config that breaks an invariant) is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "app/duration.h"
#include "app/serve_command.h"
#include "http/listen_address.h"
#include "http/web_config.h"

namespace {

void fuzz_toml(const std::string& text) {
  CLI::App app{"fuzz"};
  sm::app::ServeSettings settings;
  sm::app::add_serve_flags(app, settings);
  std::istringstream input(text);
  try {
    app.parse_from_stream(input);
  } catch (const CLI::Error&) {
    return;  // rejected: unknown key, bad value, malformed TOML
  }
  for (const auto& address : settings.listen_addresses) {
    (void)sm::http::parse_listen_address(address);
  }
  (void)sm::app::parse_duration(settings.stale_after);
  (void)sm::app::parse_duration(settings.demo_interval);
}

void fuzz_web_config(std::string_view text) {
  auto config = sm::http::parse_web_config(text);
  if (!config) {
    // Errors name the line; the offset points into the text.
    if (config.error().offset > text.size()) std::abort();
    return;
  }
  // Accepted users always carry a bcrypt hash (a typo must never switch auth off silently).
  for (const auto& [user, hash] : config->basic_auth_users) {
    if (user.empty() || !sm::http::is_bcrypt_hash(hash)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(data, data + size);
  fuzz_toml(text);
  fuzz_web_config(text);
  return 0;
}
