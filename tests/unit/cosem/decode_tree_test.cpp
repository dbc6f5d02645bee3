// decode_notification on hand-made value trees: shapes the vectors do not cover, forced
// profiles, and the golden negative cases (unknown shape, truncated triple, bad scaler).
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "cosem/decode.h"
#include "cosem/units.h"
#include "test_support.h"

namespace sm::cosem {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): tree builders

dlms::DataNotification notification_of(dlms::Value body) {
  dlms::DataNotification notification;
  notification.body = std::move(body);
  return notification;
}

Result<Reading> decode(dlms::Value body, std::string profile = "auto") {
  DecodeOptions options;
  options.profile = std::move(profile);
  return decode_notification(notification_of(std::move(body)), options);
}

const Obis kEnergyImport = obis(1, 0, 1, 8, 0);
const Obis kEnergyExport = obis(1, 0, 2, 8, 0);
const Obis kVoltageL1 = obis(1, 0, 32, 7, 0);

// An OBIS-tagged flat body: {OBIS, value, {scaler, unit}} x 2.
dlms::Value flat_body() {
  return structure({obis_value(kEnergyImport), u32(12937), scaler_unit(0, 30),
                    obis_value(kVoltageL1), u16(2337), scaler_unit(-1, 35)});
}

TEST(DecodeTree, FlatObisListWithScalers) {
  auto reading = decode(flat_body());
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  EXPECT_EQ(reading->profile, "obis-tagged");
  const Register* voltage = reading->find(kVoltageL1);
  ASSERT_NE(voltage, nullptr);
  EXPECT_DOUBLE_EQ(voltage->value, 233.7);
  EXPECT_EQ(voltage->raw, 2337);
  EXPECT_EQ(voltage->scaler, -1);
  EXPECT_EQ(voltage->unit, unit::volt);
  EXPECT_FALSE(reading->meter_time.has_value());
}

TEST(DecodeTree, NestedPairsAndTriplesAreTheSameWalk) {
  auto body = array({structure({obis_value(obis(0, 0, 96, 1, 0)), visible("12345678")}),
                     structure({obis_value(obis(0, 0, 42, 0, 0)), octet_text("DEV1")}),
                     structure({obis_value(kEnergyImport), u32(5), scaler_unit(3, 30)})});
  auto reading = decode(body);
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  EXPECT_EQ(reading->meter_id, "12345678");
  EXPECT_EQ(reading->device_name, "DEV1");
  EXPECT_DOUBLE_EQ(reading->find(kEnergyImport)->value, 5000);
}

TEST(DecodeTree, UnknownShapeIsUnsupportedWithTheShapeInTheMessage) {
  auto reading = decode(structure({u32(1), u32(2), u32(3)}));
  ASSERT_FALSE(reading.has_value());
  EXPECT_EQ(reading.error().code, ErrorCode::unsupported);
  EXPECT_EQ(reading.error().layer, Layer::cosem);
  EXPECT_NE(reading.error().message.find("body shape not recognised: structure of 3"),
            std::string::npos)
      << reading.error().message;
}

TEST(DecodeTree, SingleValueBodyIsUnsupported) {
  auto reading = decode(u32(42));
  ASSERT_FALSE(reading.has_value());
  EXPECT_EQ(reading.error().code, ErrorCode::unsupported);
}

TEST(DecodeTree, UntaggedNumberAmongTaggedValuesIsNotGuessed) {
  auto body = flat_body();
  std::get<dlms::Children>(body.data).insert(std::get<dlms::Children>(body.data).begin() + 3,
                                             leaf(dlms::Tag::uint32, std::uint64_t{7}, 40));
  auto reading = decode(body);
  ASSERT_FALSE(reading.has_value());
  EXPECT_EQ(reading.error().code, ErrorCode::unsupported);
  EXPECT_EQ(reading.error().offset, 40u);
  EXPECT_NE(reading.error().message.find("no OBIS code"), std::string::npos)
      << reading.error().message;
}

TEST(DecodeTree, TruncatedTripleInNestedStructureIsADecodeError) {
  auto code = obis_value(kEnergyImport);
  code.offset = 17;
  auto body = structure({structure({code}), structure({u32(5), scaler_unit(0, 30)})});
  auto reading = decode(body);
  ASSERT_FALSE(reading.has_value());
  EXPECT_EQ(reading.error().code, ErrorCode::decode);
  EXPECT_EQ(reading.error().offset, 17u);
  EXPECT_NE(reading.error().message.find("1.0.1.8.0.255"), std::string::npos)
      << reading.error().message;
}

