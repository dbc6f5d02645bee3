"""List alternation (issue 14 item 1): Norwegian/Danish HAN meters push List 1 (power) every
~2 s, List 2 (ids, voltages, currents) every ~10 s and List 3 (List 2 + clock + energy)
hourly. Every register must stay on /metrics from whichever list carried it last; a frame
of another meter (other meter id) replaces nothing and is counted.

The frames are the real Kaifa MA304H3E List 2 of NO-KFM-MA304H3E-CNRD (tests/data/vectors,
provenance in its vector.json) and its List 1 and List 3 built from the same header and
values with the list layouts of KFM_001 (src/cosem/profiles.cpp), re-framed in the
vector's own HDLC frame (make_frames.hdlc_reframe: length, HCS, FCS anew)."""
import unittest

from fault_bench import ENERGY, VECTORS, FaultTestCase, key, read_hex_file
from make_frames import hdlc_info, hdlc_reframe, replace_once

KAIFA = VECTORS / "NO-KFM-MA304H3E-CNRD"
LIST2_FRAME = read_hex_file(KAIFA / "input.hex")
PLAINTEXT = read_hex_file(KAIFA / "plaintext.hex")
LLC = hdlc_info(LIST2_FRAME)[:3]
# 0F, long-invoke-id (4), 09 0C date-time (14): then the body structure of 13 values.
HEADER, CLOCK, LIST2_VALUES = PLAINTEXT[:19], PLAINTEXT[5:19], PLAINTEXT[21:]
assert LLC == bytes.fromhex("E6E700") and PLAINTEXT[19:21] == bytes.fromhex("020D")

POWER = key("smartmeter_active_power_import_watts")
V_L1 = key("smartmeter_voltage_volts", ("phase", "L1"))
I_L1 = key("smartmeter_current_amperes", ("phase", "L1"))
OTHER_METER = key("smartmeter_other_meter_frames_total")


def uint32(value):
    return b"\x06" + value.to_bytes(4, "big")


def hdlc(apdu):
    return hdlc_reframe(LIST2_FRAME, LLC + apdu)


def list1(watts):
    return hdlc(HEADER + b"\x02\x01" + uint32(watts))


def list3(energy_wh):
    energies = uint32(energy_wh) + uint32(0) + uint32(10) + uint32(20)
    return hdlc(HEADER + b"\x02\x12" + LIST2_VALUES + CLOCK + energies)


class ListAlternation(FaultTestCase):
    def start_kaifa(self):
        self.start("tcp", key_file=None)
        # The real List 2 as built here must be byte-identical to the vector.
        self.assertEqual(hdlc(PLAINTEXT), LIST2_FRAME)

    def test_01_four_to_one_stream_keeps_every_register(self):
        self.start_kaifa()
        self.good_frame(list3(123456), {ENERGY: 123456 * 3600, V_L1: 238.5})
        scrapes = with_voltage = with_current = with_energy = 0
        for i in range(50):
            is_list2 = i % 5 == 4
            watts = 1000 + i
            m = self.good_frame(LIST2_FRAME if is_list2 else list1(watts))
            scrapes += 1
            with_voltage += m.samples.get(V_L1) == 238.5
            with_current += m.samples.get(I_L1) == 1.416
            with_energy += m.samples.get(ENERGY) == 123456 * 3600
            self.assertEqual(m.samples.get(POWER), 948 if is_list2 else watts)
        print(f"4:1 List1/List2 stream: voltages in {with_voltage} of {scrapes} scrapes, "
              f"energy in {with_energy}", flush=True)
        self.assertEqual((with_voltage, with_current, with_energy), (scrapes,) * 3)
        self.assertEqual(self.scrape().value("smartmeter_frames_total"), 51)
        self.exporter.stop()

    def test_02_frame_of_another_meter_replaces_nothing(self):
        self.start_kaifa()
        self.good_frame(LIST2_FRAME)
        other = replace_once(PLAINTEXT, b"6970631401753985", b"6970631401759999")
        other = replace_once(other, bytes.fromhex("060000095106"), bytes.fromhex("060000080006"))
        before = self.scrape()
        self.send(hdlc(other))
        after = self.wait_consumed(lambda m: m.value("smartmeter_other_meter_frames_total") == 1,
                                   message="the other meter's frame to be counted")
        self.assert_only_changed(before, after, {OTHER_METER: ("+", 1)},
                                 "after a frame of another meter")
        # The meter's own List 1 still merges.
        self.good_frame(list1(500), {POWER: 500, V_L1: 238.5})
        self.exporter.stop()


if __name__ == "__main__":
    unittest.main()
