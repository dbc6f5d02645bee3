"""Serial source on a pseudo-terminal: frames written to the master side reach /metrics;
closing the master is a hang-up the exporter recovers from when the device comes back."""
import signal
import unittest

from exporter_harness import (DATA, TINETZ, TINETZ_NEXT, ExporterTestCase, Pty, read_hex_file,
                              wait_for)

FRAME = read_hex_file(TINETZ / "input.hex")          # IC 0x00295B9A, 230.8 V
NEXT_FRAME = read_hex_file(TINETZ_NEXT)             # IC 0x00295B9B, 231.4 V
# A Belgian DSMR 5 telegram (plain text, CRC-16/ARC): 234.7 V, gas 112.384 m3 on 0-1:24.2.3.
TELEGRAM = read_hex_file(DATA / "vectors-frontier" / "dsmr-5.0-be-fluvius-emucs171" / "input.hex")


class SerialPty(ExporterTestCase):
    def new_pty(self):
        pty = Pty()
        self.addCleanup(pty.close)
        return pty

    def serve_from_pty(self, message="the exporter to open the pty"):
        """A pty behind a /dev/serial/by-id-like link, and an exporter that has opened it."""
        link = self.tmpdir() / "ttyMETER"
        pty = self.new_pty()
        pty.point(link)
        ex = self.start_exporter(self.serial_args(link))
        ex.wait_metric(lambda m: m.value("smartmeter_source_connected") == 1, message=message)
        return link, pty, ex

    def serial_args(self, link, *extra):
        return [f"--serial.device={link}", "--serial.format=8N1",
                f"--meter.key-file={TINETZ / 'key.hex'}", "--meter.stale-after=1h", *extra]

    def test_frames_hangup_and_reconnect(self):
        link, pty, ex = self.serve_from_pty(message="the exporter to open the pty")
        # Only the exporter holds the slave from now on, so closing the master hangs it up.
        pty.close_slave()

        pty.write(FRAME)
        m = ex.wait_metric(lambda m: m.value("smartmeter_frames_total") == 1,
                           message="the frame written to the pty to be decoded")
        self.assertEqual(m.value("smartmeter_up"), 1)
        self.assertEqual(m.value("smartmeter_voltage_volts", phase="L1"), 230.8)
        self.assertEqual(m.value("smartmeter_active_energy_import_joules_total"), 32788800)
        self.assertEqual(m.value("smartmeter_received_bytes_total"), len(FRAME))
        self.assertEqual(m.value("smartmeter_source_reconnects_total"), 0)
        self.assertIn("serial " + str(link), ex.request("/").body)

        # Unplug: the master goes away; the exporter must notice and keep serving.
        pty.close()
        m = ex.wait_metric(lambda m: m.value("smartmeter_source_connected") == 0,
                           message="the hang-up to be noticed")
        self.assertTrue(ex.running())
        self.assertEqual(m.value("smartmeter_voltage_volts", phase="L1"), 230.8)  # not stale yet
        wait_for(lambda: "device hung up" in ex.stderr() or "lost serial" in ex.stderr(), 10,
                 message="a log line about the lost device")

        # Plug in again: a new pty under the same name.
        pty2 = self.new_pty()
        pty2.point(link)
        m = ex.wait_metric(lambda m: m.value("smartmeter_source_connected") == 1
                           and m.value("smartmeter_source_reconnects_total") >= 1,
                           timeout=15, message="the exporter to reopen the device")
        self.assertEqual(m.value("smartmeter_source_reconnects_total"), 1)
        pty2.close_slave()

        # A frame with a higher invocation counter is accepted and replaces the values.
        pty2.write(NEXT_FRAME)
        m = ex.wait_metric(lambda m: m.value("smartmeter_frames_total") == 2,
                           message="the frame after the reconnect to be decoded")
        self.assertEqual(m.value("smartmeter_received_bytes_total"), len(FRAME) + len(NEXT_FRAME))
        self.assertEqual(m.value("smartmeter_invocation_number"), 0x00295B9B)
        self.assertEqual(m.value("smartmeter_voltage_volts", phase="L1"), 231.4)
        self.assertEqual(m.value("smartmeter_active_energy_import_joules_total"), 9109 * 3600)

        # The old frame again is a replay: counted, values untouched.
        pty2.write(FRAME)
        m = ex.wait_metric(
            lambda m: m.value("smartmeter_frame_errors_total", reason="replay") == 1,
            message="the old frame to be rejected as a replay")
        self.assertEqual(m.value("smartmeter_frames_total"), 2)
        self.assertEqual(m.value("smartmeter_voltage_volts", phase="L1"), 231.4)
        for reason, count in m.series("smartmeter_frame_errors_total").items():
            if dict(reason)["reason"] != "replay":
                self.assertEqual(count, 0, f"unexpected frame error {dict(reason)}")
        _, _, err = ex.stop()
        self.assertIn("source recovered", err)

    def test_dsmr_telegrams_at_115200_between_garbage(self):
        link = self.tmpdir() / "ttyP1"
        pty = self.new_pty()
        pty.point(link)
        ex = self.start_exporter([f"--serial.device={link}", "--serial.baud=115200",
                                  "--serial.format=8N1", "--meter.stale-after=1h"])
        ex.wait_metric(lambda m: m.value("smartmeter_source_connected") == 1,
                       message="the exporter to open the pty")
        pty.close_slave()
        for _ in range(3):
            pty.write(b"\x00noise" + TELEGRAM)
        m = ex.wait_metric(lambda m: m.value("smartmeter_frames_total") == 3,
                           message="three DSMR telegrams to be decoded")
        self.assertEqual(m.value("smartmeter_frame_errors_total", reason="decode"), 3)
        self.assertEqual(m.value("smartmeter_voltage_volts", phase="L1"), 234.7)
        self.assertEqual(m.value("smartmeter_meter_info", meter_id="1SAG3101021605",
                                 system_title="", manufacturer="", device_name="",
                                 protocol="dsmr"), 1)
        # The Belgian capacity tariff: quarter-hour demand and the month's peak.
        self.assertEqual(m.value("smartmeter_active_power_import_demand_watts"), 2351)
        self.assertEqual(m.value("smartmeter_active_power_import_demand_peak_watts"), 2589)
        # The Belgian gas meter on channel 1 and the water meter on channel 2, each with the
        # time it took its reading (2020-05-12T13:45:58+02:00), not the telegram's.
        self.assertEqual(m.value("smartmeter_gas_volume_cubic_meters_total", channel="1"), 112.384)
        self.assertEqual(m.value("smartmeter_water_volume_cubic_meters_total", channel="2"),
                         872.234)
        self.assertEqual(m.value("smartmeter_submeter_reading_timestamp_seconds", channel="1",
                                 medium="gas"), 1589283958)

    def test_frame_split_in_small_pieces(self):
        link, pty, ex = self.serve_from_pty(message="the exporter to open the pty")
        # Garbage first (a line picked up mid-frame), then the frame in 7-byte pieces.
        pty.write(bytes.fromhex("00FF16681234"))
        for i in range(0, len(FRAME), 7):
            pty.write(FRAME[i:i + 7])
        m = ex.wait_metric(lambda m: m.value("smartmeter_frames_total") == 1,
                           message="the frame to be decoded after resync")
        self.assertEqual(m.value("smartmeter_voltage_volts", phase="L1"), 230.8)
        self.assertEqual(m.value("smartmeter_received_bytes_total"), len(FRAME) + 6)
        ex.stop()

    def test_auto_format_on_a_pty(self):
        # The default --serial.format=auto starts with 8E1; a pty cannot do parity, which
        # the exporter reports and reads 8N1 instead; frames then pass and fix the choice.
        link = self.tmpdir() / "ttyMETER"
        pty = self.new_pty()
        pty.point(link)
        ex = self.start_exporter([f"--serial.device={link}",
                                  f"--meter.key-file={TINETZ / 'key.hex'}"])
        ex.wait_metric(lambda m: m.value("smartmeter_source_connected") == 1,
                       message="the exporter to open the pty")
        pty.write(FRAME)
        m = ex.wait_metric(lambda m: m.value("smartmeter_frames_total") == 1,
                           message="the frame to be decoded")
        self.assertEqual(m.value("smartmeter_voltage_volts", phase="L1"), 230.8)
        wait_for(lambda: "serial format chosen" in ex.stderr(), 10,
                 message="the format choice to be logged")
        _, _, err = ex.stop()
        self.assertIn("does not support parity", err)

    def test_device_appears_later(self):
        link = self.tmpdir() / "ttyMETER"  # dangling at start: adapter not plugged in yet
        ex = self.start_exporter(self.serial_args(link))
        m = ex.scrape()
        self.assertEqual(m.value("smartmeter_source_connected"), 0)
        self.assertEqual(m.value("smartmeter_up"), 0)
        wait_for(lambda: "cannot open" in ex.stderr(), 10, message="the open failure log line")
        pty = self.new_pty()
        pty.point(link)
        ex.wait_metric(lambda m: m.value("smartmeter_source_connected") == 1, timeout=15,
                       message="the exporter to open the device once it exists")
        pty.write(FRAME)
        m = ex.wait_metric(lambda m: m.value("smartmeter_frames_total") == 1,
                           message="the frame to be decoded")
        self.assertEqual(m.value("smartmeter_up"), 1)
        ex.stop()

    def test_sighup_reopens_device(self):
        link, pty, ex = self.serve_from_pty(message="the exporter to open the pty")
        ex.signal(signal.SIGHUP)
        ex.wait_metric(lambda m: m.value("smartmeter_source_reconnects_total") >= 1
                       and m.value("smartmeter_source_connected") == 1,
                       message="the device to be reopened after SIGHUP")
        self.assertTrue(ex.running())
        pty.write(FRAME)  # the reopened device still delivers
        ex.wait_metric(lambda m: m.value("smartmeter_frames_total") == 1,
                       message="a frame through the reopened device")
        _, _, err = ex.stop()
        self.assertIn("SIGHUP: reopening", err)

    def test_second_instance_waits_for_the_lock(self):
        link, pty, first = self.serve_from_pty(message="the first exporter to open the pty")
        second = self.start_exporter(self.serial_args(link))
        wait_for(lambda: "in use by another process" in second.stderr(), 10,
                 message="the second instance to report the lock")
        self.assertEqual(second.scrape().value("smartmeter_source_connected"), 0)
        self.assertTrue(second.running())
        pty.write(FRAME)
        first.wait_metric(lambda m: m.value("smartmeter_frames_total") == 1,
                          message="the first instance to get the frame")
        self.assertEqual(second.scrape().value("smartmeter_received_bytes_total"), 0)
        second.stop()
        first.stop()


if __name__ == "__main__":
    unittest.main()
