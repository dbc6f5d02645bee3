#include "app/decode_command.h"

#include <algorithm>
#include <cstddef>
#include <iostream>
#include <variant>
#include <vector>

#include "app/flag_checks.h"
#include "app/input.h"
#include "app/keys.h"
#include "app/log.h"
#include "app/render.h"
#include "pipeline/decoder.h"

namespace sm::app {

void add_decode_command(CLI::App& app, DecodeSettings& s, int* exit_status) {
  auto* cmd = app.add_subcommand("decode", "Decode captured frames (hex or binary) and print them");
  auto* key = cmd->add_option("--key", s.key_hex, "Encryption key, 32 hex digits");
  auto* key_file = cmd->add_option("--key-file", s.key_file, "File holding the encryption key");
  key->excludes(key_file);
  auto* auth = cmd->add_option("--auth-key", s.auth_key_hex, "Authentication key, 32 hex digits");
  auto* auth_file =
      cmd->add_option("--auth-key-file", s.auth_key_file, "File holding the authentication key");
  auth->excludes(auth_file);
  cmd->add_option("--format", s.format, "Output format")
      ->check(CLI::IsMember({"text", "json", "explain"}))
      ->capture_default_str();
  cmd->add_option("--profile", s.profile,
                  "Positional profile for bodies without OBIS codes (auto detects)")
      ->capture_default_str();
  cmd->add_option("input", s.input, "Input file, or - for standard input")->capture_default_str();
  cmd->callback([&s, exit_status] { *exit_status = run_decode(s); });
}

namespace {

Result<std::optional<dlms::Key>> key_from(const std::string& hex, const std::string& file,
                                          std::string_view flag) {
  if (!hex.empty()) {
    auto key = parse_key(hex, flag);
    if (!key) return tl::unexpected(key.error());
    return std::optional<dlms::Key>(*key);
  }
  if (!file.empty()) {
    auto key = load_key_file(file);
    if (!key) return tl::unexpected(key.error());
    return std::optional<dlms::Key>(*key);
  }
  return std::optional<dlms::Key>();
}

// Bytes the framer could not make a frame of: unframed bytes, or a frame the input ended in.
// A frame that was there and failed (a checksum, a length) is not among them.
bool unframed(const pipeline::Outcome& outcome) {
  const auto* failure = std::get_if<pipeline::FrameFailure>(&outcome);
  return failure != nullptr && failure->error.layer == Layer::frame &&
         (failure->error.code == ErrorCode::decode || failure->error.code == ErrorCode::incomplete);
}

// Where the trailing failures begin: the unframed bytes after the last decoded frame (bytes
// after a closing flag, or a capture cut inside the next frame). They are the next frame's
// business, not a failure of the frames before (issue 19 item 5): reported, but they do not
// fail `decode` once a frame decoded. outcomes.size() when there are none.
std::size_t first_trailing(const std::vector<pipeline::Outcome>& outcomes) {
  std::size_t from = outcomes.size();
  while (from > 0 && unframed(outcomes[from - 1])) --from;
  const bool decoded_before =
      std::any_of(outcomes.begin(), outcomes.begin() + static_cast<std::ptrdiff_t>(from),
                  [](const auto& o) { return std::holds_alternative<pipeline::DecodedFrame>(o); });
  return decoded_before ? from : outcomes.size();  // after no frame: the input's own failures
}

}  // namespace

int run_decode(const DecodeSettings& s) {
  pipeline::DecoderOptions options;
  auto ek = key_from(s.key_hex, s.key_file, "--key");
  auto ak = key_from(s.auth_key_hex, s.auth_key_file, "--auth-key");
  for (const auto* k : {&ek, &ak}) {
    if (!*k) {
      print_error("smartmeter_exporter decode", k->error().message);
      return 2;
    }
  }
  options.keys.encryption = *ek;
  options.keys.authentication = *ak;
  if (auto known = check_profile(s.profile, "--profile"); !known) {
    print_error("smartmeter_exporter decode", known.error().message);
    return 2;
  }
  options.cosem.profile = s.profile;
  const auto format = s.format == "json"      ? OutputFormat::json
                      : s.format == "explain" ? OutputFormat::explain
                                              : OutputFormat::text;
  options.explain = format == OutputFormat::explain;

  auto bytes = read_capture_bytes(s.input);
  if (!bytes) {
    print_error("smartmeter_exporter decode", bytes.error().message);
    return 2;
  }

  pipeline::Decoder decoder(options);
  auto outcomes = decoder.push(*bytes);
  auto rest = decoder.finish();
  outcomes.insert(outcomes.end(), std::make_move_iterator(rest.begin()),
                  std::make_move_iterator(rest.end()));

  const std::size_t trailing_from = first_trailing(outcomes);
  bool failed = false;
  std::size_t decoded = 0;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const auto& outcome = outcomes[i];
    const auto kind = i >= trailing_from ? FailureKind::trailing : FailureKind::frame;
    if (!std::holds_alternative<pipeline::FrameFailure>(outcome)) {
      ++decoded;
    } else if (kind == FailureKind::frame) {
      failed = true;
    }
    switch (format) {
      case OutputFormat::json:
        std::cout << render_json(outcome, kind) << "\n";
        break;
      case OutputFormat::text:
        std::cout << render_text(outcome, kind) << "\n";
        break;
      case OutputFormat::explain:
        std::cout << render_explain(outcome, *bytes) << "\n";
        break;
    }
  }
  if (outcomes.empty()) {
    std::cerr << "smartmeter_exporter decode: no frame found in " << bytes->size()
              << " bytes of input\n";
    return 1;
  }
  return failed || decoded == 0 ? 1 : 0;
}

}  // namespace sm::app
