// MeterCollector: Readings built by hand -> exposition text (DESIGN.md "Metrics").
#include "metrics/collector.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "metrics/meter_state.h"
#include "metrics_test_util.h"

namespace sm::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace test_support;
using cosem::obis;
using std::chrono::milliseconds;

// The KSM West (TINETZ / Salzburg / Vorarlberg) documentation example: Kaifa MA309,
// system title KFM1010000023, IC 0x00295B9A, meter clock 2021-07-19 15:46:35 at UTC+2.
constexpr std::int64_t kMeterClockUnix = 1626702395;     // 2021-07-19T13:46:35Z
constexpr std::int64_t kReceivedUnixMs = 1626702397250;  // host clock 2.25 s ahead
constexpr std::uint32_t kInvocationCounter = 0x00295B9A;
constexpr milliseconds kStaleAfter{30000};

std::shared_ptr<const cosem::Reading> ksm_west_reading() {
  auto reading = std::make_shared<cosem::Reading>();
  reading->meter_time = meter_clock(2021, 7, 19, 15, 46, 35, -120);
  reading->meter_id = "1KFM0100000035";
  reading->device_name = "KFM1100100000035";
  reading->profile = "obis-tagged";
  reading->registers = {
      text_register(obis(0, 0, 1, 0, 0), "2021-07-19T15:46:35+02:00"),
      text_register(obis(0, 0, 96, 1, 0), "1KFM0100000035"),
      text_register(obis(0, 0, 42, 0, 0), "KFM1100100000035"),
      numeric(obis(1, 0, 32, 7, 0), 2308, -1, kV),
      numeric(obis(1, 0, 31, 7, 0), 0, -2, kA),
      numeric(obis(1, 0, 1, 7, 0), 0, 0, kW),
      numeric(obis(1, 0, 2, 7, 0), 0, 0, kW),
      numeric(obis(1, 0, 1, 8, 0), 9108, 0, kWh),
      numeric(obis(1, 0, 2, 8, 0), 0, 0, kWh),
      numeric(obis(1, 0, 3, 8, 0), 96, 0, kVarh),
      numeric(obis(1, 0, 4, 8, 0), 9, 0, kVarh),
  };
  return reading;
}

dlms::SecurityHeader kaifa_security() {
  dlms::SecurityHeader security;
  security.apdu_tag = 0xDB;
  security.system_title = {0x4B, 0x46, 0x4D, 0x10, 0x10, 0x00, 0x00, 0x23};
  security.control = 0x21;
  security.invocation_counter = kInvocationCounter;
  return security;
}

GoodFrame frame_of(std::shared_ptr<const cosem::Reading> reading) {
  return GoodFrame{std::move(reading), kaifa_security(), "mbus", host_at_unix_ms(kReceivedUnixMs)};
}

Snapshot ksm_west_snapshot() {
  Snapshot snapshot;
  snapshot.last = frame_of(ksm_west_reading());
  snapshot.frames_total = 42;
  snapshot.frame_errors[static_cast<std::size_t>(ErrorReason::checksum)] = 3;
  snapshot.frame_errors[static_cast<std::size_t>(ErrorReason::decrypt)] = 1;
  snapshot.received_bytes = 12345;
  snapshot.reconnects = 2;
  snapshot.source_connected = true;
  return snapshot;
}

CollectorOptions test_options() {
  CollectorOptions options;
  options.stale_after = kStaleAfter;
  options.build = {"0.1.0", "0123456789ab", "GCC 12.2.0", "2.19.3"};
  return options;
}

// test_options() with host clocks that read `now` (which the test moves).
CollectorOptions clocked_options(const HostTime& now) {
  CollectorOptions options = test_options();
  options.now = [&now] { return now; };
  return options;
}

std::string exposition_at(const Snapshot& snapshot, const HostTime& now) {
  return to_text(meter_families(snapshot, test_options(), now));
}

// A snapshot whose last frame carries just these registers, scraped 1 s after it arrived.
std::string exposition_of(std::vector<cosem::Register> registers) {
  auto reading = std::make_shared<cosem::Reading>();
  reading->registers = std::move(registers);
  Snapshot snapshot;
  snapshot.last = frame_of(std::move(reading));
  return exposition_at(snapshot, host_at_unix_ms(kReceivedUnixMs + 1000));
}

