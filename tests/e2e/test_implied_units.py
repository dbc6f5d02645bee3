"""Implied units (issue 14 item 5, issue 19 items 3 and 4): the Landis+Gyr E450 Cyprus push
carries no scaler-units; replayed through the binary, the table in src/cosem/profiles.cpp
must fill the named voltage, current, power and power-factor families, the status API must
say the units are implied, and a push no table covers (the E450 energy list with the
disconnect-control enum) stays in smartmeter_obis_value, enum included."""
import json
import unittest

from exporter_harness import VECTORS, ExporterTestCase

CYPRUS = VECTORS / "CY-LGZ-E450-GBT-PLAIN"
CYPRUS_ENUM = VECTORS / "CY-LGZ-E450-GBT-ENUM"


class ImpliedUnits(ExporterTestCase):
    def replay(self, vector):
        ex = self.start_exporter([f"--replay.file={vector / 'input.hex'}",
                                  "--meter.stale-after=1h"])
        m = ex.wait_metric(lambda m: m.value("smartmeter_frames_total") >= 1,
                           message="the vector's frame to be decoded")
        return ex, m

    def test_cyprus_push_fills_the_named_families(self):
        ex, m = self.replay(CYPRUS)
        self.assertEqual(m.value("smartmeter_voltage_volts", phase="L1"), 238)
        self.assertEqual(m.value("smartmeter_voltage_volts", phase="L2"), 239)
        self.assertAlmostEqual(m.value("smartmeter_current_amperes", phase="L1"), 1.30)
        self.assertAlmostEqual(m.value("smartmeter_current_amperes", phase="L3"), 0.89)
        self.assertEqual(m.value("smartmeter_active_power_import_watts"), 187)
        self.assertEqual(m.value("smartmeter_phase_active_power_import_watts", phase="L3"), 80)
        self.assertEqual(m.value("smartmeter_reactive_power_export_vars"), 622)
        self.assertAlmostEqual(m.value("smartmeter_power_factor_ratio"), 0.286)
        self.assertEqual(m.value("smartmeter_frequency_hertz"), 50)
        # Not covered by the table: stays as sent, unit "".
        self.assertEqual(m.value("smartmeter_obis_value", obis="0.0.96.3.0.255", unit=""), 11)
        self.assertFalse(any(dict(labels).get("obis", "").startswith("1.0.")
                             for labels in m.series("smartmeter_obis_value")))

        r = ex.request("/api/v1/reading")
        self.assertEqual(r.status, 200)
        d = json.loads(r.body)
        self.assertIn("lgz-e450-cyprus", d["meter"]["units_implied_from"])
        registers = {reg["obis"]: reg for reg in d["registers"]}
        self.assertTrue(registers["1.0.31.7.0.255"]["unit_implied"])
        self.assertNotIn("unit_implied", registers["0.0.96.3.0.255"])
        page = ex.request("/").body
        self.assertIn('id="units-implied"', page)
        ex.stop()

    def test_uncovered_push_stays_raw_and_keeps_the_enum(self):
        ex, m = self.replay(CYPRUS_ENUM)
        self.assertEqual(m.value("smartmeter_obis_value", obis="0.0.96.3.10.255", unit=""), 1)
        self.assertEqual(m.value("smartmeter_obis_value", obis="1.0.1.8.0.255", unit=""), 132573)
        self.assertIsNone(m.get("smartmeter_active_energy_import_joules_total"))
        d = json.loads(ex.request("/api/v1/reading").body)
        self.assertIsNone(d["meter"]["units_implied_from"])
        ex.stop()


if __name__ == "__main__":
    unittest.main()
