"""HTTP basic auth from an exporter-toolkit web config (--web.config.file): every path
needs credentials; wrong ones get 401 with a challenge; SIGHUP re-reads the file."""
import shutil
import signal
import unittest

from exporter_harness import E2E_DATA, TINETZ, ExporterTestCase, wait_for

WEB_CONFIG = E2E_DATA / "web-config.yml"
PASSWORD = "s3cret-e2e"  # see the comment in web-config.yml


class BasicAuth(ExporterTestCase):
    def start_with(self, config):
        return self.start_exporter([f"--web.config.file={config}",
                                    f"--replay.file={TINETZ / 'input.hex'}",
                                    f"--meter.key-file={TINETZ / 'key.hex'}",
                                    "--meter.stale-after=1h"],
                                   secrets=[PASSWORD])

    def assert_challenge(self, r, what):
        self.assertEqual(r.status, 401, what)
        challenge = r.header("WWW-Authenticate")
        self.assertIsNotNone(challenge, f"{what}: 401 without WWW-Authenticate")
        self.assertTrue(challenge.startswith("Basic "), f"{what}: {challenge}")
        self.assertIn("realm=", challenge)
        self.assertNotIn("smartmeter_", r.body, f"{what}: metrics leaked in a 401")

    def test_credentials_required_everywhere(self):
        ex = self.start_with(WEB_CONFIG)
        for path in ("/metrics", "/", "/nope"):
            self.assert_challenge(ex.request(path), f"{path} without credentials")
            self.assert_challenge(ex.request(path, auth=("alice", "wrong")),
                                  f"{path} with a wrong password")
            self.assert_challenge(ex.request(path, auth=("mallory", PASSWORD)),
                                  f"{path} with an unknown user")
            self.assert_challenge(ex.request(path, auth=("alice", PASSWORD + "x")),
                                  f"{path} with a longer password")
            self.assert_challenge(ex.request(path, auth=("alice", "")),
                                  f"{path} with an empty password")
        self.assert_challenge(ex.request("/metrics", headers={"Authorization": "Basic !!!"}),
                              "malformed base64")
        self.assert_challenge(ex.request("/metrics", headers={"Authorization": "Bearer x"}),
                              "another scheme")

        r = ex.request("/metrics", auth=("alice", PASSWORD))
        self.assertEqual(r.status, 200)
        self.assertIn("smartmeter_up 1", r.body)
        r = ex.request("/", auth=("alice", PASSWORD))
        self.assertEqual(r.status, 200)
        self.assertIn("smartmeter_exporter", r.body)
        # bob's hash is $2y$ (what htpasswd writes).
        self.assertEqual(ex.request("/metrics", auth=("bob", PASSWORD)).status, 200)
        # Authenticated, but the path does not exist.
        self.assertEqual(ex.request("/nope", auth=("alice", PASSWORD)).status, 404)
        m = ex.scrape(auth=("alice", PASSWORD))
        self.assertEqual(m.value("smartmeter_voltage_volts", phase="L1"), 230.8)
        ex.stop()  # also checks the password never reached stderr

    def test_sighup_reloads_users(self):
        config = self.tmpdir() / "web.yml"
        shutil.copy(WEB_CONFIG, config)
        ex = self.start_with(config)
        self.assertEqual(ex.request("/metrics", auth=("alice", PASSWORD)).status, 200)
        # Drop alice, keep bob.
        config.write_text("".join(l for l in WEB_CONFIG.read_text().splitlines(True)
                                  if not l.startswith("  alice:")))
        ex.signal(signal.SIGHUP)
        wait_for(lambda: ex.request("/metrics", auth=("alice", PASSWORD)).status == 401, 10,
                 message="alice to be refused after the reload")
        self.assertEqual(ex.request("/metrics", auth=("bob", PASSWORD)).status, 200)

        # A broken file on SIGHUP keeps the previous users and says so.
        config.write_text("basic_auth_users:\n  bob: not-a-hash\n")
        ex.signal(signal.SIGHUP)
        wait_for(lambda: "web config not reloaded" in ex.stderr()
                 or "web config not applied" in ex.stderr(), 10,
                 message="the refused reload to be logged")
        self.assertEqual(ex.request("/metrics", auth=("bob", PASSWORD)).status, 200)
        self.assertEqual(ex.request("/metrics", auth=("alice", PASSWORD)).status, 401)
        self.assertTrue(ex.running())
        ex.stop()

    def test_reload_never_turns_auth_off(self):
        config = self.tmpdir() / "web.yml"
        shutil.copy(WEB_CONFIG, config)
        ex = self.start_with(config)
        wait_for(lambda: 'basic_auth="on (2 users)"' in ex.stderr(), 10,
                 message="the start line to name the auth state")
        # Each of these would have served /metrics to anyone after the SIGHUP.
        for i, text in enumerate(("", "basic_auth_users:\n",
                                  "basic_auth_users:\n#  alice: x\n",
                                  "http_server_config:\n  http2: true\n"), start=1):
            with self.subTest(text=text):
                config.write_text(text)
                ex.signal(signal.SIGHUP)
                wait_for(lambda: ex.stderr().count("web config not reloaded") == i, 10,
                         message="the refused reload to be logged")
                self.assert_challenge(ex.request("/metrics"), "no credentials after " + repr(text))
                self.assertEqual(ex.request("/metrics", auth=("bob", PASSWORD)).status, 200)
        self.assertIn("never turns authentication off", ex.stderr())
        for line in ex.stderr().splitlines():
            if "web config not reloaded" in line:
                self.assertIn('basic_auth="on (2 users)"', line)
        # A good file is taken, and the log says what is in force now.
        config.write_text("".join(l for l in WEB_CONFIG.read_text().splitlines(True)
                                  if not l.startswith("  alice:")))
        ex.signal(signal.SIGHUP)
        wait_for(lambda: 'msg="web config reloaded" basic_auth="on (1 user)"' in ex.stderr(),
                 10,
                 message="the reload to be logged with the auth state")
        ex.stop()


if __name__ == "__main__":
    unittest.main()