std::filesystem::path golden_path() {
  return std::filesystem::path(SM_TEST_DATA) / "metrics" / "ksm_west.prom";
}

bool update_golden() {
  const char* flag = std::getenv("UPDATE_GOLDEN");
  return flag != nullptr && !std::string_view(flag).empty() && std::string_view(flag) != "0";
}

TEST(MeterCollectorGolden, KsmWestExpositionMatchesCheckedInFile) {
  const std::string exposition =
      exposition_at(ksm_west_snapshot(), host_at_unix_ms(kReceivedUnixMs + 1000));
  if (update_golden()) {
    std::ofstream(golden_path(), std::ios::binary) << exposition;
    GTEST_SKIP() << "UPDATE_GOLDEN set: rewrote " << golden_path() << " (review the diff)";
  }
  const auto expected = read_file(golden_path());
  ASSERT_TRUE(expected.has_value()) << golden_path() << " missing; run with UPDATE_GOLDEN=1";
  EXPECT_EQ(exposition, *expected) << "rerun with UPDATE_GOLDEN=1 and review the diff";
}

TEST(MeterCollectorGolden, GoldenFilePassesPromtool) {
  if (!promtool_available()) GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  const PromtoolResult result = promtool_check_file(golden_path());
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "");
}

// The fixture's meter clock (local time and deviation, as the frame has them) is the
// absolute time the skew is computed from.
TEST(MeterCollector, FixtureMeterClockIsKsmWestsClock) {
  const auto reading = ksm_west_reading();
  ASSERT_TRUE(reading->meter_time.has_value());
  EXPECT_EQ(reading->meter_time->unix_seconds, kMeterClockUnix);
  EXPECT_EQ(reading->meter_time->iso8601(), "2021-07-19T15:46:35+02:00");
}

TEST(MeterCollector, KsmWestValuesInBaseUnits) {
  const std::string text =
      exposition_at(ksm_west_snapshot(), host_at_unix_ms(kReceivedUnixMs + 1000));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_up 1\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_voltage_volts{phase=\"L1\"} 230.8\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_current_amperes{phase=\"L1\"} 0\n"));
  // 9108 Wh x 3600 J/Wh
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_active_energy_import_joules_total 32788800\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_reactive_energy_import_varhours_total 96\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_reactive_energy_export_varhours_total 9\n"));
  EXPECT_THAT(text, HasSubstr("\n# TYPE smartmeter_active_energy_import_joules_total counter\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_meter_info{meter_id=\"1KFM0100000035\",system_title="
                              "\"4B464D1010000023\",manufacturer=\"Kaifa\",device_name="
                              "\"KFM1100100000035\",protocol=\"dlms\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_meter_clock_skew_seconds -2.25\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_invocation_number 2710426\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_last_frame_timestamp_seconds 1626702397.25\n"));
  // Text registers (clock, ids) are no samples, and every numeric one found a named series.
  EXPECT_THAT(text, Not(HasSubstr("smartmeter_obis_value")));
}

TEST(MeterCollector, NoSampleCarriesATimestamp) {
  for (const auto& family :
       meter_families(ksm_west_snapshot(), test_options(), host_at_unix_ms(kReceivedUnixMs))) {
    for (const auto& sample : family.metric) EXPECT_EQ(sample.timestamp_ms, 0) << family.name;
  }
}

