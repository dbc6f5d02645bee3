// run_serve(): the exporter's life in named steps (ServeService). Each step either
// succeeds or gives the start-up error that ends the process with status 2.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <poll.h>
#include <signal.h>
#include <string>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "app/duration.h"
#include "app/exporter.h"
#include "app/keys.h"
#include "app/landing_page.h"
#include "app/log.h"
#include "app/serve_command.h"
#include "app/serve_plan.h"
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
#include "source/unique_fd.h"

namespace sm::app {
namespace {

int startup_error(const std::string& message) {
  print_error("smartmeter_exporter", message);
  return 2;
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
// Automatic serial format: M-Bus adapters differ (8E1 per EN 13757-2, many deliver 8N1);
// keep the format under which frames pass their checksums, try the other one after 12 s of
// bytes without a good frame.
struct SerialFormatProbe {
  static constexpr auto kPatience = std::chrono::seconds(12);
  bool chosen{true};
  std::uint64_t frames_at_switch{0};
  std::uint64_t bytes_at_switch{0};
  std::chrono::steady_clock::time_point deadline;
};

class ServeService {
 public:
  explicit ServeService(ServeSettings& settings)
      : s_(settings),
        logger_(*parse_log_level(settings.log_level), *parse_log_format(settings.log_format)),
        systemd_(SystemdNotifier::from_environment()) {}
  ServeService(const ServeService&) = delete;
  ServeService& operator=(const ServeService&) = delete;
  ~ServeService() { stop_source(); }

  int run() {
    for (auto step :
         {&ServeService::load_config, &ServeService::take_signals, &ServeService::open_source,
          &ServeService::build_exporter, &ServeService::start_http}) {
      if (auto done = (this->*step)(); !done) return startup_error(done.error().message);
    }
    announce();
    run_loop();
    shutdown();
    return 0;
  }

 private:
  // Flags, config files and keys, all checked before anything starts.
  Result<void> load_config() {
    auto planned = plan_serve(s_);
    crypto::scrub(s_.key_hex);  // parsed (or refused): the text is no longer needed
    crypto::scrub(s_.auth_key_hex);
    if (!planned) return tl::unexpected(planned.error());
    plan_ = std::move(*planned);
    return {};
  }

  // Signals are taken synchronously by the loop; blocked before any thread starts, so
  // every thread inherits the mask.
  Result<void> take_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, sig);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    signal_fd_.reset(signalfd(-1, &signals, SFD_CLOEXEC));
    if (!signal_fd_) return config_error(Layer::app, "cannot create signalfd");
    wake_fd_.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wake_fd_) return config_error(Layer::app, "cannot create eventfd");
    return {};
  }

  Result<void> open_source() {
    auto made = make_serve_source(s_, plan_, &serial_);
    if (!made) return tl::unexpected(made.error());
    source_ = std::move(*made);
    probe_.chosen = serial_ == nullptr || s_.serial_format != "auto";
    probe_.deadline = std::chrono::steady_clock::now() + SerialFormatProbe::kPatience;
    return {};
  }

  // The decoder, and in it the keys, lives in pages left out of core dumps; the plan's copy
  // is scrubbed once it is there (the start-up line only needs the fingerprints). With
  // --record the bytes go to the capture file first, then on to the exporter.
  Result<void> build_exporter() {
    const auto& keys = plan_.decoder.keys;
    key_fingerprint_ = keys.encryption ? dlms::key_fingerprint(*keys.encryption) : "none";
    auth_key_fingerprint_ =
        keys.authentication ? dlms::key_fingerprint(*keys.authentication) : "none";
    state_.emplace(plan_.stale_after);
    exporter_.emplace(std::move(plan_.decoder), logger_, *state_, wake_fd_.get());
    scrub_keys(plan_.decoder.keys);
    if (!s_.record_file.empty()) {
      const std::vector<std::string> comments{"source " + source_->describe()};
      const source::CaptureWriterOptions options{s_.record_append, "--record.append",
                                                 s_.replay_file};
      auto writer = source::CaptureWriter::create(s_.record_file, comments,
                                                  source::CaptureWriter::Clock::now(), options);
      if (!writer) return config_error(Layer::app, "--record: " + writer.error().message);
      recorder_.emplace(std::move(*writer));
      recording_.emplace(*recorder_, exporter());
    }
    metrics::CollectorOptions options;
    options.stale_after = plan_.stale_after;
    options.max_obis_series = s_.max_series;
    options.build = {std::string(version()), std::string(revision()), std::string(compiler()),
                     crypto::library_version()};
    meter_collector_.emplace(*state_, options);
    landing_.emplace(
        LandingPage{{s_.telemetry_path, source_->describe(), plan_.stale_after, s_.fuse_amps}});
    return {};
  }

