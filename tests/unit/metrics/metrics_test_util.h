// Shared by the metrics tests: Readings built by hand, exposition helpers, promtool.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include "cosem/obis.h"
#include "cosem/reading.h"
#include "metrics/meter_state.h"

namespace sm::metrics::test_support {

// DLMS unit codes used by the tests (Blue Book 4.3.2).
inline constexpr int kW = 27, kVA = 28, kVar = 29, kWh = 30, kVarh = 32, kA = 33, kV = 35, kHz = 44,
                     kNoUnit = 255;

// A numeric register as the COSEM layer builds it: value = raw x 10^scaler.
inline cosem::Register numeric(cosem::Obis code, std::int64_t raw, int scaler, int unit) {
  cosem::Register reg;
  reg.obis = code;
  reg.raw = raw;
  reg.scaler = scaler;
  reg.unit = unit;
  // As the decoder does it: one multiplication or division by an exact power of ten, so
  // 98 with scaler -2 is the double nearest 0.98.
  double power = 1;
  for (int i = 0; i < (scaler < 0 ? -scaler : scaler); ++i) power *= 10;
  reg.value = scaler < 0 ? static_cast<double>(raw) / power : static_cast<double>(raw) * power;
  return reg;
}

// The meter clock of a Reading: local date and time, and the deviation (UTC - local, in
// minutes) when the frame gave one.
inline cosem::MeterTime meter_clock(int year, int month, int day, int hour, int minute, int second,
                                    std::optional<int> deviation_minutes) {
  dlms::DateTime time;
  time.year = year;
  time.month = month;
  time.day = day;
  time.hour = hour;
  time.minute = minute;
  time.second = second;
  time.deviation_minutes = deviation_minutes;
  return *cosem::MeterTime::of(time);
}

inline cosem::Register text_register(cosem::Obis code, std::string value) {
  cosem::Register reg;
  reg.obis = code;
  reg.text = std::move(value);
  return reg;
}

inline std::chrono::system_clock::time_point at_unix_ms(std::int64_t ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

// The same moment on both host clocks (the steady one counted from its own epoch).
inline HostTime host_at_unix_ms(std::int64_t ms) {
  return {at_unix_ms(ms), std::chrono::steady_clock::time_point(std::chrono::milliseconds(ms))};
}

inline std::string to_text(const std::vector<prometheus::MetricFamily>& families) {
  return prometheus::TextSerializer().Serialize(families);
}

inline const prometheus::MetricFamily* find_family(
    const std::vector<prometheus::MetricFamily>& families, const std::string& name) {
  for (const auto& f : families) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

inline std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline bool promtool_available() {
  return std::system("command -v promtool >/dev/null 2>&1") == 0;
}

struct PromtoolResult {
  int exit_code{-1};
  std::string output;  // stdout + stderr; empty when the exposition is clean
};

// `promtool check metrics < file`: lints names, units, types and help.
inline PromtoolResult promtool_check_file(const std::filesystem::path& path) {
  PromtoolResult result;
  const std::string command = "promtool check metrics < '" + path.string() + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) result.output += buffer;
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

inline PromtoolResult promtool_check(const std::string& exposition, const std::string& name) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("sm_metrics_" + name + "_" + std::to_string(::getpid()) + ".prom");
  std::ofstream(path, std::ios::binary) << exposition;
  PromtoolResult result = promtool_check_file(path);
  std::filesystem::remove(path);
  return result;
}

}  // namespace sm::metrics::test_support
