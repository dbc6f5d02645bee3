"""`diagnose` and `record` of the real binary: on capture files, on a pseudo-terminal fed
with a real vector, and `--record FILE` while serving. Short durations (1-2 s) throughout.

A pseudo-terminal does not emulate parity, so on a pty both 8E1 and 8N1 pass; that only
one of them passes on a real M-Bus adapter is verified by design (README, "diagnose")."""
import json
import os
import re
import socket
import threading
import time
import tty
import unittest

from exporter_harness import (TINETZ, TINETZ_NEXT, VECTORS, ExporterTestCase, key_hex_of_file,
                              read_hex_file, run_to_exit)

FRAME = read_hex_file(TINETZ / "input.hex")       # IC 0x00295B9A, 230.8 V
NEXT_FRAME = read_hex_file(TINETZ_NEXT)          # IC 0x00295B9B, 231.4 V
KEY_FILE = TINETZ / "key.hex"
KEY_HEX = key_hex_of_file(KEY_FILE)
WRONG_KEY = "000102030405060708090A0B0C0D0E0F"


class FedPty:
    """A raw-mode pseudo-terminal whose master side repeats `frames` every `period` s.

    The test keeps the slave open, so the binary opening and closing it (one format after
    the other) never hangs the line up, and bytes written meanwhile wait in the pty."""

    def __init__(self, frames, period=0.25):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.name = os.ttyname(self.slave)
        self.frames = list(frames)
        self.period = period
        self.stopping = threading.Event()
        self.thread = None
        if self.frames:
            self.thread = threading.Thread(target=self._feed, daemon=True)
            self.thread.start()

    def _feed(self):
        i = 0
        while not self.stopping.is_set():
            try:
                os.write(self.master, self.frames[i % len(self.frames)])
            except OSError:
                return
            i += 1
            self.stopping.wait(self.period)

    def close(self):
        self.stopping.set()
        if self.thread is not None:
            self.thread.join()
        for fd in (self.slave, self.master):
            os.close(fd)


def verdicts(stdout):
    """{'Bytes received': 'OK', ...} from the report's verdict lines."""
    return {m.group(2): m.group(1)
            for m in re.finditer(r"^\[(OK|WARN|FAIL|--)\]\s+(.+)$", stdout, re.M)}


class Diagnose(ExporterTestCase):
    def run_binary(self, args, timeout=20):
        rc, out, err = run_to_exit(args, timeout=timeout)
        for text in (out, err):
            for secret in (KEY_HEX, WRONG_KEY):
                self.assertNotIn(secret, text.upper(), "a key appears in the output")
        return rc, out, err

    def fed_pty(self, frames):
        pty = FedPty(frames)
        self.addCleanup(pty.close)
        return pty

    def test_capture_file_decodes(self):
        rc, out, err = self.run_binary(["diagnose", TINETZ / "input.hex", f"--key-file={KEY_FILE}"])
        self.assertEqual(rc, 0, out + err)
        v = verdicts(out)
        self.assertEqual(v["Bytes received"], "OK", out)
        self.assertEqual(v["Link layer"], "OK", out)
        self.assertEqual(v["Decryption"], "OK", out)
        self.assertEqual(v["Values"], "OK", out)
        self.assertIn("KFM = Kaifa", out)
        self.assertIn("VoltageL1            230.8 V", out)
        self.assertIn("Result: values decoded.", out)
        # The redacted capture is a timed capture without the title serial and the IC.
        capture = out[out.index("# smartmeter_exporter capture v1"):out.index("\nResult:")]
        self.assertNotIn("4B464D1010000023", capture)
        self.assertNotIn("00295B9A", capture)

    def test_capture_file_wrong_key(self):
        rc, out, err = self.run_binary(["diagnose", TINETZ / "input.hex", f"--key={WRONG_KEY}"])
        self.assertEqual(rc, 1, out + err)
        self.assertEqual(verdicts(out)["Decryption"], "FAIL", out)
        self.assertIn("the key does not fit these frames", out)
        self.assertIn("Result: no values decoded", out)

    def test_pty_real_vector_both_formats(self):
        pty = self.fed_pty([FRAME])
        rc, out, err = self.run_binary(["diagnose", f"--serial.device={pty.name}",
                                        "--duration=2s", f"--key-file={KEY_FILE}"])
        self.assertEqual(rc, 0, out + err)
        v = verdicts(out)
        self.assertEqual(v["Bytes received"], "OK", out)
        self.assertEqual(v["Serial format"], "OK", out)
        for fmt in ("8E1", "8N1"):
            self.assertRegex(out, rf"{fmt} 2400: \d+ bytes, [1-9]\d* frames? passed their "
                                  rf"checksums, 0 failed, \d+ bytes of noise - checksum success "
                                  rf"\d+%")
        self.assertIn("M-Bus long frames", out)
        self.assertEqual(v["Values"], "OK", out)

    def test_pty_no_bytes_points_at_wiring(self):
        pty = self.fed_pty([])
        rc, out, err = self.run_binary(["diagnose", f"--serial.device={pty.name}",
                                        "--serial.format=8E1", "--duration=1s"])
        self.assertEqual(rc, 1, out + err)
        v = verdicts(out)
        self.assertEqual(v["Bytes received"], "FAIL", out)
        self.assertEqual(v["Link layer"], "--", out)
        self.assertIn("Check the wiring", out)
        self.assertIn("enabled the customer interface", out)

    def test_tcp_gateway(self):
        server = socket.create_server(("127.0.0.1", 0))
        self.addCleanup(server.close)
        stopping = threading.Event()

        def serve():
            conn, _ = server.accept()
            with conn:
                while not stopping.is_set():
                    try:
                        conn.sendall(FRAME)
                    except OSError:
                        return
                    stopping.wait(0.25)
        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        self.addCleanup(thread.join)
        self.addCleanup(stopping.set)
        port = server.getsockname()[1]
        rc, out, err = self.run_binary(["diagnose", f"--serial.device=tcp://127.0.0.1:{port}",
                                        "--duration=1s", f"--key-file={KEY_FILE}"])
        self.assertEqual(rc, 0, out + err)
        v = verdicts(out)
        self.assertEqual(v["Serial format"], "--", out)
        self.assertIn("TCP gateway", out)
        self.assertEqual(v["Values"], "OK", out)

    def test_usage_errors_exit_2(self):
        rc, _, err = self.run_binary(["diagnose", "--duration=soon", TINETZ / "input.hex"])
        self.assertEqual(rc, 2)
        self.assertIn("--duration", err)
        rc, _, err = self.run_binary(["diagnose", "--key=0102", TINETZ / "input.hex"])
        self.assertEqual(rc, 2)


