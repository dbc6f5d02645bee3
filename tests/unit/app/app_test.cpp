#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "app/duration.h"
#include "app/keys.h"
#include "app/log.h"
#include "app/serve_plan.h"
#include "app/source_factory.h"

namespace {
using namespace std::chrono_literals;

TEST(Duration, ParsesPrometheusStyle) {
  EXPECT_EQ(sm::app::parse_duration("500ms"), 500ms);
  EXPECT_EQ(sm::app::parse_duration("30s"), 30s);
  EXPECT_EQ(sm::app::parse_duration("5m"), 5min);
  EXPECT_EQ(sm::app::parse_duration("1h30m"), 90min);
  EXPECT_EQ(sm::app::parse_duration("2d"), 48h);
  EXPECT_EQ(sm::app::parse_duration("0"), 0ms);
  for (const char* bad : {"", "s", "30", "30x", "-5s", "5 s", "1.5s", "99999999999s"}) {
    EXPECT_FALSE(sm::app::parse_duration(bad).has_value()) << bad;
  }
  EXPECT_EQ(sm::app::format_duration(30s), "30s");
  EXPECT_EQ(sm::app::format_duration(1500ms), "1500ms");
  EXPECT_EQ(sm::app::format_duration(5min), "5m");
}

TEST(Keys, ParsesAndNeverEchoes) {
  auto key = sm::app::parse_key(" 10111213 14151617\n18191A1B1C1D1E1F\n", "--key");
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ((*key)[0], 0x10);
  EXPECT_EQ((*key)[15], 0x1F);
  auto short_key = sm::app::parse_key("101112131415161718191A1B1C1D1E", "--key");
  ASSERT_FALSE(short_key.has_value());
  EXPECT_EQ(short_key.error().code, sm::ErrorCode::config);  // a bad flag, not a frame's "key"
  EXPECT_EQ(short_key.error().message.find("101112"), std::string::npos);
  auto not_hex = sm::app::parse_key("101112131415161718191A1B1C1D1EZZ", "--key");
  ASSERT_FALSE(not_hex.has_value());
  EXPECT_EQ(not_hex.error().message.find("101112"), std::string::npos);
}

TEST(Keys, WarnsAboutReadableKeyFiles) {
  const auto path = std::filesystem::temp_directory_path() / "sm_key_test.key";
  std::ofstream(path) << "101112131415161718191A1B1C1D1E1F\n";
  std::filesystem::permissions(path, std::filesystem::perms::owner_read |
                                         std::filesystem::perms::owner_write |
                                         std::filesystem::perms::others_read);
  std::string warning;
  ASSERT_TRUE(sm::app::load_key_file(path.string(), &warning).has_value());
  EXPECT_NE(warning.find("readable by group or others"), std::string::npos);
  std::filesystem::permissions(
      path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  warning.clear();
  ASSERT_TRUE(sm::app::load_key_file(path.string(), &warning).has_value());
  EXPECT_TRUE(warning.empty());
  std::filesystem::remove(path);
  auto missing = sm::app::load_key_file(path.string());
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, sm::ErrorCode::config);
  EXPECT_NE(missing.error().message.find(path.string()), std::string::npos);
}

TEST(Logger, FormatsLogfmtAndJson) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  sm::app::Logger logfmt(sm::LogLevel::info, sm::app::LogFormat::logfmt);
  EXPECT_EQ(
      logfmt.format_line(sm::LogLevel::warn, "frame error",
                         {{"reason", "checksum"}, {"detail", "a \"b\""}}, t),
      R"(ts=2023-11-14T22:13:20.000Z level=warn msg="frame error" reason=checksum detail="a \"b\"")");
  sm::app::Logger json(sm::LogLevel::info, sm::app::LogFormat::json);
  EXPECT_EQ(json.format_line(sm::LogLevel::info, "x", {{"k", "v"}}, t),
            R"({"ts":"2023-11-14T22:13:20.000Z","level":"info","msg":"x","k":"v"})");
  EXPECT_FALSE(sm::parse_log_level("verbose").has_value());
  EXPECT_EQ(sm::app::parse_log_format("json"), sm::app::LogFormat::json);
}

}  // namespace

// One --serial.baud check for serving and for the device subcommands (diagnose, record):
// the same rates pass, the same error (a config error naming the flag and the value).
TEST(SerialBaud, ServeAndDeviceSubcommandsShareOneCheck) {
  sm::app::ServeSettings settings;
  settings.serial_device = "/dev/null";
  for (const int rate : {300, 2400, 9600, 115200}) {
    EXPECT_EQ(sm::app::checked_baud(rate).value_or(0), rate);
    EXPECT_EQ(sm::app::device_baud(std::to_string(rate), settings).value_or(0), rate);
  }
  settings.serial_baud = 12345;
  const auto planned = sm::app::plan_serve(settings);
  ASSERT_FALSE(planned.has_value());
  EXPECT_EQ(planned.error().code, sm::ErrorCode::config);
  EXPECT_EQ(planned.error().message, "--serial.baud 12345 is not a supported rate");
  for (const char* text : {"12345", "2400x", "fast", "-9600"}) {
    const auto baud = sm::app::device_baud(text, settings);
    ASSERT_FALSE(baud.has_value()) << text;
    EXPECT_EQ(baud.error().code, sm::ErrorCode::config);
    EXPECT_EQ(baud.error().message,
              std::string("--serial.baud ") + text + " is not a supported rate");
  }
  EXPECT_EQ(sm::app::device_baud("", settings).value_or(0), 12345);  // the serving setting
}
