"""Faults that must never show wrong numbers (issue 14): 13 plaintext injection while a key
is configured, 14 a replayed older run of frames, 15 a backward step of the wall clock."""
import json
import os
import sys
import time
import unittest

from fault_bench import (ENERGY, FRAMES, IC, KAM, TINETZ_FRAME, TINETZ_NEXT_FRAME,
                         TINETZ_NEXT_VALUES, V_L1, FaultTestCase, error_key, frame, key,
                         read_hex_file)
from make_frames import hdlc_reframe, mbus_frames, tinetz_plaintext

# The 12-byte data-notification of the issue: invoke id 1, no date-time, a structure of one
# uint32 0xFFFFFFFF; the positional auto-detection takes it for a Kaifa Norway List 1.
TINY_NOTIFICATION = bytes.fromhex("0F00000001000201" "06FFFFFFFF")
OBIS_VALUE = "smartmeter_obis_value"


def unknown_registers(n):
    """n {OBIS 1.0.99.x.y.255, uint32} structures: codes no named metric has."""
    return [bytes([0x02, 0x02, 0x09, 0x06, 1, 0, 99, i // 250, i % 250, 255, 0x06])
            + i.to_bytes(4, "big") for i in range(n)]


def notification(registers, *more):
    """A plaintext data-notification of an array of {OBIS, value} structures."""
    items = list(more) + registers
    return (bytes.fromhex("0F00000002" "00" "0182") + len(items).to_bytes(2, "big")
            + b"".join(items))


class DataGuard(FaultTestCase):
    def test_13_plaintext_injection(self):
        self.start("pty")
        self.good_frame(TINETZ_FRAME, {V_L1: 230.8, ENERGY: 9108 * 3600})
        # What anyone on the wire can write: the meter's own list with other numbers, in
        # plaintext, as M-Bus, as HDLC, as a bare APDU, and the 12-byte notification.
        forged = tinetz_plaintext(2500, 1)  # 250.0 V, 1 Wh
        for name, data in (
                ("M-Bus", mbus_frames(forged)),
                ("HDLC", hdlc_reframe(read_hex_file(KAM / "input.hex"), b"\xe6\xe7\x00" + forged)),
                ("bare APDU", forged),
                ("12-byte notification", TINY_NOTIFICATION)):
            with self.subTest(name):
                self.send_rejected(data, "unencrypted")
        # A ciphered frame under the right key but of another system title.
        self.send_rejected(frame("tinetz_other_title"), "security_changed")
        self.next_good_frame(TINETZ_NEXT_FRAME, TINETZ_NEXT_VALUES)
        _, _, err = self.exporter.stop()
        self.assertIn("frame rejected: not encrypted or authenticated", err)

    def test_13b_unknown_codes_neither_replace_the_reading_nor_grow_the_scrape(self):
        # A plaintext meter (no key). A frame of only unknown codes does not replace the
        # reading; one with a known register and 300 unknown ones adds at most
        # --meter.max-series smartmeter_obis_value series, and says how many it left out.
        self.start("pty", key_file=None, extra=["--meter.max-series=50"])
        self.good_frame(mbus_frames(tinetz_plaintext(2308, 9108)), {V_L1: 230.8})
        self.send_rejected(mbus_frames(notification(unknown_registers(300))), "unsupported")
        voltage = bytes.fromhex("020209060100200700FF120904")  # 1.0.32.7.0.255 = 2308
        m = self.good_frame(mbus_frames(notification(unknown_registers(300), voltage)))
        self.assertEqual(len(m.series(OBIS_VALUE)), 50)
        self.assertEqual(m.value("smartmeter_obis_values_dropped"), 251)  # 300 + 1 - 50

    def test_14_replayed_older_run(self):
        self.start("tcp")
        self.good_frame(TINETZ_FRAME, {ENERGY: 9108 * 3600})
        # Frames recorded 10,000 counters earlier, played back in order: they increase
        # among themselves, but are never taken for a meter reboot.
        for k in range(1, 6):
            self.send_rejected(frame(f"tinetz_old_run_{k}"), "replay")
        self.assertNotIn("meter reboot accepted", self.exporter.stderr())
        self.next_good_frame(TINETZ_NEXT_FRAME, TINETZ_NEXT_VALUES)
        self.exporter.stop()

    def test_15_wall_clock_steps_back(self):
        shim = os.environ.get("SM_CLOCK_SHIFT_LIB")
        if not shim or not os.path.isfile(shim):
            self.skipTest("clock shift shim not built (set SM_CLOCK_SHIFT_LIB)")
        shift = self.tmpdir() / "clock-shift"
        shift.write_text("0\n")
        self.start("pty", stale_after="2s",
                   env={"LD_PRELOAD": shim, "SM_CLOCK_SHIFT_FILE": str(shift)})
        m = self.good_frame(TINETZ_FRAME, {V_L1: 230.8})
        stamp = m.value("smartmeter_last_frame_timestamp_seconds")
        self.assertEqual(m.value("smartmeter_up"), 1)
        shift.write_text("-3600\n")  # NTP, VM resume or `date` steps the clock back 1 h
        time.sleep(0.2)
        status = json.loads(self.exporter.request("/api/v1/reading").body)
        self.assertLess(status["now"], stamp - 3000, "the shim did not shift the wall clock")
        self.assertGreaterEqual(status["last_frame"]["age_seconds"], 0, status)
        # 2 s later the frame is stale, as it would be without the step.
        m = self.exporter.wait_metric(lambda m: m.value("smartmeter_up") == 0, timeout=6.0,
                                      message="smartmeter_up 0 after --meter.stale-after")
        self.assertNotIn("smartmeter_voltage_volts", m.names())
        # A new frame is fresh at once and carries the stepped wall-clock time.
        m = self.good_frame(TINETZ_NEXT_FRAME, {V_L1: 231.4})
        self.assertEqual(m.value("smartmeter_up"), 1)
        self.assertLess(m.value("smartmeter_last_frame_timestamp_seconds"), stamp - 3000)


if __name__ == "__main__":
    unittest.main()
