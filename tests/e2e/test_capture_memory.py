"""Issue 14 item 9: a large timed capture of short reads must not take many times its size.
A 20 MB capture of one-byte lines took 294 MB resident (about 15x) when every chunk was a
vector of its own; `decode` and `serve --replay.file` on such a capture now stay within 4x the
file (measured: about 3.5x, most of it the file's text, read whole, and 16 bytes per chunk).
Figures for 100 MB: scripts/bench-capture-memory.sh (README, Benchmarks)."""
import sys
import tempfile
import unittest
from pathlib import Path

from exporter_harness import BINARY, TINETZ

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench" / "capture"))
import capture_memory  # noqa: E402

LIMIT = 4.0  # peak resident set / file size


class CaptureMemory(unittest.TestCase):
    def test_one_byte_lines_of_20_mb(self):
        stream = bytes.fromhex("".join(l.split("#")[0] for l in
                                       (TINETZ / "input.hex").read_text().splitlines()))
        with tempfile.TemporaryDirectory() as tmp:
            capture = Path(tmp) / "big.capture"
            chunks = capture_memory.write_capture(capture, stream, 20_000_000, 1)
            size = capture.stat().st_size
            self.assertGreater(chunks, 1_000_000)
            peak_kib, _ = capture_memory.decode_peak(str(BINARY), capture, TINETZ / "key.hex")
            hwm_kib, _ = capture_memory.serve_peak(str(BINARY), capture, TINETZ / "key.hex")
        for what, kib in (("decode", peak_kib), ("serve --replay.file", hwm_kib)):
            ratio = kib * 1024 / size
            print(f"{what}: peak {kib / 1024:.0f} MiB for {size / 1e6:.0f} MB ({ratio:.2f}x)")
            self.assertLess(ratio, LIMIT, f"{what} took {kib / 1024:.0f} MiB")


if __name__ == "__main__":
    unittest.main()
