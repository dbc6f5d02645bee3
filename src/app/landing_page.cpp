#include "app/landing_page.h"

#include <cmath>

#include "app/render.h"
#include "app/version.h"
#include "common/hex.h"
#include "common/json_writer.h"
#include "cosem/units.h"

namespace sm::app {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string LandingPage::render(const metrics::Snapshot& snapshot,
                                std::chrono::system_clock::time_point now) const {
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
       "<title>smartmeter_exporter</title><style>"
       "body{font-family:system-ui,sans-serif;margin:2em;max-width:56em;color:#222}"
       "table{border-collapse:collapse}td,th{padding:.2em .8em;text-align:left;"
       "border-bottom:1px solid #ddd}td.n{text-align:right;font-variant-numeric:tabular-nums}"
       ".ok{color:#1a7f37}.bad{color:#b42318}</style></head><body>\n";
  h += "<h1>smartmeter_exporter</h1>\n<p>Version " + html_escape(version()) + " (revision " +
       html_escape(revision()) + ") &middot; source: " + html_escape(source) +
       " &middot; <a href=\"" + html_escape(telemetry_path) + "\">Metrics</a></p>\n";

  if (!snapshot.last) {
    h += "<p class=\"bad\" id=\"state\">No good frame received yet.</p>\n";
  } else {
    const auto& last = *snapshot.last;
    const double age = std::chrono::duration<double>(now - last.received).count();
    const bool fresh = now - last.received < stale_after;
    h += std::string("<p id=\"state\" class=\"") + (fresh ? "ok\">Meter up" : "bad\">Meter stale") +
         ": last good frame " + JsonWriter::format_double(std::round(age * 10) / 10) +
         " s ago.</p>\n";
    const auto& r = *last.reading;
    h += "<table><tr><th>Meter</th><td>" + html_escape(r.meter_id.value_or("")) + "</td></tr>";
    if (last.security) {
      h += "<tr><th>System title</th><td>" + to_hex(last.security->system_title) + " (" +
           html_escape(manufacturer_code(last.security->system_title)) + ")</td></tr>";
      const auto& sec = *last.security;
      std::string text = sec.encrypted() ? "encrypted" : "not encrypted";
      if (sec.authenticated()) {
        text += last.tag_verified ? ", authenticated (tag verified)"
                                  : ", authenticated (tag NOT verified: no auth key)";
      }
      h += "<tr><th>Security</th><td id=\"security\">" + text + "</td></tr>";
    }
    h += "<tr><th>Profile</th><td>" + html_escape(r.profile) + " (" + html_escape(last.link) +
         ")</td></tr>";
    if (r.meter_time) {
      h += "<tr><th>Meter time</th><td>" + html_escape(r.meter_time->iso8601) + "</td></tr>";
    }
    h += "</table>\n<h2>Values</h2>\n<table id=\"values\"><tr><th>Register</th><th>OBIS</th>"
         "<th>Value</th><th>Unit</th></tr>\n";
    for (const auto& reg : r.registers) {
      h += "<tr><td>" + html_escape(register_display_name(reg.obis)) + "</td><td>" +
           reg.obis.to_string() + "</td><td class=\"n\">" +
           html_escape(reg.text ? *reg.text : JsonWriter::format_double(reg.value)) + "</td><td>" +
           html_escape(reg.text ? "" : cosem::unit_symbol(reg.unit)) + "</td></tr>\n";
    }
    h += "</table>\n";
  }
  h += "<h2>Frames</h2>\n<table><tr><th>Good frames</th><td class=\"n\">" +
       std::to_string(snapshot.frames_total) + "</td></tr><tr><th>Bytes received</th><td class=\"n\">" +
       std::to_string(snapshot.received_bytes) + "</td></tr><tr><th>Reconnects</th><td class=\"n\">" +
       std::to_string(snapshot.reconnects) + "</td></tr>";
  for (std::size_t i = 0; i < metrics::kErrorReasonCount; ++i) {
    if (snapshot.frame_errors[i] == 0) continue;
    h += "<tr><th>Errors: " + std::string(metrics::to_string(static_cast<metrics::ErrorReason>(i))) +
         "</th><td class=\"n\">" + std::to_string(snapshot.frame_errors[i]) + "</td></tr>";
  }
  h += "</table>\n</body></html>\n";
  return h;
}

}  // namespace sm::app