TEST(MeterCollector, StaleReadingLeavesValueSeriesOut) {
  const Snapshot snapshot = ksm_west_snapshot();
  for (const auto age : {kStaleAfter, kStaleAfter + milliseconds(1), milliseconds(3600000)}) {
    const auto now = host_at_unix_ms(kReceivedUnixMs) + age;
    const auto families = meter_families(snapshot, test_options(), now);
    const std::string text = to_text(families);
    SCOPED_TRACE(text);
    EXPECT_THAT(text, HasSubstr("\nsmartmeter_up 0\n"));
    for (const char* value_family :
         {"smartmeter_voltage_volts", "smartmeter_current_amperes",
          "smartmeter_active_energy_import_joules_total", "smartmeter_obis_value",
          "smartmeter_meter_info", "smartmeter_meter_clock_skew_seconds",
          "smartmeter_invocation_number"}) {
      EXPECT_EQ(find_family(families, value_family), nullptr) << value_family;
    }
    EXPECT_THAT(text, HasSubstr("\nsmartmeter_last_frame_timestamp_seconds 1626702397.25\n"));
    EXPECT_THAT(text, HasSubstr("\nsmartmeter_frames_total 42\n"));
    EXPECT_THAT(text, HasSubstr("\nsmartmeter_frame_errors_total{reason=\"checksum\"} 3\n"));
    EXPECT_THAT(text, HasSubstr("\nsmartmeter_received_bytes_total 12345\n"));
    EXPECT_THAT(text, HasSubstr("\nsmartmeter_source_reconnects_total 2\n"));
    EXPECT_THAT(text, HasSubstr("\nsmartmeter_source_connected 1\n"));
    EXPECT_THAT(text, HasSubstr("\nsmartmeter_build_info{"));
  }
  // Just younger than stale_after: still up.
  const auto fresh =
      exposition_at(snapshot, host_at_unix_ms(kReceivedUnixMs) + kStaleAfter - milliseconds(1));
  EXPECT_THAT(fresh, HasSubstr("\nsmartmeter_up 1\n"));
  EXPECT_THAT(fresh, HasSubstr("smartmeter_voltage_volts{"));
}

TEST(MeterCollector, StaleExpositionPassesPromtool) {
  if (!promtool_available()) GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  const std::string text =
      exposition_at(ksm_west_snapshot(), host_at_unix_ms(kReceivedUnixMs) + 2 * kStaleAfter);
  const PromtoolResult result = promtool_check(text, "stale");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "");
}

TEST(MeterCollector, BeforeFirstFrame) {
  const Snapshot empty;
  const auto families = meter_families(empty, test_options(), host_at_unix_ms(kReceivedUnixMs));
  const std::string text = to_text(families);
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_up 0\n"));
  EXPECT_EQ(find_family(families, "smartmeter_last_frame_timestamp_seconds"), nullptr);
  EXPECT_EQ(find_family(families, "smartmeter_meter_info"), nullptr);
  EXPECT_EQ(find_family(families, "smartmeter_obis_value"), nullptr);
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_frames_total 0\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_source_connected 0\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_build_info{version=\"0.1.0\",revision=\"0123456789ab\","
                              "compiler=\"GCC 12.2.0\",botan_version=\"2.19.3\"} 1\n"));
  if (promtool_available()) {
    const PromtoolResult result = promtool_check(text, "empty");
    EXPECT_EQ(result.exit_code, 0) << result.output;
  }
}

TEST(MeterCollector, EveryErrorReasonIsAlwaysPresent) {
  const auto families = meter_families(Snapshot{}, test_options(), host_at_unix_ms(0));
  const auto* errors = find_family(families, "smartmeter_frame_errors_total");
  ASSERT_NE(errors, nullptr);
  EXPECT_EQ(errors->type, prometheus::MetricType::Counter);
  ASSERT_EQ(errors->metric.size(), kErrorReasonCount);
  const std::string text = to_text(families);
  for (std::size_t r = 0; r < kErrorReasonCount; ++r) {
    const std::string reason(to_string(static_cast<ErrorReason>(r)));
    EXPECT_THAT(text, HasSubstr("\nsmartmeter_frame_errors_total{reason=\"" + reason + "\"} 0\n"));
  }
  // The DESIGN.md reasons are all among them.
  for (const char* reason :
       {"checksum", "length", "auth", "decrypt", "decode", "replay", "timeout"}) {
    EXPECT_THAT(text, HasSubstr("{reason=\"" + std::string(reason) + "\"}"));
  }
}

TEST(MeterCollector, UnmappedRegistersGoToObisValue) {
  const std::string text = exposition_of({
      numeric(obis(1, 0, 0, 0, 1), 1234, 0, kWh),      // no row for 0.0.1
      numeric(obis(1, 0, 33, 7, 0), 98, -2, kNoUnit),  // per-phase power factor
      numeric(obis(1, 0, 21, 8, 0), 500, 0, kWh),      // per-phase energy: not a named metric
      numeric(obis(1, 0, 1, 8, 0, 101), 77, 0, kWh),   // F=101: a billing period, not now
      numeric(obis(0, 0, 96, 3, 10), 1, 0, kNoUnit),   // abstract object (disconnect state)
      numeric(obis(1, 0, 9, 7, 0), 1500, 0, 27),       // apparent power in W: wrong unit
  });
  EXPECT_THAT(text,
              HasSubstr("\nsmartmeter_obis_value{obis=\"1.0.0.0.1.255\",unit=\"Wh\"} 1234\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_obis_value{obis=\"1.0.33.7.0.255\",unit=\"\"} 0.98\n"));
  EXPECT_THAT(text,
              HasSubstr("\nsmartmeter_obis_value{obis=\"1.0.21.8.0.255\",unit=\"Wh\"} 500\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_obis_value{obis=\"1.0.1.8.0.101\",unit=\"Wh\"} 77\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_obis_value{obis=\"0.0.96.3.10.255\",unit=\"\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_obis_value{obis=\"1.0.9.7.0.255\",unit=\"W\"} 1500\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE smartmeter_obis_value gauge\n"));
  EXPECT_THAT(text, Not(HasSubstr("smartmeter_active_energy_import_joules_total")));
}

