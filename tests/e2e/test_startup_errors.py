"""Start-up errors: bad flags, unreadable or malformed key files, bad config files, a port
already in use. Each must end the process with exit status 2 and a message on stderr that
names the cause, and must never echo key material."""
import http.client
import socket
import subprocess
import unittest

from exporter_harness import (BINARY, TINETZ, ExporterTestCase, free_port, run_to_exit,
                              wait_for)

KEY = "101112131415161718191A1B1C1D1E1F"  # the TINETZ vector's key


class StartupErrors(ExporterTestCase):
    def assert_startup_error(self, args, *mentions, listen=True):
        """Runs the binary; asserts exit 2, every `mentions` string on stderr, no key."""
        argv = list(args)
        if listen:
            argv.insert(0, f"--web.listen-address=127.0.0.1:{free_port()}")
        rc, out, err = run_to_exit(argv, timeout=15)
        self.assertEqual(rc, 2, f"args {argv}: exit status {rc}, stderr:\n{err}")
        self.assertTrue(err.strip(), f"args {argv}: nothing on stderr")
        for text in mentions:
            self.assertIn(text.lower(), err.lower(), f"args {argv}: stderr does not name {text!r}")
        for form in (KEY, KEY.lower(), KEY[:-1], KEY.lower()[:-1]):
            self.assertNotIn(form, err + out, f"args {argv}: key material echoed")
        return err

    def replay_args(self):
        return [f"--replay.file={TINETZ / 'input.hex'}"]

    # -- flags ---------------------------------------------------------------
    def test_bad_serial_format(self):
        self.assert_startup_error(["--serial.format=7N2"], "--serial.format", "7N2")

    def test_bad_stale_after(self):
        self.assert_startup_error(["--demo", "--meter.stale-after=abc"], "--meter.stale-after",
                                  "abc")

    def test_zero_stale_after(self):
        self.assert_startup_error(["--demo", "--meter.stale-after=0s"], "--meter.stale-after")

    def test_unknown_flag(self):
        self.assert_startup_error(["--unknown-flag"], "--unknown-flag")

    def test_unknown_subcommand_argument(self):
        self.assert_startup_error(["--demo", "stray-positional"], "stray-positional")

    def test_bad_log_level(self):
        self.assert_startup_error(["--demo", "--log.level=verbose"], "--log.level", "verbose")

    def test_bad_replay_rate(self):
        self.assert_startup_error(self.replay_args() + ["--replay.rate=fast"], "--replay.rate")

    def test_bad_demo_interval(self):
        self.assert_startup_error(["--demo", "--demo.interval=1ms"], "--demo.interval")

    def test_bad_listen_address(self):
        self.assert_startup_error(["--demo", "--web.listen-address=nope"], "--web.listen-address",
                                  "nope", listen=False)

    def test_bad_max_connections(self):
        for value in ("0", "1025", "many"):
            self.assert_startup_error(["--demo", f"--web.max-connections={value}"],
                                      "--web.max-connections")

    def test_bad_telemetry_path(self):
        self.assert_startup_error(["--demo", "--web.telemetry-path=metrics"],
                                  "--web.telemetry-path")

    def test_unsupported_baud(self):
        self.assert_startup_error(["--serial.baud=12345"], "--serial.baud", "12345")

    def test_bad_tcp_url(self):
        self.assert_startup_error(["--serial.device=tcp://localhost"], "--serial.device",
                                  "tcp://localhost")

    def test_demo_and_replay_exclusive(self):
        self.assert_startup_error(["--demo"] + self.replay_args(), "--demo", "--replay.file")

    def test_missing_replay_file(self):
        self.assert_startup_error(["--replay.file=/nonexistent/capture.hex"],
                                  "/nonexistent/capture.hex")

    # -- keys ------------------------------------------------------------------
    def test_key_file_missing(self):
        self.assert_startup_error(self.replay_args() + ["--meter.key-file=/nonexistent/meter.key"],
                                  "/nonexistent/meter.key", "No such file")

    def test_key_file_bad_hex(self):
        key = self.tmpdir() / "bad.key"
        key.write_text("this is not hex\n")
        self.assert_startup_error(self.replay_args() + [f"--meter.key-file={key}"], str(key), "hex")

    def test_key_file_one_digit_too_many(self):
        key = self.tmpdir() / "long.key"
        key.write_text(KEY + "0\n")
        self.assert_startup_error(self.replay_args() + [f"--meter.key-file={key}"], str(key))

    def test_key_file_wrong_length(self):
        key = self.tmpdir() / "short.key"
        key.write_text(KEY[:-2] + "\n")  # 15 bytes
        self.assert_startup_error(self.replay_args() + [f"--meter.key-file={key}"], str(key),
                                  "16 bytes")

    def test_auth_key_file_missing(self):
        self.assert_startup_error(self.replay_args() + [
            f"--meter.key-file={TINETZ / 'key.hex'}",
            "--meter.auth-key-file=/nonexistent/auth.key"], "/nonexistent/auth.key")

    def test_key_on_command_line_malformed(self):
        self.assert_startup_error(self.replay_args() + ["--meter.key=" + KEY[:-1]], "--meter.key")

    def test_key_directory_instead_of_file(self):
        d = self.tmpdir()
        self.assert_startup_error(self.replay_args() + [f"--meter.key-file={d}"], str(d))

    # -- config files ------------------------------------------------------------
    def test_config_unknown_key_in_section(self):
        cfg = self.tmpdir() / "exporter.toml"
        cfg.write_text('[web]\nlisten-address = ["127.0.0.1:1"]\nbogus-option = 1\n')
        self.assert_startup_error(["--demo", f"--config={cfg}"], "bogus-option")

    def test_config_unknown_dotted_key(self):
        cfg = self.tmpdir() / "exporter.toml"
        cfg.write_text('meter.stale-afterr = "5s"\n')
        self.assert_startup_error(["--demo", f"--config={cfg}"], "stale-afterr")

    def test_config_missing_file(self):
        self.assert_startup_error(["--demo", "--config=/nonexistent/exporter.toml"],
                                  "/nonexistent/exporter.toml")

    def test_config_bad_value(self):
        cfg = self.tmpdir() / "exporter.toml"
        cfg.write_text('[serial]\nformat = "7N2"\n')
        self.assert_startup_error([f"--config={cfg}"], "7N2")

    def test_web_config_missing(self):
        self.assert_startup_error(["--demo", "--web.config.file=/nonexistent/web.yml"],
                                  "--web.config.file", "/nonexistent/web.yml")

    def test_web_config_tls_refused(self):
        cfg = self.tmpdir() / "web.yml"
        cfg.write_text("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n")
        self.assert_startup_error(["--demo", f"--web.config.file={cfg}"], "TLS", "reverse proxy")

    def test_web_config_that_configures_nothing(self):
        # Each of these once served /metrics without authentication (fail-open).
        cfg = self.tmpdir() / "web.yml"
        for text, reason in (("", "configures nothing"),
                             ("# basic_auth_users:\n", "configures nothing"),
                             ("basic_auth_users:\n", "has no users"),
                             ("basic_auth_users:\n#  prometheus: $2y$10$" + "a" * 53 + "\n",
                              "has no users")):
            with self.subTest(text=text):
                cfg.write_text(text)
                self.assert_startup_error(["--demo", f"--web.config.file={cfg}"],
                                          "--web.config.file", reason)

    def test_web_config_bad_hash(self):
        cfg = self.tmpdir() / "web.yml"
        cfg.write_text("basic_auth_users:\n  alice: plaintext-password\n")
        err = self.assert_startup_error(["--demo", f"--web.config.file={cfg}"], "bcrypt")
        self.assertNotIn("plaintext-password", err)

    # -- the port ------------------------------------------------------------------
    def test_port_in_use(self):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            port = s.getsockname()[1]
            self.assert_startup_error(["--demo", f"--web.listen-address=127.0.0.1:{port}"],
                                      "in use", str(port), listen=False)

    def test_second_listen_address_in_use(self):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            port = s.getsockname()[1]
            self.assert_startup_error(["--demo", f"--web.listen-address=127.0.0.1:{free_port()}",
                                       f"--web.listen-address=127.0.0.1:{port}"],
                                      "in use", str(port), listen=False)

    def test_version_and_help_exit_zero(self):
        rc, out, err = run_to_exit(["--version"])
        self.assertEqual(rc, 0, err)
        self.assertIn("smartmeter_exporter", out + err)
        rc, out, err = run_to_exit(["--help"])
        self.assertEqual(rc, 0, err)
        self.assertIn("--web.listen-address", out)


