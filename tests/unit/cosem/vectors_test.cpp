// Every vector with a plaintext: decode_data_notification + decode_notification (or
// decode_dsmr for text plaintexts) must give the values the source published
// (vector.json expected_published.values), and the meter id, time and profile checked by
// hand against vector.json decoded_by_checker.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/hex.h"
#include "cosem/decode.h"
#include "cosem/units.h"
#include "dlms/apdu.h"
#include "test_support.h"

namespace sm::cosem {
namespace {

using test::Json;

// Sources that published raw register values because the frame carries no scaler
// (esphome dlms_parser prints Kamstrup and L+G E450 Cyprus values unscaled; the exporter
// applies the implied units of profiles.cpp): compare Register::raw.
const std::vector<std::string> kPublishedRaw{"DK-KAM-OMNIPOWER-TESTKEYS", "CY-LGZ-E450-GBT-PLAIN"};

std::vector<std::string> vectors_with_plaintext() {
  std::vector<std::string> ids;
  for (const auto& entry : std::filesystem::directory_iterator(test::vectors_dir())) {
    if (std::filesystem::exists(entry.path() / "plaintext.hex"))
      ids.push_back(entry.path().filename().string());
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<std::uint8_t> plaintext_of(const std::string& id) {
  auto text = test::read_text_file(test::vectors_dir() / id / "plaintext.hex");
  if (!text) return {};
  auto bytes = parse_hex(*text);
  return bytes ? *bytes : std::vector<std::uint8_t>{};
}

std::optional<Json> vector_json(const std::string& id) {
  auto text = test::read_text_file(test::vectors_dir() / id / "vector.json");
  if (!text) return std::nullopt;
  return test::JsonReader(*text).document();
}

Result<Reading> decode_plaintext(const std::vector<std::uint8_t>& plaintext) {
  if (looks_like_dsmr(plaintext))
    return decode_dsmr(std::string(plaintext.begin(), plaintext.end()));
  // As the pipeline: items named by attribute descriptors (CZ-*) are no A-XDR value tree.
  if (auto items = decode_descriptor_items(plaintext, {})) return std::move(*items);
  auto notification = dlms::decode_data_notification(plaintext);
  if (!notification) return tl::unexpected(notification.error());
  return decode_notification(*notification);
}

// The OBIS code a published key names: "1.0.32.7.0.255 U1 [V]", "SpannungL1 [=1.0.32.7.0.255]",
// "1-0:1.8.0 [kWh]"; nullopt for keys such as "DateTime" or "list id". (No std::regex: GCC 12
// warns inside it under the sanitizers.)
std::optional<Obis> obis_in_key(std::string_view key) {
  auto is_code_char = [](char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == ':' || c == '-' || c == '*';
  };
  std::size_t start = 0;
  while (start < key.size()) {
    if (!is_code_char(key[start])) {
      ++start;
      continue;
    }
    std::size_t end = start;
    while (end < key.size() && is_code_char(key[end])) ++end;
    std::string_view token = key.substr(start, end - start);
    while (!token.empty() && (token.back() == '.' || token.back() == '-')) token.remove_suffix(1);
    const bool six_groups = std::count(token.begin(), token.end(), '.') == 5 &&
                            token.find_first_of(":-*") == std::string_view::npos;
    const bool reduced = token.find(':') != std::string_view::npos;
    if (six_groups || reduced) {
      if (auto code = Obis::parse(token)) return code;
    }
    start = end;
  }
  return std::nullopt;
}

// "2026-06-08 18:46:04..." -> "2026-06-08T18:46:04"; nullopt when the text is not a time.
std::optional<std::string> published_time(const std::string& text) {
  constexpr std::string_view pattern = "dddd-dd-dd dd:dd:dd";
  if (text.size() < pattern.size()) return std::nullopt;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (pattern[i] == 'd' ? !digit : text[i] != pattern[i]) return std::nullopt;
  }
  std::string iso = text.substr(0, pattern.size());
  iso[10] = 'T';
  return iso;
}

bool near(double actual, double expected) {
  return std::fabs(actual - expected) <= 1e-9 * std::max(1.0, std::fabs(expected));
}

class CosemVector : public ::testing::TestWithParam<std::string> {};

TEST_P(CosemVector, GivesThePublishedValues) {
  const std::string& id = GetParam();
  const auto vector = vector_json(id);
  ASSERT_TRUE(vector.has_value()) << "vector.json of " << id << " does not parse";
  const auto plaintext = plaintext_of(id);
  ASSERT_FALSE(plaintext.empty());

  const Json* status =
      vector->get("verification") ? vector->get("verification")->get("status") : nullptr;
  const bool negative =
      status && status->string() && status->string()->find("negative") != std::string::npos;
  auto reading = decode_plaintext(plaintext);
  if (negative) {
    EXPECT_FALSE(reading.has_value()) << id << " is corrupt and must not decode";
    return;
  }
  if (plaintext.front() != 0x0F && plaintext.front() != '/') {  // e.g. an event-notification
    ASSERT_FALSE(reading.has_value());
    EXPECT_EQ(reading.error().code, ErrorCode::unsupported) << reading.error().describe();
    return;
  }
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();

  const Json* published = vector->get("expected_published");
  const Json* values = published ? published->get("values") : nullptr;
  if (values == nullptr || values->object() == nullptr) return;
  const bool raw_vector =
      std::find(kPublishedRaw.begin(), kPublishedRaw.end(), id) != kPublishedRaw.end();
  int compared = 0;
  for (const auto& [key, expected] : *values->object()) {
    const auto code = obis_in_key(key);
    if (!code) continue;
    const Register* reg = reading->find(*code);
    ASSERT_NE(reg, nullptr) << id << ": no register " << code->to_string() << " for '" << key
                            << "'";
    ++compared;
    if (const double* number = expected.number()) {
      ASSERT_TRUE(reg->numeric()) << id << ": " << key << " is text '" << *reg->text << "'";
      if (raw_vector || key.find("raw") != std::string::npos) {
        ASSERT_TRUE(reg->raw.has_value()) << key;
        EXPECT_EQ(*reg->raw, static_cast<std::int64_t>(*number)) << id << ": raw " << key;
      } else {
        const double factor =
            key.find("[kWh]") != std::string::npos ? 1000.0 : 1.0;  // we report Wh
        EXPECT_TRUE(near(reg->value, *number * factor))
            << id << ": " << key << " = " << reg->value << ", published " << *number;
      }
    } else if (const std::string* text = expected.string()) {
      ASSERT_TRUE(reg->text.has_value()) << id << ": " << key << " is numeric";
      if (auto iso = published_time(*text)) {
        EXPECT_EQ(reg->text->substr(0, iso->size()), *iso) << id << ": " << key;
      } else {
        EXPECT_EQ(*reg->text, *text) << id << ": " << key;
      }
    }
  }
  RecordProperty("published_values_compared", compared);
}

INSTANTIATE_TEST_SUITE_P(Vectors, CosemVector, ::testing::ValuesIn(vectors_with_plaintext()),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// ----- hand checks against decoded_by_checker -------------------------------------------

struct Expected {
  Obis code;
  double value;
  int unit;
};

struct HandCheck {
  std::string id;
  std::string profile;
  std::optional<std::string> meter_id;
  std::optional<std::string> meter_time;
  std::optional<std::int64_t> unix_seconds;
  std::vector<Expected> values;
};

const std::vector<HandCheck>& hand_checks() {
  static const std::vector<HandCheck> checks{
      {"AT-EVN-KFM-SPEC-EXAMPLE",
       "evn",
       "181220000009",
       "2021-09-27T09:47:15+02:00",
       1632728835,
       {{obis(1, 0, 1, 8, 0), 12937, unit::watt_hour},
        {obis(1, 0, 32, 7, 0), 233.7, unit::volt},
        {obis(1, 0, 31, 7, 0), 0, unit::ampere},
        {obis(1, 0, 13, 7, 0), 1.0, unit::none}}},
      {"AT-EVN-SAGEMCOM-L0101-QUIRK",
       "evn",
       "178210431186",
       "2023-04-14T17:56:05+02:00",
       1681487765,
       {{obis(1, 0, 1, 8, 0), 627660, unit::watt_hour},
        {obis(1, 0, 1, 7, 0), 515, unit::watt},
        {obis(1, 0, 32, 7, 0), 232.9, unit::volt},
        {obis(1, 0, 71, 7, 0), 1.18, unit::ampere},
        {obis(1, 0, 13, 7, 0), 0.819, unit::none}}},
      {"AT-EVN-SAGEMCOM-T210D-1",
       "evn",
       "178210193075",
       "2023-06-09T08:57:55+02:00",
       1686293875,
       {{obis(1, 0, 2, 8, 0), 6430217, unit::watt_hour}, {obis(1, 0, 2, 7, 0), 2088, unit::watt}}},
      {"AT-EWW-SMS-IM350-WELS-A",
       "kaernten-wels",
       "18037098",
       "2021-05-19T10:08:23+02:00",
       1621411703,
       {{obis(1, 0, 1, 8, 0), 3531997, unit::watt_hour},
        {obis(1, 0, 2, 8, 0), 0, unit::watt_hour},
        {obis(1, 0, 3, 8, 0), 392120, unit::var_hour},
        {obis(1, 0, 4, 8, 0), 282666, unit::var_hour},
        {obis(1, 0, 1, 7, 0), 146, unit::watt},
        {obis(1, 0, 2, 7, 0), 0, unit::watt}}},
      {"AT-SALZBURG-KFM-PLAINTEXT-APDU",
       "obis-tagged",
       "1KFM0200234804",
       "2022-11-12T16:54:00+01:00",
       1668268440,
       {{obis(1, 0, 4, 8, 0), 376416, unit::var_hour}, {obis(1, 0, 71, 7, 0), 0.37, unit::ampere}}},
      {"AT-TINETZ-KFM-DOC-EXAMPLE",
       "obis-tagged",
       "1KFM0100000035",
       "2021-07-19T15:46:35+02:00",
       1626702395,
       {{obis(1, 0, 32, 7, 0), 230.8, unit::volt},
        {obis(1, 0, 1, 8, 0), 9108, unit::watt_hour},
        {obis(1, 0, 3, 8, 0), 96, unit::var_hour},
        {obis(1, 0, 4, 8, 0), 9, unit::var_hour}}},
      {"AT-WN-ISK-AM550-RDDL-2",
       "wiener-netze",
       std::nullopt,
       "2021-10-21T06:44:02+02:00",
       1634791442,
       {{obis(1, 0, 1, 8, 0), 855, unit::watt_hour},
        {obis(1, 0, 2, 8, 0), 246, unit::watt_hour},
        {obis(1, 0, 3, 8, 0), 103, unit::var_hour},
        {obis(1, 0, 4, 8, 0), 169, unit::var_hour},
        {obis(1, 0, 1, 7, 0), 0, unit::watt},
        {obis(1, 0, 4, 7, 0), 0, unit::var}}},
      {"AT-WN-SMS-IM350-RDDL",
       "wiener-netze",
       "SMS1030788000020",
       "2021-10-21T05:40:34+02:00",
       1634787634,
       {{obis(1, 0, 1, 8, 0), 1465, unit::watt_hour},
        {obis(1, 0, 4, 8, 0), 5521, unit::var_hour},
        {obis(1, 0, 1, 7, 0), 4, unit::watt},
        {obis(1, 0, 4, 7, 0), 18, unit::var}}},
      {"CY-LGZ-E450-GBT-PLAIN",
       "self-describing",
       std::nullopt,
       "2026-06-08T18:46:02",
       std::nullopt,
       {{obis(1, 0, 1, 7, 0), 187, unit::watt},  // implied: profiles.cpp lgz-e450-cyprus
        {obis(1, 0, 31, 7, 0), 1.30, unit::ampere},
        {obis(0, 0, 96, 3, 0), 11, unit::none}}},
      {"CZ-CEZ-SMS-XT211-RAW",
       "descriptor-items",
       "5100005149",  // 0-0:96.1.1, the serial number in ČEZ's list
       std::nullopt,
       std::nullopt,
       {{obis(1, 0, 1, 7, 0), 1956, unit::watt},  // implied: profiles.cpp cz-descriptor-items
        {obis(1, 0, 61, 7, 0), 54, unit::watt},
        {obis(1, 0, 1, 8, 0), 4913794, unit::watt_hour},
        {obis(1, 0, 2, 8, 0), 52, unit::watt_hour},
        {obis(0, 0, 17, 0, 0), 0, unit::none},  // limiter threshold: not covered
        {obis(0, 1, 96, 3, 10), 1, unit::none}}},
      {"CZ-EGD-DOC-EXAMPLE",
       "descriptor-items",
       "0123456789",
       std::nullopt,
       std::nullopt,
       {{obis(1, 0, 1, 7, 0), 3, unit::watt},
        {obis(1, 0, 1, 8, 3), 4, unit::watt_hour},
        {obis(0, 6, 96, 3, 10), 0, unit::none}}},
      {"DK-KAM-OMNIPOWER-TESTKEYS",
       "kamstrup",
       std::nullopt,
       "2026-03-12T15:24:30",
       std::nullopt,
       {{obis(1, 1, 1, 8, 0), 63074980, unit::watt_hour},
        {obis(1, 1, 1, 7, 0), 1083, unit::watt},
        {obis(1, 1, 32, 7, 0), 222, unit::volt},
        {obis(1, 1, 31, 7, 0), 0.57, unit::ampere},
        {obis(1, 1, 13, 7, 0), 0.83, unit::none}}},
      {"LU-SAGEMCOM-SMARTY-NEXXTLAB",
       "dsmr",
       std::nullopt,
       "2018-01-30T10:21:22+01:00",
       1517304082,
       {{obis(1, 0, 1, 8, 0), 6695, unit::watt_hour},
        {obis(1, 0, 2, 8, 0), 25, unit::watt_hour},
        {obis(1, 0, 4, 8, 0), 2745, unit::var_hour},
        {obis(1, 0, 1, 7, 0), 0, unit::watt},
        {obis(1, 0, 31, 7, 0), 0, unit::ampere}}},
      {"NO-AIDON-1PH",
       "obis-tagged",
       "7359992890941742",
       std::nullopt,
       std::nullopt,
       {{obis(1, 0, 3, 7, 0), 996, unit::var}, {obis(1, 0, 31, 7, 0), 9.3, unit::ampere}}},
      {"NO-KFM-MA304H3E-CNRD",
       "kaifa-no",
       "6970631401753985",
       "2017-09-15T05:33:40",
       std::nullopt,
       {{obis(1, 0, 1, 7, 0), 948, unit::watt},
        {obis(1, 0, 4, 7, 0), 64, unit::var},
        {obis(1, 0, 31, 7, 0), 1.416, unit::ampere},
        {obis(1, 0, 51, 7, 0), 3.241, unit::ampere},
        {obis(1, 0, 71, 7, 0), 3.119, unit::ampere},
        {obis(1, 0, 32, 7, 0), 238.5, unit::volt},
        {obis(1, 0, 52, 7, 0), 0, unit::volt},
        {obis(1, 0, 72, 7, 0), 238.9, unit::volt}}},
      // Slovenia (profiles.cpp iskraemeco-si): values read off the captures by hand with the
      // layout's positions; P+ = sum of the phase powers within 1 W.
      {"SI-ISK-AM550-GH956-1S",
       "iskraemeco-si",
       std::nullopt,
       "2025-05-16T23:45:00+02:00",
       1747431900,
       {{obis(1, 0, 1, 7, 0), 246, unit::watt},
        {obis(1, 0, 4, 7, 0), 286, unit::var},
        {obis(1, 0, 32, 7, 0), 232.5, unit::volt},
        {obis(1, 0, 52, 7, 0), 232.1, unit::volt},
        {obis(1, 0, 72, 7, 0), 232.8, unit::volt},
        {obis(1, 0, 31, 7, 0), 1.52, unit::ampere},
        {obis(1, 0, 51, 7, 0), 0.11, unit::ampere},
        {obis(1, 0, 71, 7, 0), 0.16, unit::ampere},
        {obis(1, 0, 21, 7, 0), 216, unit::watt},
        {obis(1, 0, 41, 7, 0), 19, unit::watt},
        {obis(1, 0, 61, 7, 0), 10, unit::watt},
        {obis(1, 0, 62, 7, 0), 0, unit::watt}}},
      {"SI-ISK-AM550-GH956-15MIN",
       "iskraemeco-si",
       std::nullopt,
       "2025-05-16T23:45:00+02:00",
       1747431900,
       {{obis(0, 0, 96, 3, 10), 1, unit::none},
        {obis(1, 0, 1, 8, 0), 471547, unit::watt_hour},
        {obis(1, 0, 1, 8, 1), 210163, unit::watt_hour},
        {obis(1, 0, 1, 8, 2), 261384, unit::watt_hour},
        {obis(1, 0, 2, 8, 0), 44620, unit::watt_hour},
        {obis(1, 0, 2, 8, 1), 28535, unit::watt_hour},
        {obis(1, 0, 2, 8, 2), 16085, unit::watt_hour},
        {obis(1, 0, 3, 8, 0), 20507, unit::var_hour},
        {obis(1, 0, 4, 8, 0), 313837, unit::var_hour}}},
      {"SI-ISK-AM550-GH615-1S",
       "iskraemeco-si",
       std::nullopt,
       "2023-07-24T19:40:25+02:00",
       1690220425,
       {{obis(1, 0, 1, 7, 0), 1393, unit::watt},
        {obis(1, 0, 4, 7, 0), 738, unit::var},
        {obis(1, 0, 32, 7, 0), 237.9, unit::volt},
        {obis(1, 0, 72, 7, 0), 229.6, unit::volt},
        {obis(1, 0, 71, 7, 0), 5.97, unit::ampere},
        {obis(1, 0, 21, 7, 0), 16, unit::watt},
        {obis(1, 0, 41, 7, 0), 51, unit::watt},
        {obis(1, 0, 61, 7, 0), 1325, unit::watt}}},
      {"SI-ISK-AM550-GH615-UP3F",
       "iskraemeco-si",
       std::nullopt,
       "2023-11-01T12:12:18+01:00",
       1698837138,
       {{obis(1, 0, 32, 7, 0), 231.4, unit::volt},
        {obis(1, 0, 52, 7, 0), 230.3, unit::volt},
        {obis(1, 0, 72, 7, 0), 234.8, unit::volt},
        {obis(1, 0, 31, 7, 0), 4.51, unit::ampere},
        {obis(1, 0, 51, 7, 0), 5.25, unit::ampere},
        {obis(1, 0, 71, 7, 0), 0.88, unit::ampere},
        {obis(1, 0, 1, 7, 0), 2399, unit::watt},
        {obis(1, 0, 3, 7, 0), 4, unit::var},
        {obis(1, 0, 4, 7, 0), 264, unit::var}}},
      {"SI-ISK-AM550-GH869-1PH",
       "iskraemeco-si",
       std::nullopt,
       "2024-11-22T20:44:59+01:00",
       1732304699,
       {{obis(1, 0, 1, 7, 0), 592, unit::watt},
        {obis(1, 0, 4, 7, 0), 112, unit::var},
        {obis(1, 0, 32, 7, 0), 231.3, unit::volt},
        {obis(1, 0, 2, 8, 1), 0, unit::watt_hour}}},
      {"SI-ISK-AM550-GH869-1PH-LLC",
       "iskraemeco-si",
       std::nullopt,
       "2024-12-08T19:05:30+01:00",
       1733681130,
       {{obis(1, 0, 1, 7, 0), 540, unit::watt},
        {obis(1, 0, 4, 7, 0), 282, unit::var},
        {obis(1, 0, 32, 7, 0), 233.6, unit::volt},
        {obis(1, 0, 31, 7, 0), 2.78, unit::ampere},
        {obis(1, 0, 21, 7, 0), 540, unit::watt},
        {obis(1, 0, 22, 7, 0), 0, unit::watt}}},
      {"XX-ISK-SEGMENTED-HDLC",
       "obis-tagged",
       "84895126",
       "2023-04-01T21:32:35+02:00",
       1680377555,
       {{obis(1, 0, 2, 8, 2), 13185, unit::watt_hour}, {obis(1, 0, 51, 7, 0), 0.89, unit::ampere}}},
      {"XX-LGZ-E450-GBT-1",
       "obis-tagged",
       std::nullopt,
       "2022-02-21T17:37:30",
       std::nullopt,
       {{obis(1, 0, 1, 8, 0), 4408736, unit::watt_hour},  // implied: lgz-e450-energy
        {obis(1, 0, 3, 7, 0), 1735, unit::var}}},
  };
  return checks;
}

class CosemHandCheck : public ::testing::TestWithParam<HandCheck> {};

TEST_P(CosemHandCheck, MatchesTheCheckerDecode) {
  const HandCheck& check = GetParam();
  auto reading = decode_plaintext(plaintext_of(check.id));
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  EXPECT_EQ(reading->profile, check.profile);
  EXPECT_EQ(reading->meter_id, check.meter_id);
  if (check.meter_time) {
    ASSERT_TRUE(reading->meter_time.has_value());
    EXPECT_EQ(reading->meter_time->iso8601(), *check.meter_time);
    EXPECT_EQ(reading->meter_time->unix_seconds, check.unix_seconds);
  } else {
    EXPECT_FALSE(reading->meter_time.has_value());
  }
  for (const Expected& expected : check.values) {
    const Register* reg = reading->find(expected.code);
    ASSERT_NE(reg, nullptr) << expected.code.to_string();
    ASSERT_TRUE(reg->numeric()) << expected.code.to_string();
    EXPECT_TRUE(near(reg->value, expected.value))
        << expected.code.to_string() << " = " << reg->value << ", expected " << expected.value;
    EXPECT_EQ(reg->unit, expected.unit) << expected.code.to_string();
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, CosemHandCheck, ::testing::ValuesIn(hand_checks()),
                         [](const auto& param_info) {
                           std::string name = param_info.param.id;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// ----- details the tables above do not show ---------------------------------------------

Reading decoded(const std::string& id) {
  auto reading = decode_plaintext(plaintext_of(id));
  EXPECT_TRUE(reading.has_value()) << id << ": " << reading.error().describe();
  return reading ? *reading : Reading{};
}

TEST(CosemVectorDetails, KsmWestCarriesClockMeterIdAndDeviceName) {
  const Reading reading = decoded("AT-TINETZ-KFM-DOC-EXAMPLE");
  EXPECT_EQ(reading.device_name, "KFM1100100000035");
  const Register* clock = reading.find(obis(0, 0, 1, 0, 0));
  ASSERT_NE(clock, nullptr);
  EXPECT_EQ(clock->text, "2021-07-19T15:46:35+02:00");
  const Register* voltage = reading.find(obis(1, 0, 32, 7, 0));
  ASSERT_NE(voltage, nullptr);
  EXPECT_EQ(voltage->raw, 2308);
  EXPECT_EQ(voltage->scaler, -1);
}

TEST(CosemVectorDetails, EvnMeterNumberIsTheLastUntaggedString) {
  const Reading reading = decoded("AT-EVN-SAGEMCOM-T210D-1");
  const Register* number = reading.find(obis(0, 0, 96, 1, 0));
  ASSERT_NE(number, nullptr);
  EXPECT_EQ(number->text, "178210193075");
  EXPECT_EQ(reading.registers.back().obis, obis(0, 0, 96, 1, 0));
  ASSERT_NE(reading.find(obis(0, 0, 1, 0, 0)), nullptr);  // the untagged first element
}

TEST(CosemVectorDetails, KaerntenWelsJoinsDateAndTimeIntoTheClock) {
  const Reading reading = decoded("AT-EWW-SMS-IM350-WELS-A");
  const Register* clock = reading.find(obis(0, 0, 1, 0, 0));
  ASSERT_NE(clock, nullptr);
  EXPECT_EQ(clock->text, "2021-05-19T10:08:23");
  EXPECT_EQ(reading.registers.size(),
            8u);  // serial, 6 values, clock; the header OBIS is not a value
}

TEST(CosemVectorDetails, KaifaNorwayNamesListIdAndMeterType) {
  const Reading reading = decoded("NO-KFM-MA304H3E-CNRD");
  EXPECT_EQ(reading.list_id, "KFM_001");
  const Register* type = reading.find(obis(0, 0, 96, 1, 7));
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(type->text, "MA304H3E");
  const Register* current = reading.find(obis(1, 0, 31, 7, 0));
  ASSERT_NE(current, nullptr);
  EXPECT_EQ(current->raw, 1416);
  EXPECT_EQ(current->scaler, -3);
}

TEST(CosemVectorDetails, KamstrupListIdSelectsItsScalerTable) {
  const Reading reading = decoded("DK-KAM-OMNIPOWER-TESTKEYS");
  EXPECT_EQ(reading.list_id, "Kamstrup_V0001");
  const Register* list = reading.find(obis(1, 1, 0, 2, 129));
  ASSERT_NE(list, nullptr);
  EXPECT_EQ(list->text, "Kamstrup_V0001");
  const Register* clock = reading.find(obis(0, 1, 1, 0, 0));
  ASSERT_NE(clock, nullptr);
  EXPECT_EQ(clock->text, "2026-03-12T15:24:30");
  const Register* number = reading.find(obis(1, 1, 0, 0, 1));  // not in the table: unscaled
  ASSERT_NE(number, nullptr);
  EXPECT_EQ(number->value, 12343400);
  EXPECT_EQ(number->unit, unit::none);
}

TEST(CosemVectorDetails, AidonListIdIsTagged) {
  const Reading reading = decoded("NO-AIDON-1PH");
  EXPECT_EQ(reading.list_id, "AIDON_V0001");
  const Register* type = reading.find(obis(0, 0, 96, 1, 7));
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(type->text, "6515");
}

TEST(CosemVectorDetails, SelfDescribingTakesCodesFromTheCaptureList) {
  const Reading reading = decoded("CY-LGZ-E450-GBT-PLAIN");
  EXPECT_EQ(reading.registers.size(), 20u);  // 21 capture objects minus the push setup itself
  const Register* clock = reading.find(obis(0, 0, 1, 0, 0));
  ASSERT_NE(clock, nullptr);
  EXPECT_EQ(clock->text, "2026-06-08T18:46:04");
  EXPECT_EQ(reading.find(obis(0, 8, 25, 9, 0)), nullptr);
}

TEST(CosemVectorDetails, DsmrTelegramKeepsTextAndDecodesDeviceName) {
  const Reading reading = decoded("LU-SAGEMCOM-SMARTY-NEXXTLAB");
  EXPECT_EQ(reading.device_name, "SAG1030700114004");
  ASSERT_TRUE(reading.text.has_value());
  EXPECT_EQ(reading.text->substr(0, 5), "/Lux5");
  const Register* name = reading.find(obis(0, 0, 42, 0, 0));
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(name->text, "53414731303330373030313134303034");  // as sent
}

}  // namespace
}  // namespace sm::cosem
