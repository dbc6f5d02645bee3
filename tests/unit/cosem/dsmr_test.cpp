// DSMR P1 telegrams: the Luxembourg vector's text, CRC, timestamps, bounds and bad input.
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cosem/decode.h"
#include "cosem/units.h"
#include "test_support.h"

namespace sm::cosem {
namespace {

// The telegram as published in vector.json (plaintext_text).
std::string luxembourg_telegram() {
  auto text =
      test::read_text_file(test::vectors_dir() / "LU-SAGEMCOM-SMARTY-NEXXTLAB" / "vector.json");
  if (!text) return {};
  auto json = test::JsonReader(*text).document();
  if (!json || json->get("plaintext_text") == nullptr) return {};
  const std::string* telegram = json->get("plaintext_text")->string();
  return telegram ? *telegram : std::string{};
}

// Independent CRC-16/ARC (bitwise, poly 0x8005 reflected) to build test telegrams.
std::string with_crc(const std::string& body_through_bang) {
  unsigned crc = 0;
  for (unsigned char c : body_through_bang) {
    crc ^= c;
    for (int i = 0; i < 8; ++i) crc = (crc & 1u) ? (crc >> 1) ^ 0xA001u : crc >> 1;
  }
  const char* hex = "0123456789ABCDEF";
  std::string digits;
  for (int shift = 12; shift >= 0; shift -= 4) digits.push_back(hex[(crc >> shift) & 0xFu]);
  return body_through_bang + digits + "\r\n";
}

std::vector<std::uint8_t> bytes_of(const std::string& text) {
  return {text.begin(), text.end()};
}

TEST(Dsmr, LuxembourgTelegram) {
  const std::string telegram = luxembourg_telegram();
  ASSERT_FALSE(telegram.empty());
  EXPECT_TRUE(looks_like_dsmr(bytes_of(telegram)));
  auto reading = decode_dsmr(telegram);
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  EXPECT_EQ(reading->profile, "dsmr");
  EXPECT_EQ(reading->text, telegram);

  const Register* import = reading->find(obis(1, 0, 1, 8, 0));
  ASSERT_NE(import, nullptr);
  EXPECT_DOUBLE_EQ(import->value, 6695);
  EXPECT_EQ(import->raw, 6695);
  EXPECT_EQ(import->scaler, 0);
  EXPECT_EQ(import->unit, unit::watt_hour);
  const Register* exported = reading->find(obis(1, 0, 2, 8, 0));
  ASSERT_NE(exported, nullptr);
  EXPECT_DOUBLE_EQ(exported->value, 25);
  const Register* reactive = reading->find(obis(1, 0, 3, 8, 0));
  ASSERT_NE(reactive, nullptr);
  EXPECT_DOUBLE_EQ(reactive->value, 818);
  EXPECT_EQ(reactive->unit, unit::var_hour);
  const Register* unitless = reading->find(obis(1, 0, 4, 7, 0));  // "(00.007)": no unit sent
  ASSERT_NE(unitless, nullptr);
  EXPECT_DOUBLE_EQ(unitless->value, 0.007);
  EXPECT_EQ(unitless->unit, kUnitNone);
  const Register* version = reading->find(obis(1, 3, 0, 2, 8));
  ASSERT_NE(version, nullptr);
  EXPECT_DOUBLE_EQ(version->value, 42);
  const Register* message = reading->find(obis(0, 0, 96, 13, 0));
  ASSERT_NE(message, nullptr);
  EXPECT_EQ(message->text, "");

  ASSERT_TRUE(reading->meter_time.has_value());
  EXPECT_EQ(reading->meter_time->iso8601(), "2018-01-30T10:21:22+01:00");
  EXPECT_EQ(reading->meter_time->unix_seconds, 1517304082);
  EXPECT_EQ(reading->device_name, "SAG1030700114004");
}

TEST(Dsmr, BadCrcIsAChecksumError) {
  std::string telegram = luxembourg_telegram();
  const auto at = telegram.find("000006.695");
  ASSERT_NE(at, std::string::npos);
  telegram[at + 9] = '6';
  auto reading = decode_dsmr(telegram);
  ASSERT_FALSE(reading.has_value());
  EXPECT_EQ(reading.error().code, ErrorCode::checksum);
  EXPECT_EQ(reading.error().layer, Layer::cosem);
  EXPECT_NE(reading.error().message.find("CFDE"), std::string::npos) << reading.error().message;
}

TEST(Dsmr, MalformedCrcFieldIsADecodeError) {
  for (const char* tail : {"CF\r\n", "CFDE1\r\n", "CFDE\r\nextra"}) {
    auto reading = decode_dsmr(std::string("/ISK5\\2M550T\r\n\r\n1-0:1.8.0(1*kWh)\r\n!") + tail);
    ASSERT_FALSE(reading.has_value()) << tail;
    EXPECT_EQ(reading.error().code, ErrorCode::decode) << tail;
  }
  // Three digits are a CRC without its leading zero: checked, and this one is wrong.
  auto reading = decode_dsmr("/ISK5\\2M550T\r\n\r\n1-0:1.8.0(1*kWh)\r\n!CFD\r\n");
  ASSERT_FALSE(reading.has_value());
  EXPECT_EQ(reading.error().code, ErrorCode::checksum);
}

TEST(Dsmr, SummerTimeGasChannelAndHexMeterId) {
  const std::string telegram = with_crc(
      "/KFM5KAIFA-METER\r\n\r\n"
      "1-3:0.2.8(42)\r\n"
      "0-0:1.0.0(190514213620S)\r\n"
      "0-0:96.1.1(4530303034303031353934373534343134)\r\n"
      "1-0:1.7.0(00.329*kW)\r\n"
      "1-0:32.7.0(230.1*V)\r\n"
      "1-0:31.7.0(002*A)\r\n"
      "1-0:99.97.0(1)(0-0:96.7.19)(000101000001W)(2147483647*s)\r\n"
      "0-1:24.2.1(190514210000S)(01543.012*m3)\r\n"
      "!");
  auto reading = decode_dsmr(telegram);
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  EXPECT_EQ(reading->meter_time->iso8601(), "2019-05-14T21:36:20+02:00");
  EXPECT_EQ(reading->meter_id, "E0004001594754414");
  EXPECT_DOUBLE_EQ(reading->find(obis(1, 0, 1, 7, 0))->value, 329);
  EXPECT_EQ(reading->find(obis(1, 0, 1, 7, 0))->unit, unit::watt);
  EXPECT_DOUBLE_EQ(reading->find(obis(1, 0, 32, 7, 0))->value, 230.1);
  const Register* gas = reading->find(obis(0, 1, 24, 2, 1));
  ASSERT_NE(gas, nullptr);
  EXPECT_DOUBLE_EQ(gas->value, 1543.012);
  EXPECT_EQ(gas->unit, unit::cubic_metre);
  ASSERT_NE(reading->time_of(obis(0, 1, 24, 2, 1)), nullptr);  // the gas meter's own time
  EXPECT_EQ(reading->time_of(obis(0, 1, 24, 2, 1))->iso8601(), "2019-05-14T21:00:00+02:00");
  EXPECT_EQ(reading->time_of(obis(1, 0, 1, 7, 0)), nullptr);  // no time of its own
  // The power failure log is kept as text, not as values.
  const Register* log = reading->find(obis(1, 0, 99, 97, 0));
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->text, "(1)(0-0:96.7.19)(000101000001W)(2147483647*s)");
}

// The Belgian 13-month peak history (3 + 13 x 3 = 42 groups, over 500 bytes on one line) is
// kept as text and costs the telegram nothing; more groups than any real line is an error.
TEST(Dsmr, BelgianThirteenMonthHistoryIsKeptAsText) {
  std::string history = "0-0:98.1.0(13)(1-0:1.6.0)(1-0:1.6.0)";
  for (int month = 1; month <= 13; ++month) {
    history += "(2" + std::to_string(month % 10) + "0101000000W)(200101120000W)(04.318*kW)";
  }
  auto reading = decode_dsmr(with_crc("/FLU5\\253769484_A\r\n\r\n1-0:1.8.1(000034.000*kWh)\r\n" +
                                      history + "\r\n1-0:1.6.0(200509134558S)(02.589*kW)\r\n!"));
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  const Register* kept = reading->find(obis(0, 0, 98, 1, 0));
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->text, history.substr(history.find('(')));
  EXPECT_DOUBLE_EQ(reading->find(obis(1, 0, 1, 6, 0))->value, 2589);
  EXPECT_EQ(reading->time_of(obis(1, 0, 1, 6, 0))->iso8601(), "2020-05-09T13:45:58+02:00");

