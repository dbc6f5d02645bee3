// COSEM date-time (Blue Book 4.1.6.1).
#include "dlms/datetime.h"

#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "dlms_test_util.h"

namespace sm::dlms {
namespace {

using test::H;

TEST(DateTime, TinetzHeaderSummerTime) {
  // Header date-time of AT-TINETZ-KFM-DOC-EXAMPLE: 2021-07-19 15:46:35 local, deviation -120
  // (UTC = local - 2 h), clock status 0x80 (DST active).
  auto dt = parse_date_time(H("07E50713010F2E2300FF8880"));
  ASSERT_TRUE(dt) << dt.error().describe();
  EXPECT_EQ(dt->year, 2021);
  EXPECT_EQ(dt->month, 7);
  EXPECT_EQ(dt->day, 19);
  EXPECT_EQ(dt->weekday, 1);
  EXPECT_EQ(dt->hour, 15);
  EXPECT_EQ(dt->minute, 46);
  EXPECT_EQ(dt->second, 35);
  EXPECT_EQ(dt->hundredths, 0);
  EXPECT_EQ(dt->deviation_minutes, -120);
  EXPECT_EQ(dt->clock_status, 0x80);
  EXPECT_EQ(dt->iso8601(), "2021-07-19T15:46:35+02:00");
  EXPECT_EQ(dt->unix_seconds(), 1626702395);  // 2021-07-19T13:46:35Z
}

TEST(DateTime, WinterTimeAndPositiveDeviation) {
  // 2023-01-05 08:00:00, deviation -60 -> +01:00.
  auto dt = parse_date_time(H("07E70105040800000000FFC400"));
  ASSERT_FALSE(dt);  // 13 bytes: a length error, not a guess
  EXPECT_EQ(dt.error().code, ErrorCode::length);
  auto w = parse_date_time(H("07E701050408000000FFC400"));
  ASSERT_TRUE(w) << w.error().describe();
  EXPECT_EQ(w->iso8601(), "2023-01-05T08:00:00+01:00");
  EXPECT_EQ(w->unix_seconds(), 1672902000);  // 2023-01-05T07:00:00Z
  EXPECT_EQ(w->clock_status, 0x00);
  // Deviation +300 (UTC = local + 5 h): offset -05:00.
  auto ny = parse_date_time(H("07E701050403000000012C00"));
  ASSERT_TRUE(ny);
  EXPECT_EQ(ny->iso8601(), "2023-01-05T03:00:00-05:00");
  EXPECT_EQ(ny->unix_seconds(), 1672905600);  // 2023-01-05T08:00:00Z
}

TEST(DateTime, UnspecifiedDeviationMeansLocalTime) {
  // E450 header: 2022-02-21 17:37:30, hundredths 0xFF, deviation 0x8000, status 0x00.
  auto dt = parse_date_time(H("07E602150111251EFF800000"));
  ASSERT_TRUE(dt) << dt.error().describe();
  EXPECT_FALSE(dt->deviation_minutes.has_value());
  EXPECT_FALSE(dt->hundredths.has_value());
  EXPECT_EQ(dt->iso8601(), "2022-02-21T17:37:30");
  EXPECT_FALSE(dt->unix_seconds().has_value());
  EXPECT_EQ(dt->clock_status, 0x00);
}

TEST(DateTime, UnspecifiedFields) {
  auto dt = parse_date_time(H("FFFFFFFFFFFFFFFFFF8000FF"));
  ASSERT_TRUE(dt) << dt.error().describe();
  EXPECT_FALSE(dt->year);
  EXPECT_FALSE(dt->month);
  EXPECT_FALSE(dt->hour);
  EXPECT_EQ(dt->clock_status, 0xFF);
  EXPECT_FALSE(dt->iso8601());
  EXPECT_FALSE(dt->unix_seconds());
  // Date known, time not: the date alone.
  auto date_only = parse_date_time(H("07E50713FFFFFFFFFF8000FF"));
  ASSERT_TRUE(date_only);
  EXPECT_EQ(date_only->iso8601(), "2021-07-19");
  // DST begin/end markers are valid but name no calendar month.
  auto dst = parse_date_time(H("FFFFFEFE07020000FF800000"));
  ASSERT_TRUE(dst) << dst.error().describe();
  EXPECT_FALSE(dst->month);
  EXPECT_FALSE(dst->day);
  EXPECT_EQ(dst->hour, 2);
}

TEST(DateTime, ImpossibleValuesAreDecodeErrors) {
  struct Case {
    const char* hex;
    std::size_t offset;
  };
  const Case cases[] = {
      {"07E50013010F2E2300FF8880", 2},   // month 0
      {"07E50D13010F2E2300FF8880", 2},   // month 13
      {"07E50700010F2E2300FF8880", 3},   // day 0
      {"07E50720010F2E2300FF8880", 3},   // day 32
      {"07E5071308 0F2E2300FF8880", 4},  // weekday 8
      {"07E5071301182E2300FF8880", 5},   // hour 24
      {"07E50713010F3C2300FF8880", 6},   // minute 60
      {"07E50713010F2E3C00FF8880", 7},   // second 60
      {"07E50713010F2E2364FF8880", 8},   // hundredths 100
      {"07E50713010F2E2300FD0F80", 9},   // deviation -753
      {"07E50713010F2E230002D180", 9},   // deviation +721
      {"07E5021E010F2E2300FF8880", 3},   // 30 February
      {"07E5021D010F2E2300FF8880", 3},   // 29 February 2021 (not a leap year)
  };
  for (const auto& c : cases) {
    auto dt = parse_date_time(H(c.hex), 100);
    ASSERT_FALSE(dt) << c.hex;
    EXPECT_EQ(dt.error().code, ErrorCode::decode) << c.hex;
    EXPECT_EQ(dt.error().offset, 100 + c.offset) << c.hex << ": " << dt.error().describe();
    EXPECT_EQ(dt.error().layer, Layer::dlms);
  }
  EXPECT_TRUE(parse_date_time(H("07E4021D060F2E2300FF8880")));  // 29 February 2020
  EXPECT_TRUE(parse_date_time(H("07E50713010F2E2300FD3080")));  // deviation -720
}

TEST(DateTime, WrongSizeIsALengthError) {
  EXPECT_EQ(parse_date_time(H("07E507")).error().code, ErrorCode::length);
  EXPECT_EQ(parse_date_time({}).error().code, ErrorCode::length);
}

TEST(DateTime, DaysFromCivilAcrossEras) {
  // 1970-01-01T00:00:00Z
  auto epoch = parse_date_time(H("07B2010104000000000000 00"));
  ASSERT_TRUE(epoch) << epoch.error().describe();
  EXPECT_EQ(epoch->unix_seconds(), 0);
  // 2000-02-29T12:00:00Z (leap day of a year divisible by 400)
  auto leap = parse_date_time(H("07D0021D020C0000000000 00"));
  ASSERT_TRUE(leap);
  EXPECT_EQ(leap->unix_seconds(), 951825600);
  // 1969-12-31T23:59:59Z: before the epoch.
  auto before = parse_date_time(H("07B10C1F03173B3B000000 00"));
  ASSERT_TRUE(before);
  EXPECT_EQ(before->unix_seconds(), -1);
  // 2100-03-01T00:00:00Z (2100 is not a leap year)
  auto y2100 = parse_date_time(H("083403010100000000000000"));
  ASSERT_TRUE(y2100) << y2100.error().describe();
  EXPECT_EQ(y2100->unix_seconds(), 4107542400);
}

// iso8601() is formatted by hand; it must print what printf's %04d / %02d print, also
// for field values no parsed date-time has (DateTime is a plain struct).
std::string printf_iso8601(const DateTime& t) {
  char buf[160];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", *t.year, *t.month, *t.day);
  if (t.hour && t.minute) {
    n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), "T%02d:%02d:%02d",
                       *t.hour, *t.minute, t.second.value_or(0));
    if (t.deviation_minutes) {
      const int offset = -*t.deviation_minutes;
      const int magnitude = offset < 0 ? -offset : offset;
      std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), "%c%02d:%02d",
                    offset < 0 ? '-' : '+', magnitude / 60, magnitude % 60);
    }
  }
  return buf;
}

