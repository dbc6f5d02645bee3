"""Security checks of the real binary (issue 6, "Security"):

- key hygiene: every subcommand and failure path runs with known keys, and no byte of
  output (stdout, stderr, HTTP bodies and headers of /metrics, / and a 404) contains a key
  in any form: hex in either case, the raw bytes, base64, or any 6-byte window of them;
- the warning when the exporter runs as root, and its absence for an unprivileged user;
- basic auth with hashes made by `htpasswd -nBC 10` (Debian apache2-utils).
"""
import base64
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import time
import unittest

from exporter_harness import BINARY, TINETZ, ExporterTestCase, read_hex_file, wait_for

KEY = read_hex_file(TINETZ / "key.hex")               # the vector's key: frames decode
WRONG_KEY = bytes.fromhex("0F1E2D3C4B5A69788796A5B4C3D2E1F0")  # decrypts to garbage
AUTH_KEY = bytes.fromhex("A1B2C3D4E5F60718293A4B5C6D7E8F90")
ROOT_WARNING = "running as root"


def key_forms(key):
    """Byte strings that would betray `key` if they appeared in any output."""
    forms = set()
    for text in (key.hex(), key.hex().upper(), base64.b64encode(key).decode(),
                 base64.urlsafe_b64encode(key).decode()):
        forms.add(text.encode())
        forms.add(text.rstrip("=").encode())
    # Any 6 consecutive key bytes, raw or as hex (a truncated or partial echo).
    for i in range(len(key) - 5):
        window = key[i:i + 6]
        forms.update({window, window.hex().encode(), window.hex().upper().encode()})
    return forms


