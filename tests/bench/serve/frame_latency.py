#!/usr/bin/env python3
"""Frame-to-/metrics latency of smartmeter_exporter (run by scripts/bench-serve.sh).

Plays the meter: listens on a loopback TCP port, starts the exporter with
--serial.device=tcp://127.0.0.1:PORT, and once the exporter has connected sends one frame
at a time. Every frame carries a new value of OBIS 1.0.1.7.0.255 (active power A+), so the
first scrape that shows `smartmeter_active_power_import_watts <that value>` is the first
one that reflects the frame. The latency of a frame is the time from the return of the
send() that handed its last byte to the kernel to the end of that scrape; the scraper
polls /metrics in a tight loop over one persistent HTTP/1.1 connection, so the figure
includes at most about one scrape round trip (reported as scrape_rtt).

Modes (the frames are real vectors of tests/data/vectors, with one value changed):
  plain     AT-SALZBURG-KFM-PLAINTEXT-APDU: the unencrypted data-notification (0F) sent as
            a bare APDU; no key, no invocation counter, so no replay guard.
  mbus-gcm  AT-TINETZ-KFM-DOC-EXAMPLE: the KSM West format (two M-Bus long frames, SC 0x21,
            AES-GCM without tag = AES-CTR from counter block IV||00000002), re-encrypted
            with the vector's key under an invocation counter that increases by one per
            frame (python3-cryptography), as tests/e2e/make_frames.py does. The
            self-check reproduces the published frame byte for byte first.

Output: KEY=VALUE lines on stdout (read by the bench script), details on stderr.
Stdlib only, except `cryptography` for mbus-gcm.
"""
import argparse
import http.client
import os
import pathlib
import signal
import socket
import statistics
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
VECTORS = HERE.parent.parent / "data" / "vectors"
SALZBURG = VECTORS / "AT-SALZBURG-KFM-PLAINTEXT-APDU"
TINETZ = VECTORS / "AT-TINETZ-KFM-DOC-EXAMPLE"
POWER_A_PLUS = bytes.fromhex("0100010700ff06")  # OBIS 1.0.1.7.0.255, then a uint32
METRIC = b"\nsmartmeter_active_power_import_watts "


def read_hex(path):
    text = "".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("#"))
    return bytes.fromhex("".join(text.split()))


def with_power(plaintext, watts):
    at = plaintext.find(POWER_A_PLUS)
    assert at >= 0 and plaintext.find(POWER_A_PLUS, at + 1) < 0
    at += len(POWER_A_PLUS)
    return plaintext[:at] + watts.to_bytes(4, "big") + plaintext[at + 4:]


class PlainFrames:
    key_file = None

    def __init__(self):
        self.plaintext = read_hex(SALZBURG / "plaintext.hex")
        assert read_hex(SALZBURG / "input.hex") == self.plaintext

    def frame(self, i, watts):
        return with_power(self.plaintext, watts)