TEST(DecodeTree, ObisAtTheEndOfAFlatListIsADecodeError) {
  auto body =
      structure({obis_value(kEnergyImport), u32(1), scaler_unit(0, 30), obis_value(kEnergyExport)});
  auto reading = decode(body);
  ASSERT_FALSE(reading.has_value());
  EXPECT_EQ(reading.error().code, ErrorCode::decode);
}

TEST(DecodeTree, ScalerUnitWithoutAValueIsADecodeError) {
  auto body = structure({scaler_unit(0, 30), obis_value(kEnergyImport), u32(1)});
  auto reading = decode(body);
  ASSERT_FALSE(reading.has_value());
  EXPECT_EQ(reading.error().code, ErrorCode::decode);
}

TEST(DecodeTree, HugeScalerIsRejectedNotInfinity) {
  for (std::int64_t scaler :
       {std::int64_t{127}, std::int64_t{-128}, std::int64_t{21}, std::int64_t{-21}}) {
    auto pair = scaler_unit(scaler, 30);
    std::get<dlms::Children>(pair.data)[0].offset = 99;
    auto reading = decode(structure({obis_value(kEnergyImport), u32(5), pair}));
    ASSERT_FALSE(reading.has_value()) << scaler;
    EXPECT_EQ(reading.error().code, ErrorCode::decode);
    EXPECT_EQ(reading.error().offset, 99u);
    EXPECT_NE(reading.error().message.find("scaler " + std::to_string(scaler)), std::string::npos);
  }
  auto largest = decode(structure({obis_value(kEnergyImport), u32(5), scaler_unit(20, 30)}));
  ASSERT_TRUE(largest.has_value());
  EXPECT_TRUE(std::isfinite(largest->find(kEnergyImport)->value));
}

TEST(DecodeTree, NonFiniteFloatIsADecodeError) {
  auto reading =
      decode(structure({obis_value(kEnergyImport), f64(std::numeric_limits<double>::infinity())}));
  ASSERT_FALSE(reading.has_value());
  EXPECT_EQ(reading.error().code, ErrorCode::decode);
}

TEST(DecodeTree, ObisNamingAStructureIsUnsupported) {
  auto reading =
      decode(structure({obis_value(kEnergyImport), structure({u32(1), u32(2), u32(3)})}));
  ASSERT_FALSE(reading.has_value());
  EXPECT_EQ(reading.error().code, ErrorCode::unsupported);
}

TEST(DecodeTree, NullValueAndWideIntegers) {
  auto body =
      structure({obis_value(kEnergyImport), leaf(dlms::Tag::null_data, std::monostate{}),
                 obis_value(kEnergyExport), leaf(dlms::Tag::uint64, std::uint64_t{1} << 63)});
  auto reading = decode(body);
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  EXPECT_EQ(reading->find(kEnergyImport), nullptr);
  const Register* wide = reading->find(kEnergyExport);
  ASSERT_NE(wide, nullptr);
  EXPECT_FALSE(wide->raw.has_value());
  EXPECT_DOUBLE_EQ(wide->value, 9223372036854775808.0);
}

TEST(DecodeTree, BinaryStringsBecomeHex) {
  auto reading = decode(structure({obis_value(obis(0, 0, 96, 1, 0)), octets_hex("01FF80")}));
  ASSERT_TRUE(reading.has_value());
  EXPECT_EQ(reading->meter_id, "01FF80");
}

TEST(DecodeTree, BodyClockIsTheMeterTimeWithoutHeader) {
  auto body = structure({obis_value(obis(0, 0, 1, 0, 0)),
                         octets_hex("07E5071301"
                                    "0F2E2300FF88"
                                    "80"),
                         obis_value(kEnergyImport), u32(1)});
  auto reading = decode(body);
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  ASSERT_TRUE(reading->meter_time.has_value());
  EXPECT_EQ(reading->meter_time->iso8601(), "2021-07-19T15:46:35+02:00");
  EXPECT_EQ(reading->meter_time->unix_seconds, 1626702395);
}

