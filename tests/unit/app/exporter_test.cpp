// The Exporter's admission of decoded frames (issue 14 items 2 and 4): unciphered frames
// under a configured key, another meter's system title, an older run of counters, and
// the repetitions of a looping replay.
#include "app/exporter.h"

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "app/keys.h"
#include "common/hex.h"
#include "dlms/security.h"
#include "source/capture.h"

namespace sm::app {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;
using metrics::ErrorReason;

const fs::path kTinetz = fs::path(SM_TEST_DATA) / "vectors" / "AT-TINETZ-KFM-DOC-EXAMPLE";
constexpr dlms::SystemTitle kTitle{0x4B, 0x46, 0x4D, 0x10, 0x10, 0x00, 0x00, 0x23};
constexpr std::uint32_t kCounter = 0x00295B9A;

Bytes file_bytes(const fs::path& path) {
  auto capture = source::read_capture_file(path.string());
  EXPECT_TRUE(capture.has_value()) << path;
  Bytes bytes;
  if (capture) {
    const auto all = capture->chunks.all_bytes();
    bytes.assign(all.begin(), all.end());
  }
  return bytes;
}

dlms::Keys tinetz_keys() {
  dlms::Keys keys;
  keys.encryption = *load_key_file((kTinetz / "key.hex").string());
  return keys;
}

// The vector's plaintext ciphered again (SC 0x21) under another system title or counter.
Bytes ciphered(const dlms::SystemTitle& title, std::uint32_t counter) {
  auto apdu =
      dlms::protect(file_bytes(kTinetz / "plaintext.hex"), title, counter, 0x21, tinetz_keys());
  EXPECT_TRUE(apdu.has_value());
  return apdu ? *apdu : Bytes{};
}

class ExporterBench {
 public:
  explicit ExporterBench(dlms::Keys keys) : exporter_(options(std::move(keys)), logger_, state_) {}

  // Bytes, then the end of a push: a bare APDU has no link layer that says it is complete.
  void feed(const Bytes& bytes) {
    exporter_.on_bytes(bytes, std::chrono::system_clock::now());
    exporter_.on_end_of_input();
  }
  Exporter& exporter() { return exporter_; }
  [[nodiscard]] std::uint64_t errors(ErrorReason reason) const {
    return state_.snapshot().frame_errors[static_cast<std::size_t>(reason)];
  }
  [[nodiscard]] std::uint64_t frames() const { return state_.snapshot().frames_total; }
  [[nodiscard]] std::uint32_t counter() const {
    const auto snapshot = state_.snapshot();
    return snapshot.last && snapshot.last->security ? snapshot.last->security->invocation_counter
                                                    : 0;
  }

 private:
  static pipeline::DecoderOptions options(dlms::Keys keys) {
    pipeline::DecoderOptions o;
    o.keys = std::move(keys);
    return o;
  }
  Logger logger_{LogLevel::error};
  metrics::MeterState state_;
  Exporter exporter_;
};

TEST(Exporter, KeyConfiguredRefusesUnencryptedFrames) {
  ExporterBench bench(tinetz_keys());
  bench.feed(file_bytes(kTinetz / "input.hex"));
  ASSERT_EQ(bench.frames(), 1U);
  bench.feed(file_bytes(kTinetz / "plaintext.hex"));  // the same list, unciphered
  bench.feed(
      *parse_hex("0F00000001000201"
                 "06FFFFFFFF"));
  EXPECT_EQ(bench.errors(ErrorReason::unencrypted), 2U);
  EXPECT_EQ(bench.frames(), 1U);
  EXPECT_EQ(bench.counter(), kCounter);  // the reading is still the ciphered frame's
}

TEST(Exporter, WithoutKeyPlaintextMeterIsServed) {
  ExporterBench bench(dlms::Keys{});
  bench.feed(file_bytes(kTinetz / "plaintext.hex"));
  EXPECT_EQ(bench.frames(), 1U);
  EXPECT_EQ(bench.errors(ErrorReason::unencrypted), 0U);
}

// A plain DSMR P1 telegram has no security header: served without a key, refused as
// `unencrypted` with one (the rule for plaintext DLMS frames; DESIGN.md names no other).
const fs::path kKaifaTelegram =
    fs::path(SM_TEST_DATA) / "vectors-frontier" / "dsmr-4.2-kaifa-gas" / "input.hex";

TEST(Exporter, WithoutKeyDsmrTelegramIsServed) {
  ExporterBench bench(dlms::Keys{});
  bench.feed(file_bytes(kKaifaTelegram));
  EXPECT_EQ(bench.frames(), 1U);
  EXPECT_EQ(bench.errors(ErrorReason::unencrypted), 0U);
}

TEST(Exporter, KeyConfiguredRefusesDsmrTelegram) {
  ExporterBench bench(tinetz_keys());
  bench.feed(file_bytes(kKaifaTelegram));
  EXPECT_EQ(bench.frames(), 0U);
  EXPECT_EQ(bench.errors(ErrorReason::unencrypted), 1U);
}

TEST(Exporter, AnotherSystemTitleIsRefused) {
  ExporterBench bench(tinetz_keys());
  bench.feed(file_bytes(kTinetz / "input.hex"));
  dlms::SystemTitle other = kTitle;
  other[7] = 0x24;
  bench.feed(ciphered(other, kCounter + 1));
  EXPECT_EQ(bench.errors(ErrorReason::security_changed), 1U);
  EXPECT_EQ(bench.frames(), 1U);
  bench.feed(ciphered(kTitle, kCounter + 1));  // the meter itself goes on
  EXPECT_EQ(bench.frames(), 2U);
  EXPECT_EQ(bench.errors(ErrorReason::replay), 0U);
}

TEST(Exporter, OlderRunOfCountersNeverRollsTheMeterBack) {
  ExporterBench bench(tinetz_keys());
  bench.feed(file_bytes(kTinetz / "input.hex"));
  for (std::uint32_t k = 1; k <= 6; ++k) bench.feed(ciphered(kTitle, kCounter - 10000 + k));
  EXPECT_EQ(bench.errors(ErrorReason::replay), 6U);
  EXPECT_EQ(bench.frames(), 1U);
  EXPECT_EQ(bench.counter(), kCounter);
}

TEST(Exporter, LoopingReplayStartsANewRunOfCounters) {
  ExporterBench bench(tinetz_keys());
  const Bytes capture = file_bytes(kTinetz / "input.hex");
  bench.feed(capture);
  bench.feed(capture);
  EXPECT_EQ(bench.errors(ErrorReason::replay), 1U);
  bench.exporter().on_replay_repeat();
  bench.feed(capture);
  EXPECT_EQ(bench.frames(), 2U);
  EXPECT_EQ(bench.errors(ErrorReason::replay), 1U);
}

}  // namespace
}  // namespace sm::app
