#include "app/systemd_notify.h"

#include <array>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace {
using sm::app::SystemdNotifier;

// A datagram socket standing in for systemd's notification socket.
class NotifySocket {
 public:
  explicit NotifySocket(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path_.copy(address.sun_path, path_.size());
    socklen_t length = sizeof address;
    if (path_.front() == '@') {
      address.sun_path[0] = '\0';
      length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path_.size());
    } else {
      std::filesystem::remove(path_);
    }
    bound_ = ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), length) == 0;
    timeval timeout{2, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~NotifySocket() {
    ::close(fd_);
    if (path_.front() == '/') std::filesystem::remove(path_);
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  [[nodiscard]] bool bound() const { return bound_; }
  std::string receive() const {
    std::array<char, 512> buffer{};
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
    return n > 0 ? std::string(buffer.data(), static_cast<std::size_t>(n)) : std::string();
  }

 private:
  std::string path_;
  int fd_{-1};
  bool bound_{false};
};

class SystemdNotifyTest : public ::testing::Test {
 protected:
  void TearDown() override {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
  }
};

TEST_F(SystemdNotifyTest, WithoutNotifySocketNothingIsSent) {
  ::unsetenv("NOTIFY_SOCKET");
  ::setenv("WATCHDOG_USEC", "1000000", 1);
  const auto notifier = SystemdNotifier::from_environment();
  EXPECT_FALSE(notifier.enabled());
  EXPECT_FALSE(notifier.watchdog_interval().has_value());
  EXPECT_FALSE(notifier.notify("READY=1"));
}

TEST_F(SystemdNotifyTest, SendsToAPathSocketAndHalvesTheWatchdogInterval) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("sm-notify-" + std::to_string(::getpid())))
          .string();
  NotifySocket socket(path);
  ASSERT_TRUE(socket.bound());
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "3000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  const auto notifier = SystemdNotifier::from_environment();
  ASSERT_TRUE(notifier.enabled());
  ASSERT_TRUE(notifier.watchdog_interval().has_value());
  EXPECT_EQ(notifier.watchdog_interval()->count(), 1500);
  EXPECT_TRUE(notifier.notify("READY=1\nSTATUS=serving"));
  EXPECT_EQ(socket.receive(), "READY=1\nSTATUS=serving");
}

TEST_F(SystemdNotifyTest, SendsToAnAbstractSocket) {
  const std::string name = "@sm-notify-test-" + std::to_string(::getpid());
  NotifySocket socket(name);
  ASSERT_TRUE(socket.bound());
  ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
  const auto notifier = SystemdNotifier::from_environment();
  EXPECT_TRUE(notifier.notify("WATCHDOG=1"));
  EXPECT_EQ(socket.receive(), "WATCHDOG=1");
}

TEST_F(SystemdNotifyTest, AWatchdogMeantForAnotherProcessIsIgnored) {
  ::setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1);
  ::setenv("WATCHDOG_USEC", "3000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
  EXPECT_FALSE(SystemdNotifier::from_environment().watchdog_interval().has_value());
  ::setenv("WATCHDOG_PID", "not-a-pid", 1);
  EXPECT_TRUE(SystemdNotifier::from_environment().watchdog_interval().has_value());
}

TEST_F(SystemdNotifyTest, RelativeSocketPathsAreNotSystemds) {
  ::setenv("NOTIFY_SOCKET", "relative/socket", 1);
  EXPECT_FALSE(SystemdNotifier::from_environment().enabled());
}

}  // namespace