TEST(MeterCollector, WrongUnitGoesToObisValue) {
  const std::string text = exposition_of({
      numeric(obis(1, 0, 1, 8, 0), 9108, 0, kVarh),      // active energy claimed in varh
      numeric(obis(1, 0, 32, 7, 0), 2308, -1, kNoUnit),  // voltage without unit
      numeric(obis(1, 0, 14, 7, 0), 500, -1, kV),        // frequency in volts
  });
  EXPECT_THAT(text,
              HasSubstr("\nsmartmeter_obis_value{obis=\"1.0.1.8.0.255\",unit=\"varh\"} 9108\n"));
  EXPECT_THAT(text,
              HasSubstr("\nsmartmeter_obis_value{obis=\"1.0.32.7.0.255\",unit=\"\"} 230.8\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_obis_value{obis=\"1.0.14.7.0.255\",unit=\"V\"} 50\n"));
  EXPECT_THAT(text, Not(HasSubstr("smartmeter_active_energy_import_joules_total")));
  EXPECT_THAT(text, Not(HasSubstr("smartmeter_voltage_volts")));
  EXPECT_THAT(text, Not(HasSubstr("smartmeter_frequency_hertz")));
}

TEST(MeterCollector, TextValuesAreNoSamples) {
  const std::string text = exposition_of({
      text_register(obis(1, 0, 32, 7, 0), "230.8"),  // a mapped code with a text value
      text_register(obis(1, 0, 0, 2, 0), "v1.2"),    // firmware version
  });
  EXPECT_THAT(text, Not(HasSubstr("smartmeter_voltage_volts")));
  EXPECT_THAT(text, Not(HasSubstr("smartmeter_obis_value")));
}

TEST(MeterCollector, WattHoursBecomeJoules) {
  const std::string text = exposition_of({
      numeric(obis(1, 0, 1, 8, 0), 12937, 0, kWh),
      numeric(obis(1, 0, 2, 8, 0), 15, 3, kWh),  // 15 kWh sent with scaler 3
      numeric(obis(1, 0, 1, 8, 1), 10005, -1, kWh),
      numeric(obis(1, 0, 1, 8, 2), 2, 0, kWh),
      numeric(obis(1, 0, 2, 8, 1), 1, 0, kWh),
  });
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_active_energy_import_joules_total 46573200\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_active_energy_export_joules_total 54000000\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_active_energy_import_tariff_joules_total{tariff=\"1\"} "
                              "3601800\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_active_energy_import_tariff_joules_total{tariff=\"2\"} "
                              "7200\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_active_energy_export_tariff_joules_total{tariff=\"1\"} "
                              "3600\n"));
}

// Dutch DSMR sends tariff registers and no total: the total is their sum. A total the meter
// sends is kept as sent, even where the tariffs do not add up to it (WattHoursBecomeJoules).
TEST(MeterCollector, TotalIsTheSumOfTheTariffsWhenTheMeterSendsNone) {
  const std::string text = exposition_of({
      numeric(obis(1, 0, 1, 8, 1), 1581123, 0, kWh),
      numeric(obis(1, 0, 1, 8, 2), 1435706, 0, kWh),
      numeric(obis(1, 0, 2, 8, 2), 11, 0, kWh),
  });
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_active_energy_import_joules_total 10860584400\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_active_energy_export_joules_total 39600\n"));
  const std::string no_tariffs = exposition_of({numeric(obis(1, 0, 1, 7, 0), 5, 0, 27)});
  EXPECT_THAT(no_tariffs, Not(HasSubstr("joules_total")));
}

