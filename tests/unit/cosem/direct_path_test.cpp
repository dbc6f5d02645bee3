// decode_common_notification (the direct path, no value tree) must give exactly the
// Reading of decode_data_notification + decode_notification, and give up (nullopt)
// wherever that fails: checked on every vector plaintext and on seeded mutations of them
// (bit flips, byte changes, truncations), so the rules of the two walks cannot drift apart.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/hex.h"
#include "cosem/decode.h"
#include "dlms/apdu.h"
#include "test_support.h"

namespace sm::cosem {
namespace {

std::vector<std::uint8_t> plaintext_of(const std::string& id) {
  auto text = test::read_text_file(test::vectors_dir() / id / "plaintext.hex");
  if (!text) return {};
  auto bytes = parse_hex(*text);
  return bytes ? *bytes : std::vector<std::uint8_t>{};
}

std::vector<std::vector<std::uint8_t>> all_plaintexts() {
  std::vector<std::vector<std::uint8_t>> out;
  for (const auto& entry : std::filesystem::directory_iterator(test::vectors_dir())) {
    auto bytes = plaintext_of(entry.path().filename().string());
    if (!bytes.empty() && !looks_like_dsmr(bytes)) out.push_back(std::move(bytes));
  }
  return out;
}

// Every field of a Reading, doubles bit-exact (%a).
std::string describe(const Reading& r) {
  std::string out = "profile=" + r.profile + " id=" + r.meter_id.value_or("-").str() +
                    " dev=" + r.device_name.value_or("-").str() +
                    " list=" + r.list_id.value_or("-").str();
  if (r.meter_time) {
    out += " time=" + r.meter_time->iso8601() + " unix=" +
           (r.meter_time->unix_seconds ? std::to_string(*r.meter_time->unix_seconds) : "-");
  }
  for (const auto& reg : r.registers) {
    char value[48];
    std::snprintf(value, sizeof value, "%a", reg.value);
    out += "\n" + reg.obis.to_string() + " " + value +
           " raw=" + (reg.raw ? std::to_string(*reg.raw) : "-") +
           " s=" + std::to_string(reg.scaler) + " u=" + std::to_string(reg.unit) +
           " t=" + reg.text.value_or("<none>").str();
  }
  return out;
}

// Compares both paths on one plaintext; returns whether the direct path decoded it.
bool expect_same(const std::vector<std::uint8_t>& plaintext) {
  const auto direct = decode_common_notification(plaintext, {}, {});
  auto notification = dlms::decode_data_notification(plaintext);
  Result<Reading> general = notification ? decode_notification(*notification)
                                         : Result<Reading>(tl::unexpected(notification.error()));
  if (!general) {
    EXPECT_FALSE(direct.has_value())
        << "direct path decoded what fails generally: " << general.error().message << "\n"
        << to_hex(plaintext);
    return false;
  }
  if (direct) {
    EXPECT_EQ(describe(*direct), describe(*general)) << to_hex(plaintext);
  }
  return direct.has_value();
}

TEST(DirectPath, TakesTheCommonObisListsWithTheSameReading) {
  // Nested {OBIS, value, {scaler, unit}} (KSM West), flat {OBIS, value} after a clock
  // (L+G E450), flat with an untagged meter number last (EVN), Aidon's nested list.
  for (const char* id : {"AT-TINETZ-KFM-DOC-EXAMPLE", "XX-LGZ-E450-GBT-1",
                         "AT-EVN-SAGEMCOM-T210D-1", "NO-AIDON-1PH"}) {
    const auto plaintext = plaintext_of(id);
    ASSERT_FALSE(plaintext.empty()) << id;
    EXPECT_TRUE(expect_same(plaintext)) << id << " did not take the direct path";
  }
}

TEST(DirectPath, LeavesOtherShapesAndForcedProfilesToTheGeneralPath) {
  // Wiener Netze AM550 is positional: no OBIS codes in the body.
  const auto positional = plaintext_of("AT-WN-ISK-AM550-RDDL-2");
  ASSERT_FALSE(positional.empty());
  EXPECT_FALSE(decode_common_notification(positional, {}, {}).has_value());
  const auto nested = plaintext_of("AT-TINETZ-KFM-DOC-EXAMPLE");
  DecodeOptions forced;
  forced.profile = "obis-tagged";
  EXPECT_FALSE(decode_common_notification(nested, {}, forced).has_value());
  dlms::AxdrLimits shallow;
  shallow.max_depth = 2;  // the general decoder rejects the scaler-unit level
  EXPECT_FALSE(decode_common_notification(nested, shallow, {}).has_value());
}

TEST(DirectPath, MutatedPlaintextsDecodeAsTheGeneralPathDecodesThem) {
  std::mt19937 rng(20261125);
  std::size_t direct = 0;
  for (const auto& original : all_plaintexts()) {
    expect_same(original);
    for (int i = 0; i < 300; ++i) {
      auto bytes = original;
      const std::size_t at = rng() % bytes.size();
      switch (rng() % 4) {
        case 0:
          bytes[at] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
          break;
        case 1:
          bytes.resize(at);
          break;
        case 2: {
          constexpr std::uint8_t kInteresting[] = {0x00, 0x01, 0x02, 0x06, 0x09, 0x0F, 0x10,
                                                   0x12, 0x16, 0x7F, 0x80, 0x81, 0xFF};
          bytes[at] = kInteresting[rng() % sizeof kInteresting];
          break;
        }
        default:
          bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(at));
          break;
      }
      if (expect_same(bytes)) ++direct;
    }
  }
  EXPECT_GT(direct, 100u);  // the mutations do reach the direct path
}

}  // namespace
}  // namespace sm::cosem