  std::string endless = "0-0:98.1.0";
  for (int i = 0; i < 65; ++i) endless += "(1)";
  auto too_many = decode_dsmr(with_crc("/FLU5\\253769484_A\r\n\r\n" + endless + "\r\n!"));
  ASSERT_FALSE(too_many.has_value());
  EXPECT_EQ(too_many.error().code, ErrorCode::decode);
}

// DSMR 2.2 gas: the value alone on the line after 0-n:24.3.0, whose time has no season letter
// (local time). Twelve digits elsewhere are not a time (an id stays an id).
TEST(Dsmr, LegacyGasValueOnTheNextLine) {
  const std::string head = "/ISk5\\2MT382-1004\r\n\r\n0-1:96.1.0(110101010101)\r\n";
  const std::string gas = "0-1:24.3.0(161107190000)(00)(60)(1)(0-1:24.2.1)(m3)\r\n";
  auto reading = decode_dsmr(head + gas + "(00001.001)\r\n0-1:24.4.0(1)\r\n!\r\n");
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  const Register* value = reading->find(obis(0, 1, 24, 3, 0));
  ASSERT_NE(value, nullptr);
  EXPECT_DOUBLE_EQ(value->value, 1.001);
  EXPECT_EQ(value->unit, unit::cubic_metre);
  ASSERT_NE(reading->time_of(obis(0, 1, 24, 3, 0)), nullptr);
  EXPECT_EQ(reading->time_of(obis(0, 1, 24, 3, 0))->iso8601(), "2016-11-07T19:00:00");
  EXPECT_EQ(reading->find(obis(0, 1, 96, 1, 0))->text, "110101010101");
  EXPECT_EQ(reading->find(obis(0, 1, 24, 4, 0))->value, 1);

  // Without CRC every line must parse: a missing or damaged value line loses the telegram.
  for (const std::string next : {"!\r\n", "0-1:24.4.0(1)\r\n!\r\n", "(00001.0x1)\r\n!\r\n",
                                 "(00001.001*m3)\r\n!\r\n", "(00001.001)(2)\r\n!\r\n"}) {
    auto broken = decode_dsmr(head + gas + next);
    ASSERT_FALSE(broken.has_value()) << next;
    EXPECT_EQ(broken.error().code, ErrorCode::decode) << next;
  }
}

