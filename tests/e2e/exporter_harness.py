"""Shared helpers for the end-to-end tests of the real smartmeter_exporter binary.

Environment (set by ctest, see tests/CMakeLists.txt):
  SM_BINARY     path of smartmeter_exporter (default: <repo>/build/smartmeter_exporter)
  SM_TEST_DATA  path of tests/data           (default: <repo>/tests/data)

An Exporter starts the binary on a free loopback port, waits until it answers HTTP,
scrapes and parses /metrics, and on stop() sends SIGTERM and checks a clean exit (status 0
within STOP_TIMEOUT) and that no configured key ever appeared in an HTTP response or on
stderr. Everything here is stdlib only.
"""
import base64
import http.client
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
BINARY = pathlib.Path(os.environ.get("SM_BINARY", REPO / "build" / "smartmeter_exporter"))
DATA = pathlib.Path(os.environ.get("SM_TEST_DATA", REPO / "tests" / "data"))
VECTORS = DATA / "vectors"
E2E_DATA = DATA / "e2e"

TINETZ = VECTORS / "AT-TINETZ-KFM-DOC-EXAMPLE"
TINETZ_NEXT = E2E_DATA / "tinetz_next.hex"  # same meter, IC + 1 (tests/e2e/make_frames.py)

# The demo meter's built-in key, "DEMO-KEY-NOTREAL" (src/source/demo_meter.h).
DEMO_KEY_TEXT = "DEMO-KEY-NOTREAL"
DEMO_KEY_HEX = DEMO_KEY_TEXT.encode().hex()

START_TIMEOUT = 15.0  # generous: the binary usually answers within 50 ms
STOP_TIMEOUT = 2.0    # SIGTERM -> exit; the product promises well under this
HTTP_TIMEOUT = 10.0


def read_hex_file(path):
    """Bytes of a hex file in the vectors' format ('#' comment lines, whitespace ignored)."""
    text = "".join(line for line in pathlib.Path(path).read_text().splitlines()
                   if not line.lstrip().startswith("#"))
    return bytes.fromhex("".join(text.split()))


