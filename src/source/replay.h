// ReplaySource: feeds a capture file (see capture.h: timed capture, hex text or raw
// binary) to the sink, as if a meter were attached.
//
// Timing (rate realtime):
//  * timed capture: each chunk is delivered at its recorded offset from the start, so
//    the original gaps (and the original read() chunking) are reproduced;
//  * plain hex/binary file: there is no timing, so the whole content is delivered as one
//    push at once (a vector file holds one push of the meter). With `loop` it is
//    delivered again every `interval`, like a meter pushing on a fixed cadence.
// With `loop`, a timed capture starts over `interval` after its last chunk.
// Rate max: everything as fast as the sink takes it (sink calls are synchronous); with
// `loop`, each repetition still waits `interval` after the last one, so that a looping
// replay never spins at 100 % CPU. Each repetition begins with Sink::on_replay_repeat().
//
// At the end (not looping) the source calls on_end_of_input() and then idles until
// stop(). reopen() does nothing.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "source/capture.h"
#include "source/source.h"

namespace sm::source {

enum class ReplayRate { realtime, max };
[[nodiscard]] std::string_view to_string(ReplayRate rate) noexcept;  // "realtime", "max"
[[nodiscard]] std::optional<ReplayRate> parse_replay_rate(std::string_view text) noexcept;

struct ReplayOptions {
  std::string path;
  ReplayRate rate = ReplayRate::realtime;
  bool loop = false;
  // Plain files: the pause between repetitions. Timed captures: the pause between the
  // last chunk and the first chunk of the next repetition.
  std::chrono::milliseconds interval{1000};
  // When set, on_bytes() gets `arrival_base + recorded offset` (continuing across loops)
  // instead of the host clock, so golden tests see the same timestamps on every run.
  // A timed capture's own start is Capture::start.
  std::optional<std::chrono::system_clock::time_point> arrival_base;
};

// Reads and parses the file now, so a missing or malformed file fails at start-up.
[[nodiscard]] Result<std::unique_ptr<Source>> make_replay_source(ReplayOptions options);
// Replays an already parsed capture; `options.path` only names it in describe().
[[nodiscard]] Result<std::unique_ptr<Source>> make_replay_source(Capture capture,
                                                                 ReplayOptions options);

}  // namespace sm::source
