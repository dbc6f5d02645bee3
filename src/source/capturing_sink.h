// CapturingSink: passes everything on to another Sink and appends every byte chunk, with
// its arrival time, to a timed capture (`record`, and `--record FILE` while serving).
#pragma once

#include <cstddef>
#include <cstdint>

#include "source/capture.h"
#include "source/source.h"

namespace sm::source {

class CapturingSink final : public Sink {
 public:
  // `next` gets every call after the chunk is written; both must outlive the sink.
  CapturingSink(CaptureWriter& writer, Sink& next) noexcept : writer_(writer), next_(next) {}

  void on_bytes(std::span<const std::uint8_t> bytes,
                std::chrono::system_clock::time_point arrival) override;
  void on_connected(bool reconnect) override { next_.on_connected(reconnect); }
  void on_disconnected(std::string_view reason) override { next_.on_disconnected(reason); }
  void on_end_of_input() override { next_.on_end_of_input(); }
  void on_replay_repeat() override { next_.on_replay_repeat(); }
  void log(LogLevel level, std::string_view message) override { next_.log(level, message); }

  // Called from the source thread only; read after the source thread has ended.
  [[nodiscard]] std::size_t bytes_written() const noexcept { return bytes_written_; }

 private:
  CaptureWriter& writer_;
  Sink& next_;
  std::size_t bytes_written_{0};
  bool write_error_logged_{false};
};

}  // namespace sm::source
