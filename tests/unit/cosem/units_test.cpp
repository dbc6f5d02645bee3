#include "cosem/units.h"

#include <set>

#include <gtest/gtest.h>

namespace sm::cosem {
namespace {

TEST(Units, BlueBookSymbols) {
  const std::pair<int, std::string_view> expected[] = {
      {1, "a"},        {2, "mo"},   {3, "wk"},      {4, "d"},        {5, "h"},
      {6, "min"},      {7, "s"},    {8, "°"},       {9, "°C"},       {10, "currency"},
      {11, "m"},       {12, "m/s"}, {13, "m³"},     {14, "m³ corr"}, {15, "m³/h"},
      {27, "W"},       {28, "VA"},  {29, "var"},    {30, "Wh"},      {31, "VAh"},
      {32, "varh"},    {33, "A"},   {34, "C"},      {35, "V"},       {36, "V/m"},
      {37, "F"},       {38, "Ω"},   {44, "Hz"},     {45, "1/(Wh)"},  {46, "1/(varh)"},
      {47, "1/(VAh)"}, {56, "%"},   {254, "other"}, {255, ""},
  };
  for (const auto& [code, symbol] : expected) EXPECT_EQ(unit_symbol(code), symbol) << code;
}

TEST(Units, UnknownCodesHaveNoSymbol) {
  for (int code : {-1, 0, 58, 100, 253, 256, 100000}) EXPECT_EQ(unit_symbol(code), "") << code;
}

TEST(Units, SymbolToCodeIsGeneratedFromTheSameTable) {
  for (const auto& row : unit_table()) {
    if (row.symbol.empty()) continue;
    EXPECT_EQ(unit_from_symbol(row.symbol), row.code) << row.symbol;
  }
  EXPECT_EQ(unit_from_symbol("m3"), 13);
  EXPECT_EQ(unit_from_symbol("kWh"), kUnitNone);  // prefixes are the caller's business
  EXPECT_EQ(unit_from_symbol(""), kUnitNone);
  EXPECT_EQ(unit_from_symbol("furlong"), kUnitNone);
}

TEST(Units, TableHasUniqueCodesAndSymbols) {
  std::set<int> codes;
  std::set<std::string_view> symbols;
  for (const auto& row : unit_table()) {
    EXPECT_TRUE(codes.insert(row.code).second) << row.code;
    EXPECT_TRUE(symbols.insert(row.symbol).second) << row.symbol;
  }
  EXPECT_EQ(unit::watt, unit_from_symbol("W"));
  EXPECT_EQ(unit::var_hour, unit_from_symbol("varh"));
  EXPECT_EQ(unit::hertz, unit_from_symbol("Hz"));
}

}  // namespace
}  // namespace sm::cosem
