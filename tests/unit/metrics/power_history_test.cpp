// The status page's power ring: bounded, aggregated per bucket, old buckets evicted.
#include "metrics/power_history.h"

#include <gtest/gtest.h>

#include "metrics/meter_state.h"

namespace sm::metrics {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

const Clock::time_point kT0{std::chrono::seconds(1'700'000'000)};  // a multiple of 10 s

PowerSample watts(double import_w, double export_w = 0) {
  return {import_w, export_w};
}

cosem::Register reg(std::uint8_t c, std::uint8_t d, double value, int unit) {
  cosem::Register r;
  r.obis = cosem::obis(1, 0, c, d, 0);
  r.value = value;
  r.unit = unit;
  return r;
}

TEST(PowerHistory, AveragesFramesOfOneBucket) {
  PowerHistory h;
  h.add(kT0 + 1s, watts(100, 0));
  h.add(kT0 + 5s, watts(300, 10));
  h.add(kT0 + 9s, {200.0, std::nullopt});
  h.add(kT0 + 10s, watts(50));
  const auto p = h.points(kT0 + 15s);
  ASSERT_EQ(p.size(), 2U);
  EXPECT_EQ(p[0].start_unix_seconds, 1'700'000'000);
  EXPECT_DOUBLE_EQ(*p[0].import_watts, 200.0);
  EXPECT_DOUBLE_EQ(*p[0].export_watts, 5.0);  // the frame without export does not count
  EXPECT_EQ(p[1].start_unix_seconds, 1'700'000'010);
  EXPECT_DOUBLE_EQ(*p[1].import_watts, 50.0);
}

TEST(PowerHistory, StaysBoundedAtOneBucketPerTenSecondsForAnHour) {
  PowerHistory h;
  // Two hours of one frame per second: 7200 frames, never more than 360 buckets.
  for (int s = 0; s < 7200; ++s) {
    h.add(kT0 + std::chrono::seconds(s), watts(s));
    ASSERT_LE(h.size(), PowerHistory::kCapacity);
  }
  EXPECT_EQ(PowerHistory::kCapacity, 360U);
  const auto now = kT0 + 7199s;
  const auto p = h.points(now);
  ASSERT_EQ(p.size(), 360U);
  // The oldest kept bucket is the one starting 3590 s before the newest.
  EXPECT_EQ(p.front().start_unix_seconds, 1'700'000'000 + 7190 - 3590);
  EXPECT_EQ(p.back().start_unix_seconds, 1'700'000'000 + 7190);
  EXPECT_DOUBLE_EQ(*p.back().import_watts, (7190 + 7199) / 2.0);
  for (std::size_t i = 1; i < p.size(); ++i) {
    EXPECT_EQ(p[i].start_unix_seconds - p[i - 1].start_unix_seconds, 10);
  }
}

TEST(PowerHistory, EvictsSamplesOlderThanAnHour) {
  PowerHistory h;
  h.add(kT0, watts(1));
  h.add(kT0 + 30min, watts(2));
  EXPECT_EQ(h.points(kT0 + 59min).size(), 2U);
  // At kT0 + 1 h the first bucket has left the window, even without a new frame.
  auto p = h.points(kT0 + 1h);
  ASSERT_EQ(p.size(), 1U);
  EXPECT_DOUBLE_EQ(*p[0].import_watts, 2.0);
  EXPECT_TRUE(h.points(kT0 + 2h).empty());
  // A new frame after a long gap drops what is out of the window from the ring itself.
  h.add(kT0 + 3h, watts(3));
  EXPECT_EQ(h.size(), 1U);
}

TEST(PowerHistory, StartsOverWhenTheClockGoesBack) {
  PowerHistory h;
  h.add(kT0 + 100s, watts(1));
  h.add(kT0 + 110s, watts(2));
  h.add(kT0 + 20s, watts(3));
  const auto p = h.points(kT0 + 25s);
  ASSERT_EQ(p.size(), 1U);
  EXPECT_DOUBLE_EQ(*p[0].import_watts, 3.0);
}

TEST(PowerHistory, PowerOfUsesTheObisTable) {
  cosem::Reading r;
  r.registers.push_back(reg(32, 7, 230.1, 35));  // a voltage: not power
  EXPECT_FALSE(power_of(r).has_value());
  r.registers.push_back(reg(1, 7, 1234, 27));
  r.registers.push_back(reg(2, 7, 5, 27));
  r.registers.push_back(reg(21, 7, 999, 27));  // per phase: not the total
  auto p = power_of(r);
  ASSERT_TRUE(p.has_value());
  EXPECT_DOUBLE_EQ(*p->import_watts, 1234);
  EXPECT_DOUBLE_EQ(*p->export_watts, 5);
  cosem::Reading wrong_unit;
  wrong_unit.registers.push_back(reg(1, 7, 1234, 30));  // Wh is not a power
  EXPECT_FALSE(power_of(wrong_unit).has_value());
}

TEST(PowerHistory, MeterStateFeedsItFromGoodFrames) {
  MeterState state;
  auto reading = std::make_shared<cosem::Reading>();
  reading->registers.push_back(reg(1, 7, 480, 27));
  GoodFrame frame;
  frame.reading = reading;
  frame.received.wall = kT0;
  state.record_frame(frame);
  const auto p = state.power_history(kT0 + 1s);
  ASSERT_EQ(p.size(), 1U);
  EXPECT_DOUBLE_EQ(*p[0].import_watts, 480);
  EXPECT_FALSE(p[0].export_watts.has_value());
}

}  // namespace
}  // namespace sm::metrics