def key_hex_of_file(path):
    """The key in a key file as upper-case hex, or None if the file is not a readable key."""
    try:
        return read_hex_file(path).hex().upper() or None
    except (OSError, ValueError):
        return None


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, interval=0.05, message="condition"):
    """Polls predicate() until it returns a truthy value (returned) or timeout passes."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except (OSError, http.client.HTTPException, KeyError, ValueError) as e:
            last_error = e
        if time.monotonic() >= deadline:
            extra = f" (last error: {last_error!r})" if last_error else ""
            raise AssertionError(f"timed out after {timeout:.1f} s waiting for {message}{extra}")
        time.sleep(interval)


# ---------------------------------------------------------------- exposition parsing

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(\s+-?\d+)?$")
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)')


def _unescape_label(value):
    out, i = [], 0
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            out.append({"n": "\n", "\\": "\\", '"': '"'}.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse_labels(text):
    """'{a="1",b="x\\"y"}' -> {'a': '1', 'b': 'x"y'}."""
    inner = text[1:-1].strip()
    labels = {}
    pos = 0
    while pos < len(inner):
        m = _LABEL.match(inner, pos)
        if not m:
            raise ValueError(f"bad label set: {text!r}")
        name, value = m.group(1), _unescape_label(m.group(2))
        if name in labels:
            raise ValueError(f"label {name} twice in {text!r}")
        labels[name] = value
        pos = m.end()
    return labels


def parse_exposition(text):
    """Prometheus text format 0.0.4 -> ({(name, frozenset(labels.items())): value}, types).

    Raises ValueError on malformed lines and on duplicate series."""
    samples, types = {}, {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 4 and parts[1] == "TYPE":
                types[parts[2]] = parts[3].strip()
            continue
        m = _SAMPLE.match(line)
        if not m:
            raise ValueError(f"line {number}: not a sample: {line!r}")
        name, label_text, value_text = m.group(1), m.group(2), m.group(3)
        labels = parse_labels(label_text) if label_text else {}
        key = (name, frozenset(labels.items()))
        if key in samples:
            raise ValueError(f"line {number}: duplicate series {line!r}")
        samples[key] = float(value_text)  # float() knows NaN, +Inf, -Inf
    return samples, types


class Metrics:
    """A parsed scrape: samples by (name, frozenset(labels)), plus convenience look-ups."""

    def __init__(self, text):
        self.text = text
        self.samples, self.types = parse_exposition(text)

    def get(self, name, default=None, **labels):
        return self.samples.get((name, frozenset(labels.items())), default)

    def value(self, name, **labels):
        key = (name, frozenset(labels.items()))
        if key not in self.samples:
            present = sorted(f"{n}{dict(l)}" for n, l in self.samples if n == name)
            raise KeyError(f"no series {name}{labels}; series of that name: {present}")
        return self.samples[key]

    def has(self, name, **labels):
        return (name, frozenset(labels.items())) in self.samples

    def names(self):
        return {name for name, _ in self.samples}

    def series(self, name):
        """{frozenset(labels): value} for every series of one metric name."""
        return {labels: v for (n, labels), v in self.samples.items() if n == name}


# ---------------------------------------------------------------- the process


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (name, value)
        self.body = body        # str

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


class Exporter:
    """One smartmeter_exporter process serving HTTP on 127.0.0.1:<port>.

    args: flags besides --web.listen-address (added unless listen=False). secrets: extra
    strings that must never show on stderr or in a response; the keys of --meter.key*,
    --meter.*key-file and --demo are added automatically."""

    def __init__(self, args, *, listen=True, secrets=(), env=None, start=True, port=None):
        self.args = [str(a) for a in args]
        self.listen = listen
        self.port = port
        self.env = env
        self.proc = None
        self.stopped = False
        self.responses = []  # every body fetched, checked for secrets in stop()
        self._stderr_file = None
        self._stderr_text = ""
        self.secrets = set(s for s in secrets if s)
        self._collect_secrets()
        if start:
            self.start()

    # -- secrets -------------------------------------------------------------
    def _collect_secrets(self):
        args = self.args
        for i, a in enumerate(args):
            name, eq, value = a.partition("=")
            if not eq and i + 1 < len(args):
                value = args[i + 1]
            if name in ("--meter.key", "--meter.auth-key") and value:
                self.secrets.add(value)
            if name in ("--meter.key-file", "--meter.auth-key-file") and value:
                k = key_hex_of_file(value)
                if k:
                    self.secrets.add(k)
            if name == "--demo":
                # The demo key is public (the log names it as text on purpose); its hex
                # form still has no business in any output.
                self.secrets.add(DEMO_KEY_HEX)

    def assert_no_secrets(self, text, where):
        for secret in self.secrets:
            for form in {secret, secret.upper(), secret.lower()}:
                if form in text:
                    raise AssertionError(f"key material {form!r} appears in {where}")

    # -- life cycle ----------------------------------------------------------
    def start(self):
        for attempt in range(3):
            if self.listen and (self.port is None or attempt > 0):
                self.port = free_port()
            argv = [str(BINARY)]
            if self.listen:
                argv.append(f"--web.listen-address=127.0.0.1:{self.port}")
            argv += self.args
            self._close_stderr()
            self._stderr_file = tempfile.TemporaryFile()
            env = dict(os.environ)
            env.pop("JOURNAL_STREAM", None)  # would prefix log lines with <6>
            env.pop("CREDENTIALS_DIRECTORY", None)
            if self.env:
                env.update(self.env)
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=self._stderr_file, env=env)
            try:
                self.wait_ready()
                return self
            except _PortTaken:
                continue  # another process took the port between free_port() and bind()
        raise AssertionError("could not start the exporter on a free port (3 attempts)")

    def wait_ready(self, timeout=START_TIMEOUT):
        """Polls until the HTTP server answers anything (a 401 counts: it is up)."""
        deadline = time.monotonic() + timeout
        while True:
            rc = self.proc.poll()
            if rc is not None:
                err = self.stderr()
                if "cannot listen on" in err and "in use" in err and self.listen:
                    raise _PortTaken()
                raise AssertionError(f"exporter exited with status {rc} during start-up:\n{err}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/metrics")
                conn.getresponse().read()
                conn.close()
                return
            except (OSError, http.client.HTTPException):
                pass
            if time.monotonic() >= deadline:
                self.kill()
                raise AssertionError(f"exporter did not answer HTTP within {timeout} s:\n"
                                     f"{self.stderr()}")
            time.sleep(0.02)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stderr(self):
        if self._stderr_file is None:
            return self._stderr_text
        self._stderr_file.flush()
        self._stderr_file.seek(0)
        return self._stderr_file.read().decode("utf-8", "replace")

    def _close_stderr(self):
        if self._stderr_file is not None:
            self._stderr_text = self.stderr()
            self._stderr_file.close()
            self._stderr_file = None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM; asserts exit status 0 within `timeout` and no key on stderr/responses.
        Returns (exit status, seconds until exit, stderr)."""
        if self.stopped:
            return self.proc.returncode, 0.0, self.stderr()
        self.stopped = True
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"exporter did not exit within {timeout} s of SIGTERM:\n"
                                 f"{self.stderr()}")
        elapsed = time.monotonic() - t0
        err = self.stderr()
        if rc != 0:
            raise AssertionError(f"exporter exited with status {rc} after SIGTERM:\n{err}")
        self.assert_no_secrets(err, "stderr")
        for where, body in self.responses:
            self.assert_no_secrets(body, where)
        return rc, elapsed, err

    def kill(self):
        """Cleanup (registered for every test): no checks, just make sure the process is gone
        and the stderr file closed; stderr() still returns the captured text afterwards."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.stopped = True
        self._close_stderr()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.stop()
        else:
            self.kill()
        return False

    # -- HTTP ------------------------------------------------------------------
    def request(self, path="/metrics", *, method="GET", auth=None, headers=None):
        """One HTTP request; auth = (user, password). Returns a Response (any status)."""
        h = dict(headers or {})
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            h["Authorization"] = "Basic " + token
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HTTP_TIMEOUT)
        try:
            conn.request(method, path, headers=h)
            r = conn.getresponse()
            body = r.read().decode("utf-8", "replace")
            response = Response(r.status, r.getheaders(), body)
        finally:
            conn.close()
        self.responses.append((f"response to {method} {path}", body))
        self.responses.append((f"headers of {method} {path}", repr(response.headers)))
        return response

    def scrape_text(self, path="/metrics", auth=None):
        r = self.request(path, auth=auth)
        if r.status != 200:
            raise AssertionError(f"GET {path}: HTTP {r.status}: {r.body[:200]}")
        return r.body

    def scrape(self, path="/metrics", auth=None):
        return Metrics(self.scrape_text(path, auth=auth))

    def wait_metric(self, predicate, timeout=10.0, message="metrics condition", path="/metrics",
                    auth=None):
        """Scrapes until predicate(Metrics) is truthy; returns that scrape."""
        result = {}

        def check():
            m = self.scrape(path, auth=auth)
            if predicate(m):
                result["m"] = m
                return True
            result["last"] = m
            return False
        try:
            wait_for(check, timeout, interval=0.1, message=message)
        except AssertionError as e:
            last = result.get("last")
            detail = ""
            if last is not None:
                detail = "\nlast scrape (smartmeter_ series):\n" + "\n".join(
                    l for l in last.text.splitlines() if l.startswith("smartmeter_"))
            raise AssertionError(f"{e}{detail}\nstderr:\n{self.stderr()}") from None
        return result["m"]


class _PortTaken(Exception):
    pass


def run_to_exit(args, timeout=15.0, env=None):
    """Runs the binary with args (no listen address added) until it exits by itself.
    Returns (exit status, stdout, stderr)."""
    e = dict(os.environ)
    e.pop("CREDENTIALS_DIRECTORY", None)
    e.pop("JOURNAL_STREAM", None)
    if env:
        e.update(env)
    p = subprocess.run([str(BINARY)] + [str(a) for a in args], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=timeout, env=e)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


# ---------------------------------------------------------------- byte sources for the exporter


class Pty:
    """A pseudo-terminal pair; the exporter opens the slave through a symlink."""

    def __init__(self):
        self.master, self.slave = os.openpty()
        self.slave_name = os.ttyname(self.slave)

    def point(self, link):
        """Atomically (re)points the symlink `link` at this pty's slave."""
        tmp = link.with_name(link.name + ".new")
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(self.slave_name, tmp)
        os.replace(tmp, link)

    def close_slave(self):
        if self.slave is not None:
            os.close(self.slave)
            self.slave = None

    def write(self, data):
        view = memoryview(data)
        while view:
            n = os.write(self.master, view)
            view = view[n:]

    def close(self):
        self.close_slave()
        if self.master is not None:
            os.close(self.master)
            self.master = None


