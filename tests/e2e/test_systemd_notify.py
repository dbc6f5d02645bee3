"""systemd's notification protocol: with NOTIFY_SOCKET set (Type=notify) the exporter says
READY=1 once /metrics answers, WATCHDOG=1 at half of WATCHDOG_USEC while its main loop runs,
and STOPPING=1 on SIGTERM. The test plays systemd's side with a datagram socket."""
import socket
import time
import unittest

from exporter_harness import ExporterTestCase


class SystemdNotify(ExporterTestCase):
    def notify_socket(self):
        path = self.tmpdir() / "notify"
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(str(path))
        sock.settimeout(5)
        self.addCleanup(sock.close)
        return sock, path

    @staticmethod
    def receive_until(sock, predicate, timeout=5):
        messages = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                messages.append(sock.recv(4096).decode())
            except socket.timeout:
                break
            if predicate(messages):
                break
        return messages

    def test_ready_watchdog_and_stopping(self):
        sock, path = self.notify_socket()
        ex = self.start_exporter(["--demo", "--demo.interval=1s"],
                                 env={"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "200000"})
        messages = self.receive_until(
            sock, lambda ms: sum(m == "WATCHDOG=1" for m in ms) >= 3)
        ready = [m for m in messages if m.startswith("READY=1")]
        self.assertEqual(len(ready), 1, messages)
        self.assertIn("STATUS=serving 127.0.0.1:", ready[0])
        self.assertLess(messages.index(ready[0]), messages.index("WATCHDOG=1"), messages)
        self.assertGreaterEqual(sum(m == "WATCHDOG=1" for m in messages), 3, messages)
        ex.stop()
        rest = self.receive_until(sock, lambda ms: "STOPPING=1" in ms)
        self.assertIn("STOPPING=1", rest)

    def test_no_watchdog_pings_without_watchdog_usec(self):
        sock, path = self.notify_socket()
        ex = self.start_exporter(["--demo", "--demo.interval=1s"], env={"NOTIFY_SOCKET": str(path)})
        first = self.receive_until(sock, lambda ms: len(ms) >= 1)
        self.assertTrue(first and first[0].startswith("READY=1"), first)
        sock.settimeout(1.5)
        later = self.receive_until(sock, lambda ms: False, timeout=1.5)
        self.assertNotIn("WATCHDOG=1", later)
        ex.stop()


if __name__ == "__main__":
    unittest.main()
