// The exporter itself (the default when no subcommand is given): flags, config file,
// source, HTTP server, signals. Flags follow Prometheus exporter conventions.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "app/keys.h"

namespace sm::app {

inline constexpr int kDefaultPort = 10369;

struct ServeSettings {
  std::vector<std::string> listen_addresses{":10369"};
  std::string telemetry_path = "/metrics";
  std::string web_config_file;
  // HTTP connections served at once: CivetWeb gives each its own worker thread.
  unsigned web_max_connections = 16;
  std::string serial_device = "/dev/ttyUSB0";
  int serial_baud = 2400;
  std::string serial_format = "auto";
  std::string replay_file;
  std::string record_file;     // --record: also write the received bytes to this capture
  bool record_append = false;  // --record.append: continue an existing capture
  std::string replay_rate = "realtime";
  bool replay_loop = false;
  bool replay_exit_at_end = false;
  bool demo = false;
  std::string demo_interval = "5s";
  std::string key_file, auth_key_file, key_hex, auth_key_hex;
  // Set by main() after parsing: the --config file, and whether --meter.key and
  // --meter.auth-key came from it rather than from the command line.
  std::string config_file;
  bool key_hex_from_config = false, auth_key_hex_from_config = false;
  bool allow_core_dumps = false;  // --debug.allow-core-dumps
  std::string stale_after = "30s";
  unsigned max_series = 200;  // at most this many smartmeter_obis_value series
  double fuse_amps = 63;
  std::string profile = "auto";
  std::string log_level = "info";
  std::string log_format = "logfmt";
};

// Adds the serving flags and --config to the top-level app.
void add_serve_flags(CLI::App& app, ServeSettings& settings);

// Flags that carry key text, wiped from argv and CLI11 once parsed (main.cpp).
inline constexpr std::array<std::string_view, 4> kKeyFlags{"--meter.key", "--meter.auth-key",
                                                           "--key", "--auth-key"};

// After parsing: records where --meter.key and --meter.auth-key came from (the command line
// or the --config file), for the warnings of resolve_key().
void note_key_origins(ServeSettings& settings, const CLI::App& app, int argc,
                      const char* const* argv);

// The two keys of the serving flags, as resolve_keys() takes them.
[[nodiscard]] KeySource encryption_key_source(const ServeSettings& settings);
[[nodiscard]] KeySource authentication_key_source(const ServeSettings& settings);

// Checks of the flags that need no I/O (telemetry path, profile); the message names the
// flag. run_serve() starts with them.
[[nodiscard]] Result<void> check_serve_flags(const ServeSettings& settings);

// Runs the exporter until SIGTERM/SIGINT. Exit status 0 on clean shutdown, 2 when the
// flags or the start-up fail (the cause is printed on stderr). The key text of the settings
// is scrubbed once the keys are parsed. In serve_service.cpp: a ServeService whose steps
// are load_config, take_signals, open_source, build_exporter, start_http, announce,
// run_loop, shutdown.
int run_serve(ServeSettings& settings);

}  // namespace sm::app
