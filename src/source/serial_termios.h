// The termios settings the serial source applies, as a pure function so that tests can
// check them: a pseudo-terminal (the only tty a unit test has) ignores parity bits, so
// parity cannot be observed by reading the settings back.
#pragma once

#include <optional>
#include <termios.h>

#include "source/serial.h"

namespace sm::source {

// `current` with raw 8-bit input, no flow control, CLOCAL|CREAD, the given baud rate and
// format, VMIN=0/VTIME=0. nullopt for an unsupported baud rate.
[[nodiscard]] std::optional<termios> raw_termios(const termios& current, int baud,
                                                 SerialFormat format) noexcept;

}  // namespace sm::source