  Result<void> start_http() {
    if (plan_.web_config) {
      if (auto applied = server_.apply_web_config(*plan_.web_config); !applied) {
        return config_error(Layer::app, "--web.config.file: " + applied.error().message);
      }
    }
    (void)server_.add_route(s_.telemetry_path, [this](const http::Request&) { return metrics(); });
    (void)server_.add_route("/", [this](const http::Request&) { return status_page(); });
    (void)server_.add_route(std::string(kReadingApiPath),
                            [this](const http::Request&) { return reading(); });
    http::ServerOptions options;
    options.listen_addresses = plan_.listen;
    options.worker_threads = s_.web_max_connections;
    options.log = [this](std::string_view m) { logger_.debug(m, {{"component", "http"}}); };
    return server_.start(options);
  }

  // The start-up log line, the source thread, and systemd's READY=1 (Type=notify: active
  // once /metrics answers and the source runs).
  void announce() {
    for (const auto& warning : plan_.warnings) logger_.warn(warning);
    if (geteuid() == 0) {
      logger_.warn(
          "running as root; the exporter only needs read access to the serial device "
          "(group dialout)");
    }
    std::string listen;
    for (const auto& a : s_.listen_addresses) listen += (listen.empty() ? "" : ",") + a;
    logger_.info(
        "starting smartmeter_exporter",
        {{"version", std::string(version())},
         {"revision", std::string(revision())},
         {"source", source_->describe()},
         {"listen", listen},
         {"telemetry_path", s_.telemetry_path},
         {"basic_auth", plan_.web_config ? http::describe_basic_auth(*plan_.web_config) : "off"},
         {"key_fingerprint", key_fingerprint_},
         {"auth_key_fingerprint", auth_key_fingerprint_}});
    if (recording_) logger_.info("recording the received bytes", {{"file", s_.record_file}});
    source::Sink& sink = recording_ ? static_cast<source::Sink&>(*recording_) : exporter();
    source_thread_ = std::thread([this, &sink] { source_->run(sink); });
    systemd_.notify("READY=1\nSTATUS=serving " + listen + " from " + source_->describe());
    watchdog_due_ = std::chrono::steady_clock::now();
  }

  // Until SIGTERM/SIGINT (or the end of a replay with --replay.exit-at-end). Wakes only for
  // work: a signal, a partial frame's timer, the format probe, exit-at-end, the watchdog.
  void run_loop() {
    for (;;) {
      pollfd fds[2] = {{signal_fd_.get(), POLLIN, 0}, {wake_fd_.get(), POLLIN, 0}};
      const int ready = ::poll(fds, 2, wait_ms());
      if (ready > 0 && (fds[1].revents & POLLIN) != 0) {
        std::uint64_t count = 0;
        [[maybe_unused]] auto drained = ::read(wake_fd_.get(), &count, sizeof count);
        continue;  // a partial frame started waiting: loop again with its timer armed
      }
      if (ready > 0 && (fds[0].revents & POLLIN) != 0) {
        if (const auto signal = take_signal(); signal && *signal != SIGHUP) {
          logger_.info("shutting down", {{"signal", *signal == SIGINT ? "SIGINT" : "SIGTERM"}});
          return;
        }
        continue;
      }
      if (!tick(std::chrono::steady_clock::now())) return;
    }
  }

  void shutdown() {
    systemd_.notify("STOPPING=1");
    stop_source();
    server_.stop();
  }

  // --- the loop's parts ---------------------------------------------------------------

  // A frame at 2400 baud takes ~1.3 s; a partial frame quiet for longer is dropped.
  static constexpr auto kPartialFrameTimeout = std::chrono::milliseconds(3000);

