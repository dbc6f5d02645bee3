// systemd's service notification protocol (sd_notify(3)) without libsystemd: datagrams to
// $NOTIFY_SOCKET. With Type=notify the unit becomes active when the exporter says READY=1
// (HTTP listening, source started), and with WatchdogSec= systemd restarts an exporter
// whose main loop stops sending WATCHDOG=1.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sm::app {

class SystemdNotifier {
 public:
  // Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID. Without NOTIFY_SOCKET (not
  // started by systemd) every call is a no-op.
  static SystemdNotifier from_environment();

  [[nodiscard]] bool enabled() const { return !socket_path_.empty(); }
  // The interval at which to send WATCHDOG=1 (half of WatchdogSec=), when a watchdog
  // applies to this process.
  [[nodiscard]] std::optional<std::chrono::milliseconds> watchdog_interval() const {
    return watchdog_interval_;
  }
  // Sends one datagram ("READY=1\nSTATUS=..."). Returns false when it could not be sent.
  bool notify(std::string_view state) const;

 private:
  std::string socket_path_;  // '@' first: abstract namespace
  std::optional<std::chrono::milliseconds> watchdog_interval_;
};

}  // namespace sm::app