class Ipv6Listen(ExporterTestCase):
    """`[::1]:port` and `[::]:port` serve where the CivetWeb library has IPv6 (Debian 13), with
    `[::]` on IPv4 too, as in Go exporters; elsewhere (Debian 12) start-up fails naming why."""

    @staticmethod
    def http_ok(host, port):
        try:
            conn = http.client.HTTPConnection(host, port, timeout=2)
            conn.request("GET", "/metrics")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def test_ipv6_listen_addresses(self):
        for host in ("::1", "::"):
            with self.subTest(host=host):
                port = free_port()
                argv = [str(BINARY), "--demo", f"--web.listen-address=[{host}]:{port}"]
                proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                try:
                    wait_for(lambda: proc.poll() is not None or self.http_ok("::1", port), 15,
                             message=f"the exporter to serve on [::1]:{port} or exit")
                    if proc.poll() is not None:
                        err = proc.stderr.read().decode()
                        self.assertEqual(proc.returncode, 2, err)
                        self.assertIn("without IPv6 support", err)
                        self.assertIn("Debian 13", err)
                        continue
                    if host == "::":  # every interface, IPv4 included
                        self.assertTrue(self.http_ok("127.0.0.1", port))
                finally:
                    if proc.poll() is None:
                        proc.terminate()
                        proc.wait(timeout=5)
                    proc.stderr.close()


if __name__ == "__main__":
    unittest.main()
