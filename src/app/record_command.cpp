#include "app/record_command.h"

#include <cerrno>
#include <ctime>
#include <iostream>
#include <signal.h>
#include <thread>

#include "app/duration.h"
#include "app/log.h"
#include "app/source_factory.h"
#include "source/capturing_sink.h"

namespace sm::app {

CLI::App* add_record_command(CLI::App& app, RecordSettings& r, ServeSettings& s) {
  auto* cmd = app.add_subcommand(
      "record", "Write the device's raw bytes with arrival times to a capture file");
  cmd->add_option("--output,-o", r.output, "Capture file to write (- for standard output)")
      ->required();
  cmd->add_flag("--append", r.append,
                "Continue an existing capture file; without it an existing file is refused");
  cmd->add_option("--duration", r.duration, "How long to record (0: until Ctrl-C or SIGTERM)")
      ->capture_default_str();
  add_device_flags(*cmd, s, r.baud);
  return cmd;
}

namespace {

// Reports the source's events on stderr; the bytes themselves only go to the capture.
class StatusSink final : public source::Sink {
 public:
  void on_bytes(std::span<const std::uint8_t>, std::chrono::system_clock::time_point) override {}
  void on_connected(bool) override {}
  void on_disconnected(std::string_view reason) override {
    std::cerr << "record: lost the stream: " << reason << "\n";
  }
  void on_end_of_input() override {}
  void log(LogLevel level, std::string_view message) override {
    if (level >= LogLevel::info) std::cerr << "record: " << message << "\n";
  }
};

int usage_error(const std::string& message) {
  print_error("smartmeter_exporter record", message);
  return 2;
}

}  // namespace

int run_record(const RecordSettings& r, const ServeSettings& s) {
  const auto duration = parse_duration(r.duration);
  if (!duration && r.duration != "0") {
    return usage_error("--duration: not a duration like 30s or 5m: \"" + r.duration + "\"");
  }
  const auto limit = duration.value_or(std::chrono::milliseconds{0});
  auto baud = device_baud(r.baud, s);
  if (!baud) return usage_error(baud.error().message);
  // The format is fixed while recording; `diagnose` finds the right one.
  const auto format = initial_serial_format(s.serial_format);
  auto made = make_device_source(s.serial_device, *baud, format);
  if (!made) return usage_error("--serial.device: " + made.error().message);
  auto& source = **made;
  const std::vector<std::string> comments{"source " + source.describe()};
  const source::CaptureWriterOptions options{r.append, "--append", {}};
  auto writer = source::CaptureWriter::create(r.output, comments,
                                              source::CaptureWriter::Clock::now(), options);
  if (!writer) return usage_error("--output: " + writer.error().message);

  // Signals are taken synchronously below; block them before the source thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  StatusSink status;
  source::CapturingSink recording(*writer, status);
  std::cerr << "record: " << source.describe() << " -> " << r.output
            << (limit.count() > 0 ? " for " + format_duration(limit) : " until Ctrl-C") << "\n";
  const auto started = std::chrono::steady_clock::now();
  std::thread runner([&] { source.run(recording); });
  if (limit.count() > 0) {
    // Until the time is up or a signal comes; EINTR (another signal) waits for the rest.
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          limit - (std::chrono::steady_clock::now() - started));
      if (left.count() <= 0) break;
      const timespec timeout{static_cast<time_t>(left.count() / 1000),
                             static_cast<long>(left.count() % 1000) * 1000000L};
      if (sigtimedwait(&signals, nullptr, &timeout) >= 0 || errno != EINTR) break;
    }
  } else {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
  }
  source.stop();
  runner.join();
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started);
  std::cerr << "record: " << recording.bytes_written() << " bytes in "
            << static_cast<long>(seconds.count() + 0.5) << " s written to " << r.output << "\n";
  if (recording.bytes_written() == 0) {
    std::cerr << "record: no bytes arrived; `smartmeter_exporter diagnose` says why\n";
    return 1;
  }
  return 0;
}

}  // namespace sm::app
