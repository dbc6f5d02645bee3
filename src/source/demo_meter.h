// The built-in demo meter: a simulated Kaifa MA309M as installed by Vorarlberg Netz /
// TINETZ / Salzburg Netz ("KSM West" push). It builds REAL frames — the same data-
// notification layout, AES-GCM encryption with SC 0x21 and two M-Bus long-frame
// segments — so they travel through the same framer and decrypter as a real meter's.
//
// Values follow a plausible household: a daily load curve, PV export around noon,
// three phases with slightly different loads, voltages near 230 V, energy registers
// integrated over time. Deterministic for a given start time and frame number.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dlms/security.h"
#include "source/source.h"

namespace sm::source {

// The fixed, documented demo key (ASCII "DEMO-KEY-NOTREAL"); never a real meter's key.
inline constexpr dlms::Key kDemoKey{0x44, 0x45, 0x4D, 0x4F, 0x2D, 0x4B, 0x45, 0x59,
                                    0x2D, 0x4E, 0x4F, 0x54, 0x52, 0x45, 0x41, 0x4C};
inline constexpr std::string_view kDemoKeyHex = "44454D4F2D4B45592D4E4F545245414C";

struct DemoValues {
  double voltage[3];  // V
  double current[3];  // A
  double import_w, export_w;
  std::uint64_t energy_import_wh, energy_export_wh, reactive_import_varh, reactive_export_varh;
};

class DemoMeter {
 public:
  explicit DemoMeter(std::chrono::system_clock::time_point start,
                     std::uint32_t first_invocation_counter = 0x00010000);

  // Values of the simulated house at host time `t` (energy integrated since start).
  DemoValues values_at(std::chrono::system_clock::time_point t);

  // The next push as it appears on the M-Bus line: two long frames (CI 0x00, 0x11).
  std::vector<std::uint8_t> next_frames(std::chrono::system_clock::time_point t);

  // The plaintext data-notification for given values and time (for tests).
  static std::vector<std::uint8_t> build_notification(const DemoValues& v,
                                                      std::chrono::system_clock::time_point t,
                                                      std::uint32_t invoke_id);
  // Splits an APDU into DLMS-over-M-Bus long frames (EN 13757-2; CI segmentation).
  static std::vector<std::uint8_t> mbus_segments(std::span<const std::uint8_t> apdu);

  [[nodiscard]] std::uint32_t invocation_counter() const noexcept { return counter_; }
  [[nodiscard]] static dlms::SystemTitle system_title();

 private:
  std::chrono::system_clock::time_point last_;
  double energy_import_wh_, energy_export_wh_, reactive_import_varh_, reactive_export_varh_;
  std::uint32_t counter_;
};

// Source that pushes DemoMeter frames every `interval`.
std::unique_ptr<Source> make_demo_source(std::chrono::milliseconds interval);

}  // namespace sm::source
