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

// The direct path's Reading; nullopt when it leaves the APDU to the general path.
std::optional<Reading> direct_reading(const std::vector<std::uint8_t>& plaintext,
                                      const dlms::AxdrLimits& limits,
                                      const DecodeOptions& options) {
  Reading reading;
  if (!decode_common_notification(plaintext, limits, options, reading)) return std::nullopt;
  return reading;
}

// Compares both paths on one plaintext; returns whether the direct path decoded it.
bool expect_same(const std::vector<std::uint8_t>& plaintext) {
  const auto direct = direct_reading(plaintext, {}, {});
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

// Both paths decode `plaintext` exactly when the limit `field` is at least `needed`,
// checked for every limit from 1 to needed + 1.
using LimitField = std::size_t dlms::AxdrLimits::*;
void expect_limit_threshold(const std::vector<std::uint8_t>& plaintext, LimitField field,
                            std::size_t needed) {
  for (std::size_t limit = 1; limit <= needed + 1; ++limit) {
    dlms::AxdrLimits limits;
    limits.*field = limit;
    const bool fits = limit >= needed;
    EXPECT_EQ(direct_reading(plaintext, limits, {}).has_value(), fits) << limit;
    EXPECT_EQ(dlms::decode_data_notification(plaintext, limits).has_value(), fits) << limit;
  }
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
  EXPECT_FALSE(direct_reading(positional, {}, {}).has_value());
  const auto nested = plaintext_of("AT-TINETZ-KFM-DOC-EXAMPLE");
  DecodeOptions forced;
  forced.profile = "obis-tagged";
  EXPECT_FALSE(direct_reading(nested, {}, forced).has_value());
  dlms::AxdrLimits shallow;
  shallow.max_depth = 2;  // the general decoder rejects the scaler-unit level
  EXPECT_FALSE(direct_reading(nested, shallow, {}).has_value());
}

// A flat list is taken as runs of {OBIS code, integer} pairs; a run must stop where a
// pair needs another rule: an unsigned value beyond INT64_MAX (no raw integer), a
// scaler-unit after a pair (it belongs to the run's last register), a non-integer value.
TEST(DirectPath, RunsOfIntegerPairsStopWhereAnotherRuleApplies) {
  const auto plaintext = *parse_hex(
      "0f00000001 00 0209"
      "0906 0100010800ff 06 00000001"          // uint32
      "0906 0100020800ff 15 ffffffffffffffff"  // uint64 beyond INT64_MAX
      "0906 0100010700ff 12 0005"              // uint16, then its scaler-unit
      "0202 0f ff 16 1b"                       // 10^-1 W
      "0906 0000600100ff 09 03 414243");       // a string ends the list
  ASSERT_TRUE(expect_same(plaintext));
  const auto reading = direct_reading(plaintext, {}, {});
  ASSERT_TRUE(reading.has_value());
  ASSERT_EQ(reading->registers.size(), 4u);
  EXPECT_EQ(reading->registers[0].raw, 1);
  EXPECT_FALSE(reading->registers[1].raw.has_value());
  EXPECT_EQ(reading->registers[1].value, 18446744073709551615.0);
  EXPECT_EQ(reading->registers[2].raw, 5);
  EXPECT_EQ(reading->registers[2].scaler, -1);
  EXPECT_EQ(reading->registers[2].unit, 27);
  EXPECT_EQ(reading->registers[2].value, 0.5);
  EXPECT_EQ(reading->registers[0].scaler, 0);  // the scaler-unit attached to the last only
  ASSERT_TRUE(reading->meter_id.has_value());
  EXPECT_EQ(std::string_view(*reading->meter_id), "ABC");

  // The node limit ends a run where it ends the general decoder: the body has 12 values
  // (the structure, 4 pairs, the scaler-unit and its 2 fields).
  expect_limit_threshold(plaintext, &dlms::AxdrLimits::max_nodes, 12);
  // Also when the run is all the list (5 values).
  const auto run_only =
      *parse_hex("0f00000001 00 0204 0906 0100010800ff 06 00000001 0906 0100020800ff 06 00000002");
  ASSERT_TRUE(expect_same(run_only));
  expect_limit_threshold(run_only, &dlms::AxdrLimits::max_nodes, 5);
}

// More registers than the flags the decoder keeps in place (64), in runs of pairs in two
// structures (a count of 128 or more takes the general path): the last register's
// scaler-unit still attaches to it.
TEST(DirectPath, LongRunsOfIntegerPairs) {
  const auto pairs = [](int from, int to) {
    std::string hex;
    for (int i = from; i < to; ++i) {
      char pair[40];
      std::snprintf(pair, sizeof pair, "0906 01%02x010800ff 12 %04x", i, i);
      hex += pair;
    }
    return hex;
  };
  const auto plaintext = *parse_hex(
      "0f00000001 00 0202"  // a structure of two structures
      "0250" +
      pairs(0, 40) +                   // 40 pairs
      "024f" + pairs(40, 78) +         // 38 pairs, then
      "0906 0100020800ff 06 00000007"  // energy export, then
      "0202 0f fd 16 1e");             // 10^-3 Wh for that one
  ASSERT_TRUE(expect_same(plaintext));
  const auto reading = direct_reading(plaintext, {}, {});
  ASSERT_TRUE(reading.has_value());
  ASSERT_EQ(reading->registers.size(), 79u);
  EXPECT_EQ(reading->registers[77].raw, 77);
  EXPECT_EQ(reading->registers[77].scaler, 0);
  EXPECT_EQ(reading->registers[78].scaler, -3);
  EXPECT_EQ(reading->registers[78].unit, 30);
  EXPECT_EQ(reading->registers[78].value, 0.007);
}

// Register structures {OBIS code, value, {scaler, unit}} in a row (KSM West) are taken as
// a run; a run stops where the general rules need another step (here a uint64 beyond
// INT64_MAX) and the limits end it where they end the general decoder.
TEST(DirectPath, RunsOfRegisterStructures) {
  const auto plaintext = *parse_hex(
      "0f00000001 00 0203"
      "0203 0906 0100010800ff 06 00000010 0202 0f ff 161e"          // 1.6 Wh
      "0203 0906 0100020800ff 15 ffffffffffffffff 0202 0f 00 161e"  // uint64
      "0203 0906 0100200700ff 12 0903 0202 0f ff 1623");            // 230.7 V
  ASSERT_TRUE(expect_same(plaintext));
  const auto reading = direct_reading(plaintext, {}, {});
  ASSERT_TRUE(reading.has_value());
  ASSERT_EQ(reading->registers.size(), 3u);
  EXPECT_EQ(reading->registers[0].value, 1.6);
  EXPECT_EQ(reading->registers[0].unit, 30);
  EXPECT_FALSE(reading->registers[1].raw.has_value());
  EXPECT_EQ(reading->registers[2].raw, 2307);
  EXPECT_EQ(reading->registers[2].value, 230.7);
  EXPECT_EQ(reading->registers[2].unit, 35);
  // 19 values: the body, and six a structure.
  expect_limit_threshold(plaintext, &dlms::AxdrLimits::max_nodes, 19);
  expect_limit_threshold(plaintext, &dlms::AxdrLimits::max_depth, 3);
  // A scaler out of range in the middle of a run: no Reading from either path.
  const auto out_of_range = *parse_hex(
      "0f00000001 00 0203"
      "0203 0906 0100010800ff 06 00000010 0202 0f ff 161e"
      "0203 0906 0100020800ff 06 00000010 0202 0f 7f 161e"
      "0203 0906 0100200700ff 12 0903 0202 0f ff 1623");
  EXPECT_FALSE(expect_same(out_of_range));
  EXPECT_FALSE(direct_reading(out_of_range, {}, {}).has_value());
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
