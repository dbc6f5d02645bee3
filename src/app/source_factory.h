// Opening the byte source a --serial.device names, shared by serve, diagnose and record.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "app/serve_command.h"
#include "common/result.h"
#include "source/serial.h"
#include "source/source.h"

namespace sm::app {

// "tcp://host:port" opens a TcpSource, anything else a SerialSource with `baud` and
// `format`. `serial` (optional) receives the SerialSource, or nullptr for TCP.
[[nodiscard]] Result<std::unique_ptr<source::Source>> make_device_source(
    const std::string& device, int baud, source::SerialFormat format,
    source::SerialSource** serial = nullptr);

// The character format --serial.format asks for; "auto" starts with 8E1 (EN 13757-2).
[[nodiscard]] source::SerialFormat initial_serial_format(std::string_view flag) noexcept;

// Adds the device flags of the serving command (--serial.device, --serial.format) to a
// subcommand, bound to the same settings, so they may be given before the subcommand,
// after it or in --config. --serial.baud goes to `baud` (text: diagnose also takes
// "auto"); empty means the serving setting.
void add_device_flags(CLI::App& command, ServeSettings& settings, std::string& baud);

// `baud` when it is a rate the serial source supports, else the --serial.baud config error
// (`as_given`: the flag's text, when it was given as text).
[[nodiscard]] Result<int> checked_baud(int baud, std::string_view as_given = {});

// `baud` as add_device_flags() stored it, or the serving setting when it is empty.
[[nodiscard]] Result<int> device_baud(const std::string& baud, const ServeSettings& settings);

}  // namespace sm::app
