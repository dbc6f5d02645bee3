"""Fault 18 (issue 14 item 6): the web config emptied under a running exporter. An empty
file, `basic_auth_users:` without entries, or a file whose only user is commented out each
served /metrics to anyone after a SIGHUP (and said nothing). Now each reload is refused and
logged with the auth state that stays in force, /metrics keeps asking for credentials, and
the meter's frames go on being decoded while the file is broken. Given at
start, such a file is refused: exit status 2 and the reason.

Frames: the Kaifa MA304 List 1 built in test_list_alternation.py from a real vector (a
plaintext meter, so any number of frames with new values)."""
import shutil
import signal
import subprocess
import unittest

import test_list_alternation as lists
from fault_bench import BINARY, DATA, FaultTestCase, Line

WEB_CONFIG = DATA / "e2e" / "web-config.yml"
PASSWORD = "s3cret-e2e"  # see tests/data/e2e/web-config.yml
AUTH = ("alice", PASSWORD)
BROKEN = {"empty file": "",
          "no users": "basic_auth_users:\n",
          "only user commented out": "basic_auth_users:\n#  alice: x\n"}


class EmptyWebConfig(FaultTestCase):
    def start_with_auth(self, config):
        self.line = Line(self, "tcp")
        self.exporter = self.start_exporter(
            self.line.device_args() + ["--meter.stale-after=1h", f"--web.config.file={config}"],
            secrets=[PASSWORD])
        self.line.attach(auth=AUTH)
        self.sent = 0
        return self.exporter

    def frame_shows(self, watts):
        """Sends a List 1 of `watts` and waits (with credentials) until /metrics shows it."""
        frames = self.exporter.scrape(auth=AUTH).value("smartmeter_frames_total")
        self.send(lists.list1(watts))
        return self.exporter.wait_metric(
            lambda m: m.value("smartmeter_frames_total") == frames + 1
            and m.samples.get(lists.POWER) == watts,
            auth=AUTH, message=f"the List 1 of {watts} W to be shown")

    def assert_refuses_anonymous(self, what):
        r = self.exporter.request("/metrics")
        self.assertEqual(r.status, 401, f"/metrics without credentials {what}")
        self.assertNotIn("smartmeter_", r.body, what)

    def test_18_reload_to_an_empty_config_keeps_auth_and_loses_no_frame(self):
        config = self.tmpdir() / "web.yml"
        shutil.copy(WEB_CONFIG, config)
        ex = self.start_with_auth(config)
        self.frame_shows(1000)
        errors_before = ex.scrape(auth=AUTH).samples
        for i, (name, text) in enumerate(BROKEN.items(), start=1):
            with self.subTest(config=name):
                config.write_text(text)
                ex.signal(signal.SIGHUP)
                self.exporter.wait_metric(
                    lambda m: ex.stderr().count("web config not reloaded") == i, auth=AUTH,
                    message="the refused reload to be logged")
                self.assert_refuses_anonymous(f"after a reload to the {name}")
                # SIGHUP also reopens the source (documented): the gateway takes the new
                # connection. Then the meter goes on: a frame sent while the file is broken
                # is decoded.
                self.line.attach(auth=AUTH)
                self.frame_shows(1000 + i)
        # Nothing was counted as a frame error on the way.
        after = ex.scrape(auth=AUTH)
        for series, value in errors_before.items():
            if series[0] == "smartmeter_frame_errors_total":
                self.assertEqual(after.samples.get(series), value, series)
        for line in ex.stderr().splitlines():
            if "web config not reloaded" in line:
                self.assertIn('basic_auth="on (2 users)"', line)
        ex.stop()

    def test_18b_an_empty_config_given_at_start_is_refused(self):
        for name, text in BROKEN.items():
            with self.subTest(config=name):
                config = self.tmpdir() / "web.yml"
                config.write_text(text)
                run = subprocess.run([str(BINARY), "--demo", "--web.listen-address=127.0.0.1:0",
                                      f"--web.config.file={config}"],
                                     capture_output=True, text=True, timeout=30, check=False)
                self.assertEqual(run.returncode, 2, f"{name}: {run.stderr}")
                self.assertIn("web.config.file", run.stderr, name)


if __name__ == "__main__":
    unittest.main()
