"""Meter values stay consistent under concurrent scrapes: every scrape's values come from
one frame.

tests/soak/make_capture (SM_MAKE_CAPTURE) writes real ciphered demo-meter pushes in which
push i carries n = 1 + i % 600 in every value register (voltages and currents n, powers
n W, energies n Wh and n varh) under invocation counter 0x10000 + i. The exporter replays
them at 1,000 pushes per second while several threads scrape /metrics as fast as they
can; in every scrape all value series, and the invocation counter, must name the same n.
"""
import http.client
import os
import subprocess
import threading
import time
import unittest

from exporter_harness import DEMO_KEY_HEX, ExporterTestCase, Metrics

MAKE_CAPTURE = os.environ.get("SM_MAKE_CAPTURE")
PUSHES = 5000
INTERVAL_US = 1000
SCRAPERS = 4
FIRST_COUNTER = 0x10000

# (metric, labels, factor): the series value is n * factor.
VALUE_SERIES = [("smartmeter_voltage_volts", {"phase": p}, 1) for p in ("L1", "L2", "L3")]
VALUE_SERIES += [("smartmeter_current_amperes", {"phase": p}, 1) for p in ("L1", "L2", "L3")]
VALUE_SERIES += [
    ("smartmeter_active_power_import_watts", {}, 1),
    ("smartmeter_active_power_export_watts", {}, 1),
    ("smartmeter_active_energy_import_joules_total", {}, 3600),
    ("smartmeter_active_energy_export_joules_total", {}, 3600),
    ("smartmeter_reactive_energy_import_varhours_total", {}, 1),
    ("smartmeter_reactive_energy_export_varhours_total", {}, 1),
]


def frame_numbers(m):
    """{series: n} of one scrape; None when the scrape holds no meter values yet."""
    if not m.has("smartmeter_invocation_number"):
        return None
    ic = m.value("smartmeter_invocation_number")
    numbers = {"smartmeter_invocation_number": (int(ic) - FIRST_COUNTER) % 600 + 1}
    for name, labels, factor in VALUE_SERIES:
        value = m.value(name, **labels) / factor
        n = round(value)
        if abs(value - n) > 1e-6:
            raise AssertionError(f"{name}{labels} = {value * factor}: not n * {factor}")
        numbers[f"{name}{labels}"] = n
    return numbers


class ConcurrentScrapes(ExporterTestCase):
    def test_every_scrape_shows_one_frame(self):
        if not MAKE_CAPTURE:
            self.skipTest("SM_MAKE_CAPTURE not set (run through ctest)")
        tmp = self.tmpdir()
        capture = tmp / "sequence.txt"
        subprocess.run([MAKE_CAPTURE, capture, str(PUSHES), str(INTERVAL_US), "sequence"],
                       check=True)
        key = tmp / "demo.key"
        key.write_text(DEMO_KEY_HEX + "\n")
        key.chmod(0o600)
        ex = self.start_exporter([f"--replay.file={capture}", f"--meter.key-file={key}",
                                  "--meter.stale-after=1h"])

        stop = threading.Event()
        results = [[] for _ in range(SCRAPERS)]  # per thread: list of {series: n}
        errors = []

        def scraper(out):
            conn = http.client.HTTPConnection("127.0.0.1", ex.port, timeout=10)
            try:
                while not stop.is_set():
                    conn.request("GET", "/metrics")
                    r = conn.getresponse()
                    body = r.read().decode()
                    if r.status != 200:
                        raise AssertionError(f"HTTP {r.status}")
                    numbers = frame_numbers(Metrics(body))
                    if numbers is not None:
                        out.append(numbers)
            except Exception as e:  # reported by the main thread
                errors.append(repr(e))
            finally:
                conn.close()

        threads = [threading.Thread(target=scraper, args=(results[i],)) for i in range(SCRAPERS)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + PUSHES * INTERVAL_US / 1e6 + 20
        try:
            while time.monotonic() < deadline:
                if ex.scrape().get("smartmeter_frames_total", 0) >= PUSHES or errors:
                    break
                time.sleep(0.2)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=15)
        self.assertEqual(errors, [])
        m = ex.scrape()
        self.assertEqual(m.value("smartmeter_frames_total"), PUSHES,
                         "every push decoded (none rejected)")
        self.assertFalse(any(s for (n, _), s in m.samples.items()
                             if n == "smartmeter_frame_errors_total"), "no frame errors")

        scrapes = [numbers for out in results for numbers in out]
        mixed = [numbers for numbers in scrapes if len(set(numbers.values())) != 1]
        self.assertEqual(mixed[:3], [], f"{len(mixed)} of {len(scrapes)} scrapes mix frames")
        seen = {next(iter(numbers.values())) for numbers in scrapes}
        # The check only means something if the values changed while the threads scraped.
        self.assertGreaterEqual(len(scrapes), 40, "too few scrapes to say anything")
        self.assertGreaterEqual(len(seen), 10, f"values hardly changed: {sorted(seen)}")
        print(f"{len(scrapes)} scrapes by {SCRAPERS} threads, {len(seen)} distinct frames seen, "
              f"none mixed")
        ex.stop()


if __name__ == "__main__":
    unittest.main()
