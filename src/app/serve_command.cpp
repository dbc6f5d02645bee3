#include "app/serve_command.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <thread>
#include <unistd.h>

#include "app/config_file.h"
#include "app/duration.h"
#include "app/exporter.h"
#include "app/flag_checks.h"
#include "app/keys.h"
#include "app/landing_page.h"
#include "app/log.h"
#include "app/source_factory.h"
#include "app/status_api.h"
#include "app/systemd_notify.h"
#include "app/version.h"
#include "crypto/digest.h"
#include "crypto/secret.h"
#include "crypto/secret_box.h"
#include "http/server.h"
#include "metrics/collector.h"
#include "source/capturing_sink.h"
#include "source/demo_meter.h"
#include "source/replay.h"
#include "source/serial.h"
#include "source/tcp.h"

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

namespace {

// Everything validated before anything starts.
struct ServePlan {
  std::vector<http::ListenAddress> listen;
  std::chrono::milliseconds stale_after{30000};
  std::chrono::milliseconds demo_interval{5000};
  pipeline::DecoderOptions decoder;
  std::vector<std::string> warnings;
  std::optional<http::WebConfig> web_config;
};

int startup_error(const std::string& message) {
  print_error("smartmeter_exporter", message);
  return 2;
}

Result<ServePlan> plan(const ServeSettings& s) {
  ServePlan p;
  auto bad = [](std::string message) {
    return fail(ErrorCode::decode, Layer::app, 0, std::move(message));
  };
  for (const auto& text : s.listen_addresses) {
    auto addr = http::parse_listen_address(text);
    if (!addr) return bad("--web.listen-address " + text + ": " + addr.error().message);
    p.listen.push_back(*addr);
  }
  if (auto checked = check_serve_flags(s); !checked) return tl::unexpected(checked.error());
  auto stale = parse_duration(s.stale_after);
  if (!stale || stale->count() <= 0) {
    return bad("--meter.stale-after: not a duration like 30s or 5m: \"" + s.stale_after + "\"");
  }
  p.stale_after = *stale;
  auto interval = parse_duration(s.demo_interval);
  if (!interval || interval->count() < 10) {
    return bad("--demo.interval: not a duration of at least 10ms: \"" + s.demo_interval + "\"");
  }
  p.demo_interval = *interval;
  if (s.demo && !s.replay_file.empty()) return bad("--demo and --replay.file exclude each other");
  if (!s.demo && s.replay_file.empty() && !source::is_tcp_url(s.serial_device) &&
      !source::is_supported_baud_rate(s.serial_baud)) {
    return bad("--serial.baud " + std::to_string(s.serial_baud) + " is not a supported rate");
  }
  if (source::is_tcp_url(s.serial_device)) {
    auto endpoint = source::parse_tcp_url(s.serial_device);
    if (!endpoint) return bad("--serial.device: " + endpoint.error().message);
  }
  if (!s.web_config_file.empty()) {
    auto config = http::load_web_config(s.web_config_file);
    if (!config) return bad("--web.config.file: " + config.error().message);
    p.web_config = *config;
  }
  p.decoder.cosem.profile = s.profile;
  if (s.demo) {
    if (!s.key_hex.empty() || !s.key_file.empty()) {
      p.warnings.push_back("--demo uses the built-in demo key; the configured key is ignored");
    }
    p.decoder.keys.encryption = source::kDemoKey;
  } else {
    auto keys = resolve_keys(encryption_key_source(s), authentication_key_source(s), p.warnings);
    if (!keys) return tl::unexpected(keys.error());
    p.decoder.keys = *keys;
  }
  return p;
}

Result<std::unique_ptr<source::Source>> make_source(const ServeSettings& s, const ServePlan& p,
                                                    source::SerialSource** serial) {
  *serial = nullptr;
  if (s.demo) return source::make_demo_source(p.demo_interval);
  if (!s.replay_file.empty()) {
    source::ReplayOptions options;
    options.path = s.replay_file;
    options.rate = *source::parse_replay_rate(s.replay_rate);
    options.loop = s.replay_loop;
    auto made = source::make_replay_source(options);
    if (!made) {
      return fail(made.error().code, Layer::app, 0, "--replay.file: " + made.error().message);
    }
    return made;
  }
  const auto format = initial_serial_format(s.serial_format);
  return make_device_source(s.serial_device, s.serial_baud, format, serial);
}

void scrub_keys(dlms::Keys& keys) {
  for (auto* key : {&keys.encryption, &keys.authentication}) {
    if (*key) crypto::scrub(std::span<std::uint8_t>(**key));
    key->reset();
  }
}

bool verify_bcrypt(std::string_view password, std::string_view hash) {
  return crypto::check_bcrypt(password, hash);
}

// SIGHUP: the new file replaces the old one only when it parses, applies, and does not turn
// basic auth off; every outcome is logged with the authentication state in force.
void reload_web_config(const std::string& path, http::HttpServer& server,
                       std::optional<http::WebConfig>& current, Logger& logger) {
  const http::WebConfig previous = current.value_or(http::WebConfig{});
  auto config = http::load_web_config(path);
  Result<void> outcome;
  if (!config) {
    outcome = tl::unexpected(config.error());
  } else if (outcome = http::check_web_config_reload(previous, *config); outcome) {
    outcome = server.apply_web_config(*config);
  }
  if (!outcome) {
    logger.error(
        "web config not reloaded; keeping the previous one",
        {{"error", outcome.error().message}, {"basic_auth", http::describe_basic_auth(previous)}});
    return;
  }
  current = std::move(*config);
  logger.info("web config reloaded", {{"basic_auth", http::describe_basic_auth(*current)}});
}

}  // namespace