class KeyHygiene(ExporterTestCase):
    KEYS = (KEY, WRONG_KEY, AUTH_KEY)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.forms = {k: key_forms(k) for k in cls.KEYS}
        cls.checked = 0

    def assert_clean(self, data, where):
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        for key, forms in self.forms.items():
            for form in forms:
                self.assertNotIn(form, data, f"{where}: key material of {key.hex()[:4]}… "
                                             f"appears ({form!r})")
        type(self).checked += 1

    def run_cli(self, args, expect_status, *, stdin=None, env=None):
        """Runs the binary to its exit, checks its status and both streams; returns stderr."""
        e = {k: v for k, v in os.environ.items() if k not in ("CREDENTIALS_DIRECTORY",
                                                               "JOURNAL_STREAM")}
        e.update(env or {})
        p = subprocess.run([str(BINARY)] + [str(a) for a in args], input=stdin,
                           stdin=None if stdin is not None else subprocess.DEVNULL,
                           capture_output=True, timeout=30, env=e)
        where = " ".join(str(a) for a in args)
        self.assertEqual(p.returncode, expect_status,
                         f"{where}: exit status {p.returncode}:\n{p.stderr.decode(errors='replace')}")
        self.assert_clean(p.stdout, f"stdout of {where}")
        self.assert_clean(p.stderr, f"stderr of {where}")
        return p.stderr.decode("utf-8", "replace")

    def key_file(self, content, mode=0o600, name="meter.key"):
        path = self.tmpdir() / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        path.chmod(mode)
        return path

    def serve(self, args, *, env=None, pages=("/metrics", "/", "/nope"), until=None):
        """Serves, waits for until(Metrics) (default: a frame decoded), fetches pages, stops
        with SIGTERM; checks every byte it said. Returns stderr."""
        ex = self.start_exporter(["--log.level=debug"] + list(args), env=env)
        ex.wait_metric(until or (lambda m: m.value("smartmeter_frames_total") == 1),
                       message="the frame to be handled")
        for page in pages:
            r = ex.request(page)
            self.assert_clean(r.body, f"{page} of {args}")
            self.assert_clean(repr(r.headers), f"headers of {page} of {args}")
        _, _, err = ex.stop()
        self.assert_clean(err, f"stderr of serve {args}")
        return err

    # ---------------------------------------------------------------- decode
    def test_decode_every_format_and_key_source(self):
        frames = TINETZ / "input.hex"
        for fmt in ("text", "json", "explain"):
            self.run_cli(["decode", "--format", fmt, "--key", KEY.hex(), frames], 0)
            self.run_cli(["decode", "--format", fmt, "--key", KEY.hex().upper(),
                          "--auth-key", AUTH_KEY.hex(), frames], 0)
        self.run_cli(["decode", "--key-file", self.key_file(KEY.hex() + "\n"), frames], 0)
        self.run_cli(["decode", "--key", KEY.hex(), "-"], 0, stdin=frames.read_bytes())

    def test_decode_failure_paths(self):
        frames = TINETZ / "input.hex"
        k = KEY.hex()
        for bad in (k[:-1], k + "00", k[:-2] + "zz", k + k, k[:16]):
            err = self.run_cli(["decode", "--key", bad, frames], 2)
            self.assertIn("--key", err)
        for content in (k[:-2], k + "AB", b"\x00" + KEY, KEY, base64.b64encode(KEY)):
            path = self.key_file(content)
            err = self.run_cli(["decode", "--key-file", path, frames], 2)
            self.assertIn(str(path), err)
        self.run_cli(["decode", "--key-file", self.tmpdir() / "missing.key", frames], 2)
        self.run_cli(["decode", "--key-file", self.tmpdir(), frames], 2)  # a directory
        self.run_cli(["decode", "--key", k, "--key-file", self.key_file(k), frames], 2)
        self.run_cli(["decode", "--key", k, self.tmpdir() / "no-such-capture.hex"], 2)
        self.run_cli(["decode", "--key", k, "--format", "yaml", frames], 2)

    def test_decode_wrong_key_exit_status_and_message(self):
        p = subprocess.run([str(BINARY), "decode", "--key", WRONG_KEY.hex(),
                            TINETZ / "input.hex"], capture_output=True, timeout=30)
        self.assertNotEqual(p.returncode, 0, "a wrong key must not decode")
        self.assert_clean(p.stdout + p.stderr, "decode with the wrong key")

    # ---------------------------------------------------------------- CLI only
    def test_help_version_and_usage_errors(self):
        k = KEY.hex()
        self.run_cli([f"--meter.key={k}", "--help"], 0)
        self.run_cli(["decode", "--key", k, "--help"], 0)
        self.run_cli([f"--meter.key={k}", "--version"], 0)
        self.run_cli([f"--meter.key={k}", "--no-such-flag"], 2)
        self.run_cli([f"--meter.key={k}", f"--meter.key={k}"], 2)
        self.run_cli([f"--meter.key={k}", "surplus-argument"], 2)
        self.run_cli([f"--meter.key={k}", "--serial.format=7O2"], 2)
        self.run_cli([f"--meter.key={k}", "--meter.stale-after=never"], 2)
        self.run_cli(["decode", "--key"], 2)

    def test_config_file_errors(self):
        k = KEY.hex()
        for text in (f'meter.key = "{k}"\nno-such-key = 1\n',
                     f'meter.key = ["{k}", "{k}"]\n',
                     f'[meter]\nkey = "{k}"\nstale-after = "soon"\n',
                     f'meter.key = "{k}\n'):
            cfg = self.tmpdir() / "exporter.toml"
            cfg.write_text(text)
            self.run_cli([f"--config={cfg}", "--web.listen-address=127.0.0.1:0"], 2)

    # ---------------------------------------------------------------- serve
    def test_serve_good_key_every_source_of_it(self):
        replay = [f"--replay.file={TINETZ / 'input.hex'}", "--meter.stale-after=1h"]
        key_file = self.key_file(KEY.hex() + "\n")
        auth_file = self.key_file(AUTH_KEY.hex().upper(), name="auth.key")
        err = self.serve(replay + [f"--meter.key-file={key_file}",
                                   f"--meter.auth-key-file={auth_file}"])
        self.assertIn("key_fingerprint=", err)
        self.serve(replay + [f"--meter.key={KEY.hex().upper()}", f"--meter.auth-key={AUTH_KEY.hex()}",
                             "--log.format=json"])
        creds = self.tmpdir()
        (creds / "meter-key").write_text(KEY.hex())
        (creds / "meter-auth-key").write_text(AUTH_KEY.hex())
        self.serve(replay, env={"CREDENTIALS_DIRECTORY": str(creds)})
        cfg = self.tmpdir() / "exporter.toml"
        cfg.write_text(f'[replay]\nfile = "{TINETZ / "input.hex"}"\n[meter]\nkey = "{KEY.hex()}"\n')
        self.serve([f"--config={cfg}"])
        group_readable = self.key_file(KEY.hex(), mode=0o644)
        err = self.serve(replay + [f"--meter.key-file={group_readable}"])
        self.assertIn("readable by group or others", err)

    def test_serve_wrong_key(self):
        err = self.serve([f"--replay.file={TINETZ / 'input.hex'}",
                          f"--meter.key-file={self.key_file(WRONG_KEY.hex())}",
                          "--meter.stale-after=1h"],
                         until=lambda m: sum(m.series("smartmeter_frame_errors_total").values()))
        self.assertIn("key looks wrong", err)

    def test_serve_missing_device(self):
        """The source keeps retrying a device that is not there: its errors name no key."""
        err = self.serve([f"--meter.key={KEY.hex()}", "--serial.device=/dev/no-such-tty"],
                         until=lambda m: m.has("smartmeter_up"))
        self.assertIn("no-such-tty", err)

    def test_serve_startup_errors(self):
        k = KEY.hex()
        replay = f"--replay.file={TINETZ / 'input.hex'}"
        for args in ([replay, f"--meter.key={k[:-1]}"],
                     [replay, f"--meter.key-file={self.key_file(k + 'ZZ')}"],
                     [replay, f"--meter.key-file={self.tmpdir() / 'missing'}"],
                     [replay, f"--meter.key={k}", f"--meter.auth-key={k}00"],
                     [replay, f"--meter.key={k}", "--web.listen-address=999.1.1.1:1"],
                     [f"--meter.key={k}", "--web.telemetry-path=/"]):
            self.run_cli(args + ["--log.level=debug"] + (
                [] if any(a.startswith("--web.listen") for a in args)
                else ["--web.listen-address=127.0.0.1:0"]), 2)
        # The port is taken.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            port = s.getsockname()[1]
            self.run_cli([replay, f"--meter.key={k}", f"--web.listen-address=127.0.0.1:{port}"], 2)

    def test_crash_leaves_no_key(self):
        """A fatal signal (as from a crash) prints nothing that holds the key."""
        ex = self.start_exporter([f"--replay.file={TINETZ / 'input.hex'}",
                                  f"--meter.key={KEY.hex()}", "--meter.stale-after=1h"])
        ex.wait_metric(lambda m: m.value("smartmeter_frames_total") == 1, message="the frame")
        for sig in (signal.SIGSEGV,):
            ex.signal(sig)
            ex.proc.wait(timeout=10)
            self.assertEqual(ex.proc.returncode, -sig)
            self.assert_clean(ex.stderr(), "stderr after SIGSEGV")

    @classmethod
    def tearDownClass(cls):
        # Guards against a refactoring that makes the checks vacuous.
        assert cls.checked > 0


