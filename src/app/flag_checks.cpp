#include "app/flag_checks.h"

#include <algorithm>
#include <string>

#include "app/landing_page.h"
#include "cosem/decode.h"

namespace sm::app {
namespace {

Result<void> bad(std::string message) {
  return config_error(Layer::app, std::move(message));
}

// RFC 3986 pchar without pct-encoded, plus '/'.
bool is_path_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-._~!$&'()*+,;=:@/").find(c) != std::string_view::npos;
}

}  // namespace

Result<void> check_profile(std::string_view profile, std::string_view flag) {
  const auto names = cosem::profile_names();
  if (std::find(names.begin(), names.end(), profile) != names.end()) return {};
  std::string list;
  for (const auto name : names) list += (list.empty() ? "" : ", ") + std::string(name);
  return bad(std::string(flag) + ": unknown profile \"" + std::string(profile) +
             "\"; known profiles: " + list);
}

Result<void> check_telemetry_path(std::string_view path) {
  const std::string flag = "--web.telemetry-path \"" + std::string(path) + "\": ";
  if (path.empty() || path[0] != '/' || path == "/") {
    return bad(flag + "must start with '/' and not be '/'");
  }
  if (!std::all_of(path.begin(), path.end(), is_path_char)) {
    return bad(flag +
               "only letters, digits, '/' and -._~!$&'()*+,;=:@ may appear (no '%', "
               "'?', '#' or spaces)");
  }
  // Every segment between slashes: not empty (but a trailing '/'), not "." or "..".
  for (std::size_t start = 1; start <= path.size();) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const auto segment = path.substr(start, end - start);
    if ((segment.empty() && end < path.size()) || segment == "." || segment == "..") {
      return bad(flag +
                 "the HTTP server normalises \"//\", \"/./\" and \"/../\" away, so no "
                 "request would reach this path; write it in its plain form");
    }
    start = end + 1;
  }
  if (path == kReadingApiPath) {
    return bad(flag + "taken by the exporter's own " + std::string(kReadingApiPath) + " API");
  }
  return {};
}

}  // namespace sm::app
