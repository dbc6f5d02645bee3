"""Faults in the byte stream between good frames: 1 random garbage (up to 64 KiB), 2 a
frame truncated at a random byte, 10 1 MiB of 0x68/0x7E/0xDB noise, 11 length fields
claiming 64 KiB.

Counts that depend on random bytes come from the offline decoder (`smartmeter_exporter
decode`) fed the same bytes at once: the live exporter, reading them in whatever pieces
the pty or socket delivers, must count exactly the same errors and nothing else."""
import time
import unittest

from fault_bench import (TINETZ, TINETZ_FRAME, TINETZ_NEXT_FRAME, TINETZ_NEXT_VALUES,
                         FaultTestCase, oracle_errors, seeded_rng)

KEY_ARGS = [f"--key-file={TINETZ / 'key.hex'}"]
# Reasons that only the live exporter knows (time, counter history): never from bytes.
NOT_FROM_BYTES = {"replay", "timeout"}


class StreamFaults(FaultTestCase):
    def expected_errors(self, fault, allowed=None):
        """{reason: count} the fault must add, per the offline decoder."""
        errors, decoded = oracle_errors(fault + TINETZ_NEXT_FRAME, KEY_ARGS)
        self.assertEqual(decoded, 1, "the offline decoder must find the good frame after the fault")
        self.assertGreaterEqual(sum(errors.values()), 1, "the fault must be counted")
        self.assertFalse(set(errors) & NOT_FROM_BYTES, dict(errors))
        if allowed is not None:
            self.assertLessEqual(set(errors), allowed, f"unexpected reasons {dict(errors)}")
        print(f"expected errors: {dict(errors)}", flush=True)
        return dict(errors)

    def run_fault(self, kind, fault, allowed=None, check_between=False):
        self.start(kind)
        self.good_frame(TINETZ_FRAME)
        errors = self.expected_errors(fault, allowed)
        self.fault_then_recover(fault, TINETZ_NEXT_FRAME, errors, TINETZ_NEXT_VALUES,
                                check_between=check_between)
        self.exporter.stop()

    def test_01_random_garbage_between_frames(self):
        rng = seeded_rng(self)
        for kind in ("pty", "tcp"):
            garbage = rng.randbytes(rng.randint(1, 64 * 1024))
            with self.subTest(kind=kind, garbage=len(garbage)):
                print(f"{kind}: {len(garbage)} bytes of garbage", flush=True)
                # Garbage can end in what looks like the start of a frame, which only the
                # good frame completes or refutes: no look at the state in between.
                self.run_fault(kind, garbage)

    def test_02_truncated_frame_then_good_frame(self):
        rng = seeded_rng(self)
        for kind in ("pty", "tcp"):
            cut = rng.randrange(1, len(TINETZ_NEXT_FRAME))
            with self.subTest(kind=kind, cut=cut):
                print(f"{kind}: frame cut after {cut} of {len(TINETZ_NEXT_FRAME)} bytes",
                      flush=True)
                # Short cuts leave a header that does not verify (skipped bytes: decode);
                # longer ones a frame whose checksum or stop byte (length) fails; a cut
                # in the 2nd M-Bus segment also drops the half-assembled APDU (decode).
                self.run_fault(kind, TINETZ_NEXT_FRAME[:cut], {"decode", "checksum", "length"})

    def test_10_one_mib_of_frame_start_noise(self):
        rng = seeded_rng(self)
        noise = bytes(rng.choice(b"\x68\x7e\xdb") for _ in range(1 << 20))
        t0 = time.monotonic()
        self.run_fault("tcp", noise)
        print(f"1 MiB of noise and the good frame handled in {time.monotonic() - t0:.1f} s",
              flush=True)

    def test_11_length_fields_claiming_64_kib(self):
        # Headers whose length fields claim ~64 KiB, each followed at once by a good frame:
        # the claim must neither swallow the good frame nor hold it back until filled.
        claims = {  # name: (bytes, the error they must count)
            "DLMS wrapper, length 0xFFFF": ("0001000100010000FFFF", "decode"),
            "ciphered APDU, length 0xFFFF": ("DB08" "4B464D1010000023" "82FFFF" "21", "length"),
            "ciphered APDU, length 0xFFF0": ("DB08" "4B464D1010000023" "82FFF0" "21", "decode"),
            "data-notification, octet-string 0xFFFF": ("0F00000001" "00" "0982FFFF", "decode"),
        }
        for name, (claim, reason) in claims.items():
            with self.subTest(claim=name):
                print(f"claim: {name}: {claim}", flush=True)
                fault = bytes.fromhex(claim)
                self.assertEqual(self.expected_errors(fault), {reason: 1})
                self.run_fault("pty", fault)

if __name__ == "__main__":
    unittest.main()
