// Where `--record.append` (`record --append`) continues an existing timed capture.
//
// The new bytes join the old recording's timeline: offsets stay relative to its `# start`,
// so the file remains one valid capture (the restart shows as a gap and a `# resumed`
// comment). Only timed captures written by CaptureWriter can be continued.
#pragma once

#include <chrono>
#include <string>

#include "common/result.h"

namespace sm::source {

struct ResumePoint {
  std::chrono::system_clock::time_point start;  // the capture's `# start`
  std::chrono::microseconds last_offset{0};     // of its last data line; 0 without one
};

// Reads the head and the tail of the non-empty capture open on `fd` (not the whole file).
// Fails for anything but a timed capture with a `# start` line that ends in a newline.
[[nodiscard]] Result<ResumePoint> find_resume_point(int fd, const std::string& path);

}  // namespace sm::source
