#include "app/serve_command.h"

#include <memory>
#include <string>
#include <string_view>

#include "app/config_file.h"
#include "app/flag_checks.h"

namespace sm::app {

void add_serve_flags(CLI::App& app, ServeSettings& s) {
  app.config_formatter(std::make_shared<DottedConfig>());
  app.set_config("--config", "", "Read these flags from a TOML/INI file (keys as flag names)");
  app.allow_config_extras(CLI::config_extras_mode::error);

  app.add_option("--web.listen-address", s.listen_addresses,
                 "Address to listen on for HTTP (repeatable; ':port', 'host:port')")
      ->capture_default_str();
  app.add_option("--web.telemetry-path", s.telemetry_path, "Path under which to expose metrics")
      ->capture_default_str();
  app.add_option("--web.config.file", s.web_config_file,
                 "Exporter-toolkit web config (YAML) with basic_auth_users");
  app.add_option("--web.max-connections", s.web_max_connections,
                 "HTTP connections served at once, one worker thread each (1-1024); more "
                 "wait, and busy keep-alive clients take turns")
      ->check(CLI::Range(1U, 1024U))
      ->capture_default_str();
  app.add_option("--serial.device", s.serial_device,
                 "Serial device (/dev/ttyUSB0, /dev/serial/by-id/...) or tcp://host:port")
      ->capture_default_str();
  app.add_option("--serial.baud", s.serial_baud, "Baud rate")->capture_default_str();
  app.add_option("--serial.format", s.serial_format, "Character format: 8E1, 8N1 or auto")
      ->check(CLI::IsMember({"8E1", "8N1", "auto"}))
      ->capture_default_str();
  app.add_option("--replay.file", s.replay_file,
                 "Read a capture (hex, binary or timed capture) instead of a device");
  app.add_option("--replay.rate", s.replay_rate, "realtime or max")
      ->check(CLI::IsMember({"realtime", "max"}))
      ->capture_default_str();
  app.add_flag("--replay.loop", s.replay_loop, "Start the capture again at its end");
  app.add_flag("--replay.exit-at-end", s.replay_exit_at_end, "Exit when the capture ends");
  app.add_option("--record", s.record_file,
                 "Also write the received bytes with arrival times to this capture file "
                 "(an existing file is refused unless --record.append)");
  app.add_flag(
      "--record.append", s.record_append,
      "Continue an existing --record capture (e.g. across restarts) instead of refusing it");
  app.add_flag("--demo", s.demo, "Serve a built-in simulated meter (no hardware needed)");
  app.add_option("--demo.interval", s.demo_interval, "Push interval of the demo meter")
      ->capture_default_str();
  app.add_option("--meter.key-file", s.key_file,
                 "File with the encryption key (32 hex digits); default "
                 "$CREDENTIALS_DIRECTORY/meter-key");
  app.add_option("--meter.auth-key-file", s.auth_key_file,
                 "File with the authentication key; default $CREDENTIALS_DIRECTORY/meter-auth-key");
  app.add_option("--meter.key", s.key_hex,
                 "Encryption key on the command line (visible in ps; prefer --meter.key-file)");
  app.add_option("--meter.auth-key", s.auth_key_hex,
                 "Authentication key on the command line (visible in ps)");
  app.add_option("--meter.stale-after", s.stale_after,
                 "Drop meter values from /metrics when the last good frame is older")
      ->capture_default_str();
  app.add_option("--meter.max-series", s.max_series,
                 "At most this many smartmeter_obis_value series (registers without a named "
                 "metric); more are left out and counted in smartmeter_obis_values_dropped")
      ->check(CLI::Range(1U, 100000U))
      ->capture_default_str();
  app.add_option("--meter.fuse-amps", s.fuse_amps,
                 "Main fuse rating per phase; full scale of the status page's current bars")
      ->check(CLI::Range(1.0, 10000.0))
      ->capture_default_str();
  app.add_option("--meter.profile", s.profile,
                 "Positional profile for bodies without OBIS codes (auto detects; the README "
                 "lists the names)")
      ->capture_default_str();
  app.add_flag("--debug.allow-core-dumps", s.allow_core_dumps,
               "Let the process write core dumps (they may hold the keys; off by default)");
  app.add_option("--log.level", s.log_level, "debug, info, warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  app.add_option("--log.format", s.log_format, "logfmt or json")
      ->check(CLI::IsMember({"logfmt", "json"}))
      ->capture_default_str();
}

void note_key_origins(ServeSettings& s, const CLI::App& app, int argc, const char* const* argv) {
  auto on_command_line = [argc, argv](std::string_view flag) {
    for (int i = 1; i < argc; ++i) {
      const std::string_view arg = argv[i];
      if (arg == flag ||
          (arg.starts_with(flag) && arg.size() > flag.size() && arg[flag.size()] == '=')) {
        return true;
      }
    }
    return false;
  };
  const auto* config = app.get_option_no_throw("--config");
  s.config_file = config != nullptr && config->count() > 0 ? config->as<std::string>() : "";
  s.key_hex_from_config = !s.key_hex.empty() && !on_command_line("--meter.key");
  s.auth_key_hex_from_config = !s.auth_key_hex.empty() && !on_command_line("--meter.auth-key");
}

KeySource encryption_key_source(const ServeSettings& s) {
  return {s.key_hex, s.key_file, "--meter.key", s.key_hex_from_config ? s.config_file : ""};
}

KeySource authentication_key_source(const ServeSettings& s) {
  return {s.auth_key_hex, s.auth_key_file, "--meter.auth-key",
          s.auth_key_hex_from_config ? s.config_file : ""};
}

Result<void> check_serve_flags(const ServeSettings& s) {
  if (auto path = check_telemetry_path(s.telemetry_path); !path) return path;
  return check_profile(s.profile, "--meter.profile");
}

}  // namespace sm::app