TEST(MeterCollector, EveryRowOfTheTableReachesItsSeries) {
  const std::string text = exposition_of({
      numeric(obis(1, 0, 32, 7, 0), 2301, -1, kV),     numeric(obis(1, 0, 52, 7, 0), 2302, -1, kV),
      numeric(obis(1, 0, 72, 7, 0), 2303, -1, kV),     numeric(obis(1, 0, 31, 7, 0), 101, -2, kA),
      numeric(obis(1, 0, 51, 7, 0), 102, -2, kA),      numeric(obis(1, 0, 71, 7, 0), 103, -2, kA),
      numeric(obis(1, 0, 1, 7, 0), 1500, 0, kW),       numeric(obis(1, 0, 2, 7, 0), 20, 0, kW),
      numeric(obis(1, 0, 21, 7, 0), 500, 0, kW),       numeric(obis(1, 0, 41, 7, 0), 501, 0, kW),
      numeric(obis(1, 0, 61, 7, 0), 502, 0, kW),       numeric(obis(1, 0, 22, 7, 0), 1, 0, kW),
      numeric(obis(1, 0, 42, 7, 0), 2, 0, kW),         numeric(obis(1, 0, 62, 7, 0), 3, 0, kW),
      numeric(obis(1, 0, 3, 7, 0), 300, 0, kVar),      numeric(obis(1, 0, 4, 7, 0), 40, 0, kVar),
      numeric(obis(1, 0, 13, 7, 0), 987, -3, kNoUnit), numeric(obis(1, 0, 14, 7, 0), 4998, -2, kHz),
      numeric(obis(1, 0, 9, 7, 0), 1800, 0, kVA),      numeric(obis(1, 0, 29, 7, 0), 600, 0, kVA),
      numeric(obis(1, 0, 49, 7, 0), 601, 0, kVA),      numeric(obis(1, 0, 69, 7, 0), 602, 0, kVA),
      numeric(obis(1, 0, 1, 4, 0), 2351, 0, kW),       numeric(obis(1, 0, 1, 6, 0), 2589, 0, kW),
  });
  for (const char* line : {
           "smartmeter_voltage_volts{phase=\"L1\"} 230.1",
           "smartmeter_voltage_volts{phase=\"L2\"} 230.2",
           "smartmeter_voltage_volts{phase=\"L3\"} 230.3",
           "smartmeter_current_amperes{phase=\"L1\"} 1.01",
           "smartmeter_current_amperes{phase=\"L2\"} 1.02",
           "smartmeter_current_amperes{phase=\"L3\"} 1.03",
           "smartmeter_active_power_import_watts 1500",
           "smartmeter_active_power_export_watts 20",
           "smartmeter_phase_active_power_import_watts{phase=\"L1\"} 500",
           "smartmeter_phase_active_power_import_watts{phase=\"L2\"} 501",
           "smartmeter_phase_active_power_import_watts{phase=\"L3\"} 502",
           "smartmeter_phase_active_power_export_watts{phase=\"L1\"} 1",
           "smartmeter_phase_active_power_export_watts{phase=\"L2\"} 2",
           "smartmeter_phase_active_power_export_watts{phase=\"L3\"} 3",
           "smartmeter_reactive_power_import_vars 300",
           "smartmeter_reactive_power_export_vars 40",
           "smartmeter_power_factor_ratio 0.987",
           "smartmeter_frequency_hertz 49.98",
           "smartmeter_apparent_power_import_voltamperes 1800",
           "smartmeter_phase_apparent_power_import_voltamperes{phase=\"L1\"} 600",
           "smartmeter_phase_apparent_power_import_voltamperes{phase=\"L2\"} 601",
           "smartmeter_phase_apparent_power_import_voltamperes{phase=\"L3\"} 602",
           "smartmeter_active_power_import_demand_watts 2351",
           "smartmeter_active_power_import_demand_peak_watts 2589",
       }) {
    EXPECT_THAT(text, HasSubstr("\n" + std::string(line) + "\n"));
  }
  EXPECT_THAT(text, Not(HasSubstr("smartmeter_obis_value")));
}

TEST(MeterCollector, KamstrupChannelOneIsMapped) {
  const std::string text = exposition_of({numeric(obis(1, 1, 32, 7, 0), 231, 0, kV)});
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_voltage_volts{phase=\"L1\"} 231\n"));
}

