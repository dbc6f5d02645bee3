#include "pipeline/replay_guard.h"

#include <cstdint>

#include <gtest/gtest.h>

namespace {
using sm::pipeline::ReplayGuard;
using sm::pipeline::ReplayGuardOptions;
using V = ReplayGuard::Verdict;

TEST(ReplayGuard, AcceptsIncreasingCounters) {
  ReplayGuard g;
  EXPECT_EQ(g.check(100), V::accept);
  EXPECT_EQ(g.check(101), V::accept);
  EXPECT_EQ(g.check(200), V::accept);
}

TEST(ReplayGuard, RejectsRepeatedAndOlderCounters) {
  ReplayGuard g;
  EXPECT_EQ(g.check(100), V::accept);
  EXPECT_EQ(g.check(100), V::replay);
  EXPECT_EQ(g.check(99), V::replay);
  EXPECT_EQ(g.check(101), V::accept);
  EXPECT_EQ(*g.last(), 101u);
}

TEST(ReplayGuard, AcceptsRebootAfterThreeIncreases) {
  ReplayGuard g;
  EXPECT_EQ(g.check(5000), V::accept);
  EXPECT_EQ(g.check(1), V::replay);               // restart seen
  EXPECT_EQ(g.check(2), V::replay);               // 1st increase
  EXPECT_EQ(g.check(3), V::replay);               // 2nd increase
  EXPECT_EQ(g.check(4), V::accept_after_reboot);  // 3rd increase: accepted
  EXPECT_EQ(g.check(5), V::accept);
  EXPECT_EQ(g.check(4), V::replay);
}

TEST(ReplayGuard, ReplayedOldFramesDoNotLookLikeAReboot) {
  ReplayGuard g;
  EXPECT_EQ(g.check(5000), V::accept);
  EXPECT_EQ(g.check(10), V::replay);
  EXPECT_EQ(g.check(10), V::replay);    // same again: no increase, candidate restarts
  EXPECT_EQ(g.check(5001), V::accept);  // the real meter goes on
  EXPECT_EQ(g.check(11), V::replay);
  EXPECT_EQ(g.check(12), V::replay);
  EXPECT_EQ(g.check(5002), V::accept);
}

// Issue 14 item 4: an older run of recorded frames, played back in order, increases as
// long as a rebooted meter's does; it must never roll the meter back.
TEST(ReplayGuard, OlderIncreasingRunIsNeverTakenForAReboot) {
  ReplayGuard g;
  EXPECT_EQ(g.check(50001), V::accept);
  for (std::uint32_t c = 40001; c <= 40020; ++c) EXPECT_EQ(g.check(c), V::replay) << c;
  EXPECT_EQ(*g.last(), 50001u);
  EXPECT_EQ(g.check(50002), V::accept);
}

TEST(ReplayGuard, RebootMustStartWithinTheWindow) {
  ReplayGuard g(ReplayGuardOptions{3, 100});
  EXPECT_EQ(g.check(5000), V::accept);
  for (std::uint32_t c = 101; c <= 110; ++c) EXPECT_EQ(g.check(c), V::replay) << c;
  EXPECT_EQ(g.check(100), V::replay);  // at the window's edge: a candidate
  EXPECT_EQ(g.check(111), V::replay);
  EXPECT_EQ(g.check(112), V::replay);
  EXPECT_EQ(g.check(113), V::accept_after_reboot);
}

TEST(ReplayGuard, RestartWithAnOlderMeterTimeIsNotAReboot) {
  ReplayGuard g;
  EXPECT_EQ(g.check(5000, 1'700'000'000), V::accept);
  // Frames 1..10 recorded after an earlier reboot carry their old meter time.
  for (std::uint32_t c = 1; c <= 10; ++c) {
    EXPECT_EQ(g.check(c, 1'600'000'000 + c), V::replay) << c;
  }
  // A real reboot keeps the meter's clock going.
  EXPECT_EQ(g.check(1, 1'700'000'010), V::replay);
  EXPECT_EQ(g.check(2, 1'700'000'012), V::replay);
  EXPECT_EQ(g.check(3, 1'700'000'014), V::replay);
  EXPECT_EQ(g.check(4, 1'700'000'016), V::accept_after_reboot);
}
}  // namespace
