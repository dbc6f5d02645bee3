"""Replay of real meter frames through the whole binary: golden /metrics exposition,
promtool lint, landing page, HTTP basics, signals, replay-guard, exit-at-end.

UPDATE_GOLDEN=1 rewrites tests/data/e2e/replay_tinetz.prom from the live scrape."""
import gzip
import http.client
import json
import os
import pathlib
import shutil
import signal
import time
import unittest

from exporter_harness import (E2E_DATA, TINETZ, TINETZ_NEXT, ExporterTestCase, read_hex_file,
                              run_to_exit, wait_for)

GOLDEN = E2E_DATA / "replay_tinetz.prom"

# Series whose values depend on the host (clock, process, build), left out of the golden.
VOLATILE_NAMES = {
    "smartmeter_build_info",
    "smartmeter_last_frame_timestamp_seconds",
    "smartmeter_meter_clock_skew_seconds",  # the 2021 meter time vs. today's host clock
}


def family_of_line(line):
    if line.startswith("#"):
        parts = line.split(None, 3)
        return parts[2] if len(parts) >= 3 else ""
    return line.split("{", 1)[0].split(" ", 1)[0]


def stable_exposition(text):
    """The exposition without volatile families (their HELP/TYPE lines go too)."""
    kept = []
    for line in text.splitlines():
        name = family_of_line(line)
        if name.startswith("process_") or name in VOLATILE_NAMES:
            continue
        kept.append(line)
    return "\n".join(kept) + "\n"


