"""Shared bench of the fault-injection suite (issue 6): the real binary reads a pty or a TCP
socket that the test drives; good frames from real vectors are interleaved with faults.

For every fault a test checks the four promises:
  - the process keeps serving /metrics (every step scrapes it);
  - the matching smartmeter_frame_errors_total{reason} (or the reconnect counter) rises by
    exactly the expected amount;
  - the next good frame is decoded and its values shown (recovery within one frame);
  - nothing else changes: every sample before and after is compared; only the expected
    series move, besides the whitelisted ones that move by themselves (VOLATILE).

Random choices use one seed, printed by every test; SM_FAULT_SEED=<n> repeats a run.
Helpers come from tests/e2e (exporter_harness.py, make_frames.py); stdlib only.
"""
import collections
import json
import os
import pathlib
import random
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "e2e"))

from exporter_harness import (BINARY, DATA, TINETZ, TINETZ_NEXT, VECTORS,  # noqa: E402
                              ExporterTestCase, Gateway, Pty, read_hex_file)

FRAMES = json.loads((DATA / "faults" / "frames.json").read_text())  # make_frames.py
KAM = VECTORS / "DK-KAM-OMNIPOWER-TESTKEYS"

TINETZ_FRAME = read_hex_file(TINETZ / "input.hex")  # IC 0x295B9A, 230.8 V, 9108 Wh
TINETZ_NEXT_FRAME = read_hex_file(TINETZ_NEXT)     # IC 0x295B9B, 231.4 V, 9109 Wh


def key(name, *labels):
    """A series key as the harness stores it: (name, frozenset(labels))."""
    return (name, frozenset(labels))


def error_key(reason):
    return key("smartmeter_frame_errors_total", ("reason", reason))


V_L1 = key("smartmeter_voltage_volts", ("phase", "L1"))
ENERGY = key("smartmeter_active_energy_import_joules_total")
IC = key("smartmeter_invocation_number")
FRAMES_TOTAL = key("smartmeter_frames_total")
RECEIVED = key("smartmeter_received_bytes_total")
RECONNECTS = key("smartmeter_source_reconnects_total")

# What TINETZ_NEXT_FRAME changes after TINETZ_FRAME: the recovery frame of most faults.
TINETZ_NEXT_VALUES = {V_L1: 231.4, ENERGY: 9109 * 3600, IC: 0x00295B9B}

# Series that move without any frame or fault (process, host clock against meter clock).
# smartmeter_received_bytes_total is not here: it is checked exactly.
VOLATILE = {"smartmeter_last_frame_timestamp_seconds", "smartmeter_meter_clock_skew_seconds"}
VOLATILE_PREFIXES = ("process_",)


def frame(name):
    """A crafted frame of tests/data/faults/frames.json as bytes."""
    return bytes.fromhex(FRAMES[name]["hex"])


def seeded_rng(test):
    """A random.Random for one test; the seed is printed so that a failure can be repeated."""
    seed = int(os.environ.get("SM_FAULT_SEED", random.SystemRandom().randrange(1 << 32)))
    print(f"\n{test.id()}: seed {seed} (repeat with SM_FAULT_SEED={seed})", flush=True)
    return random.Random(seed)


def flip_bit(data, index, bit):
    out = bytearray(data)
    out[index] ^= 1 << bit
    return bytes(out)


def oracle_errors(stream, args=()):
    """The offline decoder's verdict on `stream` (`smartmeter_exporter decode`, fed the same
    bytes at once): (Counter of error codes, number of decoded frames). The framer's
    decisions do not depend on how bytes are chunked (unit-tested), so the live exporter
    must count exactly these errors for the same bytes."""
    with tempfile.NamedTemporaryFile("w", suffix=".hex", delete=False) as f:
        f.write(stream.hex())
        path = f.name
    try:
        p = subprocess.run([str(BINARY), "decode", "--format=json", *args, path],
                           capture_output=True, timeout=120)
    finally:
        os.unlink(path)
    errors, decoded = collections.Counter(), 0
    for line in p.stdout.decode().splitlines():
        outcome = json.loads(line)
        if "error" in outcome:
            errors[outcome["error"]["code"]] += 1
        else:
            decoded += 1
    return errors, decoded


class Line:
    """The byte source the exporter reads: a pty behind a symlink, or a TCP server."""

    def __init__(self, test, kind):
        self.test, self.kind = test, kind
        self.pty = self.gateway = None
        if kind == "pty":
            self.link = test.tmpdir() / "ttyMETER"
            self.pty = self._new_pty()
        else:
            self.gateway = self._new_gateway(0)

    def _new_pty(self):
        pty = Pty()
        self.test.addCleanup(pty.close)
        pty.point(self.link)
        return pty

    def _new_gateway(self, port):
        gw = Gateway(port)
        self.test.addCleanup(gw.close)
        return gw

    def device_args(self):
        if self.kind == "pty":
            return [f"--serial.device={self.link}", "--serial.format=8N1"]
        return [f"--serial.device=tcp://127.0.0.1:{self.gateway.port}"]

    def attach(self, auth=None):
        """After the exporter started (or the device came back): the exporter reports the
        source connected and holds the only open slave fd / the gateway's connection.
        auth: credentials for /metrics, when a web config asks for them."""
        if self.kind == "tcp":
            self.gateway.accept()
        self.test.exporter.wait_metric(lambda m: m.value("smartmeter_source_connected") == 1,
                                       auth=auth,
                                       message=f"the exporter to connect to the {self.kind}")
        if self.kind == "pty":
            self.pty.close_slave()

    def write(self, data):
        if self.kind == "pty":
            self.pty.write(data)
        else:
            self.gateway.client.sendall(data)

    def unplug(self):
        """The device disappears: pty master closed / gateway (listener too) gone."""
        if self.kind == "pty":
            self.pty.close()
        else:
            self.gateway.close()

    def replug(self):
        """The device reappears under the same name: a new pty at the symlink / a new
        server on the same port."""
        if self.kind == "pty":
            self.pty = self._new_pty()
        else:
            self.gateway = self._new_gateway(self.gateway.port)
        self.attach()