class Record(ExporterTestCase):
    def decode_json(self, path):
        rc, out, err = run_to_exit(["decode", "--format=json", f"--key-file={KEY_FILE}", path])
        self.assertEqual(rc, 0, out + err)
        return [json.loads(line) for line in out.splitlines()]

    def test_record_pty_reads_back_in_decode_and_replay(self):
        pty = FedPty([FRAME, NEXT_FRAME])
        self.addCleanup(pty.close)
        out_file = self.tmpdir() / "meter.capture"
        rc, _, err = run_to_exit(["record", f"--output={out_file}", "--duration=2s",
                                  f"--serial.device={pty.name}", "--serial.format=8N1"])
        self.assertEqual(rc, 0, err)
        text = out_file.read_text()
        self.assertTrue(text.startswith("# smartmeter_exporter capture v1\n"), text[:200])
        self.assertIn(f"# source serial {pty.name} 2400 8N1", text)
        offsets = [float(line.split()[0]) for line in text.splitlines()
                   if line and not line.startswith("#")]
        self.assertEqual(offsets, sorted(offsets))
        self.assertGreater(offsets[-1], 0.5)  # arrival times, not one burst

        frames = self.decode_json(out_file)
        self.assertGreaterEqual(len(frames), 4)
        expected = {tuple(sorted((v["obis"], v.get("value")) for v in f["values"]))
                    for f in self.decode_json(TINETZ / "input.hex") + self.decode_json(TINETZ_NEXT)}
        for f in frames:
            self.assertIn(tuple(sorted((v["obis"], v.get("value")) for v in f["values"])), expected)
        self.assertEqual({f["invocation_counter"] for f in frames}, {0x00295B9A, 0x00295B9B})

        ex = self.start_exporter([f"--replay.file={out_file}", "--replay.rate=max",
                                  f"--meter.key-file={KEY_FILE}", "--meter.stale-after=1h"])
        # The feeder repeats two frames; the replay guard accepts each counter once.
        m = ex.wait_metric(lambda m: m.value("smartmeter_frames_total")
                           + m.value("smartmeter_frame_errors_total", reason="replay")
                           == len(frames), message="every recorded frame to be replayed")
        self.assertGreaterEqual(m.value("smartmeter_frames_total"), 1)
        last_ic = m.value("smartmeter_invocation_number")
        self.assertIn(last_ic, (0x00295B9A, 0x00295B9B))
        self.assertEqual(m.value("smartmeter_voltage_volts", phase="L1"),
                         230.8 if last_ic == 0x00295B9A else 231.4)
        ex.stop()

    def test_record_no_bytes_exits_1(self):
        pty = FedPty([])
        self.addCleanup(pty.close)
        out_file = self.tmpdir() / "empty.capture"
        rc, _, err = run_to_exit(["record", f"--output={out_file}", "--duration=1s",
                                  f"--serial.device={pty.name}"])
        self.assertEqual(rc, 1, err)
        self.assertIn("no bytes arrived", err)
        self.assertTrue(out_file.read_text().startswith("# smartmeter_exporter capture v1\n"))

    def test_serve_record_unwritable_file_exits_2(self):
        missing = self.tmpdir() / "no-such-dir" / "x.capture"
        rc, _, err = run_to_exit([f"--replay.file={TINETZ / 'input.hex'}",
                                  "--web.listen-address=127.0.0.1:0", f"--record={missing}"])
        self.assertEqual(rc, 2, err)
        self.assertIn("--record:", err)

    def test_existing_capture_is_never_overwritten(self):
        # Issue 14 item 7: every restart under systemd used to wipe the recording.
        out_file = self.tmpdir() / "evidence.capture"
        ex = self.start_exporter([f"--replay.file={TINETZ / 'input.hex'}",
                                  f"--meter.key-file={KEY_FILE}", f"--record={out_file}"])
        ex.wait_metric(lambda m: m.value("smartmeter_frames_total") == 1,
                       message="the replayed frame to be decoded")
        ex.stop()
        first = out_file.read_text()
        rc, _, err = run_to_exit([f"--replay.file={TINETZ_NEXT}", f"--record={out_file}",
                                  "--web.listen-address=127.0.0.1:0"])
        self.assertEqual(rc, 2, err)
        self.assertIn("exists", err)
        self.assertIn("--record.append", err)
        pty = FedPty([])
        self.addCleanup(pty.close)
        rc, _, err = run_to_exit(["record", f"--output={out_file}", "--duration=1s",
                                  f"--serial.device={pty.name}"])
        self.assertEqual(rc, 2, err)
        self.assertIn("--append", err)
        self.assertEqual(out_file.read_text(), first)

        # --record.append continues it: both sessions decode from the one file.
        ex = self.start_exporter([f"--replay.file={TINETZ_NEXT}", f"--meter.key-file={KEY_FILE}",
                                  f"--record={out_file}", "--record.append"])
        ex.wait_metric(lambda m: m.value("smartmeter_frames_total") == 1,
                       message="the second replayed frame to be decoded")
        ex.stop()
        text = out_file.read_text()
        self.assertTrue(text.startswith(first), text[:300])
        self.assertIn("\n# resumed ", text)
        frames = self.decode_json(out_file)
        self.assertEqual([f["invocation_counter"] for f in frames], [0x00295B9A, 0x00295B9B])

    def test_record_onto_the_replay_input_is_refused(self):
        capture = self.tmpdir() / "input.capture"
        capture.write_text("# smartmeter_exporter capture v1\n# start 2024-05-01T00:00:00Z\n0 " +
                           FRAME.hex() + "\n")
        before = capture.read_bytes()
        alias = self.tmpdir() / "alias.capture"
        os.link(capture, alias)  # the same file under another name
        for extra in ([], ["--record.append"]):
            for record in (capture, alias):
                rc, _, err = run_to_exit([f"--replay.file={capture}", f"--record={record}",
                                          "--web.listen-address=127.0.0.1:0"] + extra)
                self.assertEqual(rc, 2, err)
                self.assertIn("is the replay input", err)
        self.assertEqual(capture.read_bytes(), before)

    def test_serve_record_writes_received_bytes(self):
        out_file = self.tmpdir() / "served.capture"
        ex = self.start_exporter([f"--replay.file={TINETZ / 'input.hex'}",
                                  f"--meter.key-file={KEY_FILE}", "--meter.stale-after=1h",
                                  f"--record={out_file}"])
        ex.wait_metric(lambda m: m.value("smartmeter_frames_total") == 1,
                       message="the replayed frame to be decoded")
        ex.stop()
        lines = [l for l in out_file.read_text().splitlines() if l and not l.startswith("#")]
        recorded = b"".join(bytes.fromhex(l.split()[1]) for l in lines)
        self.assertEqual(recorded, FRAME)
        rc, out, err = run_to_exit(["decode", f"--key-file={KEY_FILE}", out_file])
        self.assertEqual(rc, 0, out + err)
        self.assertIn("230.8 V", out)


if __name__ == "__main__":
    unittest.main()
