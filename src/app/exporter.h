// Exporter: the serving process' core. Receives bytes from the source thread (it is the
// source's Sink), runs them through the Decoder, the SecurityPin and the ReplayGuard, and
// records good frames and counted errors in MeterState, from which every scrape is built.
#pragma once

#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "app/log.h"
#include "metrics/meter_state.h"
#include "pipeline/decoder.h"
#include "pipeline/replay_guard.h"
#include "pipeline/security_pin.h"
#include "pipeline/wrong_key_alarm.h"
#include "source/source.h"

namespace sm::app {

class Exporter final : public source::Sink {
 public:
  // `wake_fd` (an eventfd, or -1) is written when a partial frame starts waiting, so the
  // main loop, which otherwise sleeps without a timeout, arms the partial-frame timer.
  Exporter(pipeline::DecoderOptions options, Logger& logger, metrics::MeterState& state,
           int wake_fd = -1);

  void on_bytes(std::span<const std::uint8_t> bytes,
                std::chrono::system_clock::time_point arrival) override;
  void on_connected(bool reconnect) override;
  void on_disconnected(std::string_view reason) override;
  void on_end_of_input() override;
  void on_replay_repeat() override;
  void log(LogLevel level, std::string_view message) override;

  // A partial frame pending longer than a frame can take is dropped as `timeout`
  // (called by the main loop). Returns true when something was dropped.
  bool expire_partial_frame(std::chrono::steady_clock::time_point now,
                            std::chrono::milliseconds max_age);
  [[nodiscard]] bool end_of_input_seen() const;
  // True while bytes of an unfinished frame wait for the rest.
  [[nodiscard]] bool has_partial_frame() const;

 private:
  void handle(const pipeline::Outcome& outcome, std::chrono::system_clock::time_point arrival);
  void handle_failure(const pipeline::FrameFailure& failure);
  // False (counted and logged) when the frame must not reach the reading.
  bool admit(const pipeline::DecodedFrame& frame);

  mutable std::mutex mutex_;
  pipeline::Decoder decoder_;
  std::vector<pipeline::Outcome> outcomes_;  // of the last push (storage reused)
  pipeline::SecurityPin security_pin_;
  pipeline::ReplayGuard replay_guard_;
  pipeline::WrongKeyAlarm wrong_key_alarm_;
  Logger& logger_;
  metrics::MeterState& state_;
  bool first_frame_logged_ = false;
  bool untagged_warning_logged_ = false;
  bool end_of_input_ = false;
  std::set<std::string> error_kinds_logged_;
  std::chrono::steady_clock::time_point last_bytes_{};
  bool partial_frame_pending_ = false;
  int wake_fd_ = -1;
};

}  // namespace sm::app