TEST(DecodeTree, HeaderTimeWinsOverBodyClock) {
  auto notification = notification_of(
      structure({octets_hex("07E50713010F2E2300FF8880"), obis_value(kEnergyImport), u32(1)}));
  dlms::DateTime header;
  header.year = 2020;
  header.month = 1;
  header.day = 2;
  header.hour = 3;
  header.minute = 4;
  header.second = 5;
  header.deviation_minutes = -60;
  notification.date_time = header;
  auto reading = decode_notification(notification);
  ASSERT_TRUE(reading.has_value());
  EXPECT_EQ(reading->meter_time->iso8601(), "2020-01-02T03:04:05+01:00");
  EXPECT_NE(reading->find(obis(0, 0, 1, 0, 0)), nullptr);
}

TEST(DecodeTree, TwelveCharacterMeterNumberIsNotAClock) {
  // EVN: the untagged last element "181220000009" is 12 bytes like a date-time.
  auto body = structure(
      {obis_value(kEnergyImport), u32(1), scaler_unit(0, 30), octet_text("181220000009")});
  auto reading = decode(body);
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  EXPECT_EQ(reading->profile, "evn");
  EXPECT_EQ(reading->meter_id, "181220000009");
  EXPECT_EQ(reading->find(obis(0, 0, 1, 0, 0)), nullptr);
}

TEST(DecodeTree, KaifaList1IsOneBareValue) {
  auto reading = decode(structure({u32(760)}));
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  EXPECT_EQ(reading->profile, "kaifa-no");
  EXPECT_DOUBLE_EQ(reading->find(obis(1, 0, 1, 7, 0))->value, 760);
}

TEST(DecodeTree, KaifaOnePhaseList3) {
  auto body = structure({octet_text("KFM_001"), octet_text("6970631400000000"),
                         octet_text("MA105H2E"), u32(500), u32(0), u32(0), u32(40), u32(2170),
                         u32(2301), octets_hex("07E1090F05052128FF800000"), u32(1000), u32(2000),
                         u32(3000), u32(4000)});
  auto reading = decode(body);
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  EXPECT_EQ(reading->profile, "kaifa-no");
  EXPECT_DOUBLE_EQ(reading->find(obis(1, 0, 31, 7, 0))->value, 2.17);
  EXPECT_DOUBLE_EQ(reading->find(obis(1, 0, 32, 7, 0))->value, 230.1);
  EXPECT_DOUBLE_EQ(reading->find(obis(1, 0, 4, 8, 0))->value, 4000);
  ASSERT_TRUE(reading->meter_time.has_value());
  EXPECT_EQ(reading->meter_time->iso8601(), "2017-09-15T05:33:40");
}

TEST(DecodeTree, KaifaListWithAnotherListIdDoesNotMatch) {
  auto body =
      structure({octet_text("KFM_002"), octet_text("6970631400000000"), octet_text("MA105H2E"),
                 u32(500), u32(0), u32(0), u32(40), u32(2170), u32(2301)});
  auto reading = decode(body);
  ASSERT_FALSE(reading.has_value());
  EXPECT_EQ(reading.error().code, ErrorCode::unsupported);
}

TEST(DecodeTree, KaerntenWithTwoTrailingEmptyStrings) {
  auto body = structure({obis_value(obis(0, 6, 25, 9, 0)), octet_text("1KFM0000000001"),
                         octets_hex("0A081700"), octets_hex("07E5051303"), u32(1), u32(2), u32(3),
                         u32(4), u32(5), u32(6), octets({}), octets({})});
  auto reading = decode(body);
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  EXPECT_EQ(reading->profile, "kaernten-wels");
  EXPECT_DOUBLE_EQ(reading->find(obis(1, 0, 2, 7, 0))->value, 6);
  EXPECT_EQ(reading->meter_time->iso8601(), "2021-05-19T10:08:23");
}

TEST(DecodeTree, SelfDescribingAppliesCapturedScalerUnits) {
  auto capture = [](std::uint64_t class_id, const Obis& code, std::int64_t attribute) {
    return structure({u16(class_id), obis_value(code), i8(attribute), u16(0)});
  };
  auto body = structure({array({capture(40, obis(0, 0, 25, 9, 0), 2), capture(3, kVoltageL1, 2),
                                capture(3, kVoltageL1, 3), capture(1, obis(0, 0, 96, 1, 0), 2)}),
                         u16(2301), scaler_unit(-1, 35), octet_text("METER-7")});
  auto reading = decode(body);
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  EXPECT_EQ(reading->profile, "self-describing");
  const Register* voltage = reading->find(kVoltageL1);
  ASSERT_NE(voltage, nullptr);
  EXPECT_DOUBLE_EQ(voltage->value, 230.1);
  EXPECT_EQ(voltage->unit, unit::volt);
  EXPECT_EQ(reading->meter_id, "METER-7");
}

