"""Key and counter faults: 5 the wrong key, 6 a tagged frame with no authentication key
configured, 7 a replayed invocation counter, 12 a meter reboot (counter restarts)."""
import unittest

from fault_bench import (ENERGY, FRAMES, IC, KAM, TINETZ_FRAME, TINETZ_NEXT_FRAME,
                         TINETZ_NEXT_VALUES, V_L1, FaultTestCase, error_key, frame, read_hex_file)

WRONG_KEY_LINE = "key looks wrong"
NO_AUTH_KEY_LINE = "no authentication key is configured"


def reboot_values(k):
    f = FRAMES[f"tinetz_reboot_{k}"]
    return {V_L1: f["voltage_l1"], ENERGY: f["energy_import_wh"] * 3600, IC: k}


class KeysAndCounters(FaultTestCase):
    def test_05a_frames_under_a_wrong_key_between_good_frames(self):
        self.start("pty")
        self.good_frame(TINETZ_FRAME)
        # One frame that does not decrypt after good ones is a bad frame; when they keep
        # coming, the key is wrong (meter replaced, key rotated): said once.
        wrong = frame("tinetz_wrong_key")
        self.send_rejected(wrong, "decrypt", count=2)
        self.assertNotIn(WRONG_KEY_LINE, self.exporter.stderr())
        self.assertIn("reason=decrypt", self.exporter.stderr())  # the frame error itself
        self.send_rejected(wrong, "decrypt")  # the third in a row
        self.assertEqual(self.exporter.stderr().count(WRONG_KEY_LINE), 1, self.exporter.stderr())
        self.send_rejected(wrong, "decrypt", count=3)
        self.assertEqual(self.exporter.stderr().count(WRONG_KEY_LINE), 1, self.exporter.stderr())
        self.next_good_frame(TINETZ_NEXT_FRAME, TINETZ_NEXT_VALUES)
        _, _, err = self.exporter.stop()
        self.assertEqual(err.count(WRONG_KEY_LINE), 1, err)

    def test_05b_wrong_key_configured(self):
        wrong = self.tmpdir() / "wrong.key"
        wrong.write_text("000102030405060708090A0B0C0D0E0F\n")
        wrong.chmod(0o600)
        self.start("tcp", key_file=wrong)
        # Real frames under the real key: none decodes, nothing but `decrypt` moves, and
        # the log says at the first frame (no frame ever decoded) that the key looks wrong.
        self.send_rejected(TINETZ_FRAME, "decrypt")
        self.assertEqual(self.exporter.stderr().count(WRONG_KEY_LINE), 1, self.exporter.stderr())
        self.send_rejected(TINETZ_NEXT_FRAME, "decrypt")
        m = self.scrape()
        self.assertEqual(m.value("smartmeter_up"), 0)
        self.assertNotIn("smartmeter_voltage_volts", m.names())
        _, _, err = self.exporter.stop()
        self.assertEqual(err.count(WRONG_KEY_LINE), 1, err)

    def test_06_tagged_frames_without_auth_key(self):
        self.start("pty", key_file=KAM / "key.hex")  # no --meter.auth-key-file
        m = self.good_frame(read_hex_file(KAM / "input.hex"), {V_L1: 222})
        self.assertEqual(sum(m.series("smartmeter_frame_errors_total").values()), 0)
        page = self.exporter.request("/").body
        self.assertIn("authenticated (tag NOT verified: no auth key)", page)
        for k in (1, 2):  # decoded every time (tag not verified), warned about once
            ic = FRAMES[f"kam_next_{k}"]["invocation_counter"]
            self.next_good_frame(frame(f"kam_next_{k}"), {V_L1: 222 + k, IC: ic})
        _, _, err = self.exporter.stop()
        self.assertEqual(err.count(NO_AUTH_KEY_LINE), 1, err)
        self.assertNotIn(WRONG_KEY_LINE, err)

    def test_07_replayed_invocation_counter(self):
        self.start("tcp")
        self.good_frame(TINETZ_FRAME)
        self.fault_then_recover(TINETZ_FRAME, TINETZ_NEXT_FRAME, {"replay": 1}, TINETZ_NEXT_VALUES)
        _, _, err = self.exporter.stop()
        self.assertIn("invocation counter did not increase", err)

    def test_12_meter_reboot_accepted_after_three_frames(self):
        self.start("pty")
        self.good_frame(TINETZ_FRAME)
        # The counter restarts at 1: the restarted sequence looks like a replay for three
        # frames (1, 2, 3), then has increased three times and is taken from frame 4 on.
        for k in (1, 2, 3):
            self.send_rejected(frame(f"tinetz_reboot_{k}"), "replay")
        self.assertNotIn("meter reboot accepted", self.exporter.stderr())
        self.next_good_frame(frame("tinetz_reboot_4"), reboot_values(4))
        self.assertIn("meter reboot accepted", self.exporter.stderr())
        # And the next frame of the new sequence at once.
        self.next_good_frame(frame("tinetz_reboot_5"), reboot_values(5))
        self.exporter.stop()


if __name__ == "__main__":
    unittest.main()
