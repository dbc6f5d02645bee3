#include "source/serial.h"

#include <atomic>
#include <fcntl.h>
#include <fstream>
#include <stdexcept>
#include <termios.h>
#include <time.h>

#include <gtest/gtest.h>

#include "source/serial_termios.h"
#include "source_test_support.h"

namespace sm::source {
namespace {

using namespace std::chrono_literals;
using testing::PseudoTerminal;
using testing::RecordingSink;
using testing::RunningSource;
using testing::TempDir;

// Short backoff so reconnect tests take milliseconds, not seconds.
constexpr Backoff kFastBackoff{20ms, 100ms};

std::unique_ptr<SerialSource> make_source(const std::string& device,
                                          SerialFormat format = SerialFormat::eight_even_one) {
  auto source = make_serial_source({device, 2400, format, kFastBackoff});
  EXPECT_TRUE(source) << source.error().describe();
  return source ? std::move(*source) : nullptr;
}

// The slave's termios as the source left it (a second open of the same tty sees them).
termios slave_settings(const std::string& path) {
  termios settings{};
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
  EXPECT_TRUE(fd.valid());
  EXPECT_EQ(::tcgetattr(fd.get(), &settings), 0);
  return settings;
}

std::chrono::nanoseconds process_cpu_time() {
  timespec now{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return std::chrono::seconds{now.tv_sec} + std::chrono::nanoseconds{now.tv_nsec};
}

TEST(SerialFormat, ParsesAndPrints) {
  EXPECT_EQ(parse_serial_format("8E1"), SerialFormat::eight_even_one);
  EXPECT_EQ(parse_serial_format("8n1"), SerialFormat::eight_none_one);
  EXPECT_EQ(parse_serial_format("auto"), std::nullopt);
  EXPECT_EQ(parse_serial_format("7E1"), std::nullopt);
  EXPECT_EQ(to_string(SerialFormat::eight_none_one), "8N1");
}

TEST(RawTermios, EightEvenOneAndEightNoneOne) {
  termios cooked{};
  cooked.c_iflag = ICRNL | IXON | IXOFF | INPCK | ISTRIP;
  cooked.c_oflag = OPOST | ONLCR;
  cooked.c_lflag = ICANON | ECHO | ISIG | IEXTEN;
  cooked.c_cflag = CS7 | PARODD | CSTOPB | CRTSCTS | HUPCL;
  cooked.c_cc[VMIN] = 1;
  cooked.c_cc[VTIME] = 5;

  auto even = raw_termios(cooked, 2400, SerialFormat::eight_even_one);
  ASSERT_TRUE(even);
  EXPECT_EQ(even->c_cflag & CSIZE, static_cast<tcflag_t>(CS8));
  EXPECT_NE(even->c_cflag & PARENB, 0U);
  EXPECT_EQ(even->c_cflag & (PARODD | CSTOPB | CRTSCTS), 0U);
  EXPECT_EQ(even->c_cflag & (CLOCAL | CREAD), static_cast<tcflag_t>(CLOCAL | CREAD));
  EXPECT_EQ(even->c_iflag & (ICRNL | IXON | IXOFF | INPCK | ISTRIP), 0U);
  EXPECT_EQ(even->c_oflag & OPOST, 0U);
  EXPECT_EQ(even->c_lflag & (ICANON | ECHO | ISIG | IEXTEN), 0U);
  EXPECT_EQ(even->c_cc[VMIN], 0);
  EXPECT_EQ(even->c_cc[VTIME], 0);
  EXPECT_EQ(::cfgetispeed(&*even), static_cast<speed_t>(B2400));
  EXPECT_EQ(::cfgetospeed(&*even), static_cast<speed_t>(B2400));

  auto none = raw_termios(cooked, 115200, SerialFormat::eight_none_one);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->c_cflag & (PARENB | PARODD | CSTOPB), 0U);
  EXPECT_EQ(none->c_cflag & CSIZE, static_cast<tcflag_t>(CS8));
  EXPECT_EQ(::cfgetispeed(&*none), static_cast<speed_t>(B115200));

  EXPECT_FALSE(raw_termios(cooked, 2401, SerialFormat::eight_even_one));
}

TEST(SerialSource, RejectsUnsupportedBaudRateAndEmptyPath) {
  auto bad_baud = make_serial_source({"/dev/ttyUSB0", 2401, SerialFormat::eight_even_one, {}});
  ASSERT_FALSE(bad_baud);
  EXPECT_EQ(bad_baud.error().code, ErrorCode::config);
  EXPECT_NE(bad_baud.error().message.find("2401"), std::string::npos);
  EXPECT_NE(bad_baud.error().message.find("115200"), std::string::npos);
  EXPECT_FALSE(make_serial_source({"", 2400, SerialFormat::eight_even_one, {}}));
  EXPECT_TRUE(is_supported_baud_rate(300));
  EXPECT_TRUE(is_supported_baud_rate(115200));
  EXPECT_EQ(supported_baud_rates().front(), 300);
}

TEST(SerialSource, DescribesDeviceBaudAndFormat) {
  auto source = make_source("/dev/ttyUSB0");
  ASSERT_TRUE(source);
  EXPECT_EQ(source->describe(), "serial /dev/ttyUSB0 2400 8E1");
}

TEST(SerialSource, DeliversBytesWrittenToPseudoTerminal) {
  auto pty = PseudoTerminal::open();
  ASSERT_TRUE(pty.master.valid());
  auto source = make_source(pty.slave_path);
  RecordingSink sink;
  RunningSource running(*source, sink);
  ASSERT_TRUE(sink.wait_for_connects(1, 0));

  // Raw mode: CR, LF, XON/XOFF, ^C, DEL, NUL and 0xFF must pass through unchanged.
  std::vector<std::uint8_t> bytes{0x68, 0xFA, 0xFA, 0x68, 0x0D, 0x0A, 0x11,
                                  0x13, 0x03, 0x7F, 0x00, 0xFF, 0x16};
  ASSERT_TRUE(pty.write(bytes));
  ASSERT_TRUE(sink.wait_for_bytes(bytes.size()));
  EXPECT_EQ(sink.bytes(), bytes);
  EXPECT_EQ(sink.first_connects(), 1);
  EXPECT_EQ(sink.reconnects(), 0);

  // Parity is not visible on a pty (Linux forces CS8, no PARENB); see RawTermios.
  termios settings = slave_settings(pty.slave_path);
  EXPECT_EQ(settings.c_cflag & CSIZE, static_cast<tcflag_t>(CS8));
  EXPECT_EQ(settings.c_lflag & ICANON, 0U);
  EXPECT_EQ(::cfgetispeed(&settings), static_cast<speed_t>(B2400));
  EXPECT_LT(running.stop(), 1000ms);  // spec: shutdown within 1 s; generous for sanitizers
}

TEST(SerialSource, ReconnectsThroughSymlinkAfterHangUp) {
  TempDir dir;
  const std::string link = dir.file("ttyTEST");
  auto first = PseudoTerminal::open();
  ASSERT_TRUE(testing::point_symlink(link, first.slave_path));

  auto source = make_source(link);
  RecordingSink sink;
  RunningSource running(*source, sink);
  ASSERT_TRUE(sink.wait_for_connects(1, 0));
  ASSERT_TRUE(first.write({0x01, 0x02, 0x03}));
  ASSERT_TRUE(sink.wait_for_bytes(3));

  // Unplug: the master goes away, the slave reads EIO / POLLHUP, its node vanishes.
  first.master.reset();
  ASSERT_TRUE(sink.wait_for_disconnects(1));

  // Plug back in as a different pts; the source reopens the same link path.
  auto second = PseudoTerminal::open();
  ASSERT_TRUE(testing::point_symlink(link, second.slave_path));
  ASSERT_TRUE(sink.wait_for_connects(1, 1));
  ASSERT_TRUE(second.write({0x04, 0x05}));
  ASSERT_TRUE(sink.wait_for_bytes(5));

  EXPECT_EQ(sink.bytes(), (std::vector<std::uint8_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(sink.first_connects(), 1);
  EXPECT_EQ(sink.reconnects(), 1);
  EXPECT_TRUE(sink.has_log("lost serial " + link));
  EXPECT_LT(running.stop(), 1000ms);  // spec: shutdown within 1 s; generous for sanitizers
}

TEST(SerialSource, MissingDeviceIsRetriedWithoutGivingUp) {
  TempDir dir;
  const std::string link = dir.file("ttyLATER");
  auto source = make_source(link);
  RecordingSink sink;
  RunningSource running(*source, sink);

  ASSERT_TRUE(sink.wait_for_log("cannot open serial " + link));
  // The adapter appears later: the same run() picks it up.
  auto pty = PseudoTerminal::open();
  ASSERT_TRUE(testing::point_symlink(link, pty.slave_path));
  ASSERT_TRUE(sink.wait_for_connects(1, 0));
  ASSERT_TRUE(pty.write({0x7E}));
  ASSERT_TRUE(sink.wait_for_bytes(1));

  // The first failure is a warning; identical repeats are debug, so a missing adapter
  // does not flood the log.
  int warnings = 0;
  for (const auto& line : sink.logs()) {
    if (line.level == LogLevel::warn && line.text.find("cannot open") != std::string::npos) {
      ++warnings;
    }
  }
  EXPECT_EQ(warnings, 1);
  EXPECT_TRUE(sink.disconnect_reasons().empty());
}

TEST(SerialSource, StopsPromptlyWhileWaitingToRetry) {
  auto source =
      make_serial_source({"/nonexistent/ttyUSB9", 2400, SerialFormat::eight_even_one, {10s, 30s}});
  ASSERT_TRUE(source);
  RecordingSink sink;
  RunningSource running(**source, sink);
  ASSERT_TRUE(sink.wait_for_log("No such file or directory"));
  EXPECT_LT(running.stop(), 1000ms);  // spec: shutdown within 1 s; generous for sanitizers
}

TEST(SerialSource, SetFormatReopensWithTheOtherParity) {
  auto pty = PseudoTerminal::open();
  auto source = make_source(pty.slave_path, SerialFormat::eight_even_one);
  RecordingSink sink;
  RunningSource running(*source, sink);
  ASSERT_TRUE(sink.wait_for_connects(1, 0));

  source->set_format(SerialFormat::eight_none_one);
  ASSERT_TRUE(sink.wait_for_connects(1, 1));
  EXPECT_EQ(source->format(), SerialFormat::eight_none_one);
  EXPECT_EQ(source->describe(), "serial " + pty.slave_path + " 2400 8N1");
  ASSERT_EQ(sink.disconnect_reasons().size(), 1U);
  EXPECT_EQ(sink.disconnect_reasons()[0], "reopen requested");

  // Setting the format it already has changes nothing.
  source->set_format(SerialFormat::eight_none_one);
  ASSERT_TRUE(pty.write({0xAA, 0x55}));
  ASSERT_TRUE(sink.wait_for_bytes(2));
  EXPECT_EQ(sink.disconnect_reasons().size(), 1U);

  source->reopen();  // an explicit reopen (SIGHUP) does reopen
  ASSERT_TRUE(sink.wait_for_connects(1, 2));
  EXPECT_EQ(sink.disconnect_reasons().size(), 2U);
}

TEST(SerialSource, PseudoTerminalWithoutParityIsStillUsable) {
  // A pty drops PARENB; once it has, Linux refuses (EINVAL) a tcsetattr() whose only
  // change is PARENB. Reopening the same pty with 8E1 must still work.
  auto pty = PseudoTerminal::open();
  auto source = make_source(pty.slave_path, SerialFormat::eight_even_one);
  RecordingSink sink;
  RunningSource running(*source, sink);
  ASSERT_TRUE(sink.wait_for_connects(1, 0));
  source->reopen();
  ASSERT_TRUE(sink.wait_for_connects(1, 1));
  source->reopen();
  ASSERT_TRUE(sink.wait_for_connects(1, 2));
  EXPECT_TRUE(sink.has_log("does not support parity"));
  ASSERT_TRUE(pty.write({0x42}));
  ASSERT_TRUE(sink.wait_for_bytes(1));
}

TEST(SerialSource, SecondReaderOfTheSameDeviceWaitsForTheLock) {
  auto pty = PseudoTerminal::open();
  auto owner = make_source(pty.slave_path);
  auto intruder = make_source(pty.slave_path);
  RecordingSink owner_sink;
  RecordingSink intruder_sink;
  RunningSource owner_running(*owner, owner_sink);
  ASSERT_TRUE(owner_sink.wait_for_connects(1, 0));
  RunningSource intruder_running(*intruder, intruder_sink);
  ASSERT_TRUE(intruder_sink.wait_for_log("in use by another process"));
  EXPECT_EQ(intruder_sink.first_connects(), 0);

  ASSERT_TRUE(pty.write({0x10, 0x20, 0x30}));
  ASSERT_TRUE(owner_sink.wait_for_bytes(3));
  EXPECT_TRUE(intruder_sink.bytes().empty());
}

TEST(SerialSource, RegularFileIsNotASerialDevice) {
  TempDir dir;
  const std::string path = dir.file("not-a-tty");
  std::ofstream(path) << "hello";
  auto source = make_source(path);
  RecordingSink sink;
  RunningSource running(*source, sink);
  ASSERT_TRUE(sink.wait_for_log("is not a serial device"));
  EXPECT_EQ(sink.first_connects(), 0);
}

// A sink whose first on_bytes() throws (an application bug) must not end the source.
class ThrowOnceSink final : public Sink {
 public:
  void on_bytes(std::span<const std::uint8_t> bytes,
                std::chrono::system_clock::time_point arrival) override {
    if (!thrown_.exchange(true)) throw std::runtime_error("sink bug");
    inner.on_bytes(bytes, arrival);
  }
  void on_connected(bool reconnect) override { inner.on_connected(reconnect); }
  void on_disconnected(std::string_view reason) override { inner.on_disconnected(reason); }
  void on_end_of_input() override { inner.on_end_of_input(); }
  void log(LogLevel level, std::string_view message) override { inner.log(level, message); }

  RecordingSink inner;

 private:
  std::atomic<bool> thrown_{false};
};

TEST(SerialSource, ThrowingSinkIsTreatedAsALostStream) {
  auto pty = PseudoTerminal::open();
  auto source = make_source(pty.slave_path);
  ThrowOnceSink sink;
  RunningSource running(*source, sink);
  ASSERT_TRUE(sink.inner.wait_for_connects(1, 0));
  ASSERT_TRUE(pty.write({0x01}));
  ASSERT_TRUE(sink.inner.wait_for_connects(1, 1));
  EXPECT_EQ(sink.inner.disconnect_reasons(), std::vector<std::string>{"internal error: sink bug"});
  ASSERT_TRUE(pty.write({0x02}));
  ASSERT_TRUE(sink.inner.wait_for_bytes(1));
  EXPECT_EQ(sink.inner.bytes(), std::vector<std::uint8_t>{0x02});
}

TEST(SerialSource, IdleSourceDoesNotSpin) {
  auto pty = PseudoTerminal::open();
  auto source = make_source(pty.slave_path);
  RecordingSink sink;
  RunningSource running(*source, sink);
  ASSERT_TRUE(sink.wait_for_connects(1, 0));

  auto cpu_before = process_cpu_time();
  std::this_thread::sleep_for(200ms);  // the whole point: time passes with no input
  auto cpu_used = process_cpu_time() - cpu_before;
  EXPECT_LT(cpu_used, 30ms) << "a blocked source should use no CPU";
}

}  // namespace
}  // namespace sm::source
