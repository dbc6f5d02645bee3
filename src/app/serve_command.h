// The exporter itself (the default when no subcommand is given): flags, config file,
// source, HTTP server, signals. Flags follow Prometheus exporter conventions.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

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
  std::string record_file;  // --record: also write the received bytes to this capture
  std::string replay_rate = "realtime";
  bool replay_loop = false;
  bool replay_exit_at_end = false;
  bool demo = false;
  std::string demo_interval = "5s";
  std::string key_file, auth_key_file, key_hex, auth_key_hex;
  std::string stale_after = "30s";
  unsigned max_series = 200;  // at most this many smartmeter_obis_value series
  double fuse_amps = 63;
  std::string profile = "auto";
  std::string log_level = "info";
  std::string log_format = "logfmt";
};

// Adds the serving flags and --config to the top-level app.
void add_serve_flags(CLI::App& app, ServeSettings& settings);

// Runs the exporter until SIGTERM/SIGINT. Exit status 0 on clean shutdown, 2 when the
// flags or the start-up fail (the cause is printed on stderr).
int run_serve(const ServeSettings& settings);

}  // namespace sm::app
