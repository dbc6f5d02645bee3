#include "app/render.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>

#include "common/hex.h"
#include "common/json_writer.h"
#include "cosem/units.h"
#include "dlms/manufacturers.h"

namespace sm::app {
namespace {

struct NamedRegister {
  cosem::Obis obis;
  std::string_view name;
};

// Display names in the style of the operators' reference scripts (C.D.E of group A=1).
constexpr std::array kRegisterNames{
    NamedRegister{cosem::obis(0, 0, 1, 0, 0), "Timestamp"},
    NamedRegister{cosem::obis(0, 0, 96, 1, 0), "MeterNumber"},
    NamedRegister{cosem::obis(0, 0, 42, 0, 0), "DeviceName"},
    NamedRegister{cosem::obis(1, 0, 32, 7, 0), "VoltageL1"},
    NamedRegister{cosem::obis(1, 0, 52, 7, 0), "VoltageL2"},
    NamedRegister{cosem::obis(1, 0, 72, 7, 0), "VoltageL3"},
    NamedRegister{cosem::obis(1, 0, 31, 7, 0), "CurrentL1"},
    NamedRegister{cosem::obis(1, 0, 51, 7, 0), "CurrentL2"},
    NamedRegister{cosem::obis(1, 0, 71, 7, 0), "CurrentL3"},
    NamedRegister{cosem::obis(1, 0, 1, 7, 0), "ActivePowerImport"},
    NamedRegister{cosem::obis(1, 0, 2, 7, 0), "ActivePowerExport"},
    NamedRegister{cosem::obis(1, 0, 3, 7, 0), "ReactivePowerImport"},
    NamedRegister{cosem::obis(1, 0, 4, 7, 0), "ReactivePowerExport"},
    NamedRegister{cosem::obis(1, 0, 21, 7, 0), "ActivePowerImportL1"},
    NamedRegister{cosem::obis(1, 0, 41, 7, 0), "ActivePowerImportL2"},
    NamedRegister{cosem::obis(1, 0, 61, 7, 0), "ActivePowerImportL3"},
    NamedRegister{cosem::obis(1, 0, 22, 7, 0), "ActivePowerExportL1"},
    NamedRegister{cosem::obis(1, 0, 42, 7, 0), "ActivePowerExportL2"},
    NamedRegister{cosem::obis(1, 0, 62, 7, 0), "ActivePowerExportL3"},
    NamedRegister{cosem::obis(1, 0, 13, 7, 0), "PowerFactor"},
    NamedRegister{cosem::obis(1, 0, 14, 7, 0), "Frequency"},
    NamedRegister{cosem::obis(1, 0, 1, 8, 0), "ActiveEnergyImport"},
    NamedRegister{cosem::obis(1, 0, 2, 8, 0), "ActiveEnergyExport"},
    NamedRegister{cosem::obis(1, 0, 3, 8, 0), "ReactiveEnergyImport"},
    NamedRegister{cosem::obis(1, 0, 4, 8, 0), "ReactiveEnergyExport"},
    NamedRegister{cosem::obis(1, 0, 1, 8, 1), "ActiveEnergyImportT1"},
    NamedRegister{cosem::obis(1, 0, 1, 8, 2), "ActiveEnergyImportT2"},
    NamedRegister{cosem::obis(1, 0, 2, 8, 1), "ActiveEnergyExportT1"},
    NamedRegister{cosem::obis(1, 0, 2, 8, 2), "ActiveEnergyExportT2"},
};

void write_security(JsonWriter& w, const std::optional<dlms::SecurityHeader>& security,
                    bool tag_verified) {
  if (security) {
    w.key("system_title").value(to_hex(security->system_title));
    w.key("invocation_counter").value(static_cast<std::uint64_t>(security->invocation_counter));
    w.key("security").begin_object();
    w.key("control").value(static_cast<unsigned>(security->control));
    w.key("encrypted").value(security->encrypted());
    w.key("authenticated").value(security->authenticated());
    w.key("tag_verified").value(tag_verified);
    w.end_object();
  } else {
    w.key("system_title").null();
    w.key("invocation_counter").null();
    w.key("security").null();
  }
}

std::string format_number(double v) {
  return JsonWriter::format_double(v);
}

}  // namespace

std::string manufacturer_code(const dlms::SystemTitle& title) {
  std::string code;
  for (std::size_t i = 0; i < 3; ++i) {
    char c = static_cast<char>(title[i]);
    code.push_back((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ? c : '?');
  }
  return code;
}

std::string manufacturer_name(const dlms::SystemTitle& title) {
  const auto id = dlms::flag_id(title);
  return id ? std::string(dlms::known_manufacturer(*id)) : std::string();
}

std::string register_display_name(const cosem::Obis& obis) {
  for (const auto& r : kRegisterNames) {
    if (r.obis == obis) return std::string(r.name);
  }
  return obis.to_string();
}

std::string render_json(const pipeline::Outcome& outcome, FailureKind kind) {
  JsonWriter w;
  if (const auto* failure = std::get_if<pipeline::FrameFailure>(&outcome)) {
    w.begin_object();
    if (kind == FailureKind::trailing) w.key("trailing").value(true);
    w.key("error").begin_object();
    w.key("code").value(to_string(failure->error.code));
    w.key("layer").value(to_string(failure->error.layer));
    w.key("offset").value(static_cast<std::uint64_t>(failure->error.offset));
    w.key("message").value(failure->error.message);
    w.end_object();
    w.key("stream_offset").value(static_cast<std::uint64_t>(failure->stream_offset));
    if (failure->link) w.key("link").value(frame::to_string(*failure->link));
    if (failure->security) w.key("system_title").value(to_hex(failure->security->system_title));
    w.end_object();
    return w.take();
  }
  const auto& frame = std::get<pipeline::DecodedFrame>(outcome);
  const auto& reading = frame.reading;
  w.begin_object();
  w.key("link").value(frame::to_string(frame.link));
  write_security(w, frame.security, frame.tag_verified);
  w.key("meter_time");
  if (reading.meter_time) {
    w.value(reading.meter_time->iso8601());
  } else {
    w.null();
  }
  w.key("meter_id");
  if (reading.meter_id) {
    w.value(*reading.meter_id);
  } else {
    w.null();
  }
  if (reading.device_name) w.key("device_name").value(*reading.device_name);
  w.key("profile").value(reading.profile);
  if (!reading.implied_units.empty()) w.key("units_implied_from").value(reading.implied_units);
  w.key("values").begin_array();
  for (const auto& reg : reading.registers) {
    w.begin_object();
    w.key("obis").value(reg.obis.to_string());
    if (reg.text) {
      w.key("text").value(*reg.text);
    } else {
      w.key("value").value(reg.value);
      w.key("unit").value(cosem::unit_symbol(reg.unit));
      w.key("raw");
      if (reg.raw) {
        w.value(*reg.raw);
      } else {
        w.null();
      }
      w.key("scaler").value(reg.scaler);
      if (reg.scaling == cosem::Scaling::implied) w.key("implied").value(true);
    }
    if (const cosem::MeterTime* time = reading.time_of(reg.obis)) {
      w.key("time").value(time->iso8601());
    }
    w.end_object();
  }
  w.end_array();
  if (reading.text) w.key("text").value(*reading.text);
  w.end_object();
  return w.take();
}

std::string render_text(const pipeline::Outcome& outcome, FailureKind kind) {
  std::string out;
  if (const auto* failure = std::get_if<pipeline::FrameFailure>(&outcome)) {
    if (kind == FailureKind::trailing) {
      out += "Trailing bytes at byte " + std::to_string(failure->stream_offset) +
             " (after the last decoded frame; not a failed frame): " + failure->error.describe() +
             "\n";
    } else {
      out += "Frame at byte " + std::to_string(failure->stream_offset) + ": FAILED - " +
             failure->error.describe() + "\n";
    }
    return out;
  }
  const auto& frame = std::get<pipeline::DecodedFrame>(outcome);
  const auto& reading = frame.reading;
  out += "Frame at byte " + std::to_string(frame.stream_offset) + " (" +
         std::string(frame::to_string(frame.link)) + ", " + std::to_string(frame.link_frames) +
         " link frame(s), profile " + reading.profile + ")\n";
  if (frame.security) {
    const auto& s = *frame.security;
    std::string maker = manufacturer_name(s.system_title);
    out += "  SystemTitle          " + to_hex(s.system_title) + " (" +
           manufacturer_code(s.system_title) + (maker.empty() ? "" : ", " + maker) + ")\n";
    out += "  InvocationCounter    " + std::to_string(s.invocation_counter) + "\n";
    out +=
        "  Security             0x" + hex_u8(s.control) + (s.encrypted() ? " encrypted" : "") +
        (s.authenticated() ? (frame.tag_verified ? " authenticated (tag verified)"
                                                 : " authenticated (tag NOT verified: no auth key)")
                           : "") +
        "\n";
  }
  auto row = [&out](std::string_view name, std::string_view value) {
    std::string line = "  " + std::string(name);
    if (line.size() < 23) line.resize(23, ' ');
    out += line + std::string(value) + "\n";
  };
  if (reading.meter_time) row("Timestamp", reading.meter_time->iso8601());
  if (reading.meter_id) row("MeterNumber", *reading.meter_id);
  if (reading.device_name) row("DeviceName", *reading.device_name);
  if (!reading.implied_units.empty()) row("UnitsImpliedFrom", reading.implied_units);
  for (const auto& reg : reading.registers) {
    const std::string name = register_display_name(reg.obis);
    if (name == "Timestamp" || name == "MeterNumber" || name == "DeviceName") continue;
    if (reg.text) {
      row(name, *reg.text);
    } else {
      std::string unit(cosem::unit_symbol(reg.unit));
      const cosem::MeterTime* time = reading.time_of(reg.obis);
      row(name, format_number(reg.value) + (unit.empty() ? "" : " " + unit) +
                    (reg.scaling == cosem::Scaling::implied ? " (implied)" : "") +
                    (time != nullptr ? " at " + time->iso8601() : ""));
    }
  }
  return out;
}

std::string render_explain(const pipeline::Outcome& outcome, std::span<const std::uint8_t> stream) {
  const Annotations* notes = nullptr;
  std::span<const std::uint8_t> apdu;
  std::span<const std::uint8_t> plaintext;
  std::string out;
  if (const auto* failure = std::get_if<pipeline::FrameFailure>(&outcome)) {
    notes = &failure->notes;
    out += "== frame at stream byte " + std::to_string(failure->stream_offset) + ": " +
           failure->error.describe() + "\n";
  } else {
    const auto& frame = std::get<pipeline::DecodedFrame>(outcome);
    notes = &frame.notes;
    apdu = frame.apdu;
    plaintext = frame.plaintext;
    out += "== frame at stream byte " + std::to_string(frame.stream_offset) + " (" +
           std::string(frame::to_string(frame.link)) + ")\n";
  }
  std::string_view current_space;
  for (const auto& note : *notes) {
    std::span<const std::uint8_t> space_bytes = note.space == "stream" ? stream
                                                : note.space == "apdu" ? apdu
                                                                       : plaintext;
    if (note.space != current_space) {
      current_space = note.space;
      out += "-- " + std::string(note.space) + " bytes\n";
    }
    char head[48];
    std::snprintf(head, sizeof head, "%6zu +%-4zu %-9s ", note.offset, note.length,
                  std::string(note.layer).c_str());
    std::string bytes_hex;
    if (note.offset <= space_bytes.size() && note.length <= space_bytes.size() - note.offset) {
      auto range = space_bytes.subspan(note.offset, std::min<std::size_t>(note.length, 12));
      bytes_hex = to_hex(range);
      if (note.length > 12) bytes_hex += "..";
    }
    if (bytes_hex.size() < 26) bytes_hex.resize(26, ' ');
    out += std::string(head) + bytes_hex + " " + note.meaning + "\n";
  }
  out += render_text(outcome);
  return out;
}

}  // namespace sm::app
