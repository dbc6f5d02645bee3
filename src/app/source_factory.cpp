#include "app/source_factory.h"

#include <charconv>

#include "source/tcp.h"

namespace sm::app {

Result<std::unique_ptr<source::Source>> make_device_source(const std::string& device, int baud,
                                                           source::SerialFormat format,
                                                           source::SerialSource** serial) {
  if (serial != nullptr) *serial = nullptr;
  if (source::is_tcp_url(device)) {
    auto endpoint = source::parse_tcp_url(device);
    if (!endpoint) return tl::unexpected(endpoint.error());
    source::TcpOptions options;
    options.endpoint = *endpoint;
    return source::make_tcp_source(options);
  }
  source::SerialOptions options;
  options.device = device;
  options.baud = baud;
  options.format = format;
  auto made = source::make_serial_source(options);
  if (!made) return tl::unexpected(made.error());
  if (serial != nullptr) *serial = made->get();
  return std::unique_ptr<source::Source>(std::move(*made));
}

source::SerialFormat initial_serial_format(std::string_view flag) noexcept {
  return source::parse_serial_format(flag).value_or(source::SerialFormat::eight_even_one);
}

void add_device_flags(CLI::App& command, ServeSettings& s, std::string& baud) {
  command
      .add_option("--serial.device", s.serial_device,
                  "Serial device (/dev/ttyUSB0, /dev/serial/by-id/...) or tcp://host:port")
      ->capture_default_str();
  command.add_option("--serial.baud", baud, "Baud rate (default: as for serving)");
  command.add_option("--serial.format", s.serial_format, "Character format: 8E1, 8N1 or auto")
      ->check(CLI::IsMember({"8E1", "8N1", "auto"}))
      ->capture_default_str();
}

Result<int> checked_baud(int baud, std::string_view as_given) {
  if (source::is_supported_baud_rate(baud)) return baud;
  return config_error(Layer::app,
                      "--serial.baud " +
                          (as_given.empty() ? std::to_string(baud) : std::string(as_given)) +
                          " is not a supported rate");
}

Result<int> device_baud(const std::string& baud, const ServeSettings& s) {
  if (baud.empty()) return s.serial_baud;
  int value = 0;
  const auto* end = baud.data() + baud.size();
  const auto [ptr, ec] = std::from_chars(baud.data(), end, value);
  return checked_baud(ec == std::errc() && ptr == end ? value : 0, baud);
}

}  // namespace sm::app
