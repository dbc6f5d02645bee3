#include "cosem/obis.h"

#include <array>
#include <cstdint>

#include <gtest/gtest.h>

namespace sm::cosem {
namespace {

TEST(Obis, ToStringPrintsSixDottedGroups) {
  EXPECT_EQ(obis(1, 0, 32, 7, 0).to_string(), "1.0.32.7.0.255");
  EXPECT_EQ(Obis{}.to_string(), "0.0.0.0.0.0");
}

TEST(Obis, ParsesEverySpelling) {
  const Obis voltage = obis(1, 0, 32, 7, 0);
  EXPECT_EQ(Obis::parse("1.0.32.7.0.255"), voltage);
  EXPECT_EQ(Obis::parse("1-0:32.7.0*255"), voltage);
  EXPECT_EQ(Obis::parse("1-0:32.7.0"), voltage);
  EXPECT_EQ(Obis::parse("1-0:32.7.0.255"), voltage);
  EXPECT_EQ(Obis::parse("32.7.0"), voltage);
  EXPECT_EQ(Obis::parse("0-1:24.2.1"), obis(0, 1, 24, 2, 1));
  EXPECT_EQ(Obis::parse("1-1:0.2.129*255"), obis(1, 1, 0, 2, 129));
  EXPECT_EQ(Obis::parse("1-0:1.8.0*101"), obis(1, 0, 1, 8, 0, 101));
}

TEST(Obis, RejectsMalformedText) {
  for (const char* bad :
       {"", "1.0.32.7.0", "1.0.32.7.0.256", "1.0.32.7.0.255.1", "1-0:32.7", "1-0:32.7.0*",
        "a.b.c.d.e.f", "1-0:32.7.0*255x", "1--0:32.7.0", " 1.0.32.7.0.255", "1.0.32..0.255",
        "-1.0.32.7.0.255", "+1.0.32.7.0.255", "1-0-0:1.8.0", "1-0:1.8.0*2*5", "1000.0.1.8.0.255"}) {
    EXPECT_FALSE(Obis::parse(bad).has_value()) << bad;
  }
}

TEST(Obis, FromBytesNeedsExactlySix) {
  const std::array<std::uint8_t, 6> six{1, 0, 1, 8, 0, 255};
  EXPECT_EQ(Obis::from_bytes(six), obis(1, 0, 1, 8, 0));
  EXPECT_FALSE(Obis::from_bytes(std::span(six).first(5)).has_value());
  const std::array<std::uint8_t, 7> seven{1, 0, 1, 8, 0, 255, 0};
  EXPECT_FALSE(Obis::from_bytes(seven).has_value());
}

TEST(Obis, RoundTripsThroughText) {
  for (const Obis& code :
       {obis(0, 0, 96, 1, 0), obis(1, 1, 0, 2, 129), Obis{{255, 255, 255, 255, 255, 255}}}) {
    EXPECT_EQ(Obis::parse(code.to_string()), code);
  }
}

}  // namespace
}  // namespace sm::cosem
