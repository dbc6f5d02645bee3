"""8: the device disappears and reappears: the pty's master closed and a new pty made at
the same path (the symlink the exporter opens, like /dev/serial/by-id); the TCP server
killed and restarted on the same port. The reconnect counter rises by one, nothing else
moves, and the first frame after the reconnect is decoded."""
import unittest

from fault_bench import (RECONNECTS, TINETZ_FRAME, TINETZ_NEXT_FRAME, TINETZ_NEXT_VALUES,
                         FRAMES_TOTAL, FaultTestCase, key)

CONNECTED = key("smartmeter_source_connected")


class DeviceGoneAndBack(FaultTestCase):
    def unplug_and_replug(self, kind):
        self.start(kind)
        self.good_frame(TINETZ_FRAME)
        before = self.scrape()
        self.assertEqual(before.value("smartmeter_source_connected"), 1)

        self.line.unplug()
        gone = self.exporter.wait_metric(lambda m: m.value("smartmeter_source_connected") == 0,
                                         message="the lost device to be noticed")
        self.assert_only_changed(before, gone, {CONNECTED: 0}, "while the device is gone")

        # Back under the same name; the exporter retries with a backoff starting at 1 s.
        self.line.replug()
        back = self.exporter.wait_metric(
            lambda m: m.value("smartmeter_source_connected") == 1
            and m.value("smartmeter_source_reconnects_total") >= 1,
            timeout=15, message="the exporter to reconnect")
        self.assert_only_changed(before, back, {RECONNECTS: ("+", 1)}, "after the reconnect")

        after = self.good_frame(TINETZ_NEXT_FRAME, TINETZ_NEXT_VALUES,
                                message="the first frame after the reconnect to be decoded")
        changes = {RECONNECTS: ("+", 1), FRAMES_TOTAL: ("+", 1), **TINETZ_NEXT_VALUES}
        self.assert_only_changed(before, after, changes, "after the reconnect and one frame")
        _, _, err = self.exporter.stop()
        self.assertIn("source recovered", err)

    def test_08a_pty_closed_and_recreated(self):
        self.unplug_and_replug("pty")

    def test_08b_tcp_server_killed_and_restarted(self):
        self.unplug_and_replug("tcp")


if __name__ == "__main__":
    unittest.main()