TEST(DateTime, Iso8601MatchesPrintfForAnyFieldValues) {
  const int samples[] = {0,   1,    9,    10,    59,     99,         100,
                         999, 1000, 9999, 10000, 65535,  123456789,  -1,
                         -9,  -10,  -99,  -100,  -12345, 2147483647, -2147483647 - 1};
  for (int v : samples) {
    for (int field = 0; field < 7; ++field) {
      DateTime t;
      t.year = 2021;
      t.month = 7;
      t.day = 19;
      t.hour = 15;
      t.minute = 46;
      t.second = 35;
      t.deviation_minutes = -120;
      switch (field) {
        case 0:
          t.year = v;
          break;
        case 1:
          t.month = v;
          break;
        case 2:
          t.day = v;
          break;
        case 3:
          t.hour = v;
          break;
        case 4:
          t.minute = v;
          break;
        case 5:
          t.second = v;
          break;
        case 6:
          if (v == -2147483647 - 1) continue;  // negating it is undefined in both versions
          t.deviation_minutes = v;
          break;
      }
      ASSERT_TRUE(t.iso8601());
      EXPECT_EQ(*t.iso8601(), printf_iso8601(t)) << "field " << field << " = " << v;
      t.second.reset();
      t.deviation_minutes.reset();
      EXPECT_EQ(*t.iso8601(), printf_iso8601(t)) << "field " << field << " = " << v;
      t.minute.reset();
      EXPECT_EQ(*t.iso8601(), printf_iso8601(t)) << "field " << field << " = " << v;
    }
  }
}

}  // namespace
}  // namespace sm::dlms
