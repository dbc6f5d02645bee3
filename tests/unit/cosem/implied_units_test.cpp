// Implied units (src/cosem/implied_units.cpp, tables in profiles.cpp): which table a list
// selects, what it changes, and that nothing it does not cover changes.
#include "cosem/implied_units.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "common/hex.h"
#include "cosem/decode.h"
#include "cosem/units.h"
#include "dlms/apdu.h"
#include "test_support.h"

namespace sm::cosem {
namespace {

Result<Reading> decode_vector(const std::string& id) {
  auto text = test::read_text_file(test::vectors_dir() / id / "plaintext.hex");
  EXPECT_TRUE(text.has_value()) << id;
  auto bytes = parse_hex(text.value_or(""));
  EXPECT_TRUE(bytes.has_value()) << id;
  auto notification = dlms::decode_data_notification(bytes.value_or(std::vector<std::uint8_t>{}));
  if (!notification) return tl::unexpected(notification.error());
  return decode_notification(*notification);
}

// The code by value: GCC 14 warns (-Wdangling-reference) when a returned reference could come
// from a temporary argument, as obis(...) is.
const Register& reg_of(const Reading& reading, Obis code) {
  const Register* reg = reading.find(code);
  EXPECT_NE(reg, nullptr) << code.to_string();
  static const Register none;
  return reg != nullptr ? *reg : none;
}

// A Reading of numeric registers as sent, with these codes.
Reading as_sent(const std::vector<Obis>& codes) {
  Reading reading;
  for (const Obis& code : codes) {
    Register& reg = reading.registers.emplace_back(code, 100, 100.0, 0, kUnitNone);
    reg.scaling = Scaling::as_sent;
  }
  return reading;
}

const std::vector<Obis> kCyprusCodes{
    obis(0, 0, 1, 0, 0),  obis(1, 0, 21, 7, 0), obis(1, 0, 41, 7, 0), obis(1, 0, 61, 7, 0),
    obis(1, 0, 22, 7, 0), obis(1, 0, 42, 7, 0), obis(1, 0, 62, 7, 0), obis(1, 0, 1, 7, 0),
    obis(1, 0, 2, 7, 0),  obis(1, 0, 3, 7, 0),  obis(1, 0, 4, 7, 0),  obis(1, 0, 13, 7, 0),
    obis(1, 0, 31, 7, 0), obis(1, 0, 51, 7, 0), obis(1, 0, 71, 7, 0), obis(1, 0, 32, 7, 0),
    obis(1, 0, 52, 7, 0), obis(1, 0, 72, 7, 0), obis(1, 0, 14, 7, 0), obis(0, 0, 96, 3, 0)};

TEST(ImpliedUnits, CyprusE450PushGetsTheE450Table) {
  auto reading = decode_vector("CY-LGZ-E450-GBT-PLAIN");
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  EXPECT_EQ(reading->profile, "self-describing");
  EXPECT_NE(reading->implied_units.find("lgz-e450-cyprus"), std::string_view::npos);

  const Register& current = reg_of(*reading, obis(1, 0, 31, 7, 0));
  EXPECT_DOUBLE_EQ(current.value, 1.30);
  EXPECT_EQ(current.raw, 130);
  EXPECT_EQ(current.scaler, -2);
  EXPECT_EQ(current.unit, unit::ampere);
  EXPECT_EQ(current.scaling, Scaling::implied);
  const Register& pf = reg_of(*reading, obis(1, 0, 13, 7, 0));
  EXPECT_DOUBLE_EQ(pf.value, 0.286);
  EXPECT_EQ(pf.unit, unit::none);
  EXPECT_EQ(reg_of(*reading, obis(1, 0, 32, 7, 0)).unit, unit::volt);
  EXPECT_EQ(reg_of(*reading, obis(1, 0, 4, 7, 0)).unit, unit::var);
  EXPECT_EQ(reg_of(*reading, obis(1, 0, 21, 7, 0)).unit, unit::watt);
  EXPECT_EQ(reg_of(*reading, obis(1, 0, 14, 7, 0)).unit, unit::hertz);

  // The physics of the capture: the implied power factor is P / S of the implied powers.
  const double p = reg_of(*reading, obis(1, 0, 1, 7, 0)).value;
  const double q = reg_of(*reading, obis(1, 0, 4, 7, 0)).value;
  EXPECT_NEAR(pf.value, p / std::hypot(p, q), 0.005);
  // Per phase, U x I is at least the active power (|S| >= P).
  for (const auto& [c_current, c_voltage, c_power] :
       std::vector<std::array<std::uint8_t, 3>>{{31, 32, 21}, {51, 52, 41}, {71, 72, 61}}) {
    const double s = reg_of(*reading, obis(1, 0, c_current, 7, 0)).value *
                     reg_of(*reading, obis(1, 0, c_voltage, 7, 0)).value;
    const double active = reg_of(*reading, obis(1, 0, c_power, 7, 0)).value;
    EXPECT_GE(s, active);
    EXPECT_LT(s, 10 * active);  // and of the same order: 0.01 A, not A or mA
  }

  // 0-0:96.3.0 is in the list but no row covers it: as sent.
  const Register& uncovered = reg_of(*reading, obis(0, 0, 96, 3, 0));
  EXPECT_EQ(uncovered.scaling, Scaling::as_sent);
  EXPECT_EQ(uncovered.value, 11);
  EXPECT_EQ(uncovered.unit, kUnitNone);
}

TEST(ImpliedUnits, E450EnergyListGetsWattHours) {
  auto reading = decode_vector("XX-LGZ-E450-GBT-1");
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  EXPECT_EQ(reading->profile, "obis-tagged");
  EXPECT_NE(reading->implied_units.find("lgz-e450-energy"), std::string_view::npos);
  const Register& energy = reg_of(*reading, obis(1, 0, 1, 8, 0));
  EXPECT_EQ(energy.unit, unit::watt_hour);
  EXPECT_EQ(energy.value, 4408736);
  EXPECT_EQ(energy.scaling, Scaling::implied);
  EXPECT_EQ(reg_of(*reading, obis(1, 0, 3, 8, 1)).unit, unit::var_hour);
  EXPECT_EQ(reg_of(*reading, obis(1, 0, 1, 7, 0)).unit, unit::watt);
  EXPECT_EQ(reg_of(*reading, obis(1, 0, 3, 7, 0)).unit, unit::var);
}

TEST(ImpliedUnits, KamstrupStillSelectedByListId) {
  auto reading = decode_vector("DK-KAM-OMNIPOWER-TESTKEYS");
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  EXPECT_EQ(reading->profile, "kamstrup");
  EXPECT_NE(reading->implied_units.find("kamstrup"), std::string_view::npos);
}

// Kamstrup firmware that sends voltages in 0.01 V under the same list version (amsreader
// issues #814, #970): the raw value decides, the documented volts stay for the others.
TEST(ImpliedUnits, KamstrupVoltagesInCentivoltsAreRecognisedByTheirSize) {
  auto reading = decode_vector("XX-KAM-OMNIPOWER-CENTIVOLT");
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  EXPECT_EQ(reading->profile, "kamstrup");
  for (const auto& [code, raw, volts] : {std::tuple{obis(1, 1, 32, 7, 0), 23593, 235.93},
                                         std::tuple{obis(1, 1, 52, 7, 0), 23343, 233.43},
                                         std::tuple{obis(1, 1, 72, 7, 0), 23507, 235.07}}) {
    const Register& voltage = reg_of(*reading, code);
    EXPECT_EQ(voltage.raw, raw) << code.to_string();
    EXPECT_EQ(voltage.scaler, -2) << code.to_string();
    EXPECT_NEAR(voltage.value, volts, 1e-9) << code.to_string();
    EXPECT_EQ(voltage.unit, unit::volt);
  }
  EXPECT_DOUBLE_EQ(reg_of(*reading, obis(1, 1, 31, 7, 0)).value, 1.39);  // 0.01 A as ever

  // The documented volts (the DK test-key capture sends 222) and the edges of the rule.
  const auto* table = scaler_table_named("kamstrup");
  ASSERT_NE(table, nullptr);
  for (const auto& [raw, scaler] : {std::pair{0, 0}, std::pair{222, 0}, std::pair{999, 0},
                                    std::pair{1000, -2}, std::pair{25000, -2}}) {
    Reading one = as_sent({obis(1, 1, 32, 7, 0)});
    one.registers[0].raw = raw;
    one.registers[0].value = raw;
    ASSERT_EQ(apply_scaler_table(*table, one), 1u);
    EXPECT_EQ(one.registers[0].scaler, scaler) << raw;
    EXPECT_DOUBLE_EQ(one.registers[0].value, raw * std::pow(10.0, scaler)) << raw;
  }
  // No such firmware is known for the E450: its volts stay volts whatever their size.
  Reading e450 = as_sent({obis(1, 0, 32, 7, 0)});
  e450.registers[0].raw = 23593;
  ASSERT_EQ(apply_scaler_table(*scaler_table_named("lgz-e450-cyprus"), e450), 1u);
  EXPECT_EQ(e450.registers[0].scaler, 0);
}

// Issue 19 item 3: the Swiss E450 push (VSE configuration of 2026) sends its currents in
// 0.01 A without a scaler-unit; its own signature table gives them.
TEST(ImpliedUnits, SwissE450CurrentsInCentiamperes) {
  auto reading = decode_vector("CH-LGZ-E450-VSE2026");
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  EXPECT_NE(reading->implied_units.find("lgz-e450-ch-vse2026"), std::string_view::npos);
  const Register& current = reg_of(*reading, obis(1, 0, 31, 7, 0));
  EXPECT_EQ(current.raw, 9);
  EXPECT_DOUBLE_EQ(current.value, 0.09);
  EXPECT_EQ(current.unit, unit::ampere);
  EXPECT_EQ(reg_of(*reading, obis(1, 0, 32, 7, 0)).value, 236);
  EXPECT_EQ(reg_of(*reading, obis(1, 0, 32, 7, 0)).unit, unit::volt);
  EXPECT_EQ(reg_of(*reading, obis(1, 1, 1, 8, 0)).unit, unit::watt_hour);
  EXPECT_EQ(reg_of(*reading, obis(1, 1, 4, 8, 0)).unit, unit::var_hour);
  // The physics: what the currents and voltages carry covers the active power.
  const double va = 236 * 0.09 + 236 * 0.08;
  EXPECT_GE(va, reg_of(*reading, obis(1, 0, 1, 7, 0)).value);
}

TEST(ImpliedUnits, SignatureMustBeTheExactSet) {
  Reading exact = as_sent(kCyprusCodes);
  const auto* table = select_scaler_table(exact);
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->profile, "lgz-e450-cyprus");

