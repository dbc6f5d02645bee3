// Partial lists (issue 14 item 1): a Norwegian Kaifa MA304 pushes List 1 (power) every 2 s,
// List 2 (ids, power, voltages, currents) every 10 s and List 3 (List 2 + clock + energy)
// hourly. Every register must stay on /metrics from whichever list carried it last, with
// its own staleness, and frames of another meter must not blend in.
#include "metrics/register_book.h"

#include <chrono>
#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "metrics/collector.h"
#include "metrics/meter_state.h"
#include "metrics_test_util.h"

namespace sm::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace test_support;
using namespace std::chrono_literals;
using cosem::obis;

constexpr std::int64_t kStartUnixMs = 1505453620000;  // 2017-09-15 05:33:40 UTC
constexpr std::chrono::milliseconds kStaleAfter{30000};
const std::string kVoltage = "smartmeter_voltage_volts{phase=\"L1\"} ";
const std::string kEnergy = "smartmeter_active_energy_import_joules_total ";

// Values of the real vector NO-KFM-MA304H3E-CNRD (List 2, three phases).
std::shared_ptr<const cosem::Reading> list1(std::int64_t watts) {
  auto r = std::make_shared<cosem::Reading>();
  r->profile = "kaifa-no/list1";
  r->registers = {numeric(obis(1, 0, 1, 7, 0), watts, 0, kW)};
  return r;
}

std::shared_ptr<cosem::Reading> list2(std::int64_t watts,
                                      std::string meter_id = "6970631401753985") {
  auto r = std::make_shared<cosem::Reading>();
  r->profile = "kaifa-no/list2-3phase";
  r->list_id = "KFM_001";
  r->meter_id = meter_id;
  r->device_name = "MA304H3E";
  r->registers = {
      text_register(obis(1, 1, 0, 2, 129), "KFM_001"),
      text_register(obis(0, 0, 96, 1, 0), meter_id),
      text_register(obis(0, 0, 96, 1, 7), "MA304H3E"),
      numeric(obis(1, 0, 1, 7, 0), watts, 0, kW),
      numeric(obis(1, 0, 2, 7, 0), 0, 0, kW),
      numeric(obis(1, 0, 3, 7, 0), 0, 0, kVar),
      numeric(obis(1, 0, 4, 7, 0), 64, 0, kVar),
      numeric(obis(1, 0, 31, 7, 0), 1416, -3, kA),
      numeric(obis(1, 0, 51, 7, 0), 3241, -3, kA),
      numeric(obis(1, 0, 71, 7, 0), 3119, -3, kA),
      numeric(obis(1, 0, 32, 7, 0), 2385, -1, kV),
      numeric(obis(1, 0, 52, 7, 0), 0, -1, kV),
      numeric(obis(1, 0, 72, 7, 0), 2389, -1, kV),
  };
  return r;
}

std::shared_ptr<const cosem::Reading> list3(std::int64_t watts, std::int64_t energy_wh) {
  auto r = list2(watts);
  r->profile = "kaifa-no/list3-3phase";
  r->registers.push_back(numeric(obis(1, 0, 1, 8, 0), energy_wh, 0, kWh));
  r->registers.push_back(numeric(obis(1, 0, 2, 8, 0), 0, 0, kWh));
  return r;
}

GoodFrame frame_at(std::shared_ptr<const cosem::Reading> reading, std::chrono::milliseconds at,
                   std::optional<dlms::SecurityHeader> security = std::nullopt) {
  return GoodFrame{std::move(reading), security, "hdlc", host_at_unix_ms(kStartUnixMs) + at};
}

std::string scrape(const MeterState& state, std::chrono::milliseconds at) {
  CollectorOptions options;
  options.stale_after = kStaleAfter;
  return to_text(meter_families(state.snapshot(), options, host_at_unix_ms(kStartUnixMs) + at));
}

bool has(const std::string& text, const std::string& series) {
  return text.find("\n" + series) != std::string::npos;
}

// The 4:1 stream: List 1 every 2 s, a List 2 in place of every fifth; a List 3 at
// the start. One scrape a second over 100 s: voltages and energy are in every one of them.
TEST(RegisterBook, FourToOneListStreamKeepsVoltagesAndEnergyInEveryScrape) {
  MeterState state(kStaleAfter);
  state.record_frame(frame_at(list3(948, 123456), 0ms));
  int scrapes = 0, with_voltage = 0, with_energy = 0, with_power = 0;
  for (int second = 1; second <= 100; ++second) {
    if (second % 2 == 0) {
      const bool list_2 = second % 10 == 0;
      state.record_frame(frame_at(list_2 ? list2(1000 + second) : list1(1000 + second),
                                  std::chrono::seconds(second)));
    }
    const std::string text = scrape(state, std::chrono::seconds(second) + 500ms);
    ++scrapes;
    with_voltage += has(text, kVoltage + "238.5\n") ? 1 : 0;
    with_energy += has(text, kEnergy + std::to_string(123456LL * 3600)) ? 1 : 0;
    // The newest power is shown, whichever list carried it.
    const int last_frame_second = second - second % 2;
    with_power +=
        has(text, "smartmeter_active_power_import_watts " +
                      std::to_string(last_frame_second == 0 ? 948 : 1000 + last_frame_second) +
                      "\n")
            ? 1
            : 0;
  }
  EXPECT_EQ(with_voltage, scrapes);
  EXPECT_EQ(with_energy, scrapes);
  EXPECT_EQ(with_power, scrapes);
  EXPECT_THAT(scrape(state, 100s), HasSubstr("smartmeter_frames_total 51\n"));
}