  // poll()'s timeout: -1 (none) unless some work is due; sends WATCHDOG=1 when due.
  int wait_ms() {
    int timeout_ms = -1;
    if (!probe_.chosen || s_.replay_exit_at_end) timeout_ms = 200;
    if (exporter().has_partial_frame()) timeout_ms = 500;
    const auto watchdog = systemd_.watchdog_interval();
    if (!watchdog) return timeout_ms;
    const auto now = std::chrono::steady_clock::now();
    if (now >= watchdog_due_) {
      systemd_.notify("WATCHDOG=1");
      watchdog_due_ = now + *watchdog;
    }
    const auto until_due = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(watchdog_due_ - now).count() + 1);
    return timeout_ms < 0 ? until_due : std::min(timeout_ms, until_due);
  }

  // Reads one signal; SIGHUP reopens the source and reloads the web config here.
  std::optional<int> take_signal() {
    signalfd_siginfo info{};
    if (::read(signal_fd_.get(), &info, sizeof info) != static_cast<ssize_t>(sizeof info)) {
      return std::nullopt;
    }
    const auto signal = static_cast<int>(info.ssi_signo);
    if (signal == SIGHUP) {
      logger_.info("SIGHUP: reopening the source and re-reading the web config");
      source_->reopen();
      if (!s_.web_config_file.empty()) {
        reload_web_config(s_.web_config_file, server_, plan_.web_config, logger_);
      }
    }
    return signal;
  }

  // Timed work; false when the exporter should exit (the replay is over).
  bool tick(std::chrono::steady_clock::time_point now) {
    exporter().expire_partial_frame(now, kPartialFrameTimeout);
    if (s_.replay_exit_at_end && exporter().end_of_input_seen()) {
      logger_.info("capture replayed; exiting (--replay.exit-at-end)");
      return false;
    }
    if (!probe_.chosen) probe_serial_format(now);
    return true;
  }

  void probe_serial_format(std::chrono::steady_clock::time_point now) {
    const auto snap = state_->snapshot();
    if (snap.frames_total > probe_.frames_at_switch) {
      probe_.chosen = true;
      logger_.info("serial format chosen: frames pass their checksums",
                   {{"format", std::string(source::to_string(serial_->format()))}});
      return;
    }
    if (now < probe_.deadline || snap.received_bytes <= probe_.bytes_at_switch) return;
    const auto next = serial_->format() == source::SerialFormat::eight_even_one
                          ? source::SerialFormat::eight_none_one
                          : source::SerialFormat::eight_even_one;
    logger_.info("no valid frame yet; trying the other serial format",
                 {{"format", std::string(source::to_string(next))}});
    serial_->set_format(next);
    probe_.frames_at_switch = snap.frames_total;
    probe_.bytes_at_switch = snap.received_bytes;
    probe_.deadline = now + SerialFormatProbe::kPatience;
  }

  void stop_source() noexcept {
    if (!source_thread_.joinable()) return;
    source_->stop();
    source_thread_.join();
  }

  // --- the routes ---------------------------------------------------------------------

  http::Response metrics() {
    http::Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics::serialize({&*meter_collector_, &process_collector_});
    return r;
  }

  http::Response status_page() {
    http::Response r;
    r.content_type = "text/html; charset=utf-8";
    const auto now = metrics::HostTime::now();
    r.body = landing_->render(state_->snapshot(), state_->power_history(now.wall), now);
    r.headers = {{"Content-Security-Policy", status_page_csp()}, {"Cache-Control", "no-store"}};
    return r;
  }

  http::Response reading() {
    http::Response r;
    r.content_type = "application/json";
    const auto now = metrics::HostTime::now();
    r.body = render_reading_json(landing_->options, state_->snapshot(),
                                 state_->power_history(now.wall), now);
    r.headers = {{"Cache-Control", "no-store"}};
    return r;
  }

  Exporter& exporter() { return **exporter_; }

  ServeSettings& s_;
  Logger logger_;
  ServePlan plan_;
  source::UniqueFd signal_fd_;
  source::UniqueFd wake_fd_;
  source::SerialSource* serial_{nullptr};  // the source, when it is a serial device
  std::unique_ptr<source::Source> source_;
  SerialFormatProbe probe_;
  std::optional<metrics::MeterState> state_;
  std::string key_fingerprint_;
  std::string auth_key_fingerprint_;
  std::optional<crypto::SecretBox<Exporter>> exporter_;
  std::optional<source::CaptureWriter> recorder_;
  std::optional<source::CapturingSink> recording_;
  std::optional<metrics::MeterCollector> meter_collector_;
  metrics::ProcessCollector process_collector_;
  std::optional<LandingPage> landing_;
  const SystemdNotifier systemd_;
  std::chrono::steady_clock::time_point watchdog_due_;
  // Declared after everything its routes use, so it is stopped before they go.
  http::HttpServer server_{verify_bcrypt};
  std::thread source_thread_;  // runs source_ into the exporter; joined by stop_source()
};

}  // namespace

int run_serve(ServeSettings& settings) {
  ServeService service(settings);
  return service.run();
}

}  // namespace sm::app
