#include "source/serial.h"

#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <termios.h>
#include <unistd.h>

#include "source/reconnect.h"
#include "source/serial_termios.h"

namespace sm::source {
namespace {

struct BaudRate {
  int bits_per_second;
  speed_t termios_constant;
};

constexpr std::array<BaudRate, 11> kBaudRates{{
    {300, B300},
    {600, B600},
    {1200, B1200},
    {1800, B1800},
    {2400, B2400},
    {4800, B4800},
    {9600, B9600},
    {19200, B19200},
    {38400, B38400},
    {57600, B57600},
    {115200, B115200},
}};

std::optional<speed_t> termios_speed(int baud) noexcept {
  for (const auto& rate : kBaudRates) {
    if (rate.bits_per_second == baud) return rate.termios_constant;
  }
  return std::nullopt;
}

// The settings that decide how bytes are framed and delivered. Other bits (HUPCL,
// driver-private flags) may differ from what was asked without harm.
bool same_line_settings(const termios& actual, const termios& wanted) noexcept {
  constexpr tcflag_t kFramingFlags = CSIZE | PARENB | PARODD | CSTOPB | CREAD | CLOCAL | CRTSCTS;
  constexpr tcflag_t kInputFlags = IXON | IXOFF | ICRNL | INLCR | IGNCR | ISTRIP | INPCK;
  return ::cfgetispeed(&actual) == ::cfgetispeed(&wanted) &&
         (actual.c_cflag & kFramingFlags) == (wanted.c_cflag & kFramingFlags) &&
         (actual.c_iflag & kInputFlags) == (wanted.c_iflag & kInputFlags) &&
         (actual.c_lflag & ICANON) == (wanted.c_lflag & ICANON) &&
         actual.c_cc[VMIN] == wanted.c_cc[VMIN] && actual.c_cc[VTIME] == wanted.c_cc[VTIME];
}

std::string open_error(const std::string& device, int error) {
  std::string text = "open " + device + ": " + errno_text(error);
  if (error == EACCES) text += " (is the user in the dialout group?)";
  return text;
}

class TermiosSerialSource final : public SerialSource, private StreamOpener {
 public:
  explicit TermiosSerialSource(SerialOptions options)
      : loop_(options.backoff),
        device_(std::move(options.device)),
        baud_(options.baud),
        format_(options.format) {}

  void run(Sink& sink) override { loop_.run(sink, *this); }
  void stop() override { loop_.stop(); }
  void reopen() override { loop_.reopen(); }

  [[nodiscard]] std::string describe() const override {
    return "serial " + device_ + " " + std::to_string(baud_) + " " +
           std::string(to_string(format()));
  }
  void set_format(SerialFormat format) override {
    if (format_.exchange(format) != format) loop_.reopen();
  }
  [[nodiscard]] SerialFormat format() const override { return format_.load(); }

  [[nodiscard]] const SourceControl& control() const noexcept { return loop_.control(); }