  std::vector<Obis> more = kCyprusCodes;
  more.push_back(obis(1, 0, 15, 7, 0));
  EXPECT_EQ(select_scaler_table(as_sent(more)), nullptr) << "a code the list does not have";

  std::vector<Obis> fewer(kCyprusCodes.begin(), kCyprusCodes.end() - 1);
  EXPECT_EQ(select_scaler_table(as_sent(fewer)), nullptr) << "a code of the list missing";

  std::vector<Obis> reordered(kCyprusCodes.rbegin(), kCyprusCodes.rend());
  EXPECT_EQ(select_scaler_table(as_sent(reordered)), table) << "order does not matter";

  // Same number of codes, one of them not the list's (or the list's, twice): whichever
  // position it takes, and whatever the codes sort as.
  for (std::size_t i = 0; i < kCyprusCodes.size(); ++i) {
    for (const Obis& other :
         {obis(1, 0, 15, 7, 0), obis(0, 0, 0, 0, 0), obis(255, 255, 255, 255, 255, 255),
          kCyprusCodes[(i + 1) % kCyprusCodes.size()]}) {
      std::vector<Obis> swapped = kCyprusCodes;
      swapped[i] = other;
      EXPECT_EQ(select_scaler_table(as_sent(swapped)), nullptr)
          << kCyprusCodes[i].to_string() << " replaced by " << other.to_string();
    }
  }
  std::vector<Obis> repeated = kCyprusCodes;
  repeated.push_back(kCyprusCodes.front());
  EXPECT_EQ(select_scaler_table(as_sent(repeated)), table) << "a code twice is the same set";
}

TEST(ImpliedUnits, NothingAsSentSelectsNoSignatureTable) {
  Reading given = as_sent(kCyprusCodes);
  for (Register& reg : given.registers) reg.scaling = Scaling::given;
  EXPECT_EQ(select_scaler_table(given), nullptr);
}

TEST(ImpliedUnits, ApplyChangesOnlyRegistersAsSentThatARowCovers) {
  Reading reading = as_sent(
      {obis(1, 0, 31, 7, 0), obis(1, 0, 32, 7, 0), obis(1, 0, 15, 7, 0), obis(0, 0, 31, 7, 0)});
  reading.registers[1].scaling = Scaling::given;  // the frame said: leave it
  reading.registers[1].unit = unit::volt;
  reading.registers[1].scaler = -1;
  reading.registers[1].value = 10.0;
  const auto* table = scaler_table_named("lgz-e450-cyprus");
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(apply_scaler_table(*table, reading), 1u);
  EXPECT_EQ(reading.registers[0].scaling, Scaling::implied);
  EXPECT_DOUBLE_EQ(reading.registers[0].value, 1.0);
  EXPECT_DOUBLE_EQ(reading.registers[1].value, 10.0);  // given: untouched
  EXPECT_EQ(reading.registers[1].scaling, Scaling::given);
  EXPECT_EQ(reading.registers[2].scaling, Scaling::as_sent);  // 15.7.0: no row
  EXPECT_EQ(reading.registers[2].value, 100);
  EXPECT_EQ(reading.registers[3].scaling, Scaling::as_sent);  // A = 0: not electricity
  EXPECT_EQ(reading.implied_units, table->source);

  Reading none = as_sent({obis(1, 0, 15, 7, 0)});
  EXPECT_EQ(apply_scaler_table(*table, none), 0u);
  EXPECT_TRUE(none.implied_units.empty());
}

TEST(ImpliedUnits, EveryTableHasASelectorAndASource) {
  for (const auto& table : profiles::list_scaler_tables()) {
    EXPECT_FALSE(table.list_id.empty() && table.signature.empty() && table.layout.empty())
        << table.profile;
    EXPECT_EQ(table.source.substr(0, table.profile.size()), table.profile) << table.profile;
    EXPECT_FALSE(table.rows.empty()) << table.profile;
  }
}

// Issue 19 item 4: the Cyprus E450 energy push with the disconnect control's state (class
// 70, attribute 3, an enum) reports all twelve values; no table covers the list, so its
// energies stay as sent (never guessed).
TEST(ImpliedUnits, EnumOfTheCyprusPushIsReportedAndTheListStaysRaw) {
  auto reading = decode_vector("CY-LGZ-E450-GBT-ENUM");
  ASSERT_TRUE(reading.has_value()) << reading.error().describe();
  EXPECT_EQ(reading->registers.size(), 12u);
  const Register& control = reg_of(*reading, obis(0, 0, 96, 3, 10));
  ASSERT_TRUE(control.numeric());
  EXPECT_EQ(control.raw, 1);
  EXPECT_TRUE(reading->implied_units.empty());
  const Register& energy = reg_of(*reading, obis(1, 0, 1, 8, 0));
  EXPECT_EQ(energy.scaling, Scaling::as_sent);
  EXPECT_EQ(energy.unit, kUnitNone);
  EXPECT_EQ(energy.value, 132573);
  EXPECT_EQ(reg_of(*reading, obis(0, 0, 96, 1, 1)).text.value_or(""), "1538088");
}

}  // namespace
}  // namespace sm::cosem
