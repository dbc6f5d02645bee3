// The descriptor-item push (ČEZ Distribuce XT211, EG.D) -> Reading; negative cases give
// typed errors and no Reading.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/hex.h"
#include "cosem/decode.h"
#include "cosem/units.h"
#include "test_support.h"

namespace sm::cosem {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes plaintext_of(const std::string& id) {
  auto text = test::read_text_file(test::vectors_dir() / id / "plaintext.hex");
  if (!text) return {};
  auto bytes = parse_hex(*text);
  return bytes ? *bytes : Bytes{};
}

Bytes hex(std::string_view text) {
  auto bytes = parse_hex(text);
  return bytes ? *bytes : Bytes{};
}

// 0F, invoke-id, no date-time, structure(2) {enum 1, array(n) ...}.
Bytes apdu_head(std::uint8_t items) {
  return Bytes{0x0F, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x02, 0x16, 0x01, 0x01, items};
}
const Bytes kPower =
    hex("0202"
        "0003"
        "0100010700FF"
        "02"
        "06000007A4");  // 1.7.0 = 1956
const Bytes kEnergy =
    hex("0202"
        "0003"
        "0100010800FF"
        "02"
        "06004AFA82");  // 1.8.0

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(DescriptorItemPush, Xt211GivesEveryValueWithImpliedUnits) {
  auto decoded = decode_descriptor_items(plaintext_of("CZ-CEZ-SMS-XT211-RAW"), {});
  ASSERT_TRUE(decoded.has_value());
  ASSERT_TRUE(*decoded) << decoded->error().describe();
  const Reading& reading = **decoded;
  EXPECT_EQ(reading.profile, kDescriptorItemsProfile);
  EXPECT_EQ(reading.registers.size(), 22u);
  EXPECT_EQ(reading.meter_id, "5100005149");
  EXPECT_FALSE(reading.meter_time.has_value());  // the push carries no date-time
  EXPECT_EQ(reading.implied_units.substr(0, 19), "cz-descriptor-items");
  const Register* energy = reading.find(obis(1, 0, 1, 8, 0));
  ASSERT_NE(energy, nullptr);
  EXPECT_EQ(energy->value, 4913794);
  EXPECT_EQ(energy->unit, unit::watt_hour);
  EXPECT_EQ(energy->scaling, Scaling::implied);
  const Register* tariff = reading.find(obis(0, 0, 96, 14, 0));
  ASSERT_NE(tariff, nullptr);
  EXPECT_EQ(tariff->text, "T2");
  const Register* limiter = reading.find(obis(0, 0, 17, 0, 0));  // A = 0: no row covers it
  ASSERT_NE(limiter, nullptr);
  EXPECT_EQ(limiter->scaling, Scaling::as_sent);
}

TEST(DescriptorItemPush, EgdSkipsThePushSetupAndKeepsTheEmptyMessage) {
  auto decoded = decode_descriptor_items(plaintext_of("CZ-EGD-DOC-EXAMPLE"), {});
  ASSERT_TRUE(decoded.has_value() && *decoded);
  const Reading& reading = **decoded;
  EXPECT_EQ(reading.registers.size(), 26u);  // 27 items, the push setup's name is none
  EXPECT_EQ(reading.find(obis(0, 2, 25, 9, 0)), nullptr);
  EXPECT_EQ(reading.device_name, "EGD012345");
  EXPECT_EQ(reading.meter_id, "0123456789");
  ASSERT_NE(reading.find(obis(0, 0, 96, 13, 0)), nullptr);
  EXPECT_EQ(reading.find(obis(0, 0, 96, 13, 0))->text, "");
}

// Not this layout: left to the general path with "auto"; `unsupported` when forced.
TEST(DescriptorItemPush, OtherPushesAreNotThisLayout) {
  const Bytes salzburg = plaintext_of("AT-SALZBURG-KFM-PLAINTEXT-APDU");
  EXPECT_FALSE(decode_descriptor_items(salzburg, {}).has_value());
  DecodeOptions forced;
  forced.profile = std::string(kDescriptorItemsProfile);
  auto decoded = decode_descriptor_items(salzburg, {}, forced);
  ASSERT_TRUE(decoded.has_value());
  ASSERT_FALSE(*decoded);
  EXPECT_EQ(decoded->error().code, ErrorCode::unsupported);
  // Another profile asked for: not even looked at.
  DecodeOptions other;
  other.profile = "obis-tagged";
  EXPECT_FALSE(decode_descriptor_items(plaintext_of("CZ-CEZ-SMS-XT211-RAW"), {}, other));
}

void expect_error(const Bytes& apdu, ErrorCode code, const std::string& part) {
  auto decoded = decode_descriptor_items(apdu, {});
  ASSERT_TRUE(decoded.has_value()) << "not recognised: " << to_hex(apdu);
  ASSERT_FALSE(*decoded) << "decoded " << (*decoded)->registers.size() << " registers";
  EXPECT_EQ(decoded->error().code, code) << decoded->error().describe();
  EXPECT_NE(decoded->error().message.find(part), std::string::npos) << decoded->error().message;
}

TEST(DescriptorItemPush, MalformedListsAreTypedErrors) {
  // A descriptor cut short (the APDU ends in the second item's OBIS code).
  expect_error(concat({apdu_head(2), kPower,
                       hex("0202"
                           "0003"
                           "010001")}),
               ErrorCode::incomplete, "expected 6 bytes");
  // Implausible class-id (0) and attribute-id (0) in the second item.
  expect_error(concat({apdu_head(2), kPower,
                       hex("0202"
                           "0000"
                           "0100010800FF"
                           "02"
                           "0600000001")}),
               ErrorCode::decode, "item 2: class-id 0");
  expect_error(concat({apdu_head(2), kPower,
                       hex("0202"
                           "0003"
                           "0100010800FF"
                           "00"
                           "0600000001")}),
               ErrorCode::decode, "attribute-id 0");
  // The last value missing.
  expect_error(concat({apdu_head(2), kPower,
                       hex("0202"
                           "0003"
                           "0100010800FF"
                           "02")}),
               ErrorCode::incomplete, "value is missing");
  // Mixed: the second item OBIS-tagged ({octet-string(6), value}, as other meters send).
  expect_error(concat({apdu_head(2), kPower,
                       hex("0202"
                           "09060100010800FF"
                           "06004AFA82")}),
               ErrorCode::decode, "class-id 2310");
  // Fewer items than the array announces, then other bytes: the numbers are not taken.
  expect_error(concat({apdu_head(3), kPower, kEnergy, hex("1101")}), ErrorCode::decode, "");
  // Bytes after the body.
  expect_error(concat({apdu_head(2), kPower, kEnergy, hex("00")}), ErrorCode::decode,
               "1 bytes follow the notification body");
}

TEST(DescriptorItemPush, EveryTruncationIsAnErrorNotAReading) {
  const Bytes apdu = plaintext_of("CZ-CEZ-SMS-XT211-RAW");
  for (std::size_t n = 1; n < apdu.size(); ++n) {
    const Bytes cut(apdu.begin(), apdu.begin() + static_cast<std::ptrdiff_t>(n));
    auto decoded = decode_descriptor_items(cut, {});
    if (decoded.has_value()) {
      ASSERT_FALSE(*decoded) << n;
      EXPECT_EQ(decoded->error().code, ErrorCode::incomplete) << n;
    }
  }
}

}  // namespace
}  // namespace sm::cosem
