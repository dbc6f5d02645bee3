#include "app/landing_page.h"

#include <algorithm>
#include <cmath>

#include "app/render.h"
#include "app/version.h"
#include "common/hex.h"
#include "common/json_writer.h"
#include "cosem/units.h"
#include "crypto/digest.h"

namespace sm::app {
namespace {

constexpr std::string_view kStyle = R"css(
body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
main{max-width:70em;margin:0 auto;padding:1.2em 1.5em}
h1{font-size:1.4em;margin:0}
header p{margin:.2em 0 0;color:#5b6472}
a{color:#1456b8}
#state{margin:1em 0;padding:.7em 1em;border-radius:8px;font-weight:600}
#state.ok{background:#e3f3e8;color:#1a6b32}
#state.bad{background:#fbe6e4;color:#a3261b}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(21em,1fr));gap:1em}
section{background:#fff;border:1px solid #e1e4ea;border-radius:10px;padding:1em 1.2em;margin-bottom:1em}
h2{font-size:.85em;margin:0 0 .7em;color:#5b6472;text-transform:uppercase;letter-spacing:.06em}
.power{display:flex;gap:2.5em}
.big{font-size:2.3em;font-weight:600;font-variant-numeric:tabular-nums}
.u{color:#5b6472;margin-left:.25em}
table{border-collapse:collapse;width:100%}
th,td{padding:.35em .5em;text-align:left;border-bottom:1px solid #eef0f3;vertical-align:middle}
th{font-weight:500;color:#5b6472}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.ph td{width:30%}.ph td:first-child{width:10%;font-weight:600}
.v{font-variant-numeric:tabular-nums;margin-bottom:.2em}
.bar{position:relative;height:.6em;background:#e6e9ee;border-radius:3px;overflow:hidden}
.bar i{position:absolute;left:0;top:0;bottom:0;background:#2f8a55}
.bar.bad i{background:#c0392b}
.bar b{position:absolute;top:0;bottom:0;border-left:2px solid #1d2330;border-right:2px solid #1d2330;opacity:.35}
.errs{display:grid;grid-template-columns:1fr 1fr;gap:0 1.5em;margin-top:.6em}
.errs div{display:flex;justify-content:space-between;padding:.2em .5em;border-bottom:1px solid #eef0f3}
.errs span{color:#5b6472}.errs b{font-weight:500;font-variant-numeric:tabular-nums}
.errs .nz,.errs .nz span{color:#a3261b;font-weight:600}
svg{width:100%;height:auto;display:block}
svg text{font-size:13px;fill:#5b6472}
.grid-line{stroke:#e6e9ee}
.s1,.s2{fill:none;stroke-width:2;stroke-linejoin:round;stroke-linecap:round}
.s1{stroke:#1f6fd1}.s2{stroke:#2f8a55}.d1{fill:#1f6fd1}.d2{fill:#2f8a55}
.key{display:inline-block;width:1.2em;height:.25em;vertical-align:middle;margin:0 .3em 0 1em}
.muted,footer{color:#5b6472;font-size:.9em}
details summary{cursor:pointer;color:#3d4656}
)css";

// Refreshes the server-rendered page from /api/v1/reading. Every element with data-k shows
// the JSON value at that dotted path (data-d: decimals), every data-bar is a bar of the
// value at its path between data-min and data-max, red outside data-lo..data-hi. When the
// frame's registers change (data-layout), the page reloads instead.
constexpr std::string_view kScript = R"js(
(function () {
  'use strict';
  var body = document.body, words = {up: 'Meter up', stale: 'Meter stale'};
  function flat(o, p, m) {
    Object.keys(o).forEach(function (k) {
      var v = o[k], key = p ? p + '.' + k : k;
      if (v !== null && typeof v === 'object') flat(v, key, m); else m[key] = v;
    });
    return m;
  }
  function fixed(v, d) { var s = v.toFixed(d); return /^-[0.]*$/.test(s) ? s.slice(1) : s; }
  function watts(w) { return w >= 1000 ? String(w / 1000) + ' kW' : String(w) + ' W'; }
  function nice(top) {
    if (!(top > 100)) return 100;
    var p = Math.pow(10, Math.floor(Math.log10(top))), f = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < f.length; i++) if (f[i] * p >= top) return f[i] * p;
    return 10 * p;
  }
  function chart(svg, d) {
    var g = svg.dataset.plot.split(' ').map(Number), h = d.history, pts = h.points, top = 0;
    pts.forEach(function (p) { top = Math.max(top, p[1] || 0, p[2] || 0); });
    var ymax = nice(top), t0 = d.now - h.window_seconds;
    function x(t) { return Math.max(g[0], g[0] + (t - t0) / h.window_seconds * g[2]).toFixed(1); }
    function y(w) { return (g[1] + g[3] - w / ymax * g[3]).toFixed(1); }
    [1, 2].forEach(function (i) {
      var path = '', prev = null, dot = svg.querySelector('.d' + i), cx = '-9', cy = '-9';
      pts.forEach(function (p) {
        if (p[i] === null) { prev = null; return; }
        cx = x(p[0] + h.bucket_seconds); cy = y(p[i]);
        path += (prev === null || p[0] - prev > h.bucket_seconds ? 'M' : 'L') + x(p[0]) + ' ' +
                cy + 'H' + cx;
        prev = p[0];
      });
      svg.querySelector('.s' + i).setAttribute('d', path);
      dot.setAttribute('cx', cx); dot.setAttribute('cy', cy);
    });
    svg.querySelector('.ymax').textContent = watts(ymax);
    svg.querySelector('.ymid').textContent = watts(ymax / 2);
  }
  function update(d) {
    if (d.layout !== body.dataset.layout) { body.dataset.live = 'reload'; location.reload(); return; }
    var m = flat(d, '', {}), state = document.getElementById('state');
    document.querySelectorAll('[data-k]').forEach(function (e) {
      var v = m[e.dataset.k];
      if (v === undefined) return;
      e.textContent = v === null ? '\u2013' : typeof v === 'number' && e.dataset.d ? fixed(v, +e.dataset.d) : String(v);
      if ('nz' in e.dataset) e.parentNode.classList.toggle('nz', v > 0);
    });
    document.querySelectorAll('[data-bar]').forEach(function (e) {
      var v = m[e.dataset.bar], lo = +e.dataset.min, hi = +e.dataset.max;
      if (typeof v !== 'number') return;
      e.firstElementChild.style.width = (Math.max(0, Math.min(1, (v - lo) / (hi - lo))) * 100).toFixed(1) + '%';
      e.classList.toggle('bad', v < +e.dataset.lo || v > +e.dataset.hi);
    });
    if (words[d.state]) {
      state.className = d.stale ? 'bad' : 'ok';
      state.querySelector('b').textContent = words[d.state];
    }
    var svg = document.getElementById('chart');
    if (svg) chart(svg, d);
    body.dataset.live = 'ok';
    body.dataset.updated = String(d.now);
  }
  function poll() {
    fetch(location.origin + '/api/v1/reading', {cache: 'no-store', credentials: 'same-origin'})
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(update)
      .catch(function (e) { body.dataset.live = 'error'; body.dataset.error = String(e); })
      .then(function () { setTimeout(poll, 5000); });
  }
  poll();
})();
)js";

// Chart geometry: viewBox 1000 x 210 (about 1:1 on a wide screen), plot area x0 y0 w h.
constexpr double kPlotX = 56, kPlotY = 10, kPlotW = 930, kPlotH = 170;

std::string attr_number(double v) {
  return JsonWriter::format_double(v);
}

// <span data-k="path" data-d="decimals">text</span>
std::string live(std::string_view path, const std::optional<double>& v, int decimals) {
  return "<span data-k=\"" + std::string(path) + "\" data-d=\"" + std::to_string(decimals) + "\">" +
         (v ? format_fixed(*v, decimals) : "&ndash;") + "</span>";
}

std::string bar(std::string_view path, const std::optional<double>& v, double min, double max,
                double lo, double hi, bool band) {
  const double fraction = v ? std::clamp((*v - min) / (max - min), 0.0, 1.0) : 0.0;
  const bool bad = v && (*v < lo || *v > hi);
  std::string h = "<div class=\"bar" + std::string(bad ? " bad" : "") + "\" data-bar=\"" +
                  std::string(path) + "\" data-min=\"" + attr_number(min) + "\" data-max=\"" +
                  attr_number(max) + "\" data-lo=\"" + attr_number(lo) + "\" data-hi=\"" +
                  attr_number(hi) + "\"><i style=\"width:" + format_fixed(fraction * 100, 1) +
                  "%\"></i>";
  if (band) {
    h += "<b style=\"left:" + format_fixed((lo - min) / (max - min) * 100, 1) +
         "%;width:" + format_fixed((hi - lo) / (max - min) * 100, 1) + "%\"></b>";
  }
  return h + "</div>";
}

double nice_max(double top) {
  if (!(top > 100)) return 100;
  const double p = std::pow(10, std::floor(std::log10(top)));
  for (double f : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (f * p >= top) return f * p;
  }
  return 10 * p;
}

std::string watts_label(double w) {
  return w >= 1000 ? JsonWriter::format_double(w / 1000) + " kW"
                   : JsonWriter::format_double(w) + " W";
}

std::string chart(std::span<const metrics::PowerPoint> history,
                  std::chrono::system_clock::time_point now) {
  const double bucket = static_cast<double>(metrics::PowerHistory::kBucket.count());
  const double window = static_cast<double>(metrics::PowerHistory::kWindow.count());
  const double t0 = std::chrono::duration<double>(now.time_since_epoch()).count() - window;
  double top = 0;
  for (const auto& p : history) {
    top = std::max({top, p.import_watts.value_or(0), p.export_watts.value_or(0)});
  }
  const double ymax = nice_max(top);
  auto x = [&](double t) {
    return format_fixed(std::max(kPlotX, kPlotX + (t - t0) / window * kPlotW), 1);
  };
  auto y = [&](double w) { return format_fixed(kPlotY + kPlotH - w / ymax * kPlotH, 1); };
  auto path = [&](auto member) {
    std::string d;
    std::optional<std::int64_t> prev;
    for (const auto& p : history) {
      const auto& v = p.*member;
      if (!v) {
        prev.reset();
        continue;
      }
      const double start = static_cast<double>(p.start_unix_seconds);
      d += (!prev || p.start_unix_seconds - *prev > metrics::PowerHistory::kBucket.count() ? "M"
                                                                                           : "L") +
           x(start) + " " + y(*v) + "H" + x(start + bucket);
      prev = p.start_unix_seconds;
    }
    return d;
  };
  const std::string left = attr_number(kPlotX), right = attr_number(kPlotX + kPlotW);
  std::string h =
      "<svg id=\"chart\" viewBox=\"0 0 1000 210\" role=\"img\" "
      "aria-label=\"Active power, last hour\" data-plot=\"" +
      attr_number(kPlotX) + " " + attr_number(kPlotY) + " " + attr_number(kPlotW) + " " +
      attr_number(kPlotH) + "\">";
  for (int i = 0; i <= 2; ++i) {
    const std::string gy = attr_number(kPlotY + kPlotH * i / 2);
    h += "<line class=\"grid-line\" x1=\"" + left + "\" x2=\"" + right + "\" y1=\"" + gy +
         "\" y2=\"" + gy + "\"/>";
  }
  h += "<text class=\"ymax\" x=\"" + attr_number(kPlotX - 6) + "\" y=\"" + attr_number(kPlotY + 4) +
       "\" text-anchor=\"end\">" + watts_label(ymax) + "</text>";
  h += "<text class=\"ymid\" x=\"" + attr_number(kPlotX - 6) + "\" y=\"" +
       attr_number(kPlotY + kPlotH / 2 + 4) + "\" text-anchor=\"end\">" + watts_label(ymax / 2) +
       "</text>";
  h += "<text x=\"" + attr_number(kPlotX - 6) + "\" y=\"" + attr_number(kPlotY + kPlotH + 4) +
       "\" text-anchor=\"end\">0</text>";
  for (int m = 0; m <= 60; m += 15) {
    const double tx = kPlotX + kPlotW * m / 60;
    h += "<text x=\"" + attr_number(tx) + "\" y=\"" + attr_number(kPlotY + kPlotH + 20) +
         "\" text-anchor=\"" + (m == 0 ? "start" : (m == 60 ? "end" : "middle")) + "\">" +
         (m == 60 ? std::string("now") : "&minus;" + std::to_string(60 - m) + " min") + "</text>";
  }
  // The newest value of each series as a dot, so that a single bucket is visible too.
  auto dot = [&](int series, auto member) {
    std::string c = "<circle class=\"d" + std::to_string(series) + "\" r=\"4\"";
    for (auto it = history.rbegin(); it != history.rend(); ++it) {
      if (const auto& v = (*it).*member; v) {
        return c + " cx=\"" + x(static_cast<double>(it->start_unix_seconds) + bucket) + "\" cy=\"" +
               y(*v) + "\"/>";
      }
    }
    return c + " cx=\"-9\" cy=\"-9\"/>";
  };
  h += "<path class=\"s1\" d=\"" + path(&metrics::PowerPoint::import_watts) + "\"/>";
  h += "<path class=\"s2\" d=\"" + path(&metrics::PowerPoint::export_watts) + "\"/>";
  h += dot(1, &metrics::PowerPoint::import_watts) + dot(2, &metrics::PowerPoint::export_watts);
  return h + "</svg>";
}

std::string row(std::string_view name, const std::string& value_html) {
  return "<tr><th>" + std::string(name) + "</th><td>" + value_html + "</td></tr>";
}

}  // namespace

const std::string& status_page_csp() {
  static const std::string csp = [] {
    const std::string hash = crypto::sha256_base64(kScript);
    const std::string script = hash.empty() ? "'unsafe-inline'" : "'sha256-" + hash + "'";
    return "default-src 'none'; script-src " + script +
           "; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'; base-uri 'none'; "
           "form-action 'none'; frame-ancestors 'none'";
  }();
  return csp;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string LandingPage::render(const metrics::Snapshot& snapshot,
                                std::span<const metrics::PowerPoint> history,
                                const metrics::HostTime& now) const {
  const MeterStatus status = status_of(snapshot, options.stale_after, now);
  std::string h;
  h.reserve(16384);
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
       "<title>smartmeter_exporter</title><style>";
  h += kStyle;
  h += "</style></head>\n<body data-layout=\"" + html_escape(register_layout(snapshot)) +
       "\"><main>\n<header><h1>smartmeter_exporter</h1><p>Version " + html_escape(version()) +
       " (revision " + html_escape(revision()) +
       ") &middot; source: " + html_escape(options.source) + " &middot; <a href=\"" +
       html_escape(options.telemetry_path) + "\">Metrics</a> &middot; <a href=\"" +
       std::string(kReadingApiPath) + "\">JSON</a></p></header>\n";

  if (status == MeterStatus::no_frame) {
    h += "<p id=\"state\" class=\"bad\"><b>No good frame received yet.</b> The page reloads "
         "when the first one arrives.</p>\n";
  } else {
    const auto& last = *snapshot.last;
    const auto& r = *last.reading;
    const Mains mains = mains_of(current_reading(snapshot, options.stale_after, now));
    h += std::string("<p id=\"state\" class=\"") + (status == MeterStatus::up ? "ok" : "bad") +
         "\"><b>" + (status == MeterStatus::up ? "Meter up" : "Meter stale") +
         "</b> &middot; last good frame " +
         live("last_frame.age_seconds", frame_age_seconds(last, now), 1) + " s ago</p>\n";

    h += "<div class=\"grid\"><section><h2>Power now</h2><div class=\"power\"><div>"
         "<div class=\"muted\">Import</div><span class=\"big\">" +
         live("power.import_w", mains.power_import, 0) +
         "</span><span class=\"u\">W</span></div><div><div class=\"muted\">Export</div>"
         "<span class=\"big\">" +
         live("power.export_w", mains.power_export, 0) +
         "</span><span class=\"u\">W</span></div>"
         "</div></section>\n";

    h += "<section><h2>Meter</h2><table id=\"meter\">";
    h += row("Meter ID", html_escape(r.meter_id.value_or("–")));
    if (r.device_name) h += row("Device name", html_escape(*r.device_name));
    if (last.security) {
      const std::string name = manufacturer_name(last.security->system_title);
      h += row("Manufacturer",
               html_escape(name.empty() ? manufacturer_code(last.security->system_title) : name) +
                   " <span class=\"muted\">(system title " + to_hex(last.security->system_title) +
                   ")</span>");
      const auto& sec = *last.security;
      std::string text = sec.encrypted() ? "encrypted" : "not encrypted";
      if (sec.authenticated()) {
        text += last.tag_verified ? ", authenticated (tag verified)"
                                  : ", authenticated (tag NOT verified: no auth key)";
      }
      h += "<tr><th>Security</th><td id=\"security\">" + text + "</td></tr>";
    }
    h += row("Profile", html_escape(r.profile) + " <span class=\"muted\">(" +
                            html_escape(last.link) + ")</span>");
    if (r.list_id) h += row("List ID", html_escape(*r.list_id));
    if (!r.implied_units.empty()) {
      h += "<tr><th>Units</th><td id=\"units-implied\">implied, not sent by the meter: " +
           html_escape(r.implied_units) + "</td></tr>";
    }
    if (r.meter_time) {
      h += row("Meter time",
               "<span data-k=\"meter.time\">" + html_escape(r.meter_time->iso8601()) + "</span>");
    }
    h += "</table></section></div>\n";

    h += "<section><h2>Phases</h2>";
    if (mains.phases.empty()) {
      h += "<p class=\"muted\">This meter's frames carry no per-phase values.</p>";
    } else {
      const double fuse = options.fuse_amps;
      const double phase_watts = fuse * kNominalVolts;
      const bool phase_power = std::any_of(mains.phases.begin(), mains.phases.end(),
                                           [](const PhaseValues& p) { return p.power_import; });
      h += "<table class=\"ph\" id=\"phases\"><tr><th></th><th>Voltage</th><th>Current</th>";
      h += phase_power ? "<th>Power (import)</th></tr>" : "</tr>";
      for (std::size_t i = 0; i < mains.phases.size(); ++i) {
        const auto& p = mains.phases[i];
        const std::string key = "phases." + std::to_string(i) + ".";
        h += "<tr><td>" + p.phase + "</td><td><div class=\"v\">" +
             live(key + "voltage_v", p.voltage, 1) + " V</div>" +
             bar(key + "voltage_v", p.voltage, kVoltsScaleMin, kVoltsScaleMax, kVoltsMin, kVoltsMax,
                 true) +
             "</td><td><div class=\"v\">" + live(key + "current_a", p.current, 2) + " A</div>" +
             bar(key + "current_a", p.current, 0, fuse, 0, fuse, false) + "</td>";
        if (phase_power) {
          h += "<td><div class=\"v\">" + live(key + "power_import_w", p.power_import, 0) +
               " W</div>" +
               bar(key + "power_import_w", p.power_import, 0, phase_watts, 0, phase_watts, false) +
               "</td>";
        }
        h += "</tr>";
      }
      h += "</table>";
    }
    h += "</section>\n";

    h += "<section><h2>Active power, last hour</h2>" + chart(history, now.wall) +
         "<div class=\"muted\"><span class=\"key\" style=\"background:#1f6fd1\"></span>import"
         "<span class=\"key\" style=\"background:#2f8a55\"></span>export"
         " &middot; 10-second means</div></section>\n";

    h += "<div class=\"grid\"><section><h2>Energy</h2><table id=\"energy\">";
    if (mains.energy.empty()) h += "<tr><td class=\"muted\">No energy registers.</td></tr>";
    for (std::size_t i = 0; i < mains.energy.size(); ++i) {
      const auto& e = mains.energy[i];
      h += "<tr><th>" + html_escape(e.name) + " <span class=\"muted\">" + e.obis +
           "</span></th><td class=\"n\">" +
           live("energy." + std::to_string(i) + ".value", e.value, 3) + " " + e.unit + "</td></tr>";
    }
    h += "</table></section>\n";
  }

  if (status == MeterStatus::no_frame) h += "<div class=\"grid\">";
  h += "<section><h2>Frames</h2><table id=\"frames\"><tr><th>Good frames</th><td class=\"n\">"
       "<span data-k=\"frames.good\">" +
       std::to_string(snapshot.frames_total) +
       "</span></td></tr><tr><th>Bytes received</th><td class=\"n\"><span "
       "data-k=\"frames.bytes\">" +
       std::to_string(snapshot.received_bytes) +
       "</span></td></tr><tr><th>Reconnects</th><td class=\"n\"><span "
       "data-k=\"frames.reconnects\">" +
       std::to_string(snapshot.reconnects) +
       "</span></td></tr></table><h2 style=\"margin-top:1em\">Frame errors by reason</h2>"
       "<div class=\"errs\" id=\"errors\">";
  for (std::size_t i = 0; i < metrics::kErrorReasonCount; ++i) {
    const std::string reason(metrics::to_string(static_cast<metrics::ErrorReason>(i)));
    const auto count = snapshot.frame_errors[i];
    h += std::string("<div") + (count > 0 ? " class=\"nz\"" : "") + "><span>" + reason +
         "</span><b data-k=\"frames.errors." + reason + "\" data-nz>" + std::to_string(count) +
         "</b></div>";
  }
  h += "</div></section></div>\n";

  if (snapshot.last) {
    const auto& r = *snapshot.last->reading;
    h += "<section><details><summary>All registers (" + std::to_string(r.registers.size()) +
         ")</summary><table id=\"values\"><tr><th>Register</th><th>OBIS</th><th>Value</th>"
         "<th>Unit</th><th>Age (s)</th></tr>\n";
    for (std::size_t i = 0; i < r.registers.size(); ++i) {
      const auto& reg = r.registers[i];
      const std::string key = "registers." + std::to_string(i) + (reg.text ? ".text" : ".value");
      h += "<tr><td>" + html_escape(register_display_name(reg.obis)) + "</td><td>" +
           reg.obis.to_string() + "</td><td class=\"n\"><span data-k=\"" + key + "\">" +
           html_escape(reg.text ? *reg.text : JsonWriter::format_double(reg.value)) +
           "</span></td><td>" + html_escape(reg.text ? "" : cosem::unit_symbol(reg.unit)) +
           (reg.scaling == cosem::Scaling::implied ? " <span class=\"muted\">(implied)</span>"
                                                   : "") +
           "</td><td class=\"n\">" +
           live("registers." + std::to_string(i) + ".age_seconds",
                register_age_seconds(snapshot, i, now), 1) +
           "</td></tr>\n";
    }
    h += "</table></details></section>\n";
  }
  h += "<footer>Bars: voltage against the EN 50160 band " + attr_number(kVoltsMin) + "&ndash;" +
       attr_number(kVoltsMax) + " V (scale " + attr_number(kVoltsScaleMin) + "&ndash;" +
       attr_number(kVoltsScaleMax) + " V); current against the " + attr_number(options.fuse_amps) +
       " A fuse (--meter.fuse-amps); phase power against " + attr_number(options.fuse_amps) +
       " A &times; " + attr_number(kNominalVolts) +
       " V. Values refresh every 5 s.</footer>\n</main><script>";
  h += kScript;
  h += "</script></body></html>\n";
  return h;
}

}  // namespace sm::app
