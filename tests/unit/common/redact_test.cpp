#include "common/redact.h"

#include <string>

#include <gtest/gtest.h>

namespace {

constexpr const char* kKey = "101112131415161718191A1B1C1D1E1F";

TEST(RedactKeys, HidesAKeyAnywhereInAMessage) {
  const std::string cli11 =
      std::string("The following argument was not expected: --meter.kye=") + kKey;
  const std::string out = sm::redact_keys(cli11);
  EXPECT_EQ(out.find("1011121314"), std::string::npos) << out;
  EXPECT_NE(out.find("--meter.kye=[redacted 32 hex digits]"), std::string::npos) << out;
  EXPECT_EQ(sm::redact_keys(std::string("open ") + kKey + ": No such file"),
            "open [redacted 32 hex digits]: No such file");
}

TEST(RedactKeys, HidesMistypedAndColonSeparatedKeys) {
  const std::string key(kKey);
  EXPECT_EQ(sm::redact_keys(key.substr(0, 31)), "[redacted 31 hex digits]");
  EXPECT_EQ(sm::redact_keys(key + "0"), "[redacted 33 hex digits]");
  EXPECT_EQ(sm::redact_keys("0x" + key), "0x[redacted 32 hex digits]");
  EXPECT_EQ(sm::redact_keys("k=10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F."),
            "k=[redacted 32 hex digits].");
}

TEST(RedactKeys, KeepsSystemTitlesObisCodesAndPaths) {
  for (const std::string text : {"system_title=4B464D1020000123 obis=1.0.1.8.0.255",
                                 "cannot read key file /etc/a:b", "12:34:56 deadbeef", ""}) {
    EXPECT_EQ(sm::redact_keys(text), text);
  }
}

}  // namespace
