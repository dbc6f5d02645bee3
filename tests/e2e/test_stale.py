"""--meter.stale-after: once the last good frame is older, the meter's value series leave
/metrics (Prometheus marks them stale) while smartmeter_up (0), the frame timestamp and
the self-metrics stay."""
import time
import unittest

from exporter_harness import TINETZ, ExporterTestCase

# Series describing the meter: all of them go when stale.
VALUE_SERIES = [
    "smartmeter_meter_info",
    "smartmeter_voltage_volts",
    "smartmeter_current_amperes",
    "smartmeter_active_power_import_watts",
    "smartmeter_active_power_export_watts",
    "smartmeter_active_energy_import_joules_total",
    "smartmeter_active_energy_export_joules_total",
    "smartmeter_reactive_energy_import_varhours_total",
    "smartmeter_reactive_energy_export_varhours_total",
    "smartmeter_meter_clock_skew_seconds",
    "smartmeter_invocation_number",
]
# Series that stay.
SELF_SERIES = [
    "smartmeter_up",
    "smartmeter_last_frame_timestamp_seconds",
    "smartmeter_frames_total",
    "smartmeter_frame_errors_total",
    "smartmeter_received_bytes_total",
    "smartmeter_source_reconnects_total",
    "smartmeter_source_connected",
    "smartmeter_build_info",
    "process_start_time_seconds",
]
STALE_AFTER = 2.0


class Stale(ExporterTestCase):
    def test_values_disappear_after_stale_after(self):
        ex = self.start_exporter([f"--replay.file={TINETZ / 'input.hex'}",
                                  f"--meter.key-file={TINETZ / 'key.hex'}",
                                  "--meter.stale-after=2s"])
        fresh = ex.wait_metric(lambda m: m.value("smartmeter_frames_total") == 1,
                               message="the frame to be decoded")
        arrival = fresh.value("smartmeter_last_frame_timestamp_seconds")
        if time.time() - arrival < STALE_AFTER - 0.2:  # we were quick enough to see it fresh
            self.assertEqual(fresh.value("smartmeter_up"), 1)
            for name in VALUE_SERIES:
                self.assertIn(name, fresh.names(), f"{name} missing while fresh")
            self.assertEqual(fresh.value("smartmeter_voltage_volts", phase="L1"), 230.8)
            self.assertIn("Meter up", ex.request("/").body)
        else:
            print(f"\nnote: first scrape came {time.time() - arrival:.1f} s after the frame")

        stale = ex.wait_metric(lambda m: m.value("smartmeter_up") == 0, timeout=15,
                               message="smartmeter_up to drop to 0")
        # Never before stale-after: the scrape that saw up=0 happened before this line.
        self.assertGreaterEqual(time.time() - arrival, STALE_AFTER - 0.05)
        for name in VALUE_SERIES:
            self.assertNotIn(name, stale.names(), f"{name} still exported while stale")
        for name in SELF_SERIES:
            self.assertIn(name, stale.names(), f"{name} must stay while stale")
        self.assertEqual(stale.value("smartmeter_frames_total"), 1)
        self.assertEqual(stale.value("smartmeter_last_frame_timestamp_seconds"), arrival)
        self.assertEqual(stale.value("smartmeter_received_bytes_total"), 300)
        page = ex.request("/").body
        self.assertIn("Meter stale", page)
        ex.stop()

    def test_up_is_zero_before_the_first_frame(self):
        empty = self.tmpdir() / "empty.hex"
        empty.write_text("")
        ex = self.start_exporter([f"--replay.file={empty}", f"--meter.key-file={TINETZ / 'key.hex'}"])
        m = ex.scrape()
        self.assertEqual(m.value("smartmeter_up"), 0)
        self.assertEqual(m.value("smartmeter_frames_total"), 0)
        self.assertNotIn("smartmeter_last_frame_timestamp_seconds", m.names())
        self.assertNotIn("smartmeter_meter_info", m.names())
        self.assertIn("No good frame received yet", ex.request("/").body)
        ex.stop()


if __name__ == "__main__":
    unittest.main()
