#include "app/diagnose_command.h"

#include <iostream>
#include <thread>

#include "app/diagnosis.h"
#include "app/duration.h"
#include "app/flag_checks.h"
#include "app/keys.h"
#include "app/log.h"
#include "app/source_factory.h"
#include "source/tcp.h"

namespace sm::app {

CLI::App* add_diagnose_command(CLI::App& app, DiagnoseSettings& d, ServeSettings& s) {
  auto* cmd = app.add_subcommand(
      "diagnose", "Read the source for a while and say, stage by stage, what works and what not");
  cmd->add_option("--duration", d.duration, "How long to read the device")->capture_default_str();
  add_device_flags(*cmd, s, d.baud);
  cmd->add_option("--replay.file,input", d.input,
                  "Diagnose a capture file (timed capture, hex or binary) instead of the device");
  cmd->add_option("--meter.key-file,--key-file", s.key_file, "File with the encryption key");
  cmd->add_option("--meter.auth-key-file,--auth-key-file", s.auth_key_file,
                  "File with the authentication key");
  cmd->add_option("--meter.key,--key", s.key_hex, "Encryption key, 32 hex digits (visible in ps)");
  cmd->add_option("--meter.auth-key,--auth-key", s.auth_key_hex,
                  "Authentication key, 32 hex digits (visible in ps)");
  cmd->add_option("--meter.profile,--profile", s.profile,
                  "Positional profile for bodies without OBIS codes (auto detects)")
      ->capture_default_str();
  return cmd;
}

namespace {

// Collects what one listening period delivers (called from the source thread only;
// read after it has ended).
class TrialSink final : public source::Sink {
 public:
  TrialSink(Trial& trial, std::chrono::system_clock::time_point start)
      : trial_(trial), start_(start) {}
  void on_bytes(std::span<const std::uint8_t> bytes,
                std::chrono::system_clock::time_point arrival) override {
    const auto offset = std::chrono::floor<std::chrono::microseconds>(arrival - start_);
    trial_.chunks.push_back(std::max(offset, std::chrono::microseconds{0}), bytes);
  }
  void on_connected(bool) override {}
  void on_disconnected(std::string_view reason) override {
    if (reason != "reopen requested") note("lost the stream: " + std::string(reason));
  }
  void on_end_of_input() override {}
  void log(LogLevel level, std::string_view message) override {
    // Only failures to open count; other warnings (a pty without parity) are no verdict.
    if (level < LogLevel::warn || !message.starts_with("cannot open")) return;
    note(std::string(message.substr(0, message.find("; retrying"))));
  }

 private:
  void note(std::string text) {
    auto& errors = trial_.open_errors;
    if (std::find(errors.begin(), errors.end(), text) == errors.end()) errors.push_back(text);
  }
  Trial& trial_;
  std::chrono::system_clock::time_point start_;
};

Trial listen(source::Source& source, std::string label, std::chrono::milliseconds duration) {
  Trial trial;
  trial.label = std::move(label);
  trial.listened = duration;
  std::cerr << "diagnose: reading " << source.describe() << " for " << format_duration(duration)
            << " ...\n";
  TrialSink sink(trial, std::chrono::system_clock::now());
  std::thread runner([&] { source.run(sink); });
  std::this_thread::sleep_for(duration);
  source.stop();
  runner.join();
  return trial;
}

int usage_error(const std::string& message) {
  print_error("smartmeter_exporter diagnose", message);
  return 2;
}

}  // namespace

int run_diagnose(const DiagnoseSettings& d, const ServeSettings& s) {
  const auto duration = parse_duration(d.duration);
  if (!duration || duration->count() <= 0) {
    return usage_error("--duration: not a duration like 30s or 5s: \"" + d.duration + "\"");
  }
  pipeline::DecoderOptions options;
  std::vector<std::string> warnings;
  auto keys = resolve_keys(encryption_key_source(s), authentication_key_source(s), warnings);
  if (!keys) return usage_error(keys.error().message);
  for (const auto& w : warnings) print_error("smartmeter_exporter diagnose", "warning: " + w);
  options.keys = *keys;
  if (auto known = check_profile(s.profile, "--meter.profile"); !known) {
    return usage_error(known.error().message);
  }
  options.cosem.profile = s.profile;

  DiagnosisInput input;
  const std::string file = !d.input.empty() ? d.input : s.replay_file;
  if (!file.empty()) {
    auto capture = source::read_capture_file(file);
    if (!capture) return usage_error(file + ": " + capture.error().message);
    input.kind = SourceKind::file;
    input.source = "capture " + file + " (" + std::string(source::to_string(capture->kind)) + ")";
    Trial trial{"capture file", std::move(capture->chunks), {}, {}};
    trial.listened = std::chrono::duration_cast<std::chrono::milliseconds>(capture->span());
    input.trials.push_back(std::move(trial));
  } else if (source::is_tcp_url(s.serial_device)) {
    auto made =
        make_device_source(s.serial_device, s.serial_baud, source::SerialFormat::eight_even_one);
    if (!made) return usage_error("--serial.device: " + made.error().message);
    input.kind = SourceKind::tcp;
    input.source = (*made)->describe();
    input.trials.push_back(listen(**made, input.source, *duration));
  } else {
    std::vector<int> bauds;
    if (d.baud == "auto") {
      bauds = {2400, 9600, 115200};
    } else {
      auto baud = device_baud(d.baud, s);
      if (!baud) return usage_error(baud.error().message);
      bauds = {*baud};
    }
    std::vector<source::SerialFormat> formats;
    if (s.serial_format == "auto") {
      formats = {source::SerialFormat::eight_even_one, source::SerialFormat::eight_none_one};
    } else {
      formats = {*source::parse_serial_format(s.serial_format)};
    }
    input.kind = SourceKind::serial;
    input.source = "serial " + s.serial_device;
    // Each combination gets an equal share of the duration (the port is reopened with it).
    const auto share = *duration / static_cast<long>(bauds.size() * formats.size());
    for (int baud : bauds) {
      for (auto format : formats) {
        auto made = make_device_source(s.serial_device, baud, format);
        if (!made) return usage_error("--serial.device: " + made.error().message);
        input.trials.push_back(listen(
            **made, std::string(source::to_string(format)) + " " + std::to_string(baud), share));
      }
    }
  }

  std::cout << "smartmeter_exporter diagnose: " << input.source << "; "
            << key_description(options.keys.encryption, "key") << ", "
            << key_description(options.keys.authentication, "authentication key") << "\n\n";
  const Diagnosis diagnosis = diagnose(input, options);
  std::cout << format_diagnosis(diagnosis);
  return diagnosis.values_decoded ? 0 : 1;
}

}  // namespace sm::app
