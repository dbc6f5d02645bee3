// The serving command's settings, validated before anything starts (ServePlan), and the byte
// source they name. run_serve's first steps (serve_service.cpp).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/serve_command.h"
#include "common/result.h"
#include "http/listen_address.h"
#include "http/web_config.h"
#include "pipeline/decoder.h"
#include "source/serial.h"
#include "source/source.h"

namespace sm::app {

struct ServePlan {
  std::vector<http::ListenAddress> listen;
  std::chrono::milliseconds stale_after{30000};
  std::chrono::milliseconds demo_interval{5000};
  pipeline::DecoderOptions decoder;
  std::vector<std::string> warnings;
  std::optional<http::WebConfig> web_config;
};

// Every flag checked and every file read (keys, web config); a config error names the flag.
[[nodiscard]] Result<ServePlan> plan_serve(const ServeSettings& settings);

// The source the settings name: the demo meter, a replayed capture, a serial device or a
// TCP bridge. `serial` receives the SerialSource (nullptr for the others).
[[nodiscard]] Result<std::unique_ptr<source::Source>> make_serve_source(
    const ServeSettings& settings, const ServePlan& plan, source::SerialSource** serial);

}  // namespace sm::app