TEST(DecodeTree, SelfDescribingScalerOutOfRangeIsADecodeError) {
  auto capture = [](std::uint64_t class_id, const Obis& code, std::int64_t attribute) {
    return structure({u16(class_id), obis_value(code), i8(attribute), u16(0)});
  };
  auto body = structure({array({capture(40, obis(0, 0, 25, 9, 0), 2), capture(3, kVoltageL1, 2),
                                capture(3, kVoltageL1, 3)}),
                         u16(2301), scaler_unit(100, 35)});
  auto reading = decode(body);
  ASSERT_FALSE(reading.has_value());
  EXPECT_EQ(reading.error().code, ErrorCode::decode);
}

TEST(DecodeTree, ForcedProfiles) {
  auto forced_walk = decode(flat_body(), "evn");
  ASSERT_TRUE(forced_walk.has_value());
  EXPECT_EQ(forced_walk->profile, "evn");

  auto kamstrup = decode(structure({obis_value(obis(1, 1, 31, 7, 0)), u32(57),
                                    obis_value(obis(1, 1, 1, 8, 0)), u32(100)}),
                         "kamstrup");
  ASSERT_TRUE(kamstrup.has_value()) << kamstrup.error().describe();
  EXPECT_EQ(kamstrup->profile, "kamstrup");
  EXPECT_DOUBLE_EQ(kamstrup->find(obis(1, 1, 31, 7, 0))->value, 0.57);
  EXPECT_DOUBLE_EQ(kamstrup->find(obis(1, 1, 1, 8, 0))->value, 1000);

  auto mismatch = decode(flat_body(), "wiener-netze");
  ASSERT_FALSE(mismatch.has_value());
  EXPECT_EQ(mismatch.error().code, ErrorCode::unsupported);
  EXPECT_NE(mismatch.error().message.find("wiener-netze"), std::string::npos);

  auto not_self_describing = decode(flat_body(), "self-describing");
  ASSERT_FALSE(not_self_describing.has_value());
  EXPECT_EQ(not_self_describing.error().code, ErrorCode::unsupported);

  auto not_text = decode(flat_body(), "dsmr");
  ASSERT_FALSE(not_text.has_value());
  EXPECT_EQ(not_text.error().code, ErrorCode::unsupported);
}

TEST(DecodeTree, ScalerInTheFrameWinsOverTheListTable) {
  auto body = structure(
      {visible("Kamstrup_V0001"), obis_value(obis(1, 1, 31, 7, 0)), u32(57), scaler_unit(-1, 33)});
  auto reading = decode(body);
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  EXPECT_EQ(reading->profile, "kamstrup");
  EXPECT_DOUBLE_EQ(reading->find(obis(1, 1, 31, 7, 0))->value, 5.7);
}

TEST(DecodeTree, UnknownProfileNameIsRejected) {
  auto reading = decode(flat_body(), "no-such-profile");
  ASSERT_FALSE(reading.has_value());
  EXPECT_EQ(reading.error().code, ErrorCode::unsupported);
  EXPECT_NE(reading.error().message.find("no-such-profile"), std::string::npos);
}

TEST(DecodeTree, ProfileNamesListEveryAcceptedName) {
  const auto names = profile_names();
  for (std::string_view name : {"auto", "obis-tagged", "evn", "kamstrup", "self-describing", "dsmr",
                                "wiener-netze", "kaernten-wels", "kaifa-no", "iskraemeco-si"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
  EXPECT_EQ(names.front(), "auto");
  EXPECT_EQ(std::set<std::string_view>(names.begin(), names.end()).size(), names.size());
}

TEST(DecodeTree, DsmrTextInAnOctetStringBody) {
  const std::string telegram = "/ISK5\\2M550T-1012\r\n\r\n1-0:1.8.0(000123.456*kWh)\r\n!";
  auto reading = decode(octet_text(telegram));
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  EXPECT_EQ(reading->profile, "dsmr");
  EXPECT_DOUBLE_EQ(reading->find(kEnergyImport)->value, 123456);
}

TEST(DecodeTree, DeepNestingIsBounded) {
  dlms::Value body = structure({obis_value(kEnergyImport), u32(1)});
  for (int i = 0; i < 40; ++i) body = structure({std::move(body)});
  auto reading = decode(body);
  ASSERT_FALSE(reading.has_value());
  EXPECT_EQ(reading.error().code, ErrorCode::decode);
}

}  // namespace
}  // namespace sm::cosem
