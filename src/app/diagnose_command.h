// `smartmeter_exporter diagnose`: reads the configured source (serial, TCP or a capture
// file) for --duration and prints a verdict per stage with the next step to try (the
// stages themselves are pure code, see diagnosis.h). Source and key flags are the
// serving ones, so `smartmeter_exporter --config FILE diagnose` checks exactly what
// the exporter would read.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "app/serve_command.h"

namespace sm::app {

struct DiagnoseSettings {
  std::string duration = "30s";
  std::string baud;   // empty: --serial.baud of serving; "auto": 2400, 9600 and 115200
  std::string input;  // a capture file instead of the device
};

// Registers the subcommand; its source and key flags write into `serve`.
CLI::App* add_diagnose_command(CLI::App& app, DiagnoseSettings& settings, ServeSettings& serve);

// Exit status: 0 when values were decoded, 1 when not, 2 for bad usage or an unreadable
// key or capture file.
int run_diagnose(const DiagnoseSettings& settings, const ServeSettings& serve);

}  // namespace sm::app
