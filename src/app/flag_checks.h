// Checks of flag values that would otherwise be accepted at start and fail later (issue 14,
// item 14): each returns an error whose message names the flag and what is accepted.
#pragma once

#include <string_view>

#include "common/result.h"

namespace sm::app {

// A --meter.profile (or decode --profile) value: one of cosem::profile_names().
[[nodiscard]] Result<void> check_profile(std::string_view profile, std::string_view flag);

// A --web.telemetry-path: an absolute path in the form the HTTP server compares requests in
// (CivetWeb collapses "//" and removes "." and ".." segments before matching, so
// "//metrics" or "/m/../metrics" would never be served), of RFC 3986 path characters
// without '%', and none of the exporter's own pages ("/", "/api/v1/reading").
[[nodiscard]] Result<void> check_telemetry_path(std::string_view path);

}  // namespace sm::app
