"""9: bytes dripping one at a time with 200 ms gaps: a valid frame must still decode (the
partial-frame timeout counts quiet time, not the time since the frame began).

The shortest real ciphered frame keeps this at ~21 s: AT-WN-ISK-AM550-RDDL-2, HDLC,
105 bytes."""
import time
import unittest

from fault_bench import VECTORS, FaultTestCase, key, read_hex_file

AM550 = VECTORS / "AT-WN-ISK-AM550-RDDL-2"
FRAME = read_hex_file(AM550 / "input.hex")
GAP = 0.2


class Drip(FaultTestCase):
    def test_09_one_byte_every_200_ms(self):
        self.start("pty", key_file=AM550 / "key.hex")
        for i, byte in enumerate(FRAME):
            self.send(bytes([byte]))
            time.sleep(GAP)
            if i % 20 == 19:  # /metrics keeps answering, and nothing is counted yet
                m = self.scrape()
                self.assertEqual(m.value("smartmeter_frames_total"), 0)
                self.assertEqual(sum(m.series("smartmeter_frame_errors_total").values()), 0,
                                 f"a frame error after {i + 1} dripped bytes")
        m = self.wait_consumed(lambda m: m.value("smartmeter_frames_total") == 1,
                               message="the dripped frame to be decoded")
        for reason, count in m.series("smartmeter_frame_errors_total").items():
            self.assertEqual(count, 0, f"frame error {dict(reason)}")
        self.assertEqual(m.value("smartmeter_invocation_number"), 1104354)
        self.assertEqual(m.value("smartmeter_active_energy_import_joules_total"), 855 * 3600)
        self.assertEqual(m.samples[key("smartmeter_up")], 1)
        self.exporter.stop()


if __name__ == "__main__":
    unittest.main()