int run_serve(ServeSettings& s) {
  Logger logger(*parse_log_level(s.log_level), *parse_log_format(s.log_format));
  auto planned = plan(s);
  crypto::scrub(s.key_hex);  // parsed (or refused): the text is no longer needed
  crypto::scrub(s.auth_key_hex);
  if (!planned) return startup_error(planned.error().message);
  ServePlan& p = *planned;

  // Signals are taken synchronously by the main loop; block them before any thread starts
  // so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, sig);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  const int signal_fd = signalfd(-1, &signals, SFD_CLOEXEC);
  if (signal_fd < 0) return startup_error("cannot create signalfd");

  source::SerialSource* serial = nullptr;
  auto made_source = make_source(s, p, &serial);
  if (!made_source) return startup_error(made_source.error().message);
  std::unique_ptr<source::Source> source = std::move(*made_source);

  const int wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0) return startup_error("cannot create eventfd");
  metrics::MeterState state{p.stale_after};
  // The decoder, and in it the keys, lives in pages left out of core dumps; the plan's copy
  // is scrubbed once it is there (the log line below only needs the fingerprints).
  const std::string key_fingerprint =
      p.decoder.keys.encryption ? dlms::key_fingerprint(*p.decoder.keys.encryption) : "none";
  const std::string auth_key_fingerprint =
      p.decoder.keys.authentication ? dlms::key_fingerprint(*p.decoder.keys.authentication)
                                    : "none";
  crypto::SecretBox<Exporter> exporter_box(std::move(p.decoder), logger, state, wake_fd);
  scrub_keys(p.decoder.keys);
  Exporter& exporter = *exporter_box;
  // --record: the bytes go to the capture file first, then on to the exporter.
  std::optional<source::CaptureWriter> recorder;
  std::optional<source::CapturingSink> recording;
  if (!s.record_file.empty()) {
    const std::vector<std::string> comments{"source " + source->describe()};
    const source::CaptureWriterOptions options{s.record_append, "--record.append", s.replay_file};
    auto writer = source::CaptureWriter::create(s.record_file, comments,
                                                source::CaptureWriter::Clock::now(), options);
    if (!writer) return startup_error("--record: " + writer.error().message);
    recorder.emplace(std::move(*writer));
    recording.emplace(*recorder, exporter);
  }
  source::Sink& sink = recording ? static_cast<source::Sink&>(*recording) : exporter;
  metrics::CollectorOptions collector_options;
  collector_options.stale_after = p.stale_after;
  collector_options.max_obis_series = s.max_series;
  collector_options.build = {std::string(version()), std::string(revision()),
                             std::string(compiler()), crypto::library_version()};
  metrics::MeterCollector meter_collector(state, collector_options);
  metrics::ProcessCollector process_collector;

  http::HttpServer server(verify_bcrypt);
  if (p.web_config) {
    if (auto applied = server.apply_web_config(*p.web_config); !applied) {
      return startup_error("--web.config.file: " + applied.error().message);
    }
  }
  LandingPage landing{{s.telemetry_path, source->describe(), p.stale_after, s.fuse_amps}};
  (void)server.add_route(s.telemetry_path, [&](const http::Request&) {
    http::Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics::serialize({&meter_collector, &process_collector});
    return r;
  });
  (void)server.add_route("/", [&](const http::Request&) {
    http::Response r;
    r.content_type = "text/html; charset=utf-8";
    const auto now = metrics::HostTime::now();
    r.body = landing.render(state.snapshot(), state.power_history(now.wall), now);
    r.headers = {{"Content-Security-Policy", status_page_csp()}, {"Cache-Control", "no-store"}};
    return r;
  });
  (void)server.add_route(std::string(kReadingApiPath), [&](const http::Request&) {
    http::Response r;
    r.content_type = "application/json";
    const auto now = metrics::HostTime::now();
    r.body =
        render_reading_json(landing.options, state.snapshot(), state.power_history(now.wall), now);
    r.headers = {{"Cache-Control", "no-store"}};
    return r;
  });
  http::ServerOptions server_options;
  server_options.listen_addresses = p.listen;
  server_options.worker_threads = s.web_max_connections;
  server_options.log = [&logger](std::string_view m) { logger.debug(m, {{"component", "http"}}); };
  if (auto started = server.start(server_options); !started) {
    return startup_error(started.error().message);
  }

  for (const auto& w : p.warnings) logger.warn(w);
  if (geteuid() == 0) {
    logger.warn(
        "running as root; the exporter only needs read access to the serial device "
        "(group dialout)");
  }
  std::string listen_text;
  for (const auto& a : s.listen_addresses) listen_text += (listen_text.empty() ? "" : ",") + a;
  logger.info("starting smartmeter_exporter",
              {{"version", std::string(version())},
               {"revision", std::string(revision())},
               {"source", source->describe()},
               {"listen", listen_text},
               {"telemetry_path", s.telemetry_path},
               {"basic_auth", p.web_config ? http::describe_basic_auth(*p.web_config) : "off"},
               {"key_fingerprint", key_fingerprint},
               {"auth_key_fingerprint", auth_key_fingerprint}});

  if (recording) logger.info("recording the received bytes", {{"file", s.record_file}});
  std::thread source_thread([&] { source->run(sink); });

  // Type=notify: active once /metrics answers and the source runs; WatchdogSec=: the
  // main loop below proves it is alive.
  const SystemdNotifier systemd = SystemdNotifier::from_environment();
  systemd.notify("READY=1\nSTATUS=serving " + listen_text + " from " + source->describe());
  const auto watchdog = systemd.watchdog_interval();
  auto watchdog_due = std::chrono::steady_clock::now();

  // Automatic serial format: M-Bus adapters differ (8E1 per EN 13757-2, many deliver 8N1);
  // keep the format under which frames pass their checksums.
  const bool auto_format = serial != nullptr && s.serial_format == "auto";
  bool format_chosen = !auto_format;
  std::uint64_t frames_at_switch = 0, bytes_at_switch = 0;
  auto format_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(12);

  // A frame at 2400 baud takes ~1.3 s; a partial frame quiet for longer is dropped.
  constexpr auto kPartialFrameTimeout = std::chrono::milliseconds(3000);
  int exit_status = 0;
  for (;;) {
    // Wake up only for work: a pending partial frame, the format probe, or exit-at-end.
    int timeout_ms = -1;
    if (!format_chosen || s.replay_exit_at_end) timeout_ms = 200;
    if (exporter.has_partial_frame()) timeout_ms = 500;
    if (watchdog) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= watchdog_due) {
        systemd.notify("WATCHDOG=1");
        watchdog_due = now + *watchdog;
      }
      const auto until_due =
          std::chrono::duration_cast<std::chrono::milliseconds>(watchdog_due - now).count() + 1;
      timeout_ms = timeout_ms < 0 ? static_cast<int>(until_due)
                                  : std::min(timeout_ms, static_cast<int>(until_due));
    }
    pollfd pfds[2] = {{signal_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
    const int ready = ::poll(pfds, 2, timeout_ms);
    if (ready > 0 && (pfds[1].revents & POLLIN) != 0) {
      std::uint64_t count = 0;
      [[maybe_unused]] auto drained = ::read(wake_fd, &count, sizeof count);
      continue;  // a partial frame started waiting: loop again with its timer armed
    }
    if (ready > 0) {
      signalfd_siginfo info{};
      if (::read(signal_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        if (info.ssi_signo == SIGHUP) {
          logger.info("SIGHUP: reopening the source and re-reading the web config");
          source->reopen();
          if (!s.web_config_file.empty()) {
            reload_web_config(s.web_config_file, server, p.web_config, logger);
          }
          continue;
        }
        logger.info("shutting down", {{"signal", info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM"}});
        break;
      }
    }
    const auto now = std::chrono::steady_clock::now();
    exporter.expire_partial_frame(now, kPartialFrameTimeout);
    if (s.replay_exit_at_end && exporter.end_of_input_seen()) {
      logger.info("capture replayed; exiting (--replay.exit-at-end)");
      break;
    }
    if (!format_chosen) {
      const auto snap = state.snapshot();
      if (snap.frames_total > frames_at_switch) {
        format_chosen = true;
        logger.info("serial format chosen: frames pass their checksums",
                    {{"format", std::string(source::to_string(serial->format()))}});
      } else if (now >= format_deadline && snap.received_bytes > bytes_at_switch) {
        const auto next = serial->format() == source::SerialFormat::eight_even_one
                              ? source::SerialFormat::eight_none_one
                              : source::SerialFormat::eight_even_one;
        logger.info("no valid frame yet; trying the other serial format",
                    {{"format", std::string(source::to_string(next))}});
        serial->set_format(next);
        frames_at_switch = snap.frames_total;
        bytes_at_switch = snap.received_bytes;
        format_deadline = now + std::chrono::seconds(12);
      }
    }
  }
  systemd.notify("STOPPING=1");
  source->stop();
  source_thread.join();
  server.stop();
  ::close(signal_fd);
  ::close(wake_fd);
  return exit_status;
}

}  // namespace sm::app