// An hourly List 3: its counter stays on /metrics until the next one (rate() sees one
// continuous series), and once the interval is known, also if one List 3 is lost.
TEST(RegisterBook, HourlyEnergyStaysContinuousBetweenListThrees) {
  MeterState state(kStaleAfter);
  state.record_frame(frame_at(list3(948, 1000), 0ms));
  for (int second = 2; second < 3600; second += 2) {
    state.record_frame(frame_at(list1(948), std::chrono::seconds(second)));
  }
  EXPECT_TRUE(has(scrape(state, 3599s), kEnergy + "3600000\n"));
  state.record_frame(frame_at(list3(948, 1001), 3600s));
  for (int second = 3602; second < 3 * 3600; second += 2) {
    state.record_frame(frame_at(list1(948), std::chrono::seconds(second)));
  }
  // The List 3 of 7200 s was lost; the one of 3600 s is still current at 10799 s ...
  EXPECT_TRUE(has(scrape(state, 10799s), kEnergy + "3603600\n"));
  // ... and gone 2 intervals after it, although List 1 keeps the meter up.
  state.record_frame(frame_at(list1(948), 10800s));
  const std::string after = scrape(state, 10801s);
  EXPECT_THAT(after, HasSubstr("\nsmartmeter_up 1\n"));
  EXPECT_THAT(after, Not(HasSubstr(kEnergy)));
}

// A meter that stops sending List 2: its voltages leave /metrics after the staleness
// window like a stale meter's values, while its power (List 1) stays.
TEST(RegisterBook, RegisterNotRefreshedLeavesAfterItsWindow) {
  MeterState state(kStaleAfter);
  for (int second = 0; second <= 30; second += 10) {
    state.record_frame(frame_at(list2(948), std::chrono::seconds(second)));
  }
  for (int second = 32; second <= 58; second += 2) {
    state.record_frame(frame_at(list1(500), std::chrono::seconds(second)));
  }
  EXPECT_TRUE(has(scrape(state, 59s), kVoltage));  // 29 s after the last List 2
  state.record_frame(frame_at(list1(500), 60s));
  const std::string text = scrape(state, 61s);  // 31 s after it: max(30 s, 2 x 10 s)
  EXPECT_THAT(text, Not(HasSubstr(kVoltage)));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_active_power_import_watts 500\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_up 1\n"));
}

// A frame with another meter id while this meter is up replaces nothing and is counted;
// after this meter went stale, the other one takes over without the old registers.
TEST(RegisterBook, OtherMeterIdDoesNotBlendIn) {
  MeterState state(kStaleAfter);
  state.record_frame(frame_at(list3(948, 1000), 0ms));
  auto intruder = list2(4000, "9999999999999999");
  intruder->registers[10] = numeric(obis(1, 0, 32, 7, 0), 2000, -1, kV);
  state.record_frame(frame_at(intruder, 2s));
  std::string text = scrape(state, 3s);
  EXPECT_THAT(text, HasSubstr(kVoltage + "238.5\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_active_power_import_watts 948\n"));
  EXPECT_THAT(text, HasSubstr("meter_id=\"6970631401753985\""));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_other_meter_frames_total 1\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_frames_total 1\n"));

  // The old meter silent for longer than stale_after: a replaced meter is adopted afresh.
  state.record_frame(frame_at(intruder, 40s));
  text = scrape(state, 41s);
  EXPECT_THAT(text, HasSubstr(kVoltage + "200\n"));
  EXPECT_THAT(text, HasSubstr("meter_id=\"9999999999999999\""));
  EXPECT_THAT(text, Not(HasSubstr(kEnergy)));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_other_meter_frames_total 1\n"));
}

TEST(RegisterBook, OtherSystemTitleDoesNotBlendIn) {
  dlms::SecurityHeader ours, theirs;
  ours.system_title = {0x4B, 0x46, 0x4D, 0x10, 0x10, 0x00, 0x00, 0x23};
  theirs.system_title = {0x4B, 0x46, 0x4D, 0x10, 0x10, 0x00, 0x00, 0x24};
  MeterState state(kStaleAfter);
  state.record_frame(frame_at(list2(948), 0ms, ours));
  state.record_frame(frame_at(list1(7777), 2s, theirs));  // List 1: no meter id to compare
  const std::string text = scrape(state, 3s);
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_active_power_import_watts 948\n"));
  EXPECT_THAT(text, HasSubstr("\nsmartmeter_other_meter_frames_total 1\n"));
}

TEST(RegisterBook, WindowIsTwiceTheIntervalBetweenStaleAfterAndTheCap) {
  const RegisterStamp seen_once{host_at_unix_ms(0).steady, std::nullopt};
  EXPECT_EQ(register_window(seen_once, kStaleAfter), kRegisterWindowCap);
  const RegisterStamp list2_stamp{host_at_unix_ms(0).steady, 10s};
  EXPECT_EQ(register_window(list2_stamp, kStaleAfter), kStaleAfter);
  const RegisterStamp list3_stamp{host_at_unix_ms(0).steady, 1h};
  EXPECT_EQ(register_window(list3_stamp, kStaleAfter), 2h);
  const RegisterStamp daily{host_at_unix_ms(0).steady, 24h};
  EXPECT_EQ(register_window(daily, kStaleAfter), kRegisterWindowCap);
}

}  // namespace
}  // namespace sm::metrics