TEST(MeterCollector, DuplicateCodesNeverDuplicateASeries) {
  const std::string text = exposition_of({
      numeric(obis(1, 0, 32, 7, 0), 230, 0, kV),
      numeric(obis(1, 1, 32, 7, 0), 231, 0, kV),  // the same series under B=1
      numeric(obis(1, 0, 32, 7, 0), 232, 0, kV),  // and the same register again
      numeric(obis(1, 0, 32, 7, 0), 233, 0, kV),  // and again: nowhere left to go
  });
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_voltage_volts{phase=\"L1\"} 230\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_obis_value{obis=\"1.1.32.7.0.255\",unit=\"V\"} 231\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_obis_value{obis=\"1.0.32.7.0.255\",unit=\"V\"} 232\n"));
  EXPECT_THAT(text, Not(HasSubstr(" 233\n")));
  if (promtool_available()) {
    const PromtoolResult result = promtool_check(text, "duplicates");
    EXPECT_EQ(result.exit_code, 0) << result.output;
  }
}

TEST(MeterCollector, NegativeEnergyIsNoCounter) {
  const std::string text = exposition_of({numeric(obis(1, 0, 1, 8, 0), -5, 0, kWh)});
  EXPECT_THAT(text, Not(HasSubstr("smartmeter_active_energy_import_joules_total")));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_obis_value{obis=\"1.0.1.8.0.255\",unit=\"Wh\"} -5\n"));
}

TEST(MeterCollector, PlaintextFrameHasNoSystemTitleNorInvocationCounter) {
  Snapshot snapshot = ksm_west_snapshot();
  snapshot.last->security.reset();
  const auto families = meter_families(snapshot, test_options(), host_at_unix_ms(kReceivedUnixMs));
  const std::string text = to_text(families);
  EXPECT_THAT(text, HasSubstr("system_title=\"\",manufacturer=\"\","));
  EXPECT_EQ(find_family(families, "smartmeter_invocation_number"), nullptr);
}

TEST(MeterCollector, LocalMeterTimeGivesNoClockSkew) {
  auto reading = std::make_shared<cosem::Reading>(*ksm_west_reading());
  reading->meter_time = meter_clock(2021, 7, 19, 15, 46, 35, std::nullopt);
  reading->meter_id.reset();
  reading->device_name.reset();
  Snapshot snapshot;
  snapshot.last = frame_of(std::move(reading));
  const auto families = meter_families(snapshot, test_options(), host_at_unix_ms(kReceivedUnixMs));
  EXPECT_EQ(find_family(families, "smartmeter_meter_clock_skew_seconds"), nullptr);
  EXPECT_THAT(to_text(families), HasSubstr("{meter_id=\"\",system_title="));
  EXPECT_THAT(to_text(families), HasSubstr(",device_name=\"\",protocol=\"dlms\"} 1\n"));
}

TEST(MeterCollector, BinaryMeterIdCannotBreakTheScrape) {
  auto reading = std::make_shared<cosem::Reading>(*ksm_west_reading());
  reading->meter_id = std::string("\x01\xFFKFM\"1\n", 8);
  Snapshot snapshot;
  snapshot.last = frame_of(std::move(reading));
  const std::string text = exposition_at(snapshot, host_at_unix_ms(kReceivedUnixMs));
  EXPECT_THAT(text, HasSubstr("{meter_id=\"??KFM\\\"1?\",system_title="));
  if (promtool_available()) {
    const PromtoolResult result = promtool_check(text, "binary_id");
    EXPECT_EQ(result.exit_code, 0) << result.output;
  }
}

TEST(MeterCollector, CollectsFromMeterStateWithInjectedClock) {
  MeterState state;
  HostTime now = host_at_unix_ms(kReceivedUnixMs);
  const MeterCollector collector(state, clocked_options(now));

  EXPECT_THAT(to_text(collector.Collect()), HasSubstr("\nsmartmeter_up 0\n"));

  state.set_connected(true, false);
  state.add_bytes(376);
  state.record_error(ErrorReason::replay);
  state.record_frame(frame_of(ksm_west_reading()));
  std::string text = to_text(collector.Collect());
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_up 1\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_frames_total 1\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_frame_errors_total{reason=\"replay\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_received_bytes_total 376\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_source_connected 1\n"));
  EXPECT_THAT(text, HasSubstr("smartmeter_voltage_volts{phase=\"L1\"} 230.8\n"));

  now = now + std::chrono::minutes(5);
  state.set_connected(false, true);
  text = to_text(collector.Collect());
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_up 0\n"));
  EXPECT_THAT(text, Not(HasSubstr("smartmeter_voltage_volts")));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_source_reconnects_total 1\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_source_connected 0\n"));
}

