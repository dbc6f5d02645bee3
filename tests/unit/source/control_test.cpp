#include "source/control.h"

#include <thread>

#include <gtest/gtest.h>

#include "source/reconnect.h"

namespace sm::source {
namespace {

using namespace std::chrono_literals;

TEST(BackoffTimer, DoublesUpToTheCapAndResets) {
  BackoffTimer backoff(Backoff{});
  std::vector<std::chrono::milliseconds> delays;
  for (int i = 0; i < 7; ++i) delays.push_back(backoff.next());
  EXPECT_EQ(delays, (std::vector<std::chrono::milliseconds>{1s, 2s, 4s, 8s, 16s, 30s, 30s}));
  backoff.reset();
  EXPECT_EQ(backoff.next(), 1s);
}

TEST(BackoffTimer, NeverZeroAndMaxNotBelowInitial) {
  BackoffTimer zero(Backoff{0ms, 0ms});
  EXPECT_EQ(zero.next(), 1ms);
  BackoffTimer inverted(Backoff{500ms, 100ms});
  EXPECT_EQ(inverted.next(), 500ms);
  EXPECT_EQ(inverted.next(), 500ms);
}

TEST(FormatDelay, ReadsNaturally) {
  EXPECT_EQ(format_delay(250ms), "250 ms");
  EXPECT_EQ(format_delay(2s), "2 s");
  EXPECT_EQ(format_delay(1500ms), "1.5 s");
}

TEST(SourceControl, StopInterruptsASleepAtOnce) {
  SourceControl control;
  ASSERT_TRUE(control.valid());
  std::thread stopper([&] {
    std::this_thread::sleep_for(20ms);
    control.request_stop();
  });
  auto begin = std::chrono::steady_clock::now();
  EXPECT_FALSE(control.sleep_for(10s));
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 1s);
  stopper.join();
  EXPECT_TRUE(control.stop_requested());
}

TEST(SourceControl, SleepRunsToTheDeadline) {
  SourceControl control;
  auto begin = std::chrono::steady_clock::now();
  EXPECT_TRUE(control.sleep_for(30ms));
  EXPECT_GE(std::chrono::steady_clock::now() - begin, 30ms);
}

TEST(SourceControl, ReopenRequestIsTakenOnce) {
  SourceControl control;
  control.request_reopen();
  EXPECT_FALSE(control.sleep_for(10s));
  EXPECT_TRUE(control.take_reopen_request());
  EXPECT_FALSE(control.take_reopen_request());
  // The wake-up already consumed does not cut the next sleep short.
  EXPECT_TRUE(control.sleep_for(10ms));
}

}  // namespace
}  // namespace sm::source
