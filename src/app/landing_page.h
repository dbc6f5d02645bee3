// The status page at `/`: what a person wants to see at a glance without Prometheus —
// meter identity and profile, age of the last good frame, power now, per-phase voltage,
// current and power as bars against their limits, energy counters in kWh, frame errors by
// reason, and a chart of the last hour of power. Server-rendered, so it is complete
// without JavaScript; a short inline script then refreshes it from /api/v1/reading every
// few seconds. No external assets.
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <string_view>

#include "app/status_view.h"
#include "metrics/meter_state.h"
#include "metrics/power_history.h"

namespace sm::app {

// The path of the JSON the page polls (also registered by serve_command.cpp).
inline constexpr std::string_view kReadingApiPath = "/api/v1/reading";

// Content-Security-Policy of the page: nothing but itself, its own inline script (named by
// its SHA-256) and styles, and fetches to its own origin.
[[nodiscard]] const std::string& status_page_csp();

struct LandingPage {
  StatusOptions options;

  [[nodiscard]] std::string render(const metrics::Snapshot& snapshot,
                                   std::span<const metrics::PowerPoint> history,
                                   const metrics::HostTime& now) const;
};

std::string html_escape(std::string_view text);

}  // namespace sm::app
