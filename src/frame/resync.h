// The resync policy's per-byte steps, inline for the loop (stream_framer.cpp): skipping a
// byte of garbage, an idle flag, or a byte of a frame that failed a check. The rest of the
// policy, and the reports, are in resync.cpp.
#pragma once

#include <algorithm>
#include <cstddef>

#include "frame/framer_state.h"

namespace sm::frame::detail {

inline void Framer::skip_garbage(std::size_t at) {
  if (run.active && run.start + run.length != at) flush_run();
  if (!run.active) begin_run(at, ErrorCode::decode, {});
  extend_run();
  ++head;
}

inline void Framer::skip_idle_flag(std::size_t at) {
  if (run.active && run.start + run.length == at) extend_run();
  ++head;
}

// A recognised frame failed a check: resync byte-wise. A certain failure is reported on
// its own; a doubtful one next to garbage is more of the same garbage. When the header
// proved a frame, the bytes it claimed are that frame's: no weak candidate inside.
inline void Framer::skip_corrupt(const link::Probe& p, std::size_t at) {
  const bool joins_run =
      run.active && run.start + run.length == at && p.confidence != link::Confidence::certain;
  if (!joins_run) begin_run(at, p.error->code, p.error->message);
  extend_run();
  if (p.confidence != link::Confidence::doubtful) {
    no_weak_before = std::max(no_weak_before, at + p.size);
  }
  ++head;
}

inline void Framer::extend_run() {
  ++run.length;
  if (run.length >= limits.max_garbage_run) flush_run();
}

inline void Framer::flush_run() {
  if (run.active) report_run();
}

}  // namespace sm::frame::detail