class RootWarning(ExporterTestCase):
    def demo_stderr(self, prefix=()):
        port_args = ["--demo", "--demo.interval=100ms", "--web.listen-address=127.0.0.1:0"]
        p = subprocess.Popen(list(prefix) + [str(BINARY)] + port_args, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.addCleanup(lambda: p.poll() is None and (p.kill(), p.wait()))
        # The warning comes right after the start-up line; wait for that line, then stop.
        lines = []
        wait_for(lambda: lines.append(p.stderr.readline().decode()) or
                 "starting smartmeter_exporter" in lines[-1] or p.poll() is not None, 15,
                 message="the start-up log line")
        p.send_signal(signal.SIGTERM)
        _, rest = p.communicate(timeout=10)
        self.assertEqual(p.returncode, 0, "".join(lines) + rest.decode())
        return "".join(lines) + rest.decode()

    def test_warns_when_root_only(self):
        err = self.demo_stderr()
        if os.geteuid() == 0:
            self.assertIn(ROOT_WARNING, err)
            self.assertIn("dialout", err)
            self.assertIn("level=warn", [l for l in err.splitlines() if ROOT_WARNING in l][0])
        else:
            self.assertNotIn(ROOT_WARNING, err)

    def test_no_warning_for_an_unprivileged_user(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to switch to an unprivileged user (covered above)")
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            self.skipTest("setpriv (util-linux) missing")
        probe = subprocess.run([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                                str(BINARY), "--version"], capture_output=True)
        if probe.returncode != 0:
            self.skipTest(f"binary not executable by nobody: {probe.stderr.decode()[:200]}")
        err = self.demo_stderr([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"])
        self.assertIn("starting smartmeter_exporter", err)
        self.assertNotIn(ROOT_WARNING, err)


class HtpasswdHashes(ExporterTestCase):
    PASSWORD = "correct horse battery staple"

    def test_hashes_from_htpasswd(self):
        htpasswd = shutil.which("htpasswd")
        if htpasswd is None:
            self.skipTest("htpasswd missing (Debian package apache2-utils, in TEST_PACKAGES)")
        users = {}
        for user in ("prometheus", "grafana"):
            out = subprocess.run([htpasswd, "-nbBC", "10", user, self.PASSWORD], check=True,
                                 capture_output=True, text=True).stdout.strip()
            name, _, hash_ = out.partition(":")
            self.assertEqual(name, user)
            self.assertTrue(hash_.startswith("$2y$10$"), hash_)
            users[user] = hash_
        cfg = self.tmpdir() / "web.yml"
        cfg.write_text("basic_auth_users:\n" +
                       "".join(f"  {u}: '{h}'\n" for u, h in users.items()))
        ex = self.start_exporter([f"--web.config.file={cfg}", "--demo", "--demo.interval=1s"],
                                 secrets=[self.PASSWORD])
        for user in users:
            self.assertEqual(ex.request("/metrics", auth=(user, self.PASSWORD)).status, 200)
        for auth in (None, ("prometheus", "wrong"), ("nobody", self.PASSWORD),
                     ("grafana", self.PASSWORD.upper())):
            r = ex.request("/metrics", auth=auth)
            self.assertEqual(r.status, 401, auth)
            self.assertTrue((r.header("WWW-Authenticate") or "").startswith("Basic "), auth)
        ex.stop()



def closed_by_exporter(sock, within=5.0):
    """Reads until the exporter closes `sock` (True), or `within` seconds pass (False)."""
    sock.settimeout(within)
    try:
        while sock.recv(4096):
            pass  # a dripping client gets CivetWeb's 400 first
        return True
    except ConnectionResetError:
        return True
    except (socket.timeout, TimeoutError):
        return False


class SlowAndIdleClients(ExporterTestCase):
    """Clients that connect and send nothing, or drip a request a byte at a time, each hold a
    CivetWeb worker until CivetWeb's request timeout (1 s) closes them; scrapes queued behind
    them are answered one timeout per 16 of them later, within a Prometheus scrape's
    default 10 s (the harness' HTTP timeout)."""

    def test_scrapes_are_answered_while_many_connections_idle_or_drip(self):
        ex = self.start_exporter(["--demo", "--demo.interval=1s", "--log.level=debug"])
        ex.wait_metric(lambda m: m.value("smartmeter_frames_total") >= 1,
                       message="the first demo frame")
        idle = []
        for _ in range(60):  # far more than the 16 workers
            s = socket.create_connection(("127.0.0.1", ex.port), timeout=5)
            idle.append(s)
        dripping = []
        for _ in range(12):
            s = socket.create_connection(("127.0.0.1", ex.port), timeout=5)
            s.sendall(b"GET /metrics HTTP/1.1\r\n")
            dripping.append(s)
        waits = []
        try:
            for scrape in range(5):
                for s in dripping:
                    try:
                        s.sendall(b"X")
                    except OSError:
                        pass  # closed by the exporter: what should happen
                t0 = time.monotonic()
                m = ex.scrape()  # HTTP_TIMEOUT bounds it; a starved scrape fails here
                waits.append(time.monotonic() - t0)
                self.assertEqual(m.value("smartmeter_up"), 1, f"scrape {scrape}")
            # The first scrape waited behind all 72 (5 rounds of 16 workers, 1 s each).
            print(f"scrapes answered after {', '.join(f'{w:.2f}' for w in waits)} s")
            open_idle = [i for i, s in enumerate(idle) if not closed_by_exporter(s)]
            open_dripping = [i for i, s in enumerate(dripping) if not closed_by_exporter(s)]
            self.assertEqual(open_idle, [], "idle connections the exporter did not close")
            self.assertEqual(open_dripping, [], "dripping connections the exporter did not close")
        finally:
            for s in idle + dripping:
                s.close()
        ex.stop()

    def test_max_connections_sets_the_number_of_workers(self):
        ex = self.start_exporter(["--demo", "--demo.interval=1s", "--log.level=debug",
                                  "--web.max-connections=2"])
        ex.wait_metric(lambda m: m.value("smartmeter_frames_total") >= 1,
                       message="the first demo frame")
        idle = [socket.create_connection(("127.0.0.1", ex.port), timeout=5) for _ in range(3)]
        try:
            time.sleep(0.1)  # the first two take both workers
            t0 = time.monotonic()
            m = ex.scrape()
            waited = time.monotonic() - t0
            self.assertEqual(m.value("smartmeter_up"), 1)
            # Two workers: the scrape waited for the request timeout (1 s) of the two idle
            # connections; with the default 16 it would have been answered at once.
            self.assertGreater(waited, 0.5, "the scrape did not wait for a worker")
            self.assertEqual([closed_by_exporter(s) for s in idle], [True] * 3)
        finally:
            for s in idle:
                s.close()
        ex.stop()


if __name__ == "__main__":
    unittest.main()
