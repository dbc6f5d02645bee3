#include "app/serve_plan.h"

#include "app/duration.h"
#include "app/source_factory.h"
#include "source/demo_meter.h"
#include "source/replay.h"
#include "source/tcp.h"

namespace sm::app {

Result<ServePlan> plan_serve(const ServeSettings& s) {
  ServePlan p;
  for (const auto& text : s.listen_addresses) {
    auto addr = http::parse_listen_address(text);
    if (!addr)
      return config_error(Layer::app, "--web.listen-address " + text + ": " + addr.error().message);
    p.listen.push_back(*addr);
  }
  if (auto checked = check_serve_flags(s); !checked) return tl::unexpected(checked.error());
  auto stale = parse_duration(s.stale_after);
  if (!stale || stale->count() <= 0) {
    return config_error(Layer::app, "--meter.stale-after: not a duration like 30s or 5m: \"" +
                                        s.stale_after + "\"");
  }
  p.stale_after = *stale;
  auto interval = parse_duration(s.demo_interval);
  if (!interval || interval->count() < 10) {
    return config_error(Layer::app, "--demo.interval: not a duration of at least 10ms: \"" +
                                        s.demo_interval + "\"");
  }
  p.demo_interval = *interval;
  if (s.demo && !s.replay_file.empty())
    return config_error(Layer::app, "--demo and --replay.file exclude each other");
  if (!s.demo && s.replay_file.empty() && !source::is_tcp_url(s.serial_device)) {
    if (auto baud = checked_baud(s.serial_baud); !baud) return tl::unexpected(baud.error());
  }
  if (source::is_tcp_url(s.serial_device)) {
    auto endpoint = source::parse_tcp_url(s.serial_device);
    if (!endpoint) return config_error(Layer::app, "--serial.device: " + endpoint.error().message);
  }
  if (!s.web_config_file.empty()) {
    auto config = http::load_web_config(s.web_config_file);
    if (!config) return config_error(Layer::app, "--web.config.file: " + config.error().message);
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

Result<std::unique_ptr<source::Source>> make_serve_source(const ServeSettings& s,
                                                          const ServePlan& p,
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

}  // namespace sm::app
