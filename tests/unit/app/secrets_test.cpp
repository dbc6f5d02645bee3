// Issue 14, items 8, 11, 12 and 14: key files that are not files, core dumps, keys in the
// config file, flag values that used to fail only after start-up.
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "app/flag_checks.h"
#include "app/hardening.h"
#include "app/keys.h"
#include "crypto/secret_box.h"

namespace sm::app {
namespace {

namespace fs = std::filesystem;
constexpr const char* kKeyHex = "101112131415161718191A1B1C1D1E1F";

fs::path temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "sm-secrets-XXXXXX").string();
  const char* made = ::mkdtemp(pattern.data());
  EXPECT_NE(made, nullptr);
  return made;
}

fs::path write_file(const fs::path& path, const std::string& text, fs::perms perms) {
  std::ofstream(path) << text;
  fs::permissions(path, perms);
  return path;
}

TEST(KeyFile, DevZeroIsRefusedWithoutReadingItAll) {
  auto key = load_key_file("/dev/zero");
  ASSERT_FALSE(key.has_value());
  EXPECT_NE(key.error().message.find("/dev/zero"), std::string::npos) << key.error().message;
  EXPECT_NE(key.error().message.find("not a regular file"), std::string::npos)
      << key.error().message;
}

TEST(KeyFile, FifoIsRefusedWithoutWaitingForAWriter) {
  const auto fifo = temp_dir() / "meter.key";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto key = load_key_file(fifo.string());  // the old code blocked here for ever
  ASSERT_FALSE(key.has_value());
  EXPECT_NE(key.error().message.find("FIFO"), std::string::npos) << key.error().message;
  fs::remove_all(fifo.parent_path());
}

TEST(KeyFile, HugeFileIsRefusedBySize) {
  const auto dir = temp_dir();
  // A valid key followed by a long comment: too long for a key file, whatever it holds.
  const auto path = write_file(
      dir / "big.key", std::string(kKeyHex) + "\n#" + std::string(kMaxKeyFileBytes, 'x') + "\n",
      fs::perms::owner_read | fs::perms::owner_write);
  auto key = load_key_file(path.string());
  ASSERT_FALSE(key.has_value());
  EXPECT_NE(key.error().message.find(std::to_string(kMaxKeyFileBytes)), std::string::npos)
      << key.error().message;
  // The largest accepted file still loads.
  const std::string padded = std::string(kKeyHex) + "\n#";
  write_file(path, padded + std::string(kMaxKeyFileBytes - padded.size(), 'x'),
             fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_TRUE(load_key_file(path.string()).has_value());
  fs::remove_all(dir);
}

TEST(KeySource, KeyAndKeyFileTogetherAreRefused) {
  const auto dir = temp_dir();
  const auto path = write_file(dir / "meter.key", kKeyHex, fs::perms::owner_read);
  std::vector<std::string> warnings;
  const std::string file = path.string();
  auto key = resolve_key({kKeyHex, file, "--meter.key", ""}, "meter-key", warnings);
  ASSERT_FALSE(key.has_value());
  EXPECT_NE(key.error().message.find("--meter.key-file"), std::string::npos) << key.error().message;
  fs::remove_all(dir);
}

TEST(KeySource, KeyInConfigNamesTheFileAndItsPermissions) {
  const auto dir = temp_dir();
  const auto config =
      write_file(dir / "exporter.toml", "[meter]\nkey = \"…\"\n",
                 fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  std::vector<std::string> warnings;
  auto key = resolve_key({kKeyHex, "", "--meter.key", config.string()}, "meter-key", warnings);
  ASSERT_TRUE(key.has_value());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find(config.string()), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("readable by group or others"), std::string::npos) << warnings[0];
  EXPECT_EQ(warnings[0].find("command line"), std::string::npos) << warnings[0];

  // A config file only its owner reads is where a key may be: no warning.
  fs::permissions(config, fs::perms::owner_read);
  warnings.clear();
  ASSERT_TRUE(resolve_key({kKeyHex, "", "--meter.key", config.string()}, "meter-key", warnings));
  EXPECT_TRUE(warnings.empty()) << warnings[0];
  fs::remove_all(dir);
}

TEST(FlagChecks, UnknownProfileListsTheKnownOnes) {
  EXPECT_TRUE(check_profile("auto", "--meter.profile").has_value());
  EXPECT_TRUE(check_profile("dsmr", "--meter.profile").has_value());
  auto bad = check_profile("kaifa-typo", "--meter.profile");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("kaifa-typo"), std::string::npos);
  EXPECT_NE(bad.error().message.find("auto, "), std::string::npos) << bad.error().message;
}

