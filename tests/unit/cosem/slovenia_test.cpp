// The Slovenian Iskraemeco AM550 lists (profiles.cpp iskraemeco-si): what the logical device
// name in the first position decides, the negative cases (element count, one wrong type, a
// foreign or short device name, a truncated structure), and that no vector body fits two
// positional profiles.
#include <algorithm>
#include <filesystem>
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

using namespace test;  // NOLINT(google-build-using-namespace): tree builders

Result<Reading> decode(dlms::Value body, std::string profile = "auto") {
  dlms::DataNotification notification;
  notification.body = std::move(body);
  DecodeOptions options;
  options.profile = std::move(profile);
  return decode_notification(notification, options);
}

// The 18 elements of SI-ISK-AM550-GH956-1S, by position.
std::vector<dlms::Value> three_phase_elements(std::string_view device_name = "ISK1030792283067") {
  std::vector<dlms::Value> kids{octet_text(device_name), octet_text("16820005")};
  for (std::uint64_t power : {246, 0, 0, 286}) kids.push_back(u32(power));
  for (std::uint64_t tenth_volt : {2325, 2321, 2328}) kids.push_back(u16(tenth_volt));
  for (std::uint64_t centiampere : {152, 11, 16}) kids.push_back(u16(centiampere));
  for (std::uint64_t power : {216, 19, 10, 0, 0, 0}) kids.push_back(u32(power));
  return kids;
}

TEST(Slovenia, ThreePhaseListNamesDeviceAndScalesVoltageAndCurrent) {
  auto reading = decode(structure(three_phase_elements()));
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  EXPECT_EQ(reading->profile, "iskraemeco-si");
  EXPECT_EQ(reading->device_name, "ISK1030792283067");
  EXPECT_FALSE(reading->meter_id.has_value());  // "16820005" is no meter number (profiles.cpp)
  const Register* id = reading->find(obis(0, 0, 96, 1, 3));
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(id->text, "16820005");
  const Register* voltage = reading->find(obis(1, 0, 52, 7, 0));
  ASSERT_NE(voltage, nullptr);
  EXPECT_EQ(voltage->raw, 2321);
  EXPECT_EQ(voltage->scaler, -1);
  EXPECT_EQ(voltage->unit, unit::volt);
  const Register* current = reading->find(obis(1, 0, 31, 7, 0));
  ASSERT_NE(current, nullptr);
  EXPECT_DOUBLE_EQ(current->value, 1.52);
  EXPECT_EQ(reading->registers.size(), 18u);
}

TEST(Slovenia, ForcedProfileDecodesTheSameList) {
  auto reading = decode(structure(three_phase_elements()), "iskraemeco-si");
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  EXPECT_EQ(reading->profile, "iskraemeco-si");
}

TEST(Slovenia, OneElementMoreOrLessIsNotMatched) {
  auto shorter = three_phase_elements();
  shorter.pop_back();
  auto longer = three_phase_elements();
  longer.push_back(u32(0));
  for (auto* kids : {&shorter, &longer}) {
    auto reading = decode(structure(*kids));
    ASSERT_FALSE(reading.has_value())
        << kids->size() << " elements decoded as " << reading->profile;
    EXPECT_EQ(reading.error().code, ErrorCode::unsupported);
  }
}

TEST(Slovenia, AWrongTypeInOnePositionIsNotMatched) {
  auto kids = three_phase_elements();
  kids[6] = octet_text("2325");  // the L1 voltage as a string
  auto reading = decode(structure(kids));
  ASSERT_FALSE(reading.has_value());
  EXPECT_EQ(reading.error().code, ErrorCode::unsupported);
  kids = three_phase_elements();
  kids[1] = u32(16820005);  // the device id as a number
  EXPECT_FALSE(decode(structure(kids)).has_value());
}

TEST(Slovenia, DeviceNameMustBeSixteenBytesFromIskraemeco) {
  for (std::string_view name : {"LGZ1030792283067", "ISK103079228306", "ISK10307922830670"}) {
    auto reading = decode(structure(three_phase_elements(name)));
    ASSERT_FALSE(reading.has_value()) << name << " decoded as " << reading->profile;
    EXPECT_EQ(reading.error().code, ErrorCode::unsupported) << name;
  }
  auto kids = three_phase_elements();
  kids[0] = visible("ISK1030792283067");  // a visible-string is no logical device name
  EXPECT_FALSE(decode(structure(kids)).has_value());
}

// amsreader issue #869's 9-element list without a device id (gh869-6): the source marks
// every position with "?", so it is not matched (profiles.cpp).
TEST(Slovenia, NineValuesWithoutDeviceIdAreNotGuessed) {
  auto reading = decode(structure({octet_text("ISK1030777478586"), u32(625), u32(0), u32(12790974),
                                   u32(5733926), u32(7057048), u32(250), u32(112), u32(138)}));
  ASSERT_FALSE(reading.has_value()) << reading->profile;
  EXPECT_EQ(reading.error().code, ErrorCode::unsupported);
}

std::vector<std::uint8_t> plaintext_of(const std::string& id) {
  auto text = read_text_file(vectors_dir() / id / "plaintext.hex");
  auto bytes = text ? parse_hex(*text) : std::nullopt;
  return bytes ? *bytes : std::vector<std::uint8_t>{};
}

TEST(Slovenia, TruncatedStructureIsADecodeError) {
  const auto plaintext = plaintext_of("SI-ISK-AM550-GH956-1S");
  ASSERT_FALSE(plaintext.empty());
  for (std::size_t cut : {1u, 3u, 5u, 40u}) {
    const std::vector<std::uint8_t> truncated(plaintext.begin(),
                                              plaintext.end() - static_cast<long>(cut));
    auto notification = dlms::decode_data_notification(truncated);
    ASSERT_FALSE(notification.has_value()) << "cut " << cut;
    EXPECT_NE(notification.error().code, ErrorCode::unsupported) << "cut " << cut;
  }
}

// Every vector body fits at most one positional profile, and each Slovenian capture fits
// iskraemeco-si only: auto-detection cannot depend on the order of the layout table.
TEST(Slovenia, NoVectorFitsTwoPositionalProfiles) {
  std::size_t slovenian = 0;
  for (const auto& entry : std::filesystem::directory_iterator(vectors_dir())) {
    const std::string id = entry.path().filename().string();
    const auto plaintext = plaintext_of(id);
    if (plaintext.empty() || plaintext.front() != 0x0F) continue;
    auto notification = dlms::decode_data_notification(plaintext);
    if (!notification) continue;
    std::vector<std::string> fitting;
    for (const char* profile : {"wiener-netze", "kaernten-wels", "kaifa-no", "iskraemeco-si"}) {
      DecodeOptions options;
      options.profile = profile;
      if (decode_notification(*notification, options)) fitting.emplace_back(profile);
    }
    EXPECT_LE(fitting.size(), 1u) << id;
    if (id.rfind("SI-", 0) == 0) {
      ++slovenian;
      EXPECT_EQ(fitting, std::vector<std::string>{"iskraemeco-si"}) << id;
    }
  }
  EXPECT_EQ(slovenian, 6u);
}

}  // namespace
}  // namespace sm::cosem
