#include "source/replay.h"

#include <fstream>

#include <gtest/gtest.h>

#include "source_test_support.h"

namespace sm::source {
namespace {

using namespace std::chrono_literals;
using std::chrono::microseconds;
using testing::RecordingSink;
using testing::RunningSource;
using testing::TempDir;

Capture timed_capture(std::vector<std::pair<microseconds, std::vector<std::uint8_t>>> chunks) {
  Capture capture;
  capture.kind = CaptureKind::timed;
  for (auto& [offset, bytes] : chunks) capture.chunks.push_back(offset, bytes);
  return capture;
}

// Designated initializers would trip -Wmissing-field-initializers on GCC 12.
ReplayOptions options(std::string path = {}, ReplayRate rate = ReplayRate::realtime,
                      bool loop = false, std::chrono::milliseconds interval = 1000ms) {
  ReplayOptions result;
  result.path = std::move(path);
  result.rate = rate;
  result.loop = loop;
  result.interval = interval;
  return result;
}

std::unique_ptr<Source> replay(Capture capture, ReplayOptions options) {
  auto source = make_replay_source(std::move(capture), std::move(options));
  EXPECT_TRUE(source) << source.error().describe();
  return source ? std::move(*source) : nullptr;
}

TEST(ReplayRate, ParsesAndPrints) {
  EXPECT_EQ(parse_replay_rate("realtime"), ReplayRate::realtime);
  EXPECT_EQ(parse_replay_rate("max"), ReplayRate::max);
  EXPECT_EQ(parse_replay_rate("fast"), std::nullopt);
  EXPECT_EQ(to_string(ReplayRate::max), "max");
}

TEST(ReplaySource, HexFileIsOnePushThenEndOfInput) {
  const std::string path =
      std::string(SM_TEST_DATA) + "/vectors/AT-TINETZ-KFM-DOC-EXAMPLE/input.hex";
  auto expected = read_capture_file(path);
  ASSERT_TRUE(expected);
  auto source = make_replay_source(options(path));
  ASSERT_TRUE(source) << source.error().describe();
  EXPECT_EQ((*source)->describe(), "replay " + path);

  RecordingSink sink;
  RunningSource running(**source, sink);
  ASSERT_TRUE(sink.wait_for_end());
  EXPECT_TRUE(std::ranges::equal(sink.bytes(), expected->chunks[0].bytes));
  EXPECT_EQ(sink.chunks().size(), 1U);
  EXPECT_EQ(sink.first_connects(), 1);
  // After the end the source idles until stopped, and stops promptly.
  EXPECT_LT(running.stop(), 1000ms);  // spec: shutdown within 1 s; generous for sanitizers
}

TEST(ReplaySource, BinaryFile) {
  TempDir dir;
  const std::string path = dir.file("raw.bin");
  const std::vector<std::uint8_t> raw{0x7E, 0xA0, 0x00, 0xFF, 0x0A, 0x0D, 0x7E};
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(raw.data()), static_cast<std::streamsize>(raw.size()));
  auto source = make_replay_source(options(path, ReplayRate::max));
  ASSERT_TRUE(source);
  RecordingSink sink;
  RunningSource running(**source, sink);
  ASSERT_TRUE(sink.wait_for_end());
  EXPECT_EQ(sink.bytes(), raw);
}

TEST(ReplaySource, MissingOrMalformedFileFailsAtCreation) {
  EXPECT_FALSE(make_replay_source(options("/nonexistent/capture.hex")));
  TempDir dir;
  const std::string path = dir.file("bad.capture");
  std::ofstream(path) << "# smartmeter_exporter capture v1\n0.1 68\n0.0 16\n";
  auto source = make_replay_source(options(path));
  ASSERT_FALSE(source);
  EXPECT_NE(source.error().message.find("line 3"), std::string::npos);
}

TEST(ReplaySource, RealtimeReproducesRecordedGaps) {
  auto source = replay(timed_capture({{0ms, {1}}, {120ms, {2, 3}}, {250ms, {4}}}), options());
  RecordingSink sink;
  auto begin = std::chrono::steady_clock::now();
  RunningSource running(*source, sink);
  ASSERT_TRUE(sink.wait_for_end());

  auto chunks = sink.chunks();
  ASSERT_EQ(chunks.size(), 3U);  // the recorded chunking is kept
  EXPECT_EQ(chunks[1].bytes, (std::vector<std::uint8_t>{2, 3}));
  EXPECT_EQ(sink.bytes(), (std::vector<std::uint8_t>{1, 2, 3, 4}));
  // Gaps are at least the recorded ones (a loaded machine may make them longer).
  EXPECT_GE(chunks[1].received - chunks[0].received, 100ms);
  EXPECT_GE(chunks[2].received - begin, 240ms);
}

TEST(ReplaySource, MaxRateIgnoresRecordedGaps) {
  auto source =
      replay(timed_capture({{0s, {1}}, {60s, {2}}, {3600s, {3}}}), options({}, ReplayRate::max));
  RecordingSink sink;
  RunningSource running(*source, sink);
  ASSERT_TRUE(sink.wait_for_end(2s));
  EXPECT_EQ(sink.bytes(), (std::vector<std::uint8_t>{1, 2, 3}));
}

TEST(ReplaySource, PinnedArrivalTimesFollowTheRecordingAcrossLoops) {
  const auto base = std::chrono::sys_days{std::chrono::year{2024} / 1 / 1};
  ReplayOptions pinned = options({}, ReplayRate::max, true, 1000ms);
  pinned.arrival_base = base;
  auto source = replay(timed_capture({{0ms, {1}}, {300ms, {2}}}), pinned);
  RecordingSink sink;
  RunningSource running(*source, sink);
  ASSERT_TRUE(sink.wait_for_bytes(4));
  running.stop();
  auto chunks = sink.chunks();
  ASSERT_GE(chunks.size(), 4U);
  EXPECT_EQ(chunks[0].arrival, base);
  EXPECT_EQ(chunks[1].arrival, base + 300ms);
  EXPECT_EQ(chunks[2].arrival, base + 1300ms);  // last chunk + interval
  EXPECT_EQ(chunks[3].arrival, base + 1600ms);
  EXPECT_EQ(sink.ends(), 0);
}

TEST(ReplaySource, RealtimeLoopRepeatsAPlainFileEveryInterval) {
  Capture plain;
  plain.kind = CaptureKind::hex;
  plain.chunks.push_back(0us, std::vector<std::uint8_t>{0xAB, 0xCD});
  auto source = replay(std::move(plain), options({}, ReplayRate::realtime, true, 30ms));
  RecordingSink sink;
  RunningSource running(*source, sink);
  ASSERT_TRUE(sink.wait_for_bytes(6));
  EXPECT_LT(running.stop(), 1000ms);  // spec: shutdown within 1 s; generous for sanitizers
  auto chunks = sink.chunks();
  ASSERT_GE(chunks.size(), 3U);
  EXPECT_GE(chunks[2].received - chunks[0].received, 50ms);
  for (const auto& chunk : chunks) EXPECT_EQ(chunk.bytes, (std::vector<std::uint8_t>{0xAB, 0xCD}));
  EXPECT_EQ(sink.ends(), 0);
}

TEST(ReplaySource, MaxRateLoopRunsUntilStopped) {
  // Without a pause between repetitions (interval 0, not offered by the CLI).
  auto source = replay(timed_capture({{0ms, {1, 2, 3}}}), options({}, ReplayRate::max, true, 0ms));
  RecordingSink sink;
  RunningSource running(*source, sink);
  ASSERT_TRUE(sink.wait_for_bytes(3000));
  EXPECT_LT(running.stop(), 1000ms);  // spec: shutdown within 1 s; generous for sanitizers
  EXPECT_EQ(sink.ends(), 0);
  EXPECT_GE(sink.repeats(), 999);  // each repetition after the first is announced
}

// Issue 14 item 4: a looping replay at rate max waits `interval` between repetitions
// instead of spinning over the same frames; stop() is prompt during the pause.
TEST(ReplaySource, MaxRateLoopPausesBetweenRepetitions) {
  auto source = replay(timed_capture({{0ms, {1, 2, 3}}}), options({}, ReplayRate::max, true, 60s));
  RecordingSink sink;
  RunningSource running(*source, sink);
  ASSERT_TRUE(sink.wait_for_bytes(3));
  EXPECT_FALSE(sink.wait_for_bytes(6, 300ms));  // the next repetition is 60 s away
  EXPECT_EQ(sink.repeats(), 0);
  EXPECT_LT(running.stop(), 1000ms);
}

TEST(ReplaySource, StopIsPromptWhileWaitingForTheNextChunk) {
  auto source = replay(timed_capture({{0ms, {1}}, {60s, {2}}}), options());
  RecordingSink sink;
  RunningSource running(*source, sink);
  ASSERT_TRUE(sink.wait_for_bytes(1));
  EXPECT_LT(running.stop(), 1000ms);  // spec: shutdown within 1 s; generous for sanitizers
  EXPECT_EQ(sink.bytes(), std::vector<std::uint8_t>{1});
}

TEST(ReplaySource, EmptyFileEndsAtOnceEvenWhenLooping) {
  Capture empty;
  empty.kind = CaptureKind::binary;
  auto source = replay(std::move(empty), options({}, ReplayRate::max, true));
  RecordingSink sink;
  RunningSource running(*source, sink);
  ASSERT_TRUE(sink.wait_for_end());
  EXPECT_TRUE(sink.bytes().empty());
}

TEST(ReplaySource, StopBeforeRunReturnsImmediately) {
  auto source = replay(timed_capture({{0ms, {1}}}), options());
  source->stop();
  RecordingSink sink;
  source->run(sink);  // must not block
  SUCCEED();
}

}  // namespace
}  // namespace sm::source
