// The OBIS -> metric table and the identity labels.
#include "metrics/obis_map.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <prometheus/check_names.h>

#include "cosem/units.h"
#include "metrics/families.h"
#include "metrics/meter_identity.h"
#include "metrics_test_util.h"

namespace sm::metrics {
namespace {

using namespace test_support;
using cosem::obis;

TEST(ObisMap, EveryNameIsAValidPrometheusName) {
  for (const MetricSpec& spec : value_metric_specs()) {
    EXPECT_TRUE(prometheus::CheckMetricName(std::string(spec.name))) << spec.name;
    EXPECT_TRUE(is_valid_spec(spec)) << spec.name;
  }
  EXPECT_TRUE(is_valid_spec(kObisValueSpec));
  for (const ObisRow& row : obis_rows()) {
    if (!row.label.name.empty()) {
      EXPECT_TRUE(prometheus::CheckLabelName(std::string(row.label.name))) << row.label.name;
    }
  }
}

TEST(ObisMap, CountersEndInTotalAndGaugesDoNot) {
  EXPECT_TRUE(is_valid_spec({"a_total", "help", MetricKind::counter}));
  EXPECT_FALSE(is_valid_spec({"a", "help", MetricKind::counter}));
  EXPECT_FALSE(is_valid_spec({"a_total", "help", MetricKind::gauge}));
  // prometheus-cpp 1.0.1 prints HELP unescaped: a line break would break the exposition.
  EXPECT_FALSE(is_valid_spec({"a", "two\nlines", MetricKind::gauge}));
  EXPECT_FALSE(is_valid_spec({"a", "back\\slash", MetricKind::gauge}));
  EXPECT_FALSE(is_valid_spec({"9a", "help", MetricKind::gauge}));
  EXPECT_FALSE(is_valid_spec({"a-b", "help", MetricKind::gauge}));
}

TEST(ObisMap, EveryValueMetricHasARow) {
  std::set<ValueMetric> with_rows;
  for (const ObisRow& row : obis_rows()) with_rows.insert(row.metric);
  EXPECT_EQ(with_rows.size(), kValueMetricCount);
}

TEST(ObisMap, FindsRowsByCdeForElectricityAnyChannel) {
  const ObisRow* voltage = find_obis_row(obis(1, 0, 52, 7, 0));
  ASSERT_NE(voltage, nullptr);
  EXPECT_EQ(voltage->metric, ValueMetric::voltage);
  EXPECT_EQ(voltage->label.value, "L2");
  EXPECT_EQ(find_obis_row(obis(1, 1, 52, 7, 0)), voltage);    // Kamstrup: B=1
  EXPECT_EQ(find_obis_row(obis(0, 0, 52, 7, 0)), nullptr);    // A=0: abstract, not electricity
  EXPECT_EQ(find_obis_row(obis(7, 0, 52, 7, 0)), nullptr);    // A=7: gas
  EXPECT_EQ(find_obis_row(obis(1, 0, 1, 8, 0, 1)), nullptr);  // F=1: billing period 1
  EXPECT_EQ(find_obis_row(obis(1, 0, 1, 8, 9)), nullptr);     // tariff 9: no row
}

TEST(ObisMap, EnergyRowsConvertWattHoursToJoules) {
  const ObisRow* import = find_obis_row(obis(1, 0, 1, 8, 0));
  ASSERT_NE(import, nullptr);
  EXPECT_EQ(spec_of(import->metric).name, "smartmeter_active_energy_import_joules_total");
  EXPECT_EQ(spec_of(import->metric).kind, MetricKind::counter);
  EXPECT_EQ(import->unit, kWh);
  EXPECT_DOUBLE_EQ(import->factor, 3600.0);

  const ObisRow* tariff2 = find_obis_row(obis(1, 0, 2, 8, 2));
  ASSERT_NE(tariff2, nullptr);
  EXPECT_EQ(spec_of(tariff2->metric).name, "smartmeter_active_energy_export_tariff_joules_total");
  EXPECT_EQ(tariff2->label.name, "tariff");
  EXPECT_EQ(tariff2->label.value, "2");

  const ObisRow* reactive = find_obis_row(obis(1, 0, 3, 8, 0));
  ASSERT_NE(reactive, nullptr);
  EXPECT_EQ(spec_of(reactive->metric).name, "smartmeter_reactive_energy_import_varhours_total");
  EXPECT_EQ(reactive->unit, kVarh);
  EXPECT_DOUBLE_EQ(reactive->factor, 1.0);
}

TEST(ObisMap, MapRegisterChecksUnitTextAndCounterValues) {
  EXPECT_NE(map_register(numeric(obis(1, 0, 32, 7, 0), 2308, -1, kV)), nullptr);
  EXPECT_EQ(map_register(numeric(obis(1, 0, 32, 7, 0), 2308, -1, kA)), nullptr);
  EXPECT_EQ(map_register(numeric(obis(1, 0, 1, 8, 0), 9108, 0, kVarh)), nullptr);
  EXPECT_EQ(map_register(text_register(obis(1, 0, 1, 8, 0), "9108")), nullptr);
  EXPECT_NE(map_register(numeric(obis(1, 0, 13, 7, 0), 999, -3, kNoUnit)), nullptr);
  EXPECT_EQ(map_register(numeric(obis(1, 0, 13, 7, 0), 999, -3, kW)), nullptr);
  EXPECT_EQ(map_register(numeric(obis(1, 0, 1, 8, 0), -1, 0, kWh)), nullptr);
  EXPECT_NE(map_register(numeric(obis(1, 0, 1, 7, 0), -1, 0, kW)), nullptr);  // gauges may
  auto nan = numeric(obis(1, 0, 1, 8, 0), 0, 0, kWh);
  nan.value = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(map_register(nan), nullptr);
}

// A power factor sent as an integer without any scaler (frame or implied-unit table) is
// not a ratio: 286 may be 0.286 (L+G E450 Cyprus). It goes to smartmeter_obis_value.
TEST(ObisMap, RatioRowTakesNoIntegerAsSent) {
  auto as_sent = numeric(obis(1, 0, 13, 7, 0), 286, 0, kNoUnit);
  as_sent.scaling = cosem::Scaling::as_sent;
  EXPECT_EQ(map_register(as_sent), nullptr);
  auto implied = numeric(obis(1, 0, 13, 7, 0), 286, -3, kNoUnit);
  implied.scaling = cosem::Scaling::implied;
  EXPECT_NE(map_register(implied), nullptr);
  auto real = as_sent;  // a float as sent is already the ratio
  real.raw.reset();
  real.value = 0.95;
  EXPECT_NE(map_register(real), nullptr);
}

TEST(MeterIdentity, ManufacturerFromSystemTitle) {
  const dlms::SystemTitle kaifa{'K', 'F', 'M', 0x10, 0x10, 0x00, 0x00, 0x23};
  EXPECT_EQ(manufacturer_name(kaifa), "Kaifa");
  EXPECT_EQ(system_title_label(kaifa), "4B464D1010000023");
  EXPECT_EQ(manufacturer_name({'E', 'L', 'S', 0, 0, 0, 0, 1}), "Elster/Honeywell");
  EXPECT_EQ(manufacturer_name({'L', 'G', 'Z', 0, 0, 0, 0, 1}), "Landis+Gyr");
  EXPECT_EQ(manufacturer_name({'X', 'Y', 'Z', 0, 0, 0, 0, 1}), "XYZ");  // unknown: the letters
  EXPECT_EQ(manufacturer_name({0x00, 0x01, 0x02, 0, 0, 0, 0, 1}), "");  // no FLAG id at all
  EXPECT_EQ(manufacturer_name({'k', 'f', 'm', 0, 0, 0, 0, 1}), "");
  for (const char* id : {"KFM", "SAG", "ISK", "LGZ", "SMS", "KAM", "ELS", "AID"}) {
    EXPECT_NE(known_manufacturer(id), "") << id;
  }
  EXPECT_EQ(known_manufacturer("SAG"), "Sagemcom");
  EXPECT_EQ(known_manufacturer("SMS"), "Siemens");
  EXPECT_EQ(known_manufacturer("ISK"), "Iskraemeco");
  EXPECT_EQ(known_manufacturer("KAM"), "Kamstrup");
  EXPECT_EQ(known_manufacturer("AID"), "Aidon");
}

TEST(LabelValueFromWire, KeepsUtf8AndReplacesTheRest) {
  EXPECT_EQ(label_value_from_wire("1KFM0100000035"), "1KFM0100000035");
  EXPECT_EQ(label_value_from_wire("Z\xC3\xA4hler \xE2\x82\xAC \xF0\x9F\x94\x8C"),
            "Z\xC3\xA4hler \xE2\x82\xAC \xF0\x9F\x94\x8C");  // ä, €, 🔌
  EXPECT_EQ(label_value_from_wire(std::string("A\0B", 3)), "A?B");
  EXPECT_EQ(label_value_from_wire("\x4B\xFF\x10\x7F"), "K???");
  EXPECT_EQ(label_value_from_wire("\xC3"), "?");                 // truncated sequence
  EXPECT_EQ(label_value_from_wire("\xC0\xAF"), "??");            // overlong '/'
  EXPECT_EQ(label_value_from_wire("\xED\xA0\x80"), "???");       // UTF-16 surrogate
  EXPECT_EQ(label_value_from_wire("\xF4\x90\x80\x80"), "????");  // above U+10FFFF
}

// Every row's DLMS unit code is the one the unit table names by the metric's base unit: a
// unit code written out again for the metrics (and drifting from cosem/units.h) shows here.
TEST(ObisMap, RowUnitsAreTheUnitTablesCodesForTheMetricsBaseUnit) {
  const std::map<std::string_view, std::string_view> symbol_by_suffix{
      {"_volts", "V"},         {"_amperes", "A"},
      {"_watts", "W"},         {"_vars", "var"},
      {"_hertz", "Hz"},        {"_ratio", ""},
      {"_joules_total", "Wh"}, {"_varhours_total", "varh"},
      {"_voltamperes", "VA"}};
  for (const ObisRow& row : obis_rows()) {
    const std::string_view name = spec_of(row.metric).name;
    const auto suffix =
        std::find_if(symbol_by_suffix.begin(), symbol_by_suffix.end(),
                     [name](const auto& entry) { return name.ends_with(entry.first); });
    ASSERT_NE(suffix, symbol_by_suffix.end()) << name;
    EXPECT_EQ(cosem::unit_symbol(row.unit), suffix->second) << name << ", unit " << row.unit;
    if (!suffix->second.empty()) {
      EXPECT_EQ(cosem::unit_from_symbol(suffix->second), row.unit) << name;
    }
  }
}

}  // namespace
}  // namespace sm::metrics