class MbusGcmFrames:
    SYSTEM_TITLE = bytes.fromhex("4B464D1010000023")
    IC = 0x00295B9A

    def __init__(self):
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        self._cipher = lambda iv: Cipher(algorithms.AES(self.key), modes.CTR(iv)).encryptor()
        self.key = read_hex(TINETZ / "key.hex")
        self.key_file = TINETZ / "key.hex"
        self.plaintext = read_hex(TINETZ / "plaintext.hex")
        if self._frames(self.IC, self.plaintext) != read_hex(TINETZ / "input.hex"):
            sys.exit("frame_latency: self-check failed: cannot reproduce the TINETZ frame")

    def _frames(self, ic, plaintext):
        iv = self.SYSTEM_TITLE + ic.to_bytes(4, "big") + b"\x00\x00\x00\x02"
        enc = self._cipher(iv)
        body = bytes([0x21]) + ic.to_bytes(4, "big") + enc.update(plaintext) + enc.finalize()
        apdu = (bytes([0xDB, 0x08]) + self.SYSTEM_TITLE + bytes([0x82]) +
                len(body).to_bytes(2, "big") + body)
        out = b""
        for seq, pos in enumerate(range(0, len(apdu), 245)):
            part = apdu[pos:pos + 245]
            ci = seq | (0x10 if pos + len(part) == len(apdu) else 0)
            link = bytes([0x53, 0xFF, ci, 0x01, 0x67]) + part
            out += bytes([0x68, len(link), len(link), 0x68]) + link + bytes([sum(link) & 0xFF, 0x16])
        return out

    def frame(self, i, watts):
        return self._frames(self.IC + 1 + i, with_power(self.plaintext, watts))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(sorted_values, p):
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), int(-(-p * len(sorted_values) // 100))))
    return sorted_values[rank - 1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--exporter", required=True, help="path of smartmeter_exporter")
    ap.add_argument("--mode", choices=("plain", "mbus-gcm"), default="plain")
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--gap-ms", type=float, default=10.0, help="quiet time between frames")
    ap.add_argument("--timeout", type=float, default=2.0, help="per frame; later = lost")
    ap.add_argument("--log", default=os.devnull, help="exporter stderr goes here")
    args = ap.parse_args()

    frames = PlainFrames() if args.mode == "plain" else MbusGcmFrames()
    # Build every frame before timing anything.
    base = 100000
    payloads = [frames.frame(i, base + i) for i in range(args.frames)]

    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    meter_port = listener.getsockname()[1]
    web_port = free_port()
    cmd = [args.exporter, f"--serial.device=tcp://127.0.0.1:{meter_port}",
           f"--web.listen-address=127.0.0.1:{web_port}"]
    if frames.key_file is not None:
        cmd.append(f"--meter.key-file={frames.key_file}")
    log = open(args.log, "ab")
    proc = subprocess.Popen(cmd, stdout=log, stderr=log)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        listener.settimeout(10)
        conn, _ = listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        http_conn = None
        deadline = time.monotonic() + 10
        while http_conn is None:
            try:
                c = http.client.HTTPConnection("127.0.0.1", web_port, timeout=5)
                c.request("GET", "/metrics")
                c.getresponse().read()
                http_conn = c
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    sys.exit("frame_latency: the exporter did not answer HTTP")
                time.sleep(0.02)

        def scrape():
            http_conn.request("GET", "/metrics")
            response = http_conn.getresponse()
            body = response.read()
            if response.status != 200:
                sys.exit(f"frame_latency: /metrics answered {response.status}")
            return body

        latencies, rtts, scrapes_per_frame, lost = [], [], [], 0
        for i, payload in enumerate(payloads):
            needle = METRIC + str(base + i).encode() + b"\n"
            time.sleep(args.gap_ms / 1000.0)
            conn.sendall(payload)
            t0 = time.perf_counter()
            n = 0
            while True:
                s0 = time.perf_counter()
                body = scrape()
                t1 = time.perf_counter()
                n += 1
                rtts.append(t1 - s0)
                if needle in body:
                    latencies.append(t1 - t0)
                    scrapes_per_frame.append(n)
                    break
                if t1 - t0 > args.timeout:
                    lost += 1
                    break
        conn.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    lat = sorted(x * 1000 for x in latencies)
    rtt = sorted(x * 1000 for x in rtts)
    print(f"frame_latency[{args.mode}]: {len(lat)} frames, {lost} lost; latency ms "
          f"median {statistics.median(lat):.3f} p90 {percentile(lat, 90):.3f} "
          f"p99 {percentile(lat, 99):.3f} max {lat[-1]:.3f}; scrape rtt median "
          f"{statistics.median(rtt):.3f} ms; scrapes per frame median "
          f"{statistics.median(scrapes_per_frame)} max {max(scrapes_per_frame)}", file=sys.stderr)
    print(f"FRAMES={len(lat)}")
    print(f"LOST={lost}")
    print(f"MEDIAN_MS={statistics.median(lat):.3f}")
    print(f"P90_MS={percentile(lat, 90):.3f}")
    print(f"P99_MS={percentile(lat, 99):.3f}")
    print(f"MAX_MS={lat[-1]:.3f}")
    print(f"SCRAPE_RTT_MS={statistics.median(rtt):.3f}")
    print(f"SCRAPES_MEDIAN={statistics.median(scrapes_per_frame)}")
    return 0 if lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
