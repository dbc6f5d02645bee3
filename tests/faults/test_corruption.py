"""Corrupted frames between good ones: 3 a flipped bit in an M-Bus body (checksum) and in
an HDLC body (FCS); 4 a flipped bit in the ciphertext of a tagged frame (its link layer
intact, so only the GCM tag can tell)."""
import unittest

from fault_bench import (KAM, TINETZ, TINETZ_FRAME, TINETZ_NEXT_FRAME, TINETZ_NEXT_VALUES, V_L1,
                         VECTORS, FaultTestCase, flip_bit, frame, key, oracle_errors,
                         read_hex_file, seeded_rng)
from make_frames import hdlc_info, hdlc_reframe, replace_once

KFM_NO = VECTORS / "NO-KFM-MA304H3E-CNRD"  # plaintext HDLC, 123 bytes
KFM_NO_FRAME = read_hex_file(KFM_NO / "input.hex")
# The same frame with active power import 948 W -> 949 W (plaintext: no counter to raise).
KFM_NO_NEXT_FRAME = hdlc_reframe(KFM_NO_FRAME, replace_once(
    hdlc_info(KFM_NO_FRAME), bytes.fromhex("06000003B4"), bytes.fromhex("06000003B5")))
POWER_IMPORT = key("smartmeter_active_power_import_watts")

KAM_FRAME = read_hex_file(KAM / "input.hex")  # IC 0x010F60A4, SC 0x30, voltage L1 222 V
KAM_NEXT = frame("kam_next_1")                # IC + 1, voltage L1 223 V
KAM_ARGS = [f"--meter.auth-key-file={KAM / 'auth-key.hex'}"]
# The ciphertext of a SC 0x30 APDU: DB 08 <title> 82 <len:2> 30 <IC:4> | ciphertext | tag(12)
APDU_HEADER, TAG = 2 + 8 + 3 + 1 + 4, 12


class Corruption(FaultTestCase):
    def test_03a_flipped_bit_in_mbus_body(self):
        rng = seeded_rng(self)
        # A bit of the DLMS payload (after C, A, CI, STSAP, DTSAP) of either M-Bus segment.
        first_len = TINETZ_NEXT_FRAME[1] + 6
        segment = rng.choice([(0, first_len), (first_len, len(TINETZ_NEXT_FRAME))])
        index = rng.randrange(segment[0] + 9, segment[1] - 2)
        bit = rng.randrange(8)
        print(f"bit {bit} of byte {index} flipped", flush=True)
        bad = flip_bit(TINETZ_NEXT_FRAME, index, bit)
        # The segment fails its checksum; its partner segment cannot form an APDU alone and
        # is dropped when the next frame shows up (decode).
        errors = {"checksum": 1, "decode": 1}
        key_args = [f"--key-file={TINETZ / 'key.hex'}"]
        self.assertEqual(dict(oracle_errors(bad + TINETZ_NEXT_FRAME, key_args)[0]), errors)
        self.start("pty")
        self.good_frame(TINETZ_FRAME)
        self.fault_then_recover(bad, TINETZ_NEXT_FRAME, errors, TINETZ_NEXT_VALUES,
                                check_between=False)
        self.exporter.stop()

    def test_03b_flipped_bit_in_hdlc_body(self):
        rng = seeded_rng(self)
        info_at = len(KFM_NO_FRAME) - 3 - len(hdlc_info(KFM_NO_FRAME))
        index = rng.randrange(info_at, len(KFM_NO_FRAME) - 3)  # information field
        bit = rng.randrange(8)
        print(f"bit {bit} of byte {index} flipped", flush=True)
        bad = flip_bit(KFM_NO_FRAME, index, bit)
        self.assertEqual(dict(oracle_errors(bad)[0]), {"checksum": 1})
        self.start("tcp", key_file=None)
        self.good_frame(KFM_NO_FRAME, {POWER_IMPORT: 948})
        self.fault_then_recover(bad, KFM_NO_NEXT_FRAME, {"checksum": 1}, {POWER_IMPORT: 949})
        self.exporter.stop()

    def test_04_flipped_bit_in_tagged_ciphertext(self):
        rng = seeded_rng(self)
        info = hdlc_info(KAM_NEXT)
        index = rng.randrange(3 + APDU_HEADER, len(info) - TAG)  # after the LLC header
        bit = rng.randrange(8)
        print(f"bit {bit} of ciphertext byte {index - 3 - APDU_HEADER} flipped", flush=True)
        bad = hdlc_reframe(KAM_NEXT, flip_bit(info, index, bit))  # HDLC FCS correct again
        self.start("pty", key_file=KAM / "key.hex", extra=KAM_ARGS)
        self.good_frame(KAM_FRAME, {V_L1: 222})
        self.assertIn("authenticated (tag verified)", self.exporter.request("/").body)
        self.fault_then_recover(bad, KAM_NEXT, {"auth": 1},
                                {V_L1: 223, key("smartmeter_invocation_number"): 0x010F60A5})
        _, _, err = self.exporter.stop()
        # One corrupted frame after verified ones is a frame error, not a wrong key.
        self.assertIn("reason=auth", err)
        self.assertNotIn("key looks wrong", err)



if __name__ == "__main__":
    unittest.main()
