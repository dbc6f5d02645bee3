// `smartmeter_exporter record --output FILE [--duration D]`: writes the raw bytes of the
// configured device (serial or tcp://) with their arrival times to a timed capture (see
// source/capture.h), which `decode`, `diagnose` and `--replay.file` read back.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "app/serve_command.h"

namespace sm::app {

struct RecordSettings {
  std::string output;
  bool append = false;         // --append: continue an existing capture instead of refusing it
  std::string duration = "0";  // 0: until SIGINT/SIGTERM
  std::string baud;            // empty: --serial.baud of serving
};

// Registers the subcommand; its device flags write into `serve`.
CLI::App* add_record_command(CLI::App& app, RecordSettings& settings, ServeSettings& serve);

// Exit status: 0 when bytes were recorded, 1 when none arrived, 2 for bad usage or an
// output file that cannot be written.
int run_record(const RecordSettings& settings, const ServeSettings& serve);

}  // namespace sm::app
