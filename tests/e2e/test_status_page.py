"""The status page at / and /api/v1/reading, with a replayed three-phase vector: the JSON
carries the vector's values, headers (no-store, CSP) are set, basic auth covers both, and
headless Chromium (Debian package `chromium`) renders the page, runs its script against
the API through basic auth, and saves a screenshot:

    <build dir>/test-artifacts/status-page.png   (SM_ARTIFACTS overrides the directory)

Without chromium the browser test prints SKIPPED and passes; CI installs it (scripts/deps.sh).
"""
import base64
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import unittest

from exporter_harness import E2E_DATA, REPO, VECTORS, ExporterTestCase

VECTOR = VECTORS / "AT-EVN-SAGEMCOM-L0101-QUIRK"  # three phases, 515 W, 627.66 kWh
WEB_CONFIG = E2E_DATA / "web-config.yml"
PASSWORD = "s3cret-e2e"  # see the comment in web-config.yml
ARTIFACTS = pathlib.Path(os.environ.get("SM_ARTIFACTS", REPO / "build" / "test-artifacts"))
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def vector_args(*extra):
    return [f"--replay.file={VECTOR / 'input.hex'}", f"--meter.key-file={VECTOR / 'key.hex'}",
            "--meter.stale-after=1h", *extra]


def chromium_binary():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class StatusPage(ExporterTestCase):
    def start_vector(self, *extra, **kwargs):
        return self.start_exporter(vector_args(*extra), **kwargs)

    def reading(self, ex, auth=None):
        r = ex.request("/api/v1/reading", auth=auth)
        self.assertEqual(r.status, 200, r.body[:300])
        return r, json.loads(r.body)

    def wait_reading(self, ex, auth=None):
        ex.wait_metric(lambda m: m.value("smartmeter_frames_total") >= 1, auth=auth,
                       message="the vector's frame to be decoded")
        return self.reading(ex, auth)

    def assert_vector_values(self, d, fuse_amps=63):
        self.assertEqual(d["state"], "up")
        self.assertFalse(d["stale"])
        self.assertEqual(d["meter"]["id"], "178210431186")
        self.assertEqual(d["meter"]["system_title"], "5341475905ED3312")
        self.assertEqual(d["meter"]["manufacturer"], "Sagemcom")
        self.assertEqual(d["meter"]["profile"], "evn")
        self.assertEqual(d["power"], {"import_w": 515, "export_w": 0})
        self.assertEqual([(p["phase"], p["voltage_v"], p["current_a"]) for p in d["phases"]],
                         [("L1", 232.9, 0.85), ("L2", 236.5, 0.94), ("L3", 237.2, 1.18)])
        energy = {e["name"]: (e["value"], e["unit"]) for e in d["energy"]}
        self.assertEqual(energy["import"], (627.66, "kWh"))
        self.assertEqual(d["limits"]["current_max_a"], fuse_amps)
        registers = {r["obis"]: r for r in d["registers"]}
        self.assertEqual(registers["1.0.13.7.0.255"]["value"], 0.819)
        self.assertEqual(registers["0.0.96.1.0.255"]["text"], "178210431186")
        self.assertEqual(d["frames"]["good"], 1)
        self.assertEqual(set(d["frames"]["errors"].values()), {0})
        self.assertGreaterEqual(d["last_frame"]["age_seconds"], 0)
        points = d["history"]["points"]
        self.assertEqual(len(points), 1)
        self.assertEqual(points[0][1:], [515, 0])

    def test_api_and_page_headers(self):
        ex = self.start_vector("--meter.fuse-amps=35")
        r, d = self.wait_reading(ex)
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertEqual(r.header("Cache-Control"), "no-store")
        self.assert_vector_values(d, fuse_amps=35)
        page = ex.request("/")
        self.assertEqual(page.status, 200)
        csp = page.header("Content-Security-Policy") or ""
        self.assertIn("default-src 'none'", csp)
        self.assertIn("connect-src 'self'", csp)
        # The one inline script is allowed by its hash, nothing else is.
        script = re.search(r"<script>(.*?)</script>", page.body, re.S).group(1)
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        self.assertIn(f"script-src 'sha256-{digest}';", csp)
        self.assertEqual(page.header("Cache-Control"), "no-store")
        self.assertIn("35 A fuse", page.body)
        # Server-rendered values, useful without JavaScript.
        self.assertIn('data-k="power.import_w" data-d="0">515<', page.body)
        self.assertIn('data-k="phases.2.voltage_v" data-d="1">237.2<', page.body)
        # The page's layout key matches the API's, or its script would reload it forever.
        self.assertIn(f'data-layout="{d["layout"]}"', page.body)
        self.assertEqual(ex.request("/api/v1/reading", method="HEAD").status, 200)
        self.assertEqual(ex.request("/api/v1/reading/").status, 404)
        ex.stop()

    def test_no_frame_yet(self):
        # A capture with no frame in it: the API says so instead of failing.
        empty = self.tmpdir() / "empty.hex"
        empty.write_text("# no frames\n00\n")
        ex = self.start_exporter([f"--replay.file={empty}", "--meter.key=" + "00" * 16])
        _, d = self.reading(ex)
        self.assertEqual(d["state"], "no_frame")
        self.assertTrue(d["stale"])
        self.assertIsNone(d["last_frame"])
        self.assertIsNone(d["meter"])
        self.assertEqual(d["registers"], [])
        self.assertIn("No good frame received yet", ex.request("/").body)
        ex.stop()

    def test_chromium_renders_the_live_page_through_basic_auth(self):
        chromium = chromium_binary()
        if chromium is None:
            print("\nSKIPPED: chromium not installed (apt-get install chromium)")
            self.skipTest("SKIPPED: chromium not installed")
        ex = self.start_vector(f"--web.config.file={WEB_CONFIG}", secrets=[PASSWORD])
        auth = ("alice", PASSWORD)
        self.assertEqual(ex.request("/api/v1/reading").status, 401)
        self.assertEqual(ex.request("/").status, 401)
        _, d = self.wait_reading(ex, auth=auth)
        self.assert_vector_values(d)

        url = f"http://alice:{PASSWORD}@127.0.0.1:{ex.port}/"
        profile = tempfile.TemporaryDirectory(prefix="sm-chromium-")
        self.addCleanup(profile.cleanup)
        base = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-extensions", "--disable-dev-shm-usage", "--hide-scrollbars",
                f"--user-data-dir={profile.name}", "--virtual-time-budget=4000"]

        def run(*args):
            p = subprocess.run(base + list(args) + [url], capture_output=True, timeout=90,
                               stdin=subprocess.DEVNULL)
            return p.returncode, p.stdout.decode("utf-8", "replace"), \
                p.stderr.decode("utf-8", "replace")

        rc, dom, err = run("--dump-dom")
        self.assertEqual(rc, 0, err[-2000:])
        body = re.search(r"<body[^>]*>", dom)
        self.assertIsNotNone(body, dom[:2000])
        # The script fetched /api/v1/reading (through basic auth) and updated the page.
        self.assertIn('data-live="ok"', body.group(0),
                      f"the page's script did not update it: {body.group(0)}\n{err[-2000:]}")
        self.assertRegex(body.group(0), r'data-updated="\d+')
        for fragment in ('data-k="power.import_w" data-d="0">515<',
                         'data-k="phases.0.voltage_v" data-d="1">232.9<',
                         'data-k="phases.1.current_a" data-d="2">0.94<',
                         'data-k="energy.0.value" data-d="3">627.660<',
                         "178210431186", "Sagemcom", "Meter up"):
            self.assertIn(fragment, dom)
        self.assertRegex(dom, r'<path class="s1" d="M[\d.]+ [\d.]+H[\d.]+"')

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "status-page.png"
        if shot.exists():
            shot.unlink()
        rc, _, err = run(f"--screenshot={shot}", "--window-size=1200,1600")
        self.assertEqual(rc, 0, err[-2000:])
        self.assertTrue(shot.is_file(), f"no screenshot at {shot}:\n{err[-2000:]}")
        data = shot.read_bytes()
        self.assertEqual(data[:8], PNG_MAGIC)
        self.assertGreater(len(data), 10000)  # a rendered page, not a blank image
        print(f"\nstatus page screenshot: {shot}")
        ex.stop()  # also checks the password never reached stderr or a response


if __name__ == "__main__":
    unittest.main()
