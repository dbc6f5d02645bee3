// Sub-meters through the electricity meter (metrics/submeters.cpp): a DSMR telegram's M-Bus
// channels -> gas, water and heat families with the sub-meter's own reading time.
#include "metrics/submeters.h"

#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cosem/decode.h"
#include "metrics/collector.h"
#include "metrics/meter_state.h"
#include "metrics_test_util.h"

namespace sm::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace test_support;
using cosem::obis;

constexpr std::int64_t kReceivedUnixMs = 1557862580000;  // 2019-05-14T19:36:20Z

// Channel 1 gas (summer time), 2 water, 3 heat in GJ, 4 a device type of no known medium;
// no CRC (DSMR 2.2 style is accepted), so the telegram can be edited by hand.
const char* const kTelegram =
    "/KFM5KAIFA-METER\r\n\r\n"
    "0-0:1.0.0(190514213620S)\r\n"
    "1-0:1.7.0(00.329*kW)\r\n"
    "0-1:24.1.0(003)\r\n"
    "0-1:24.2.1(190514210000S)(01543.012*m3)\r\n"
    "0-2:24.1.0(007)\r\n"
    "0-2:24.2.1(190514211500S)(00872.234*m3)\r\n"
    "0-3:24.1.0(004)\r\n"
    "0-3:24.2.1(190514200000S)(00.0125*GJ)\r\n"
    "0-4:24.1.0(099)\r\n"
    "0-4:24.2.1(190514200000S)(00011.000*m3)\r\n"
    "!\r\n";

std::shared_ptr<const cosem::Reading> reading_of(const std::string& telegram) {
  auto reading = cosem::decode_dsmr(telegram);
  EXPECT_TRUE(reading.has_value()) << reading.error().describe();
  return std::make_shared<const cosem::Reading>(reading ? *reading : cosem::Reading{});
}

std::string exposition_of(const std::string& telegram) {
  Snapshot snapshot;
  snapshot.last =
      GoodFrame{reading_of(telegram), std::nullopt, "dsmr", host_at_unix_ms(kReceivedUnixMs)};
  CollectorOptions options;
  options.stale_after = std::chrono::milliseconds(30000);
  return to_text(meter_families(snapshot, options, host_at_unix_ms(kReceivedUnixMs + 1000)));
}

TEST(Submeters, ChannelsBecomeTheirMediumsFamiliesWithTheirOwnTime) {
  const std::string text = exposition_of(kTelegram);
  EXPECT_THAT(text,
              HasSubstr("\nsmartmeter_gas_volume_cubic_meters_total{channel=\"1\"} 1543.012\n"));
  EXPECT_THAT(text,
              HasSubstr("\nsmartmeter_water_volume_cubic_meters_total{channel=\"2\"} 872.234\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_heat_energy_joules_total{channel=\"3\"} 12500000\n"));
  // 2019-05-14T21:00:00+02:00, the gas meter's hourly reading: not the telegram's 21:36:20.
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_submeter_reading_timestamp_seconds{channel=\"1\","
                              "medium=\"gas\"} 1557860400\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_submeter_reading_timestamp_seconds{channel=\"2\","
                              "medium=\"water\"} 1557861300\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE smartmeter_gas_volume_cubic_meters_total counter\n"));
  // Taken by a family: not also an unnamed value. An unknown medium stays one.
  EXPECT_THAT(text, Not(HasSubstr("obis=\"0.1.24.2.1.255\"")));
  EXPECT_THAT(text, Not(HasSubstr("obis=\"0.3.24.2.1.255\"")));
  EXPECT_THAT(text, HasSubstr("smartmeter_obis_value{obis=\"0.4.24.2.1.255\",unit=\"m³\"} 11\n"));
  EXPECT_THAT(text, Not(HasSubstr("channel=\"4\"")));
}

TEST(Submeters, ExpositionPassesPromtool) {
  if (!promtool_available()) GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  const PromtoolResult result = promtool_check(exposition_of(kTelegram), "submeters");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "");
}

// The Belgian gas register 24.2.3 and DSMR 2.2's 24.3.0 (value on the next line, local time:
// no timestamp sample, since a local time is no instant).
TEST(Submeters, BelgianAndLegacyGasRegisters) {
  const std::string belgian = exposition_of(
      "/FLU5\\253769484_A\r\n\r\n0-1:24.1.0(003)\r\n"
      "0-1:24.2.3(200512134558S)(00112.384*m3)\r\n!\r\n");
  EXPECT_THAT(belgian,
              HasSubstr("smartmeter_gas_volume_cubic_meters_total{channel=\"1\"} 112.384\n"));
  EXPECT_THAT(belgian, HasSubstr("medium=\"gas\"} 1589283958\n"));  // 13:45:58+02:00
  const std::string legacy = exposition_of(
      "/ISk5\\2MT382-1004\r\n\r\n0-1:24.1.0(3)\r\n"
      "0-1:24.3.0(161107190000)(00)(60)(1)(0-1:24.2.1)(m3)\r\n(00001.001)\r\n!\r\n");
  EXPECT_THAT(legacy, HasSubstr("smartmeter_gas_volume_cubic_meters_total{channel=\"1\"} 1.001\n"));
  EXPECT_THAT(legacy, Not(HasSubstr("smartmeter_submeter_reading_timestamp_seconds")));
}

// What a family cannot take stays visible as it came: a gas channel whose reading has no
// volume unit, a negative reading, no device type, and a stale register.
TEST(Submeters, WhatNoFamilyTakesStaysAnOrdinaryRegister) {
  const std::string text = exposition_of(
      "/KFM5KAIFA-METER\r\n\r\n"
      "0-1:24.1.0(003)\r\n0-1:24.2.1(190514210000S)(01543.012*kWh)\r\n"
      "0-2:24.1.0(003)\r\n0-2:24.2.1(190514210000S)(-00001.000*m3)\r\n"
      "0-3:24.2.1(190514210000S)(00002.000*m3)\r\n!\r\n");
  EXPECT_THAT(text, Not(HasSubstr("smartmeter_gas_volume")));
  EXPECT_THAT(text, HasSubstr("obis=\"0.1.24.2.1.255\""));
  EXPECT_THAT(text, HasSubstr("obis=\"0.2.24.2.1.255\""));
  EXPECT_THAT(text, HasSubstr("obis=\"0.3.24.2.1.255\""));

  const auto reading = reading_of(kTelegram);
  const auto none = submeter_readings(*reading, [](std::size_t) { return false; });
  EXPECT_TRUE(none.empty());
  const auto all = submeter_readings(*reading, [](std::size_t) { return true; });
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(reading->registers[all[0].register_index].obis, obis(0, 1, 24, 2, 1));
}

TEST(Submeters, MediumCodesOfEn13757) {
  EXPECT_EQ(medium_of_device_type(3), Medium::gas);
  EXPECT_EQ(medium_of_device_type(7), Medium::water);
  EXPECT_EQ(medium_of_device_type(0x16), Medium::water);
  EXPECT_EQ(medium_of_device_type(4), Medium::heat);
  EXPECT_EQ(medium_of_device_type(0x0C), Medium::heat);
  EXPECT_EQ(medium_of_device_type(2), std::nullopt);  // electricity
  EXPECT_EQ(medium_of_device_type(-3), std::nullopt);
}

}  // namespace
}  // namespace sm::metrics
