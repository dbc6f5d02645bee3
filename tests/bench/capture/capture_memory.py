#!/usr/bin/env python3
"""Peak memory of reading a large timed capture (issue 14 item 9).

Writes a timed capture of SIZE_MB megabytes whose data lines carry CHUNK bytes each (1: the
worst case, every read() one byte, as a slow line with a tight poll gives), cut from a real
vector's input so the frames decode, then runs the real binary on it and reports its peak
resident set (ru_maxrss of the finished child):
  * `decode FILE`: reads the whole capture, decodes it, exits;
  * `serve --replay.file=FILE --replay.rate=realtime`: VmHWM once /metrics answers (the replay
    source holds the whole capture for the run).
Usage: capture_memory.py BINARY VECTOR_DIR SIZE_MB CHUNK"""
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def write_capture(path, stream, size_bytes, chunk):
    with open(path, "w") as out:
        out.write("# smartmeter_exporter capture v1\n# bench capture_memory.py\n")
        written, micros, i = 0, 0, 0
        lines = []
        while written < size_bytes:
            piece = bytes(stream[(i + k) % len(stream)] for k in range(chunk))
            i += chunk
            line = f"{micros // 1_000_000}.{micros % 1_000_000:06d} {piece.hex().upper()}\n"
            lines.append(line)
            written += len(line)
            micros += 4167 * chunk  # 2400 baud, 10 bits a byte
            if len(lines) == 65536:
                out.write("".join(lines))
                lines = []
        out.write("".join(lines))
    return i // chunk


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def decode_peak(binary, capture, key):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    run = subprocess.run([binary, "decode", f"--key-file={key}", str(capture)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if run.returncode not in (0, 1):
        sys.exit(f"decode failed ({run.returncode}): {run.stderr.decode()[-500:]}")
    if peak <= before:
        sys.exit("decode's peak is hidden behind an earlier child's (run it first)")
    return peak, seconds


def serve_peak(binary, capture, key):
    port = free_port()
    proc = subprocess.Popen([binary, f"--web.listen-address=127.0.0.1:{port}",
                             f"--replay.file={capture}", "--replay.rate=realtime",
                             f"--meter.key-file={key}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
                    r.read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    sys.exit("serve did not answer /metrics")
                time.sleep(0.2)
        status = Path(f"/proc/{proc.pid}/status").read_text()
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        return int(fields["VmHWM"].split()[0]), int(fields["VmRSS"].split()[0])
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main():
    binary, vector, size_mb, chunk = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    stream = bytes.fromhex("".join(l.split("#")[0] for l in (vector / "input.hex").read_text()
                                   .splitlines()))
    with tempfile.TemporaryDirectory() as tmp:
        capture = Path(tmp) / "big.capture"
        chunks = write_capture(capture, stream, size_mb * 1_000_000, chunk)
        size = capture.stat().st_size
        key = vector / "key.hex"
        peak, seconds = decode_peak(binary, capture, key)
        hwm, rss = serve_peak(binary, capture, key)
    mb = 1024  # ru_maxrss and VmHWM are in KiB
    print(f"| {size / 1e6:.0f} MB, {chunks:,} chunks of {chunk} byte(s) | decode: peak "
          f"{peak / mb:.0f} MiB ({peak * 1024 / size:.2f}x the file), {seconds:.1f} s | serve "
          f"--replay.file: peak {hwm / mb:.0f} MiB, then {rss / mb:.0f} MiB |")


if __name__ == "__main__":
    main()