TEST(FlagChecks, TelemetryPathsTheServerWouldNeverMatch) {
  for (const char* good : {"/metrics", "/prometheus/metrics", "/metrics/", "/m-1_x.y~z"}) {
    EXPECT_TRUE(check_telemetry_path(good).has_value()) << good;
  }
  for (const char* bad :
       {"//metrics", "/m/../metrics", "/./metrics", "/metrics/.", "/a//b", "/metrics?x=1",
        "/met rics", "/%6detrics", "/", "metrics", "/api/v1/reading"}) {
    auto checked = check_telemetry_path(bad);
    ASSERT_FALSE(checked.has_value()) << bad;
    EXPECT_NE(checked.error().message.find("--web.telemetry-path"), std::string::npos);
  }
}

TEST(Hardening, CoreDumpsOffUnlessAllowed) {
  forbid_core_dumps();
  EXPECT_FALSE(core_dumps_allowed());
  allow_core_dumps(true);
  EXPECT_TRUE(core_dumps_allowed());
  forbid_core_dumps();
  EXPECT_FALSE(core_dumps_allowed());
}

TEST(Hardening, KeyFlagsAreWipedFromArgv) {
  std::string a0 = "smartmeter_exporter", a1 = std::string("--meter.key=") + kKeyHex,
              a2 = "--meter.auth-key", a3 = kKeyHex, a4 = "--meter.key-file=/x";
  std::array<char*, 5> argv{a0.data(), a1.data(), a2.data(), a3.data(), a4.data()};
  CLI::App app;
  std::string key, auth_key, key_file;
  app.add_option("--meter.key", key);
  app.add_option("--meter.auth-key", auth_key);
  app.add_option("--meter.key-file", key_file);
  app.parse(static_cast<int>(argv.size()), argv.data());
  const std::array<std::string_view, 2> flags{"--meter.key", "--meter.auth-key"};
  wipe_secret_arguments(static_cast<int>(argv.size()), argv.data(), app, flags);
  EXPECT_EQ(std::string(argv[1]), "--meter.key=" + std::string(32, 'x'));
  EXPECT_EQ(std::string(argv[3]), std::string(32, 'x'));
  EXPECT_EQ(std::string(argv[4]), "--meter.key-file=/x");
  for (const char* flag : {"--meter.key", "--meter.auth-key"}) {
    for (const auto& result : app.get_option(flag)->results()) {
      EXPECT_EQ(result.find("1011"), std::string::npos) << flag;
    }
  }
}

TEST(SecretBox, PagesAreLeftOutOfCoreDumps) {
  crypto::SecretBox<std::array<std::uint8_t, 16>> box;
  box->fill(0xAB);
  // /proc/self/smaps names the mapping's VmFlags; "dd" is "do not include in core dump".
  std::ifstream smaps("/proc/self/smaps");
  const auto address = reinterpret_cast<std::uintptr_t>(box.pages().data());
  std::string line;
  bool in_mapping = false, dontdump = false;
  while (std::getline(smaps, line)) {
    if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) &&
        line.find('-') != std::string::npos) {
      const auto start = std::stoull(line.substr(0, line.find('-')), nullptr, 16);
      const auto end = std::stoull(line.substr(line.find('-') + 1), nullptr, 16);
      in_mapping = address >= start && address < end;
    } else if (in_mapping && line.starts_with("VmFlags:")) {
      dontdump = line.find(" dd") != std::string::npos;
    }
  }
  EXPECT_TRUE(dontdump);
}

}  // namespace
}  // namespace sm::app
