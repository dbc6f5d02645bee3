#include "pipeline/security_pin.h"

#include <optional>

#include <gtest/gtest.h>

namespace {
using sm::dlms::SecurityHeader;
using sm::pipeline::SecurityPin;
using V = SecurityPin::Verdict;

SecurityHeader header(std::uint8_t control, std::uint8_t title_last = 0x23) {
  SecurityHeader h;
  h.system_title = {0x4B, 0x46, 0x4D, 0x10, 0x10, 0x00, 0x00, title_last};
  h.control = control;
  h.invocation_counter = 1;
  return h;
}

TEST(SecurityPin, PlaintextMeterWithoutKeyIsAccepted) {
  SecurityPin pin(false);
  EXPECT_EQ(pin.check(std::nullopt, false), V::accept);
  pin.pin(std::nullopt, false);
  EXPECT_EQ(pin.check(std::nullopt, false), V::accept);
  EXPECT_FALSE(pin.system_title().has_value());
}

TEST(SecurityPin, KeyConfiguredRefusesUnprotectedFrames) {
  SecurityPin pin(true);
  EXPECT_EQ(pin.check(std::nullopt, false), V::unencrypted);
  // A ciphering header that neither encrypts nor carries a verified tag protects nothing.
  EXPECT_EQ(pin.check(header(0x10), false), V::unencrypted);
  EXPECT_EQ(pin.check(header(0x00), false), V::unencrypted);
  EXPECT_EQ(pin.check(header(0x10), true), V::accept);  // authenticated with the AK
  EXPECT_EQ(pin.check(header(0x21), false), V::accept);
}

TEST(SecurityPin, FirstProtectedFramePinsTitleAndControl) {
  SecurityPin pin(false);  // no key: protection learnt from the stream (an AK-only set-up)
  pin.pin(header(0x30), true);
  ASSERT_TRUE(pin.system_title().has_value());
  EXPECT_EQ(*pin.control(), 0x30);
  EXPECT_EQ(pin.check(std::nullopt, false), V::unencrypted);
  EXPECT_EQ(pin.check(header(0x30), true), V::accept);
  EXPECT_EQ(pin.check(header(0x30, 0x24), true), V::changed);  // another meter
  EXPECT_EQ(pin.check(header(0x20), false), V::changed);       // the tag dropped
  EXPECT_EQ(pin.check(header(0x31), true), V::changed);        // another suite
  pin.pin(header(0x30, 0x24), true);                           // a pin is never moved
  EXPECT_EQ(pin.check(header(0x30, 0x24), true), V::changed);
}
}  // namespace
