// The page at `/`: name, version, a link to the metrics, and the meter's current state
// (good/stale, last frame age, identity, current values, frame errors). Plain HTML, no
// external assets.
#pragma once

#include <chrono>
#include <string>

#include "metrics/meter_state.h"

namespace sm::app {

struct LandingPage {
  std::string telemetry_path;
  std::string source;
  std::chrono::milliseconds stale_after;

  [[nodiscard]] std::string render(const metrics::Snapshot& snapshot,
                                   std::chrono::system_clock::time_point now) const;
};

std::string html_escape(std::string_view text);

}  // namespace sm::app
