"""--config FILE (TOML, flag names as sections or dotted keys), repeated listen addresses."""
import unittest

from exporter_harness import TINETZ, Exporter, ExporterTestCase, free_port


class ConfigFile(ExporterTestCase):
    def test_sections_and_dotted_keys(self):
        port = free_port()
        cfg = self.tmpdir() / "exporter.toml"
        cfg.write_text(
            "# smartmeter_exporter test configuration\n"
            "[web]\n"
            f'listen-address = ["127.0.0.1:{port}"]\n'
            'telemetry-path = "/meter-metrics"\n'
            "[replay]\n"
            f'file = "{TINETZ / "input.hex"}"\n'
            "[meter]\n"
            f'key-file = "{TINETZ / "key.hex"}"\n'
            'stale-after = "1h"\n')
        ex = self.start_exporter([f"--config={cfg}"], listen=False, port=port)
        m = ex.wait_metric(lambda m: m.value("smartmeter_frames_total") == 1,
                           path="/meter-metrics", message="the frame (telemetry path from the file)")
        self.assertEqual(m.value("smartmeter_voltage_volts", phase="L1"), 230.8)
        self.assertEqual(ex.request("/metrics").status, 404)
        ex.stop()

    def test_dotted_keys_at_top_level_and_flag_override(self):
        cfg = self.tmpdir() / "exporter.toml"

        def write_config(port):
            cfg.write_text(
                f'web.listen-address = ["127.0.0.1:{port}"]\n'
                "demo = true\n"
                'demo.interval = "200ms"\n'
                'log.level = "warn"\n')

        port = free_port()
        write_config(port)
        ex = self.start_exporter([f"--config={cfg}"], listen=False, port=port)
        m = ex.wait_metric(lambda m: m.value("smartmeter_frames_total") >= 2,
                           message="two demo frames (200 ms interval from the file)")
        self.assertEqual(m.value("smartmeter_up"), 1)
        _, _, err = ex.stop()
        self.assertNotIn("level=info", err)  # log.level = "warn" from the file

        # A flag on the command line wins over the file.
        port = free_port()
        write_config(port)
        ex = self.start_exporter([f"--config={cfg}", "--log.level=info"], listen=False,
                                 port=port)
        ex.wait_metric(lambda m: m.value("smartmeter_frames_total") >= 1, message="a demo frame")
        _, _, err = ex.stop()
        self.assertIn("level=info", err)

    def test_two_listen_addresses(self):
        p1, p2 = free_port(), free_port()
        ex = self.start_exporter(["--demo", f"--web.listen-address=127.0.0.1:{p1}",
                                  f"--web.listen-address=127.0.0.1:{p2}"], listen=False, port=p1)
        other = Exporter([], listen=False, port=p2, start=False)  # a client handle only
        self.assertEqual(ex.request("/metrics").status, 200)
        self.assertEqual(other.request("/metrics").status, 200)
        ex.responses += other.responses
        ex.stop()


if __name__ == "__main__":
    unittest.main()
