"""The built-in demo meter (--demo): real encrypted frames through the whole pipeline,
producing the full metric set with counters that move."""
import threading
import time
import unittest

from exporter_harness import ExporterTestCase

PHASES = ("L1", "L2", "L3")
ENERGY = (
    "smartmeter_active_energy_import_joules_total",
    "smartmeter_active_energy_export_joules_total",
    "smartmeter_reactive_energy_import_varhours_total",
    "smartmeter_reactive_energy_export_varhours_total",
)


class Demo(ExporterTestCase):
    def start_demo(self, *extra):
        ex = self.start_exporter(["--demo", "--demo.interval=200ms", *extra])
        m = ex.wait_metric(lambda m: m.value("smartmeter_frames_total") >= 1,
                           message="the first demo frame")
        return ex, m

    def test_full_metric_set_and_moving_counters(self):
        ex, m1 = self.start_demo()
        self.assertEqual(m1.value("smartmeter_up"), 1)
        for phase in PHASES:
            v = m1.value("smartmeter_voltage_volts", phase=phase)
            self.assertTrue(200 <= v <= 260, f"voltage {phase} = {v}")
            a = m1.value("smartmeter_current_amperes", phase=phase)
            self.assertGreaterEqual(a, 0, f"current {phase}")
        imp = m1.value("smartmeter_active_power_import_watts")
        exp = m1.value("smartmeter_active_power_export_watts")
        self.assertGreaterEqual(imp, 0)
        self.assertGreaterEqual(exp, 0)
        self.assertEqual(min(imp, exp), 0, "a meter cannot import and export at once")
        for name in ENERGY:
            self.assertGreater(m1.value(name), 0, name)
            self.assertEqual(m1.types[name], "counter", name)
        info = m1.series("smartmeter_meter_info")
        self.assertEqual(len(info), 1)
        labels, value = next(iter(info.items()))
        self.assertEqual(value, 1)
        self.assertEqual(dict(labels), {"meter_id": "1KFM0200DEMO01",
                                        "system_title": "4B464D102000DE30",
                                        "manufacturer": "Kaifa",
                                        "device_name": "KFM1200200DEMO01",
                                        "protocol": "dlms"})
        # The demo sends Austrian local time with its UTC deviation: converted right, the
        # meter clock equals the host clock (a DST or sign error would be 3600 s or more).
        self.assertLess(abs(m1.value("smartmeter_meter_clock_skew_seconds")), 30)
        self.assertEqual(m1.value("smartmeter_source_connected"), 1)
        for reason, count in m1.series("smartmeter_frame_errors_total").items():
            self.assertEqual(count, 0, f"unexpected frame error {dict(reason)}")

        time.sleep(1.5)
        m2 = ex.scrape()
        self.assertGreater(m2.value("smartmeter_frames_total"), m1.value("smartmeter_frames_total"))
        self.assertGreater(m2.value("smartmeter_invocation_number"),
                           m1.value("smartmeter_invocation_number"))
        self.assertGreater(m2.value("smartmeter_received_bytes_total"),
                           m1.value("smartmeter_received_bytes_total"))
        self.assertGreater(m2.value("smartmeter_last_frame_timestamp_seconds"),
                           m1.value("smartmeter_last_frame_timestamp_seconds"))
        for name in ENERGY:
            self.assertGreaterEqual(m2.value(name), m1.value(name), f"{name} went backwards")
        for reason, count in m2.series("smartmeter_frame_errors_total").items():
            self.assertEqual(count, 0, f"unexpected frame error {dict(reason)}")
        ex.stop()

    def test_concurrent_scrapes_are_consistent(self):
        # Frames every 20 ms while 8 clients scrape: each scrape must be one whole,
        # well-formed exposition of a single frame.
        ex = self.start_exporter(["--demo", "--demo.interval=20ms"])
        ex.wait_metric(lambda m: m.value("smartmeter_frames_total") >= 1, message="a frame")
        errors, scrapes = [], []

        def client():
            try:
                for _ in range(15):
                    m = ex.scrape()
                    scrapes.append(m)
            except Exception as e:  # any failure in a client thread fails the test
                errors.append(repr(e))
        threads = [threading.Thread(target=client) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        self.assertEqual(len(scrapes), 8 * 15)
        for m in scrapes:
            self.assertEqual(m.value("smartmeter_up"), 1)
            self.assertEqual(len(m.series("smartmeter_voltage_volts")), 3)
            self.assertEqual(len(m.series("smartmeter_meter_info")), 1)
        counts = sorted(m.value("smartmeter_frames_total") for m in scrapes)
        self.assertGreater(counts[-1], counts[0], "frames kept arriving during the scrapes")
        ex.stop()

    def test_promtool_check_metrics(self):
        ex, _ = self.start_demo()
        text = ex.scrape_text()
        ex.stop()
        self.assert_promtool_accepts(text)

    def test_landing_page_shows_values(self):
        ex, _ = self.start_demo()
        page = ex.request("/").body
        self.assertIn("smartmeter_exporter", page)
        self.assertIn('href="/metrics"', page)
        self.assertIn("source: demo", page)
        self.assertIn("Meter up", page)
        self.assertIn("1KFM0200DEMO01", page)
        self.assertIn("1.0.32.7.0.255", page)  # the values table
        ex.stop()

    def test_configured_key_is_ignored_and_not_echoed(self):
        key = "00112233445566778899AABBCCDDEEFF"
        ex, m = self.start_demo(f"--meter.key={key}")
        self.assertEqual(m.value("smartmeter_up"), 1)
        _, _, err = ex.stop()  # stop() checks the key is on no output
        self.assertIn("built-in demo key", err)


if __name__ == "__main__":
    unittest.main()
