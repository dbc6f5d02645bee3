#include "app/status_api.h"

#include <optional>

#include "app/render.h"
#include "app/version.h"
#include "common/hex.h"
#include "common/json_writer.h"
#include "cosem/units.h"
#include "metrics/collector.h"

namespace sm::app {
namespace {

// `key: value`, or `key: null` when there is no value.
template <typename T>
void optional_value(JsonWriter& w, std::string_view key, const std::optional<T>& v) {
  w.key(key);
  if (v) {
    w.value(*v);
  } else {
    w.null();
  }
}

double unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

void write_meter(JsonWriter& w, const metrics::GoodFrame& last) {
  const cosem::Reading& r = *last.reading;
  std::optional<std::string> system_title, manufacturer, time;
  if (last.security) {
    system_title = to_hex(last.security->system_title);
    manufacturer = manufacturer_name(last.security->system_title);
  }
  if (r.meter_time) time = r.meter_time->iso8601();
  w.key("meter").begin_object();
  optional_value(w, "id", r.meter_id);
  optional_value(w, "device_name", r.device_name);
  optional_value(w, "system_title", system_title);
  optional_value(w, "manufacturer", manufacturer);
  w.key("profile").value(r.profile);
  optional_value(w, "list_id", r.list_id);
  std::optional<std::string_view> implied;
  if (!r.implied_units.empty()) implied = r.implied_units;
  optional_value(w, "units_implied_from", implied);
  w.key("link").value(last.link);
  optional_value(w, "time", time);
  w.end_object();
}

void write_mains(JsonWriter& w, const Mains& m) {
  w.key("power").begin_object();
  optional_value(w, "import_w", m.power_import);
  optional_value(w, "export_w", m.power_export);
  w.end_object();
  w.key("phases").begin_array();
  for (const auto& p : m.phases) {
    w.begin_object().key("phase").value(p.phase);
    optional_value(w, "voltage_v", p.voltage);
    optional_value(w, "current_a", p.current);
    optional_value(w, "power_import_w", p.power_import);
    optional_value(w, "power_export_w", p.power_export);
    w.end_object();
  }
  w.end_array();
  w.key("energy").begin_array();
  for (const auto& e : m.energy) {
    w.begin_object();
    w.key("name").value(e.name);
    w.key("obis").value(e.obis);
    w.key("value").value(e.value);
    w.key("unit").value(e.unit);
    w.end_object();
  }
  w.end_array();
}

// Every register of the meter's merged reading, with the age of the frame that carried it
// and whether /metrics still shows it (`current`).
void write_registers(JsonWriter& w, const metrics::Snapshot& snapshot,
                     std::chrono::milliseconds stale_after, const metrics::HostTime& now) {
  const cosem::Reading& r = *snapshot.last->reading;
  w.key("registers").begin_array();
  for (std::size_t i = 0; i < r.registers.size(); ++i) {
    const auto& reg = r.registers[i];
    w.begin_object().key("obis").value(reg.obis.to_string());
    w.key("age_seconds").value(register_age_seconds(snapshot, i, now));
    w.key("current").value(metrics::register_is_current(snapshot, i, stale_after, now));
    w.key("name").value(register_display_name(reg.obis));
    if (reg.text) {
      w.key("value").null().key("unit").value("").key("text").value(*reg.text);
    } else {
      w.key("value").value(reg.value).key("unit").value(cosem::unit_symbol(reg.unit));
      w.key("text").null();
      if (reg.scaling == cosem::Scaling::implied) w.key("unit_implied").value(true);
    }
    w.end_object();
  }
  w.end_array();
}

}  // namespace

std::string render_reading_json(const StatusOptions& options, const metrics::Snapshot& snapshot,
                                std::span<const metrics::PowerPoint> history,
                                const metrics::HostTime& now) {
  const MeterStatus status = status_of(snapshot, options.stale_after, now);
  JsonWriter w;
  w.begin_object();
  w.key("exporter").begin_object();
  w.key("version").value(version());
  w.key("revision").value(revision());
  w.key("source").value(options.source);
  w.end_object();
  w.key("now").value(unix_seconds(now.wall));
  w.key("state").value(to_string(status));
  w.key("stale").value(status != MeterStatus::up);
  w.key("stale_after_seconds").value(std::chrono::duration<double>(options.stale_after).count());
  w.key("layout").value(register_layout(snapshot));
  w.key("last_frame");
  if (snapshot.last) {
    w.begin_object();
    w.key("age_seconds").value(frame_age_seconds(*snapshot.last, now));
    w.key("timestamp").value(unix_seconds(snapshot.last->received.wall));
    w.end_object();
    write_meter(w, *snapshot.last);
  } else {
    w.null().key("meter").null();
  }
  const Mains mains = mains_of(current_reading(snapshot, options.stale_after, now));
  write_mains(w, mains);
  w.key("limits").begin_object();
  w.key("voltage_min_v").value(kVoltsMin);
  w.key("voltage_max_v").value(kVoltsMax);
  w.key("voltage_nominal_v").value(kNominalVolts);
  w.key("current_max_a").value(options.fuse_amps);
  w.key("phase_power_max_w").value(options.fuse_amps * kNominalVolts);
  w.end_object();
  if (snapshot.last) {
    write_registers(w, snapshot, options.stale_after, now);
  } else {
    w.key("registers").begin_array().end_array();
  }
  w.key("frames").begin_object();
  w.key("good").value(snapshot.frames_total);
  w.key("bytes").value(snapshot.received_bytes);
  w.key("reconnects").value(snapshot.reconnects);
  w.key("connected").value(snapshot.source_connected);
  w.key("errors").begin_object();
  for (std::size_t i = 0; i < metrics::kErrorReasonCount; ++i) {
    w.key(metrics::to_string(static_cast<metrics::ErrorReason>(i))).value(snapshot.frame_errors[i]);
  }
  w.end_object().end_object();
  w.key("history").begin_object();
  w.key("bucket_seconds").value(metrics::PowerHistory::kBucket.count());
  w.key("window_seconds").value(metrics::PowerHistory::kWindow.count());
  w.key("points").begin_array();
  for (const auto& p : history) {
    w.begin_array().value(p.start_unix_seconds);
    for (const auto& v : {p.import_watts, p.export_watts}) {
      if (v) {
        w.value(*v);
      } else {
        w.null();
      }
    }
    w.end_array();
  }
  w.end_array().end_object();
  w.end_object();
  return w.take();
}

}  // namespace sm::app
