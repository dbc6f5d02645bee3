// Writes a timed capture (source/capture.h) of N pushes of the demo meter: real frames,
// KSM West layout, AES-GCM SC 0x21 under the demo key, two M-Bus long frames per push,
// an invocation counter that rises by one per push, one push every INTERVAL_US.
//
//   make_capture OUT FRAMES INTERVAL_US demo       the demo meter's household values
//   make_capture OUT FRAMES INTERVAL_US sequence   push i (from 0) carries n = 1 + i % 600
//                                                  in every value register: voltages and
//                                                  currents n, powers n W, energies n Wh
//                                                  and n varh (so a scrape shows which
//                                                  push each of its values came from)
//
// Used by tests/soak (valgrind replay), tests/e2e/test_consistency.py and scripts/stress.sh.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>

#include "source/capture.h"
#include "source/demo_meter.h"

namespace {

using namespace std::chrono;

sm::source::DemoValues sequence_values(std::uint32_t n) {
  const double v = n;
  return {{v, v, v}, {v, v, v}, v, v, n, n, n, n};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 ||
      (std::string_view(argv[4]) != "demo" && std::string_view(argv[4]) != "sequence")) {
    std::cerr << "usage: make_capture OUT FRAMES INTERVAL_US demo|sequence\n";
    return 2;
  }
  const long frames = std::strtol(argv[2], nullptr, 10);
  const long interval_us = std::strtol(argv[3], nullptr, 10);
  const bool sequence = std::string_view(argv[4]) == "sequence";
  if (frames <= 0 || interval_us < 0) {
    std::cerr << "make_capture: FRAMES must be > 0 and INTERVAL_US >= 0\n";
    return 2;
  }
  const auto start = system_clock::time_point(sys_days(year(2026) / 1 / 1) + hours(12));
  const std::string comment = sequence ? "make_capture sequence" : "make_capture demo";
  // A generated capture, not a recording: an old one is replaced (CaptureWriter never
  // overwrites a file).
  std::error_code ignored;
  std::filesystem::remove(argv[1], ignored);
  auto writer = sm::source::CaptureWriter::create(argv[1], {&comment, 1}, start);
  if (!writer) {
    std::cerr << "make_capture: " << writer.error().message << "\n";
    return 1;
  }
  constexpr std::uint32_t kFirstCounter = 0x00010000;
  sm::source::DemoMeter meter(start, kFirstCounter);
  sm::dlms::Keys keys;
  keys.encryption = sm::source::kDemoKey;
  for (long i = 0; i < frames; ++i) {
    const auto offset = microseconds(i * interval_us);
    const auto meter_time = start + seconds(i);
    std::vector<std::uint8_t> bytes;
    if (sequence) {
      const auto counter = kFirstCounter + static_cast<std::uint32_t>(i);
      const auto plaintext = sm::source::DemoMeter::build_notification(
          sequence_values(1 + static_cast<std::uint32_t>(i % 600)), meter_time, counter);
      auto apdu =
          sm::dlms::protect(plaintext, sm::source::DemoMeter::system_title(), counter, 0x21, keys);
      if (!apdu) {
        std::cerr << "make_capture: " << apdu.error().message << "\n";
        return 1;
      }
      bytes = sm::source::DemoMeter::mbus_segments(*apdu);
    } else {
      bytes = meter.next_frames(meter_time);
    }
    if (auto written = writer->append(offset, bytes); !written) {
      std::cerr << "make_capture: " << written.error().message << "\n";
      return 1;
    }
  }
  return 0;
}
