#!/usr/bin/env python3
"""A TCP "meter" that accepts connections and never sends a byte (scripts/bench-serve.sh).

The idle-CPU measurement points smartmeter_exporter at it (--serial.device=tcp://...): the
connection is up, nothing arrives, so the exporter should sleep in poll() without waking.
Prints the port it listens on (127.0.0.1, chosen by the kernel) on the first line of
stdout, then holds every accepted connection open until SIGTERM. Stdlib only.
"""
import signal
import socket
import sys


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    print(listener.getsockname()[1], flush=True)
    held = []
    while True:
        conn, _ = listener.accept()
        held.append(conn)


if __name__ == "__main__":
    sys.exit(main())
