// SerialSource: a tty (USB M-Bus/P1/HAN adapter, /dev/serial/by-id/... symlink, or a
// pseudo-terminal) in raw mode, read with poll(). Unplugging the adapter is a
// disconnect, not an error: the source reports it and reopens the path with backoff.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "source/source.h"

namespace sm::source {

// Character format on the line. "auto" is the application's business: it starts with
// one format and calls SerialSource::set_format() with the other when frames fail.
enum class SerialFormat {
  eight_even_one,  // 8E1: M-Bus (EN 13757-2) and the Nordic HAN ports
  eight_none_one,  // 8N1: P1 ports, some M-Bus adapters that strip parity
};

[[nodiscard]] std::string_view to_string(SerialFormat format) noexcept;  // "8E1", "8N1"
// Accepts "8E1"/"8N1" in any case; nullopt otherwise (including "auto").
[[nodiscard]] std::optional<SerialFormat> parse_serial_format(std::string_view text) noexcept;

// Baud rates the source accepts, ascending (300 ... 115200).
[[nodiscard]] std::vector<int> supported_baud_rates();
[[nodiscard]] bool is_supported_baud_rate(int baud) noexcept;

struct SerialOptions {
  std::string device;  // a path; symlinks are followed by open()
  int baud = 2400;
  SerialFormat format = SerialFormat::eight_even_one;
  Backoff backoff;
};

class SerialSource : public Source {
 public:
  // Thread-safe. Switches the character format and reopens the device with it
  // (on_disconnected("reopen requested") then on_connected(true)). No-op when unchanged.
  virtual void set_format(SerialFormat format) = 0;
  [[nodiscard]] virtual SerialFormat format() const = 0;
};

// Fails only for options that can never work (unsupported baud rate, empty path); a
// device that is missing now is retried in run().
[[nodiscard]] Result<std::unique_ptr<SerialSource>> make_serial_source(SerialOptions options);

}  // namespace sm::source