class FaultTestCase(ExporterTestCase):
    """One exporter on one Line per test; frames and faults go in, scrapes are compared."""

    def start(self, kind="pty", key_file=TINETZ / "key.hex", extra=(), env=None,
              stale_after="1h"):
        self.line = Line(self, kind)
        args = self.line.device_args() + [f"--meter.stale-after={stale_after}", *extra]
        if key_file is not None:
            args.append(f"--meter.key-file={key_file}")
        self.exporter = self.start_exporter(args, env=env)
        self.line.attach()
        self.sent = 0
        return self.exporter

    def send(self, data):
        self.line.write(data)
        self.sent += len(data)

    def scrape(self):
        return self.exporter.scrape()

    def wait_consumed(self, predicate=lambda m: True, message="the bytes sent to be processed"):
        """Scrapes until every byte sent was received and predicate(metrics) holds."""
        return self.exporter.wait_metric(
            lambda m: m.value("smartmeter_received_bytes_total") == self.sent and predicate(m),
            message=message)

    def good_frame(self, data, values=None, message="a good frame to be decoded"):
        """Sends a good frame; waits for it to be counted and returns the scrape after it.
        values: {series key: value} that this frame must show."""
        frames_before = self.scrape().value("smartmeter_frames_total")
        self.send(data)
        m = self.wait_consumed(
            lambda m: m.value("smartmeter_frames_total") == frames_before + 1, message=message)
        for k, v in (values or {}).items():
            self.assertEqual(m.samples.get(k), v, f"{k} after the good frame")
        return m

    def send_rejected(self, data, reason, count=1):
        """Sends `data` `count` times; each must add one `reason` error and change nothing else."""
        for _ in range(count):
            before = self.scrape()
            self.send(data)
            after = self.wait_consumed(
                lambda m: m.value("smartmeter_frame_errors_total", reason=reason)
                > before.value("smartmeter_frame_errors_total", reason=reason),
                message=f"the frame to be rejected as {reason}")
            self.assert_only_changed(before, after, {error_key(reason): ("+", 1)},
                                     f"after a frame rejected as {reason}")

    def assert_only_changed(self, before, after, changed, where):
        """Every sample of `after` equals the one in `before`, except:
        changed: {series key: ('+', delta) | value}; VOLATILE series; received bytes
        (checked against the bytes sent). Series may neither appear nor disappear unless
        named in `changed`."""
        expected = dict(before.samples)
        for k, v in changed.items():
            if isinstance(v, tuple) and v[0] == "+":
                expected[k] = before.samples.get(k, 0) + v[1]
            else:
                expected[k] = v
        expected[RECEIVED] = self.sent
        problems = []
        for k in sorted(set(expected) | set(after.samples), key=repr):
            name = k[0]
            if name in VOLATILE or name.startswith(VOLATILE_PREFIXES):
                continue
            want, got = expected.get(k), after.samples.get(k)
            if want != got:
                problems.append(f"  {name}{dict(k[1])}: expected {want}, got {got}"
                                f" (before: {before.samples.get(k)})")
        if problems:
            self.fail(f"{where}: unexpected series values\n" + "\n".join(problems) +
                      f"\nstderr:\n{self.exporter.stderr()}")

    def fault_then_recover(self, fault, recovery, errors, recovery_values, *,
                           check_between=True, extra_changes=None):
        """The core of most faults: (baseline already decoded) fault bytes, then one good
        frame. errors: {reason: expected rise}. With check_between the state after the
        fault alone is compared too (only for faults that leave no partial frame)."""
        before = self.scrape()
        error_changes = {error_key(r): ("+", n) for r, n in errors.items()}
        error_changes.update(extra_changes or {})
        if check_between:
            self.send(fault)
            total = sum(errors.values())
            base = sum(before.series("smartmeter_frame_errors_total").values())
            between = self.wait_consumed(
                lambda m: sum(m.series("smartmeter_frame_errors_total").values()) >= base + total,
                message=f"{total} frame error(s) from the fault")
            self.assert_only_changed(before, between, error_changes, "after the fault")
            after = self.good_frame(recovery, recovery_values,
                                    message="the good frame after the fault to be decoded")
        else:
            self.send(fault)
            after = self.good_frame(recovery, recovery_values,
                                    message="the good frame after the fault to be decoded")
        changes = dict(error_changes)
        changes[FRAMES_TOTAL] = ("+", 1)
        changes.update(recovery_values)
        self.assert_only_changed(before, after, changes, "after the fault and one good frame")
        self.assertTrue(self.exporter.running())
        return after

    def next_good_frame(self, data, values):
        """One good frame after the current state: only its own series may move."""
        return self.fault_then_recover(b"", data, {}, values)
