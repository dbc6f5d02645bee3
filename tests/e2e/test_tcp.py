"""TCP source (serial-over-TCP gateways, ser2net): frames from a Python server reach
/metrics; when the server goes away and comes back on the same port the exporter
reconnects and bytes flow again."""
import os
import socket
import time
import unittest

from exporter_harness import (TINETZ, TINETZ_NEXT, ExporterTestCase, Gateway, free_port,
                              read_hex_file, wait_for)

FRAME = read_hex_file(TINETZ / "input.hex")   # IC 0x00295B9A, 230.8 V
NEXT_FRAME = read_hex_file(TINETZ_NEXT)      # IC 0x00295B9B, 231.4 V


class TcpSource(ExporterTestCase):
    def gateway(self, port=0):
        g = Gateway(port)
        self.addCleanup(g.close)
        return g

    def exporter_after_first_frame(self):
        """A gateway and an exporter connected to it that has decoded FRAME."""
        gw = self.gateway()
        ex = self.start_exporter(self.tcp_args(gw.port))
        gw.accept()
        gw.send(FRAME)
        ex.wait_metric(lambda m: m.value("smartmeter_frames_total") == 1,
                       message="a first good frame")
        return gw, ex

    def tcp_args(self, port, *extra):
        return [f"--serial.device=tcp://127.0.0.1:{port}", f"--meter.key-file={TINETZ / 'key.hex'}",
                "--meter.stale-after=1h", *extra]

    def test_frames_disconnect_and_reconnect(self):
        gw = self.gateway()
        port = gw.port
        ex = self.start_exporter(self.tcp_args(port))
        gw.accept()
        gw.send(FRAME, pieces=3, pause=0.05)  # like a gateway forwarding a slow line
        m = ex.wait_metric(lambda m: m.value("smartmeter_frames_total") == 1,
                           message="the frame sent over TCP to be decoded")
        self.assertEqual(m.value("smartmeter_source_connected"), 1)
        self.assertEqual(m.value("smartmeter_voltage_volts", phase="L1"), 230.8)
        self.assertEqual(m.value("smartmeter_received_bytes_total"), len(FRAME))
        self.assertEqual(m.value("smartmeter_source_reconnects_total"), 0)
        self.assertIn(f"tcp 127.0.0.1:{port}", ex.request("/").body)

        # The gateway dies: client and listening socket closed.
        gw.close()
        ex.wait_metric(lambda m: m.value("smartmeter_source_connected") == 0,
                       message="the closed connection to be noticed")
        wait_for(lambda: "connection closed by peer" in ex.stderr(), 10,
                 message="a log line about the lost connection")
        # Stay away long enough for at least one refused reconnect attempt (backoff 1 s).
        wait_for(lambda: "cannot open tcp" in ex.stderr(), 10,
                 message="a refused reconnect attempt")
        self.assertTrue(ex.running())

        # ... and comes back on the same port.
        gw2 = self.gateway(port)
        gw2.accept(timeout=20)
        m = ex.wait_metric(lambda m: m.value("smartmeter_source_connected") == 1
                           and m.value("smartmeter_source_reconnects_total") >= 1,
                           message="the exporter to reconnect")
        self.assertEqual(m.value("smartmeter_source_reconnects_total"), 1)
        gw2.send(NEXT_FRAME)
        m = ex.wait_metric(lambda m: m.value("smartmeter_frames_total") == 2,
                           message="the frame after the reconnect to be decoded")
        self.assertEqual(m.value("smartmeter_received_bytes_total"), len(FRAME) + len(NEXT_FRAME))
        self.assertEqual(m.value("smartmeter_voltage_volts", phase="L1"), 231.4)
        self.assertEqual(m.value("smartmeter_invocation_number"), 0x00295B9B)
        self.assertEqual(sum(m.series("smartmeter_frame_errors_total").values()), 0)
        _, _, err = ex.stop()
        self.assertIn("source recovered", err)

    def test_peer_that_accepts_and_closes_at_once_is_backed_off(self):
        """Issue 14: a peer that accepts and closes at once was retried every second with
        four log lines each, forever. The delays now double (1, 2, 4 s, ... up to 30 s)
        until a connection stays open, and repeated lines are held back."""
        gw = self.gateway()
        ex = self.start_exporter(self.tcp_args(gw.port))
        window = 6.5
        start = time.monotonic()
        accepted = 0
        while (left := window - (time.monotonic() - start)) > 0:
            gw.listener.settimeout(left)
            try:
                conn, _ = gw.listener.accept()
            except socket.timeout:
                break
            conn.close()
            accepted += 1
        source_lines = [line for line in ex.stderr().splitlines()
                        if "tcp 127.0.0.1" in line or "msg=\"source " in line]
        print(f"in {window} s: {accepted} connections, {len(source_lines)} log lines",
              flush=True)
        self.assertTrue(ex.running())
        self.assertLessEqual(accepted, 4)          # 0, 1, 3 s (then 7 s); was every second
        self.assertLessEqual(len(source_lines), 6, "\n".join(source_lines))
        self.assertGreaterEqual(accepted, 2)
        ex.stop()

    # A frame cut off mid-way is dropped as reason="timeout" once the line stays quiet.
    def test_partial_frame_times_out(self):
        gw, ex = self.exporter_after_first_frame()
        time.sleep(1.0)  # a quiet line after a good frame, as between two meter pushes
        gw.send(NEXT_FRAME[:100])  # then the line goes quiet in the middle of a frame
        m = ex.wait_metric(
            lambda m: m.value("smartmeter_frame_errors_total", reason="timeout") == 1,
            timeout=9, message="the partial frame to time out (3 s quiet + 0.5 s polling)")
        self.assertEqual(m.value("smartmeter_frames_total"), 1)
        self.assertEqual(m.value("smartmeter_frame_errors_total", reason="length"), 0)
        # The complete frame afterwards is decoded, with no stale half frame in front.
        gw.send(NEXT_FRAME)
        m = ex.wait_metric(lambda m: m.value("smartmeter_frames_total") == 2,
                           message="the next complete frame to be decoded")
        self.assertEqual(m.value("smartmeter_voltage_volts", phase="L1"), 231.4)
        self.assertEqual(sum(m.series("smartmeter_frame_errors_total").values()), 1)
        ex.stop()

    def test_unreachable_gateway_keeps_serving(self):
        port = free_port()  # nobody listens there
        ex = self.start_exporter(self.tcp_args(port))
        wait_for(lambda: "cannot open tcp" in ex.stderr(), 10, message="the connect failure")
        m = ex.scrape()
        self.assertEqual(m.value("smartmeter_source_connected"), 0)
        self.assertEqual(m.value("smartmeter_up"), 0)
        self.assertEqual(ex.request("/").status, 200)
        ex.stop()

    def test_idle_exporter_sleeps(self):
        """Connected to a gateway that sends nothing, after a scrape: no thread of the
        exporter wakes up except CivetWeb's accept thread, which waits for connections in
        quanta of 2 s (SOCKET_TIMEOUT_QUANTUM in CivetWeb 1.15 and 1.16) to look at its stop
        flag; and SIGTERM still ends it at once."""
        _, ex = self.exporter_after_first_frame()
        time.sleep(2)  # the scrape's connection has closed; its worker waits for the next
        before = context_switches(ex.proc.pid)
        accept = [k for k in before if k.endswith(" civetweb-master")]
        self.assertEqual(len(accept), 1, before)
        time.sleep(5)
        after = context_switches(ex.proc.pid)
        woke = {name: after[name] - before[name] for name in before
                if name in after and after[name] != before[name]}
        accept_wakes = woke.pop(accept[0], 0)
        print(f"civetweb-master: {accept_wakes} context switches in 5 s")
        self.assertEqual(woke, {}, "threads that woke up (task: context switches) in 5 s")
        # 5 s / 2 s quanta: 2 or 3 wake-ups of one switch each (a preemption while it runs,
        # for microseconds, may add one).
        self.assertLessEqual(accept_wakes, 4, "civetweb-master woke more often than every 2 s")
        _, elapsed, _ = ex.stop()
        # HttpServer::stop() connects to the listening socket, which ends the accept
        # thread's wait at once; without that it would take up to 2 s (one quantum).
        self.assertLess(elapsed, 1.0, "SIGTERM to exit")


def context_switches(pid):
    """{"<tid> <thread name>": voluntary + involuntary context switches} of every thread."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                switches = sum(int(line.split()[1]) for line in f
                               if line.startswith(("voluntary_ctxt_switches",
                                                   "nonvoluntary_ctxt_switches")))
        except FileNotFoundError:
            continue  # the thread ended
        out[f"{tid} {name}"] = switches
    return out


if __name__ == "__main__":
    unittest.main()
