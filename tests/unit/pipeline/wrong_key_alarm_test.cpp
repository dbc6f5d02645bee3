#include "pipeline/wrong_key_alarm.h"

#include <gtest/gtest.h>

namespace {
using sm::pipeline::WrongKeyAlarm;

TEST(WrongKeyAlarm, SaysItAtTheFirstFailureWhenNoFrameEverDecrypted) {
  WrongKeyAlarm a;
  EXPECT_TRUE(a.on_key_failure());
  EXPECT_FALSE(a.on_key_failure());  // once
  EXPECT_FALSE(a.on_key_failure());
}

TEST(WrongKeyAlarm, OneBadFrameAfterGoodOnesIsNotAWrongKey) {
  WrongKeyAlarm a;
  a.on_decrypted_frame();
  EXPECT_FALSE(a.on_key_failure());
  a.on_decrypted_frame();
  EXPECT_FALSE(a.on_key_failure());
  EXPECT_FALSE(a.on_key_failure());
  a.on_decrypted_frame();  // two failures, then good again: the count starts over
  EXPECT_FALSE(a.on_key_failure());
  EXPECT_FALSE(a.on_key_failure());
}

TEST(WrongKeyAlarm, SaysItOnceAfterConsecutiveFailures) {
  WrongKeyAlarm a(3);
  a.on_decrypted_frame();
  EXPECT_FALSE(a.on_key_failure());
  EXPECT_FALSE(a.on_key_failure());
  EXPECT_TRUE(a.on_key_failure());
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(a.on_key_failure());
}

TEST(WrongKeyAlarm, ReArmedByAFrameThatDecrypts) {
  WrongKeyAlarm a(2);
  EXPECT_TRUE(a.on_key_failure());
  a.on_decrypted_frame();
  EXPECT_FALSE(a.on_key_failure());
  EXPECT_TRUE(a.on_key_failure());
}

}  // namespace