TEST(Dsmr, TelegramWithoutCrcIsAccepted) {  // DSMR 2.2
  auto reading = decode_dsmr("/ISK5\\2M550T\r\n\r\n1-0:1.8.1(00123.456*kWh)\r\n!\r\n");
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  EXPECT_DOUBLE_EQ(reading->find(obis(1, 0, 1, 8, 1))->value, 123456);
}

TEST(Dsmr, GarbageLinesAreIgnored) {
  auto reading =
      decode_dsmr(with_crc("/ISK5\\2M550T\r\n\r\nhello "
                           "world\r\nno-obis(12)\r\n1-0:1.8.0(000001.000*kWh)\r\n\x01\x02\r\n!"));
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  EXPECT_EQ(reading->registers.size(), 1u);
}

TEST(Dsmr, MalformedValuesAreDecodeErrorsWithTheLine) {
  for (const char* line : {"1-0:1.8.0(12a.4*kWh)", "1-0:1.8.0(000001.000*kWh", "1-0:1.8.0(1)x(2)",
                           "1-0:1.8.0(*kWh)", "1-0:1.8.0(1234567890123456789012*kWh)"}) {
    auto reading = decode_dsmr(with_crc(std::string("/ISK5\\2M550T\r\n\r\n") + line + "\r\n!"));
    ASSERT_FALSE(reading.has_value()) << line;
    EXPECT_EQ(reading.error().code, ErrorCode::decode) << line;
    EXPECT_NE(reading.error().message.find("line 3"), std::string::npos) << reading.error().message;
  }
}

TEST(Dsmr, StructuralErrors) {
  auto no_slash = decode_dsmr("1-0:1.8.0(1*kWh)\r\n!");
  ASSERT_FALSE(no_slash.has_value());
  EXPECT_EQ(no_slash.error().code, ErrorCode::decode);

  auto no_end = decode_dsmr("/ISK5\\2M550T\r\n\r\n1-0:1.8.0(1*kWh)\r\n");
  ASSERT_FALSE(no_end.has_value());
  EXPECT_EQ(no_end.error().code, ErrorCode::incomplete);

  auto no_values = decode_dsmr(with_crc("/ISK5\\2M550T\r\n\r\n!"));
  ASSERT_FALSE(no_values.has_value());
  EXPECT_EQ(no_values.error().code, ErrorCode::decode);
}

TEST(Dsmr, Bounds) {
  std::string long_line = "/ISK5\\2M550T\r\n0-0:96.13.0(" + std::string(5000, '4') + ")\r\n!";
  auto too_long = decode_dsmr(long_line);
  ASSERT_FALSE(too_long.has_value());
  EXPECT_EQ(too_long.error().code, ErrorCode::length);

  std::string many_lines = "/ISK5\\2M550T\r\n";
  for (int i = 0; i < 2000; ++i) many_lines += "\r\n";
  auto too_many = decode_dsmr(many_lines + "!");
  ASSERT_FALSE(too_many.has_value());
  EXPECT_EQ(too_many.error().code, ErrorCode::length);

  auto too_big = decode_dsmr("/" + std::string(40000, 'x') + "!");
  ASSERT_FALSE(too_big.has_value());
  EXPECT_EQ(too_big.error().code, ErrorCode::length);
}

TEST(Dsmr, LooksLikeDsmr) {
  EXPECT_TRUE(looks_like_dsmr(bytes_of("/ISK5\\2M550T-1012\r\n\r\n")));
  EXPECT_FALSE(looks_like_dsmr(bytes_of("")));
  EXPECT_FALSE(looks_like_dsmr(bytes_of("/ISK5")));
  EXPECT_FALSE(looks_like_dsmr(bytes_of("ISK5\\2M550T\r\n")));
  EXPECT_FALSE(looks_like_dsmr(bytes_of("/1SK5\\2M550T\r\n")));
  EXPECT_FALSE(looks_like_dsmr(bytes_of("/ISK5\\2M550T")));  // no line end
  const std::vector<std::uint8_t> binary{'/', 'I', 'S', 'K', '5', 0x00, '\n'};
  EXPECT_FALSE(looks_like_dsmr(binary));
  const std::vector<std::uint8_t> apdu{0x0F, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02};
  EXPECT_FALSE(looks_like_dsmr(apdu));
}

}  // namespace
}  // namespace sm::cosem
