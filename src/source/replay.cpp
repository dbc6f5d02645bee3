#include "source/replay.h"

#include <algorithm>
#include <exception>
#include <span>

#include "source/control.h"

namespace sm::source {
namespace {

using std::chrono::microseconds;

// Large plain files are handed over in pieces so that stop() is honoured between them
// and the sink never sees one giant span.
constexpr std::size_t kMaxDeliveryBytes = std::size_t{64} * 1024;

class FileReplaySource final : public Source {
 public:
  FileReplaySource(Capture capture, ReplayOptions options)
      : capture_(std::move(capture)), options_(std::move(options)) {}

  void run(Sink& sink) override {
    try {
      replay(sink);
    } catch (const std::exception& e) {
      try {
        sink.log(LogLevel::error, describe() + ": replay aborted: " + e.what());
      } catch (...) {
      }
    } catch (...) {
    }
    // run() returns only after stop(), like every source.
    while (!control_.stop_requested()) (void)control_.wait(-1, 0, std::nullopt);
  }

  void stop() override { control_.request_stop(); }
  void reopen() override {}  // nothing to reopen; replaying from the start is not asked for
  [[nodiscard]] std::string describe() const override {
    return "replay " + (options_.path.empty() ? std::string("<memory>") : options_.path);
  }

  [[nodiscard]] const SourceControl& control() const noexcept { return control_; }

 private:
  void replay(Sink& sink) {
    const bool realtime = options_.rate == ReplayRate::realtime;
    const std::size_t total = capture_.total_bytes();
    sink.log(LogLevel::info, describe() + " (" + std::string(to_string(capture_.kind)) + ", " +
                                 std::to_string(total) + " bytes in " +
                                 std::to_string(capture_.chunks.size()) + " chunk(s), rate " +
                                 std::string(to_string(options_.rate)) +
                                 (options_.loop ? ", loop" : "") + ")");
    sink.on_connected(false);

    auto cycle_start = SourceControl::Clock::now();
    microseconds timeline{0};  // offset of this repetition on the recorded time line
    const microseconds cycle_length =
        capture_.span() + std::chrono::duration_cast<microseconds>(options_.interval);

    for (bool first = true;; first = false) {
      if (!first) sink.on_replay_repeat();
      for (const auto chunk : capture_.chunks) {
        if (realtime) {
          if (!control_.sleep_until(cycle_start + chunk.offset)) return;  // stopped
        } else if (control_.stop_requested()) {
          return;
        }
        auto arrival = options_.arrival_base ? *options_.arrival_base + timeline + chunk.offset
                                             : std::chrono::system_clock::now();
        if (!deliver(sink, chunk.bytes, arrival)) return;
      }
      // An empty file would loop without ever waiting or delivering anything.
      if (!options_.loop || total == 0) break;
      cycle_start += cycle_length;
      timeline += cycle_length;
      // Rate max: a pause between repetitions, not a busy loop over the same frames.
      if (!realtime && !control_.sleep_until(SourceControl::Clock::now() + options_.interval)) {
        return;  // stopped
      }
    }
    sink.on_end_of_input();
    sink.log(LogLevel::info, describe() + ": end of input");
  }

  // False when stopped half-way.
  bool deliver(Sink& sink, std::span<const std::uint8_t> bytes,
               std::chrono::system_clock::time_point arrival) {
    while (!bytes.empty()) {
      if (control_.stop_requested()) return false;
      auto piece = bytes.first(std::min(bytes.size(), kMaxDeliveryBytes));
      sink.on_bytes(piece, arrival);
      bytes = bytes.subspan(piece.size());
    }
    return true;
  }

  Capture capture_;
  ReplayOptions options_;
  SourceControl control_;
};

}  // namespace

std::string_view to_string(ReplayRate rate) noexcept {
  switch (rate) {
    case ReplayRate::realtime:
      return "realtime";
    case ReplayRate::max:
      return "max";
  }
  return "realtime";
}

std::optional<ReplayRate> parse_replay_rate(std::string_view text) noexcept {
  if (text == "realtime") return ReplayRate::realtime;
  if (text == "max") return ReplayRate::max;
  return std::nullopt;
}

Result<std::unique_ptr<Source>> make_replay_source(ReplayOptions options) {
  auto capture = read_capture_file(options.path);
  if (!capture) return tl::unexpected(capture.error());
  return make_replay_source(std::move(*capture), std::move(options));
}

Result<std::unique_ptr<Source>> make_replay_source(Capture capture, ReplayOptions options) {
  if (options.interval < std::chrono::milliseconds{0}) {
    return config_error(Layer::source, "replay interval must not be negative");
  }
  auto source = std::make_unique<FileReplaySource>(std::move(capture), std::move(options));
  if (!source->control().valid()) {
    return config_error(Layer::source, source->control().setup_error());
  }
  return std::unique_ptr<Source>(std::move(source));
}

}  // namespace sm::source
