#include "app/diagnosis_wording.h"

#include <array>
#include <cstdio>
#include <optional>

#include "app/diagnosis.h"
#include "common/hex.h"

namespace sm::app {
namespace diag {

using std::chrono::microseconds;

std::string seconds_text(microseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(d.count()) / 1e6);
  return buf;
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string_view link_name(frame::LinkType link) {
  switch (link) {
    case frame::LinkType::mbus:
      return "M-Bus long frames (EN 13757-2)";
    case frame::LinkType::hdlc:
      return "HDLC frames (IEC 62056-46)";
    case frame::LinkType::wrapper:
      return "DLMS wrapper (IEC 62056-47)";
    case frame::LinkType::raw:
      return "bare APDUs without a link layer";
    case frame::LinkType::dsmr:
      return "DSMR P1 telegrams";
  }
  return "unknown";
}

// Which operators send frames like these (DESIGN.md "Variants"). A hint, not a rule:
// the first row that matches wins; `control` < 0 and `link` nullopt match anything.
struct OperatorHint {
  std::string_view flag_id;
  std::optional<frame::LinkType> link;
  int control;
  std::string_view operators;
};

constexpr std::array kOperatorHints = std::to_array<OperatorHint>({
    {"KFM", frame::LinkType::mbus, 0x21,
     "KSM West: Vorarlberg Netz, TINETZ, Salzburg Netz or IKB (Kaifa MA309M/MA110M)"},
    {"ELS", frame::LinkType::mbus, -1,
     "KSM West: Vorarlberg Netz, TINETZ, Salzburg Netz or IKB (Honeywell HS3300S)"},
    {"KFM", frame::LinkType::mbus, 0x20, "Netz Niederoesterreich (EVN), Kaifa MA309M"},
    {"SAG", frame::LinkType::mbus, -1, "Netz Niederoesterreich (EVN), Sagemcom T210-D"},
    {"SAG", std::nullopt, 0x30,
     "Energienetze Steiermark or Luxembourg (Sagemcom T210-D-r on P1, DSMR text inside)"},
    {"LGZ", std::nullopt, -1,
     "Netz Burgenland, Kaernten Netz, Stadtwerke Klagenfurt or Graz (Landis+Gyr E450)"},
    {"ISK", std::nullopt, -1, "Wiener Netze or another HDLC operator (Iskraemeco AM550)"},
    {"SMS", std::nullopt, -1, "Wiener Netze or eww Wels (Siemens IM350)"},
    {"KAM", std::nullopt, -1, "a Danish or Norwegian HAN port (Kamstrup)"},
    {"AID", std::nullopt, -1, "a Norwegian or Swedish HAN port (Aidon)"},
    {"KFM", frame::LinkType::hdlc, -1, "a Norwegian HAN port (Kaifa MA304)"},
});

std::string operator_hint(const std::string& id, frame::LinkType link, std::uint8_t control) {
  for (const auto& h : kOperatorHints) {
    if (h.flag_id != id) continue;
    if (h.link && *h.link != link) continue;
    if (h.control >= 0 && h.control != control) continue;
    return std::string(h.operators);
  }
  return "";
}

std::string describe_control(std::uint8_t sc) {
  std::string text = "0x" + hex_u8(sc) + ": ";
  const bool enc = (sc & 0x20) != 0, auth = (sc & 0x10) != 0;
  if (enc && auth) {
    text += "encrypted with a 12-byte authentication tag (AES-GCM)";
  } else if (enc) {
    text += "encrypted, no authentication tag";
  } else if (auth) {
    text += "authenticated only (plaintext with a tag)";
  } else {
    text += "neither encrypted nor authenticated";
  }
  if ((sc & 0x40) != 0) text += ", broadcast key";
  return text + ", security suite " + std::to_string(sc & 0x0F);
}

}  // namespace diag

std::string_view to_string(Verdict verdict) noexcept {
  switch (verdict) {
    case Verdict::ok:
      return "OK";
    case Verdict::warn:
      return "WARN";
    case Verdict::fail:
      return "FAIL";
    case Verdict::skipped:
      return "--";
  }
  return "--";
}

std::string format_diagnosis(const Diagnosis& d) {
  std::string out;
  for (const auto& s : d.stages) {
    std::string label = "[" + std::string(to_string(s.verdict)) + "]";
    label.resize(7, ' ');
    out += label + s.stage + "\n";
    for (const auto& f : s.findings) out += "       " + f + "\n";
    if (!s.next_step.empty()) out += "       Next: " + s.next_step + "\n";
  }
  if (!d.values_text.empty()) {
    out +=
        "\nDecoded values of the last frame (they identify your meter; paste only the redacted "
        "capture below):\n" +
        d.values_text;
  }
  if (!d.redacted_capture.empty()) {
    out += "\nRedacted capture, safe to paste into a bug report:\n" + d.redacted_capture;
  }
  out += d.values_decoded ? "\nResult: values decoded.\n"
                          : "\nResult: no values decoded; act on the first FAIL above.\n";
  return out;
}

}  // namespace sm::app
