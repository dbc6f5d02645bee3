#include "app/exporter.h"

#include <unistd.h>

#include "common/hex.h"
#include "metrics/obis_map.h"

namespace sm::app {

Exporter::Exporter(pipeline::DecoderOptions options, Logger& logger, metrics::MeterState& state,
                   int wake_fd)
    : decoder_(std::move(options)),
      security_pin_(decoder_.options().keys.encryption.has_value() ||
                    decoder_.options().keys.authentication.has_value()),
      logger_(logger),
      state_(state),
      wake_fd_(wake_fd) {}

void Exporter::on_bytes(std::span<const std::uint8_t> bytes,
                        std::chrono::system_clock::time_point arrival) {
  state_.add_bytes(bytes.size());
  std::lock_guard lock(mutex_);
  last_bytes_ = std::chrono::steady_clock::now();
  decoder_.push(bytes, outcomes_);
  for (const auto& outcome : outcomes_) handle(outcome, arrival);
  const bool was_pending = partial_frame_pending_;
  partial_frame_pending_ = decoder_.bytes_buffered() > 0;
  if (partial_frame_pending_ && !was_pending && wake_fd_ >= 0) {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto written = ::write(wake_fd_, &one, sizeof one);
  }
}

void Exporter::handle(const pipeline::Outcome& outcome,
                      std::chrono::system_clock::time_point arrival) {
  if (const auto* failure = std::get_if<pipeline::FrameFailure>(&outcome)) {
    handle_failure(*failure);
    return;
  }
  const auto& frame = std::get<pipeline::DecodedFrame>(outcome);
  if (!admit(frame)) return;
  if (!first_frame_logged_) {
    first_frame_logged_ = true;
    const auto& r = frame.reading;
    logger_.info("first good frame decoded",
                 {{"link", std::string(frame::to_string(frame.link))},
                  {"profile", r.profile},
                  {"meter_id", r.meter_id.value_or("").str()},
                  {"system_title", frame.security ? to_hex(frame.security->system_title) : ""},
                  {"registers", std::to_string(r.registers.size())}});
  }
  metrics::GoodFrame good;
  good.reading = std::make_shared<const cosem::Reading>(frame.reading);
  good.security = frame.security;
  good.tag_verified = frame.tag_verified;
  good.link = std::string(frame::to_string(frame.link));
  good.received = {arrival, std::chrono::steady_clock::now()};
  state_.record_frame(std::move(good));
}

bool Exporter::admit(const pipeline::DecodedFrame& frame) {
  using PinVerdict = pipeline::SecurityPin::Verdict;
  const PinVerdict pin = security_pin_.check(frame.security, frame.tag_verified);
  if (pin == PinVerdict::unencrypted) {
    state_.record_error(metrics::ErrorReason::unencrypted);
    logger_.log_limited("unencrypted", std::chrono::seconds(60), LogLevel::warn,
                        "frame rejected: not encrypted or authenticated, but a key is configured "
                        "or the meter's frames are ciphered (injected frame?)",
                        {{"link", std::string(frame::to_string(frame.link))}});
    return false;
  }
  if (pin == PinVerdict::changed) {
    state_.record_error(metrics::ErrorReason::security_changed);
    logger_.log_limited(
        "security-changed", std::chrono::seconds(60), LogLevel::warn,
        "frame rejected: system title or security control differs from the meter's first "
        "frame (another meter or a downgrade; restart the exporter after replacing the meter)",
        {{"system_title", to_hex(frame.security->system_title)},
         {"pinned_system_title",
          to_hex(security_pin_.system_title().value_or(dlms::SystemTitle{}))},
         {"security_control", std::to_string(frame.security->control)},
         {"pinned_security_control", std::to_string(security_pin_.control().value_or(0))}});
    return false;
  }
  if (frame.security) {
    if (frame.security->encrypted()) wrong_key_alarm_.on_decrypted_frame();
    std::optional<std::int64_t> meter_time;
    if (frame.reading.meter_time) meter_time = frame.reading.meter_time->unix_seconds;
    const auto verdict = replay_guard_.check(frame.security->invocation_counter, meter_time);
    if (verdict == pipeline::ReplayGuard::Verdict::replay) {
      state_.record_error(metrics::ErrorReason::replay);
      logger_.log_limited(
          "replay", std::chrono::seconds(60), LogLevel::warn,
          "frame rejected: invocation counter did not increase (replayed frame?)",
          {{"invocation_counter", std::to_string(frame.security->invocation_counter)},
           {"last_accepted", std::to_string(replay_guard_.last().value_or(0))}});
      return false;
    }
    if (verdict == pipeline::ReplayGuard::Verdict::accept_after_reboot) {
      logger_.warn("invocation counter restarted and keeps increasing: meter reboot accepted",
                   {{"invocation_counter", std::to_string(frame.security->invocation_counter)}});
    }
    if (frame.security->authenticated() && !frame.tag_verified && !untagged_warning_logged_) {
      untagged_warning_logged_ = true;
      logger_.warn(
          "frames carry an authentication tag but no authentication key is configured: "
          "decrypting without verifying (set --meter.auth-key-file to verify)");
    }
  }
  security_pin_.pin(frame.security, frame.tag_verified);
  if (!metrics::carries_measurement(frame.reading)) {
    state_.record_error(metrics::ErrorReason::unsupported);
    logger_.log_limited("no-measurement", std::chrono::seconds(60), LogLevel::warn,
                        "frame carries no register the exporter knows (voltage, current, power, "
                        "energy...): the last reading is kept",
                        {{"registers", std::to_string(frame.reading.registers.size())},
                         {"profile", frame.reading.profile}});
    return false;
  }
  return true;
}

void Exporter::handle_failure(const pipeline::FrameFailure& failure) {
  const auto reason = metrics::reason_for(failure.error.code);
  state_.record_error(reason);
  if ((reason == metrics::ErrorReason::decrypt || reason == metrics::ErrorReason::auth) &&
      wrong_key_alarm_.on_key_failure()) {
    logger_.error(
        "key looks wrong: frames do not decrypt/authenticate with the configured key "
        "(check the key from your grid operator's portal; it changes when the meter "
        "is replaced)",
        {{"reason", std::string(to_string(failure.error.code))},
         {"detail", failure.error.message}});
    return;
  }
  const std::string kind(to_string(failure.error.code));
  const bool first_of_kind = error_kinds_logged_.insert(kind).second;
  logger_.log_limited("frame-error-" + kind, std::chrono::seconds(60),
                      first_of_kind ? LogLevel::warn : LogLevel::debug, "frame error",
                      {{"reason", kind},
                       {"layer", std::string(to_string(failure.error.layer))},
                       {"offset", std::to_string(failure.error.offset)},
                       {"detail", failure.error.message}});
}

void Exporter::on_connected(bool reconnect) {
  state_.set_connected(true, reconnect);
  {
    std::lock_guard lock(mutex_);
    decoder_.reset();  // bytes from before the gap cannot complete a frame
  }
  // A peer that accepts and closes at once would say both every few seconds: once per
  // source::kRepeatedWarningInterval, like the source's own warning.
  if (reconnect) {
    logger_.log_limited("source-recovered", source::kRepeatedWarningInterval, LogLevel::info,
                        "source recovered");
  }
}

void Exporter::on_disconnected(std::string_view reason) {
  state_.set_connected(false, false);
  logger_.log_limited("source-lost", source::kRepeatedWarningInterval, LogLevel::warn,
                      "source lost; retrying", {{"reason", std::string(reason)}});
}

void Exporter::on_end_of_input() {
  std::lock_guard lock(mutex_);
  for (const auto& outcome : decoder_.finish()) handle(outcome, std::chrono::system_clock::now());
  end_of_input_ = true;
  logger_.info("replay reached the end of the capture");
}

void Exporter::on_replay_repeat() {
  std::lock_guard lock(mutex_);
  // The capture's invocation counters start over: a new run, not replayed frames.
  replay_guard_.reset();
  decoder_.reset();
  logger_.log_limited("replay-repeat", std::chrono::minutes(10), LogLevel::info,
                      "capture starts again (--replay.loop); its invocation counters with it");
}

bool Exporter::has_partial_frame() const {
  std::lock_guard lock(mutex_);
  return partial_frame_pending_;
}

bool Exporter::end_of_input_seen() const {
  std::lock_guard lock(mutex_);
  return end_of_input_;
}

bool Exporter::expire_partial_frame(std::chrono::steady_clock::time_point now,
                                    std::chrono::milliseconds max_age) {
  std::lock_guard lock(mutex_);
  if (!partial_frame_pending_ || now - last_bytes_ < max_age) return false;
  partial_frame_pending_ = false;
  bool dropped = false;
  for (const auto& outcome : decoder_.finish()) {
    if (const auto* failure = std::get_if<pipeline::FrameFailure>(&outcome);
        failure != nullptr && failure->error.code == ErrorCode::incomplete) {
      state_.record_error(metrics::ErrorReason::timeout);
      logger_.log_limited("frame-timeout", std::chrono::seconds(60), LogLevel::warn,
                          "partial frame timed out (line went quiet mid-frame)",
                          {{"detail", failure->error.message}});
      dropped = true;
    } else {
      handle(outcome, std::chrono::system_clock::now());
    }
  }
  return dropped;
}

void Exporter::log(LogLevel level, std::string_view message) {
  logger_.log(level, message);
}

}  // namespace sm::app
