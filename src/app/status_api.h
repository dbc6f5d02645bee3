// GET /api/v1/reading: the status page's data as one JSON object (fields in README.md,
// "Status page"). The page's script polls it; other tools may too.
#pragma once

#include <chrono>
#include <span>
#include <string>

#include "app/status_view.h"
#include "metrics/meter_state.h"
#include "metrics/power_history.h"

namespace sm::app {

[[nodiscard]] std::string render_reading_json(const StatusOptions& options,
                                              const metrics::Snapshot& snapshot,
                                              std::span<const metrics::PowerPoint> history,
                                              const metrics::HostTime& now);

}  // namespace sm::app