class Gateway:
    """A one-client-at-a-time TCP server on 127.0.0.1 standing in for an M-Bus/LAN gateway."""

    def __init__(self, port=0):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Rebinding the same port while the previous connection sits in TIME_WAIT.
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(4)
        self.port = self.listener.getsockname()[1]
        self.client = None

    def accept(self, timeout=15.0):
        self.listener.settimeout(timeout)
        self.client, _ = self.listener.accept()
        return self.client

    def send(self, data, pieces=1, pause=0.0):
        step = max(1, -(-len(data) // pieces))
        for i in range(0, len(data), step):
            self.client.sendall(data[i:i + step])
            if pause:
                time.sleep(pause)

    def close(self):
        for s in (self.client, self.listener):
            if s is not None:
                s.close()
        self.client = self.listener = None


class ExporterTestCase(unittest.TestCase):
    """Base class: start_exporter() registers a kill-on-failure cleanup."""

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        if not BINARY.is_file():
            raise unittest.SkipTest(f"binary not built: {BINARY} (set SM_BINARY)")

    def start_exporter(self, args, **kwargs):
        ex = Exporter(args, **kwargs)
        self.addCleanup(ex.kill)
        return ex

    def assert_promtool_accepts(self, exposition):
        """`promtool check metrics` must accept the text and print nothing (skipped, and
        reported as skipped, when promtool is not installed)."""
        promtool = shutil.which("promtool")
        if promtool is None:
            print("\nSKIPPED: promtool not installed")
            self.skipTest("SKIPPED: promtool not installed")
        p = subprocess.run([promtool, "check", "metrics"], input=exposition.encode(),
                           capture_output=True, timeout=60)
        output = (p.stdout + p.stderr).decode()
        self.assertEqual(p.returncode, 0, output)
        self.assertEqual(output, "", "promtool check metrics printed problems")

    def tmpdir(self):
        d = tempfile.TemporaryDirectory(prefix="sm-e2e-")
        self.addCleanup(d.cleanup)
        return pathlib.Path(d.name)
