#include "pipeline/replay_guard.h"

#include <gtest/gtest.h>

namespace {
using sm::pipeline::ReplayGuard;
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
}  // namespace