 private:
  OpenResult open_stream(SourceControl& /*control*/, Sink& sink) override {
    // O_NONBLOCK: open() of a tty can otherwise wait for carrier detect.
    UniqueFd fd(::open(device_.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
    if (!fd) return tl::unexpected(open_error(device_, errno));

    // Two readers on one port would each get half the bytes; an advisory lock makes a
    // second exporter instance wait instead.
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      int error = errno;
      if (error == EWOULDBLOCK) {
        return tl::unexpected(device_ + " is in use by another process (locked)");
      }
      return tl::unexpected("flock " + device_ + ": " + errno_text(error));
    }

    termios tio{};
    if (::tcgetattr(fd.get(), &tio) != 0) {
      int error = errno;
      if (error == ENOTTY) return tl::unexpected(device_ + " is not a serial device");
      return tl::unexpected("tcgetattr " + device_ + ": " + errno_text(error));
    }
    const SerialFormat wanted_format = format();
    auto wanted = raw_termios(tio, baud_, wanted_format);
    if (!wanted) return tl::unexpected("unsupported baud rate " + std::to_string(baud_));
    int set_error = ::tcsetattr(fd.get(), TCSANOW, &*wanted) == 0 ? 0 : errno;

    // tcsetattr() succeeds when *any* requested change took and fails (EINVAL) when none
    // could, so read back what the device really does. A pseudo-terminal (socat, tests)
    // never keeps PARENB: it accepts the first request and refuses a later one that
    // changes nothing but parity. Without parity the line is still usable (the app's
    // format auto-detection copes). Other differences after a successful call (a driver
    // rounding the speed) are reported but not fatal: a working adapter must not be
    // refused over a flag.
    termios applied{};
    if (::tcgetattr(fd.get(), &applied) != 0) {
      return tl::unexpected("tcgetattr " + device_ + ": " + errno_text(errno));
    }
    if (!same_line_settings(applied, *wanted)) {
      auto without_parity = raw_termios(tio, baud_, SerialFormat::eight_none_one);
      if (without_parity && same_line_settings(applied, *without_parity)) {
        sink.log(LogLevel::warn, device_ + " does not support parity; reading " +
                                     std::string(to_string(SerialFormat::eight_none_one)) +
                                     " instead of " + std::string(to_string(wanted_format)) +
                                     " (a pseudo-terminal?)");
      } else if (set_error != 0) {
        return tl::unexpected("tcsetattr " + device_ + ": " + errno_text(set_error));
      } else {
        sink.log(LogLevel::warn, device_ + " did not take all of " + std::to_string(baud_) +
                                     " baud " + std::string(to_string(wanted_format)) +
                                     ", raw mode; reading anyway");
      }
    }
    // Bytes buffered before now were received with the old settings: drop them.
    ::tcflush(fd.get(), TCIFLUSH);
    return fd;
  }

  [[nodiscard]] std::string end_of_stream_reason() const override { return "device hung up"; }

  ReconnectLoop loop_;
  std::string device_;
  int baud_;
  std::atomic<SerialFormat> format_;
};

}  // namespace

// Raw 8-bit input, no flow control, reads never block (VMIN=0/VTIME=0: we only read
// after poll() reported data). Parity errors are not checked by the line discipline
// (no INPCK): a damaged byte is passed on unchanged and the frame checksum rejects it,
// which keeps the stream aligned for the framer's resync.
std::optional<termios> raw_termios(const termios& current, int baud, SerialFormat format) noexcept {
  auto speed = termios_speed(baud);
  if (!speed) return std::nullopt;
  termios tio = current;
  ::cfmakeraw(&tio);
  tio.c_cflag |= CLOCAL | CREAD;  // ignore modem lines: meters drive no DCD
  tio.c_cflag &= ~static_cast<tcflag_t>(CRTSCTS | CSTOPB | PARODD | PARENB);
  if (format == SerialFormat::eight_even_one) tio.c_cflag |= PARENB;
  tio.c_iflag &= ~static_cast<tcflag_t>(IXON | IXOFF | IXANY | INPCK);
  tio.c_cc[VMIN] = 0;
  tio.c_cc[VTIME] = 0;
  ::cfsetispeed(&tio, *speed);
  ::cfsetospeed(&tio, *speed);
  return tio;
}

std::string_view to_string(SerialFormat format) noexcept {
  switch (format) {
    case SerialFormat::eight_even_one:
      return "8E1";
    case SerialFormat::eight_none_one:
      return "8N1";
  }
  return "8E1";
}

std::optional<SerialFormat> parse_serial_format(std::string_view text) noexcept {
  if (text.size() != 3 || text[0] != '8' || text[2] != '1') return std::nullopt;
  switch (std::toupper(static_cast<unsigned char>(text[1]))) {
    case 'E':
      return SerialFormat::eight_even_one;
    case 'N':
      return SerialFormat::eight_none_one;
    default:
      return std::nullopt;
  }
}

std::vector<int> supported_baud_rates() {
  std::vector<int> rates;
  rates.reserve(kBaudRates.size());
  for (const auto& rate : kBaudRates) rates.push_back(rate.bits_per_second);
  return rates;
}

bool is_supported_baud_rate(int baud) noexcept {
  return termios_speed(baud).has_value();
}

Result<std::unique_ptr<SerialSource>> make_serial_source(SerialOptions options) {
  if (options.device.empty()) {
    return config_error(Layer::source, "serial device path is empty");
  }
  if (!is_supported_baud_rate(options.baud)) {
    std::string supported;
    for (int rate : supported_baud_rates()) {
      if (!supported.empty()) supported += ", ";
      supported += std::to_string(rate);
    }
    return config_error(Layer::source, "unsupported baud rate " + std::to_string(options.baud) +
                                           " (supported: " + supported + ")");
  }
  auto source = std::make_unique<TermiosSerialSource>(std::move(options));
  if (!source->control().valid()) {
    return config_error(Layer::source, source->control().setup_error());
  }
  return std::unique_ptr<SerialSource>(std::move(source));
}

}  // namespace sm::source
