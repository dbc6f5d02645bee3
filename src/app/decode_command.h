// `smartmeter_exporter decode`: decode captured bytes (hex text, raw binary or a capture
// file) and print every frame found.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace sm::app {

struct DecodeSettings {
  std::string input = "-";
  std::string key_hex, key_file, auth_key_hex, auth_key_file;
  std::string format = "text";
  std::string profile = "auto";
};

// Registers the subcommand; the callback stores the exit status in *exit_status.
void add_decode_command(CLI::App& app, DecodeSettings& settings, int* exit_status);

// Runs decode; returns the process exit status (0 all decoded, 1 a frame failed or no
// frame found, 2 bad usage / unreadable input or key).
int run_decode(const DecodeSettings& settings);

}  // namespace sm::app