def process_cpu_seconds(pid):
    """User + system CPU time of a process, from /proc/<pid>/stat."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tinetz_args(*extra):
    return [f"--replay.file={TINETZ / 'input.hex'}", f"--meter.key-file={TINETZ / 'key.hex'}",
            "--meter.stale-after=1h", *extra]


class ReplayTinetz(ExporterTestCase):
    def start_tinetz(self, *extra):
        ex = self.start_exporter(tinetz_args(*extra))
        m = ex.wait_metric(lambda m: m.value("smartmeter_frames_total") >= 1,
                           message="the vector's frame to be decoded")
        return ex, m

    def test_golden_exposition(self):
        ex, _ = self.start_tinetz()
        text = ex.scrape_text()
        ex.stop()
        actual = stable_exposition(text)
        if os.environ.get("UPDATE_GOLDEN") == "1":
            GOLDEN.write_text(actual)
            print(f"\nUPDATE_GOLDEN=1: rewrote {GOLDEN}")
        expected = GOLDEN.read_text()
        self.assertEqual(actual, expected,
                         f"live /metrics differs from {GOLDEN} (UPDATE_GOLDEN=1 rewrites it)")

    def test_key_values(self):
        ex, m = self.start_tinetz()
        self.assertEqual(m.value("smartmeter_up"), 1)
        self.assertEqual(m.value("smartmeter_voltage_volts", phase="L1"), 230.8)
        self.assertEqual(m.value("smartmeter_current_amperes", phase="L1"), 0)
        self.assertEqual(m.value("smartmeter_active_energy_import_joules_total"), 9108 * 3600)
        self.assertEqual(m.value("smartmeter_active_energy_import_joules_total"), 32788800)
        self.assertEqual(m.value("smartmeter_reactive_energy_import_varhours_total"), 96)
        self.assertEqual(m.value("smartmeter_reactive_energy_export_varhours_total"), 9)
        self.assertEqual(m.value("smartmeter_invocation_number"), 0x00295B9A)
        self.assertEqual(m.value("smartmeter_meter_info", meter_id="1KFM0100000035",
                                 system_title="4B464D1010000023", manufacturer="Kaifa",
                                 device_name="KFM1100100000035", protocol="dlms"), 1)
        self.assertEqual(m.value("smartmeter_received_bytes_total"),
                         len(read_hex_file(TINETZ / "input.hex")))
        self.assertEqual(m.types["smartmeter_active_energy_import_joules_total"], "counter")
        self.assertEqual(m.types["smartmeter_voltage_volts"], "gauge")
        # Meter time 2021-07-19T15:46:35+02:00 minus the host's arrival time.
        skew = m.value("smartmeter_meter_clock_skew_seconds")
        arrival = m.value("smartmeter_last_frame_timestamp_seconds")
        self.assertAlmostEqual(skew, 1626702395 - arrival, delta=0.01)
        self.assertLess(abs(arrival - time.time()), 600)
        for reason, count in m.series("smartmeter_frame_errors_total").items():
            self.assertEqual(count, 0, f"unexpected frame error {dict(reason)}")
        ex.stop()

    def test_promtool_check_metrics(self):
        ex, _ = self.start_tinetz()
        text = ex.scrape_text()  # the full live scrape, volatile series included
        ex.stop()
        self.assert_promtool_accepts(text)

    def get_raw(self, ex, accept_encoding):
        conn = http.client.HTTPConnection("127.0.0.1", ex.port, timeout=10)
        try:
            conn.request("GET", "/metrics", headers={"Accept-Encoding": accept_encoding})
            r = conn.getresponse()
            return r.status, r.getheader("Content-Encoding"), r.getheader("Vary"), r.read()
        finally:
            conn.close()

    def test_gzip_when_the_scraper_accepts_it(self):
        ex, _ = self.start_tinetz()
        # What Prometheus sends on every scrape.
        status, encoding, vary, body = self.get_raw(ex, "gzip")
        self.assertEqual((status, encoding, vary), (200, "gzip", "Accept-Encoding"))
        self.assertEqual(body[:2], b"\x1f\x8b")
        unzipped = gzip.decompress(body).decode()
        plain = ex.scrape_text()
        self.assertEqual(stable_exposition(unzipped), stable_exposition(plain))
        self.assertLess(len(body) * 3, len(plain.encode()))
        for refused in ("identity", "gzip;q=0", "br"):
            status, encoding, _, body = self.get_raw(ex, refused)
            self.assertEqual((status, encoding), (200, None), refused)
            self.assertTrue(body.startswith(b"# HELP"), refused)
        ex.stop()

    def test_landing_page_and_404(self):
        ex, _ = self.start_tinetz()
        r = ex.request("/")
        self.assertEqual(r.status, 200)
        self.assertIn("text/html", r.header("Content-Type"))
        self.assertIn("smartmeter_exporter", r.body)
        self.assertIn('href="/metrics"', r.body)
        self.assertIn("1KFM0100000035", r.body)  # the meter table
        self.assertIn("Meter up", r.body)
        for path in ("/nope", "/metrics/", "/metricsx", "/favicon.ico"):
            self.assertEqual(ex.request(path).status, 404, path)
        r = ex.request("/metrics")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("Content-Type").startswith("text/plain; version=0.0.4"),
                        r.header("Content-Type"))
        self.assertEqual(ex.request("/metrics", method="HEAD").status, 200)
        self.assertEqual(ex.request("/metrics", method="POST").status, 405)
        ex.stop()

    def test_custom_telemetry_path(self):
        ex = self.start_exporter(tinetz_args("--web.telemetry-path=/custom/m"))
        self.assertEqual(ex.request("/metrics").status, 404)
        metrics = ex.scrape("/custom/m")
        self.assertTrue(metrics.has("smartmeter_up"))
        self.assertIn('href="/custom/m"', ex.request("/").body)
        ex.stop()

    def test_sigterm_exits_promptly(self):
        ex, _ = self.start_tinetz()
        rc, elapsed, err = ex.stop()  # asserts status 0 within 2 s
        self.assertEqual(rc, 0)
        self.assertIn("shutting down", err)
        self.assertIn("signal=SIGTERM", err)

    def test_sigint_exits_cleanly(self):
        ex, _ = self.start_tinetz()
        ex.signal(signal.SIGINT)
        self.assertEqual(ex.proc.wait(timeout=5), 0)
        ex.stopped = True
        self.assertIn("signal=SIGINT", ex.stderr())

    def test_sighup_keeps_running(self):
        ex, _ = self.start_tinetz()
        ex.signal(signal.SIGHUP)
        wait_for(lambda: "SIGHUP" in ex.stderr(), 10, message="the SIGHUP log line")
        self.assertTrue(ex.running())
        self.assertRegex(ex.stderr(), r"level=info msg=\"SIGHUP: reopening")
        m = ex.scrape()
        self.assertEqual(m.value("smartmeter_frames_total"), 1)  # state survives
        self.assertEqual(m.value("smartmeter_up"), 1)
        ex.stop()

    def test_json_log_format(self):
        ex, _ = self.start_tinetz("--log.format=json")
        _, _, err = ex.stop()
        lines = [l for l in err.splitlines() if l.strip()]
        self.assertTrue(lines)
        msgs = []
        for line in lines:
            obj = json.loads(line)  # every line is one JSON object
            self.assertIn(obj["level"], ("debug", "info", "warn", "error"))
            msgs.append(obj["msg"])
        self.assertIn("first good frame decoded", msgs)
        self.assertIn("shutting down", msgs)


class KeySources(ExporterTestCase):
    """The key from the command line and from systemd credentials; never echoed."""

    KEY = read_hex_file(TINETZ / "key.hex").hex().upper()

    def test_key_on_command_line(self):
        ex = self.start_exporter([f"--replay.file={TINETZ / 'input.hex'}",
                                  f"--meter.key={self.KEY.lower()}", "--meter.stale-after=1h"])
        m = ex.wait_metric(lambda m: m.value("smartmeter_frames_total") == 1,
                           message="the frame to be decoded with --meter.key")
        self.assertEqual(m.value("smartmeter_voltage_volts", phase="L1"), 230.8)
        _, _, err = ex.stop()  # checks the key (both cases) is on no output
        self.assertIn("puts the key on the command line", err)
        self.assertIn("key_fingerprint=", err)

    def test_key_from_credentials_directory(self):
        creds = self.tmpdir()
        (creds / "meter-key").write_text(self.KEY + "\n")
        (creds / "meter-key").chmod(0o600)
        ex = self.start_exporter([f"--replay.file={TINETZ / 'input.hex'}",
                                  "--meter.stale-after=1h"],
                                 env={"CREDENTIALS_DIRECTORY": str(creds)}, secrets=[self.KEY])
        m = ex.wait_metric(lambda m: m.value("smartmeter_frames_total") == 1,
                           message="the frame to be decoded with the credential")
        self.assertEqual(m.value("smartmeter_voltage_volts", phase="L1"), 230.8)
        _, _, err = ex.stop()
        self.assertNotIn("readable by group or others", err)  # 0600 is fine

    def test_group_readable_key_file_warns(self):
        key = self.tmpdir() / "meter.key"
        key.write_text(self.KEY + "\n")
        key.chmod(0o644)
        ex = self.start_exporter([f"--replay.file={TINETZ / 'input.hex'}",
                                  f"--meter.key-file={key}"])
        ex.wait_metric(lambda m: m.value("smartmeter_frames_total") == 1,
                       message="the frame to be decoded")
        _, _, err = ex.stop()
        self.assertIn("readable by group or others", err)


class HttpDetails(ExporterTestCase):
    def test_query_strings_and_escaping(self):
        # A capture path with HTML metacharacters appears escaped on the landing page.
        odd = self.tmpdir() / 'a<b>&"c'
        odd.mkdir()
        shutil.copy(TINETZ / "input.hex", odd / "input.hex")
        ex = self.start_exporter([f"--replay.file={odd / 'input.hex'}",
                                  f"--meter.key-file={TINETZ / 'key.hex'}"])
        page = ex.request("/?refresh=1")
        self.assertEqual(page.status, 200)
        self.assertIn("a&lt;b&gt;&amp;&quot;c", page.body)
        self.assertNotIn('a<b>&"c', page.body)
        self.assertEqual(ex.request("/metrics?name[]=smartmeter_up").status, 200)
        ex.stop()


class ReplayCaptures(ExporterTestCase):
    def capture_file(self, *parts):
        path = self.tmpdir() / "capture.hex"
        path.write_text("".join(read_hex_file(p).hex().upper() + "\n" for p in parts))
        return path

    def test_same_frame_twice_is_a_replay(self):
        capture = self.capture_file(TINETZ / "input.hex", TINETZ / "input.hex")
        ex = self.start_exporter([f"--replay.file={capture}", "--replay.rate=max",
                                  f"--meter.key-file={TINETZ / 'key.hex'}",
                                  "--meter.stale-after=1h"])
        m = ex.wait_metric(lambda m: m.value("smartmeter_frame_errors_total", reason="replay") >= 1,
                           message="the repeated frame to be rejected")
        self.assertEqual(m.value("smartmeter_frames_total"), 1)
        self.assertEqual(m.value("smartmeter_frame_errors_total", reason="replay"), 1)
        self.assertEqual(m.value("smartmeter_voltage_volts", phase="L1"), 230.8)
        _, _, err = ex.stop()
        self.assertIn("invocation counter did not increase", err)

    def test_increasing_counter_updates_values(self):
        capture = self.capture_file(TINETZ / "input.hex", TINETZ_NEXT)
        ex = self.start_exporter([f"--replay.file={capture}", "--replay.rate=max",
                                  f"--meter.key-file={TINETZ / 'key.hex'}",
                                  "--meter.stale-after=1h"])
        m = ex.wait_metric(lambda m: m.value("smartmeter_frames_total") >= 2,
                           message="both frames to be decoded")
        self.assertEqual(m.value("smartmeter_frames_total"), 2)
        self.assertEqual(m.value("smartmeter_invocation_number"), 0x00295B9B)
        self.assertEqual(m.value("smartmeter_voltage_volts", phase="L1"), 231.4)
        self.assertEqual(m.value("smartmeter_active_energy_import_joules_total"), 9109 * 3600)
        self.assertEqual(sum(m.series("smartmeter_frame_errors_total").values()), 0)
        ex.stop()

    def test_wrong_key(self):
        key = self.tmpdir() / "wrong.key"
        key.write_text("000102030405060708090A0B0C0D0E0F\n")
        key.chmod(0o600)
        ex = self.start_exporter([f"--replay.file={TINETZ / 'input.hex'}",
                                  f"--meter.key-file={key}"])
        m = ex.wait_metric(lambda m: m.value("smartmeter_frame_errors_total", reason="decrypt") >= 1,
                           message="the frame to fail decryption")
        self.assertEqual(m.value("smartmeter_up"), 0)
        self.assertEqual(m.value("smartmeter_frames_total"), 0)
        self.assertNotIn("smartmeter_voltage_volts", m.names())
        self.assertNotIn("smartmeter_meter_info", m.names())
        _, _, err = ex.stop()
        self.assertIn("key looks wrong", err)

    def test_looping_encrypted_capture_neither_spins_nor_replays(self):
        # Issue 14 item 4: every repetition of a loop carries the same invocation counters.
        # Before, rate max looped without a pause and every repetition after the first was
        # rejected as `replay`: thousands of rejected frames a second at 100 % CPU. Now each
        # repetition is a new run (counters start over) and repetitions are 1 s apart.
        ex = self.start_exporter(tinetz_args("--replay.rate=max", "--replay.loop"))
        ex.wait_metric(lambda m: m.value("smartmeter_frames_total") >= 1,
                       message="the vector's frame to be decoded")
        started = time.monotonic()
        cpu_before = process_cpu_seconds(ex.proc.pid)
        m = ex.wait_metric(lambda m: m.value("smartmeter_frames_total") >= 3, timeout=15.0,
                           message="three repetitions of the capture")
        time.sleep(1.0)
        m = ex.scrape()
        elapsed = time.monotonic() - started
        cpu = process_cpu_seconds(ex.proc.pid) - cpu_before
        self.assertEqual(m.value("smartmeter_frame_errors_total", reason="replay"), 0)
        # One repetition per second (and one at the start): a generous bound on iterations.
        self.assertLessEqual(m.value("smartmeter_frames_total"), elapsed + 3)
        self.assertLess(cpu, 0.5 * elapsed, f"{cpu:.2f} s CPU in {elapsed:.2f} s")
        _, _, err = ex.stop()
        self.assertIn("capture starts again", err)

    def test_exit_at_end(self):
        rc, _, err = run_to_exit(tinetz_args("--replay.rate=max", "--replay.exit-at-end",
                                             "--web.listen-address=127.0.0.1:0"), timeout=30)
        self.assertEqual(rc, 0, err)
        self.assertIn("first good frame decoded", err)
        self.assertIn("--replay.exit-at-end", err)
        self.assertNotIn("101112131415161718191A1B1C1D1E1F".lower(), err.lower())


if __name__ == "__main__":
    unittest.main()