// Issue 14 item 3: staleness on the steady clock. The wall clock steps back one hour
// (NTP, VM resume, `date`) while 31 s pass: the frame is stale; its timestamp stays the
// host time it arrived at.
TEST(MeterCollector, WallClockStepBackDoesNotKeepValuesUp) {
  MeterState state;
  HostTime now = host_at_unix_ms(kReceivedUnixMs);
  const MeterCollector collector(state, clocked_options(now));
  state.record_frame(frame_of(ksm_west_reading()));
  EXPECT_THAT(to_text(collector.Collect()), HasSubstr("\nsmartmeter_up 1\n"));

  now.wall -= std::chrono::hours(1);
  now.steady += kStaleAfter + milliseconds(1000);
  std::string text = to_text(collector.Collect());
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_up 0\n"));
  EXPECT_THAT(text, Not(HasSubstr("smartmeter_voltage_volts")));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_last_frame_timestamp_seconds 1626702397.25\n"));

  // And a step forward of a day does not drop a fresh frame.
  state.record_frame(GoodFrame{ksm_west_reading(), kaifa_security(), "mbus", now});
  now.wall += std::chrono::hours(24);
  now.steady += milliseconds(1000);
  text = to_text(collector.Collect());
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_up 1\n"));
  EXPECT_THAT(text, HasSubstr("smartmeter_voltage_volts{phase=\"L1\"} 230.8\n"));
}

// Issue 14 item 2: one frame of hundreds of unknown codes must not add hundreds of series.
TEST(MeterCollector, ObisValueSeriesAreBounded) {
  auto reading = std::make_shared<cosem::Reading>();
  reading->registers.push_back(numeric(obis(1, 0, 32, 7, 0), 2308, -1, kV));
  for (int i = 0; i < 500; ++i) {
    reading->registers.push_back(numeric(
        obis(1, 0, static_cast<std::uint8_t>(100 + i / 250), static_cast<std::uint8_t>(i % 250), 0),
        i, 0, kW));
  }
  Snapshot snapshot;
  snapshot.last = frame_of(std::move(reading));
  CollectorOptions options = test_options();
  options.max_obis_series = 200;
  const auto families = meter_families(snapshot, options, host_at_unix_ms(kReceivedUnixMs));
  const auto* obis_values = find_family(families, "smartmeter_obis_value");
  ASSERT_NE(obis_values, nullptr);
  EXPECT_EQ(obis_values->metric.size(), 200U);
  const auto* dropped = find_family(families, "smartmeter_obis_values_dropped");
  ASSERT_NE(dropped, nullptr);
  EXPECT_EQ(dropped->metric.at(0).gauge.value, 300);
  EXPECT_NE(find_family(families, "smartmeter_voltage_volts"), nullptr);  // named: not bounded
  // Within the bound nothing is dropped and the gauge is absent.
  EXPECT_EQ(
      find_family(meter_families(ksm_west_snapshot(), options, host_at_unix_ms(kReceivedUnixMs)),
                  "smartmeter_obis_values_dropped"),
      nullptr);
}

TEST(Serialize, ConcatenatesCollectablesAndPassesPromtool) {
  MeterState state;
  state.record_frame(frame_of(ksm_west_reading()));
  CollectorOptions options = test_options();
  options.now = [] { return host_at_unix_ms(kReceivedUnixMs + 500); };
  const MeterCollector meter(state, options);
  const ProcessCollector process;

  const std::string text = serialize({&meter, nullptr, &process});
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_voltage_volts{phase=\"L1\"} 230.8\n"));
  EXPECT_THAT(text, HasSubstr("\n# TYPE process_cpu_seconds_total counter\n"));
  EXPECT_LT(text.find("smartmeter_build_info"), text.find("process_cpu_seconds_total"));
  if (!promtool_available()) GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  const PromtoolResult result = promtool_check(text, "serialize");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "");
}

}  // namespace
}  // namespace sm::metrics
