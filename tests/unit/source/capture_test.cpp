#include "source/capture.h"

#include <array>
#include <fstream>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>

#include "source_test_support.h"

namespace sm::source {
namespace {

using namespace std::chrono_literals;
using std::chrono::microseconds;
using testing::TempDir;

std::vector<std::uint8_t> bytes_of(std::string_view text) {
  return {text.begin(), text.end()};
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(CaptureFormat, WriterOutputReadsBack) {
  TempDir dir;
  const std::string path = dir.file("session.capture");
  const auto start =
      std::chrono::sys_days{std::chrono::year{2024} / 5 / 1} + 12h + 34min + 56s + 123456us;
  std::vector<std::string> comments{"source serial /dev/ttyUSB0 2400 8E1", "two\nlines"};
  auto writer = CaptureWriter::create(path, comments, start);
  ASSERT_TRUE(writer) << writer.error().describe();
  ASSERT_TRUE(writer->append(microseconds{0}, std::vector<std::uint8_t>{0x68, 0xFA}));
  ASSERT_TRUE(writer->append(start + 1500ms, std::vector<std::uint8_t>{0xFA, 0x68}));
  ASSERT_TRUE(writer->append(microseconds{2'000'001}, std::vector<std::uint8_t>{}));  // skipped
  ASSERT_TRUE(writer->append(microseconds{12'345'678}, std::vector<std::uint8_t>{0x16}));

  EXPECT_EQ(slurp(path),
            "# smartmeter_exporter capture v1\n"
            "# start 2024-05-01T12:34:56.123456Z\n"
            "# source serial /dev/ttyUSB0 2400 8E1\n"
            "# two lines\n"
            "0.000000 68FA\n"
            "1.500000 FA68\n"
            "12.345678 16\n");

  auto capture = read_capture_file(path);
  ASSERT_TRUE(capture) << capture.error().describe();
  EXPECT_EQ(capture->kind, CaptureKind::timed);
  ASSERT_TRUE(capture->start);
  EXPECT_EQ(*capture->start, start);
  EXPECT_EQ(capture->comments,
            (std::vector<std::string>{"source serial /dev/ttyUSB0 2400 8E1", "two lines"}));
  ASSERT_EQ(capture->chunks.size(), 3U);
  EXPECT_EQ(capture->chunks[1].offset, 1500ms);
  EXPECT_EQ(testing::bytes_of(capture->chunks[1].bytes), (std::vector<std::uint8_t>{0xFA, 0x68}));
  EXPECT_EQ(capture->span(), microseconds{12'345'678});
  EXPECT_EQ(capture->total_bytes(), 5U);
}

TEST(CaptureFormat, WriterNeverGoesBackInTime) {
  TempDir dir;
  const std::string path = dir.file("clock-step.capture");
  auto writer = CaptureWriter::create(path);
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->append(microseconds{5'000'000}, std::vector<std::uint8_t>{1}));
  // The host clock stepped back (NTP): the chunk keeps the previous offset.
  ASSERT_TRUE(writer->append(writer->start() + 1s, std::vector<std::uint8_t>{2}));
  auto capture = read_capture_file(path);
  ASSERT_TRUE(capture) << capture.error().describe();
  ASSERT_EQ(capture->chunks.size(), 2U);
  EXPECT_EQ(capture->chunks[1].offset, 5s);
}

CaptureWriterOptions writer_options(bool append, const std::string& input_path = {}) {
  CaptureWriterOptions options;
  options.append = append;
  options.input_path = input_path;
  return options;
}

void write_file(const std::string& path, std::string_view text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Issue 14 item 7: `record` and `--record` truncated an existing capture (every restart
// under systemd wiped the recording).
TEST(CaptureWriter, RefusesAnExistingFile) {
  TempDir dir;
  const std::string path = dir.file("evidence.capture");
  write_file(path, "# smartmeter_exporter capture v1\n0.5 68\n");
  auto writer = CaptureWriter::create(path);
  ASSERT_FALSE(writer);
  EXPECT_NE(writer.error().message.find("exists"), std::string::npos) << writer.error().message;
  EXPECT_EQ(slurp(path), "# smartmeter_exporter capture v1\n0.5 68\n");
}

TEST(CaptureWriter, AppendContinuesTheTimelineOfTheCapture) {
  TempDir dir;
  const std::string path = dir.file("session.capture");
  const std::chrono::system_clock::time_point start =
      std::chrono::sys_days{std::chrono::year{2024} / 5 / 1};
  {
    auto first = CaptureWriter::create(path, {}, start);
    ASSERT_TRUE(first) << first.error().describe();
    ASSERT_TRUE(first->append(start + 2s, bytes_of("ab")));
  }
  const std::vector<std::string> comments{"source tcp://meter:8000"};
  auto second = CaptureWriter::create(path, comments, start + 1h, writer_options(true));
  ASSERT_TRUE(second) << second.error().describe();
  EXPECT_EQ(second->start(), start);
  ASSERT_TRUE(second->append(start + 1h + 1s, bytes_of("c")));
  EXPECT_EQ(slurp(path),
            "# smartmeter_exporter capture v1\n"
            "# start 2024-05-01T00:00:00.000000Z\n"
            "2.000000 6162\n"
            "# resumed 2024-05-01T01:00:00.000000Z\n"
            "# source tcp://meter:8000\n"
            "3601.000000 63\n");
  auto capture = read_capture_file(path);
  ASSERT_TRUE(capture) << capture.error().describe();
  ASSERT_EQ(capture->chunks.size(), 2U);
  EXPECT_EQ(*capture->start, start);

  // An empty file becomes a new capture; files that are not timed captures are refused.
  const std::string empty = dir.file("empty.capture");
  write_file(empty, "");
  ASSERT_TRUE(CaptureWriter::create(empty, {}, start, writer_options(true)));
  EXPECT_TRUE(read_capture_file(empty));
  const std::string hex = dir.file("input.hex");
  write_file(hex, "68FAFA68\n");
  auto refused = CaptureWriter::create(hex, {}, start, writer_options(true));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("not a timed capture"), std::string::npos);
  EXPECT_EQ(slurp(hex), "68FAFA68\n");
  write_file(hex, "# smartmeter_exporter capture v1\n# start 2024-05-01T00:00:00Z\n1 6");
  EXPECT_FALSE(CaptureWriter::create(hex, {}, start, writer_options(true)));  // partial line
}

TEST(CaptureWriter, RefusesToRecordOntoTheReplayInputUnderAnyName) {
  TempDir dir;
  const std::string input = dir.file("input.capture");
  const std::string contents = "# smartmeter_exporter capture v1\n# start 2024-05-01T00:00:00Z\n";
  write_file(input, contents);
  const std::string link = dir.file("other-name.capture");
  ASSERT_EQ(::link(input.c_str(), link.c_str()), 0);
  for (const bool append : {false, true}) {
    auto writer =
        CaptureWriter::create(link, {}, CaptureWriter::Clock::now(), writer_options(append, input));
    ASSERT_FALSE(writer);
    EXPECT_NE(writer.error().message.find("is the replay input"), std::string::npos)
        << writer.error().message;
  }
  EXPECT_EQ(slurp(input), contents);
  // A different file with the same contents is fine.
  EXPECT_TRUE(CaptureWriter::create(dir.file("new.capture"), {}, CaptureWriter::Clock::now(),
                                    writer_options(true, input)));
}

TEST(CaptureFormat, AcceptsShortFractionsBlankLinesAndSpacedHex) {
  auto capture = parse_timed_capture(
      "# smartmeter_exporter capture v1\r\n"
      "\n"
      "0 68 FA\r\n"
      "1.5 fa68\n"
      "   \n"
      "2.25\t16\n");
  ASSERT_TRUE(capture) << capture.error().describe();
  EXPECT_FALSE(capture->start);
  ASSERT_EQ(capture->chunks.size(), 3U);
  EXPECT_EQ(capture->chunks[0].offset, 0s);
  EXPECT_EQ(capture->chunks[1].offset, 1500ms);
  EXPECT_EQ(capture->chunks[2].offset, 2250ms);
  EXPECT_EQ(testing::bytes_of(capture->chunks[0].bytes), (std::vector<std::uint8_t>{0x68, 0xFA}));
}

struct BadCapture {
  const char* text;
  std::size_t line_offset;
  const char* message;
};

TEST(CaptureFormat, RejectsMalformedLinesNamingTheLine) {
  const std::string header = "# smartmeter_exporter capture v1\n";
  const std::size_t line2 = header.size();
  const BadCapture cases[] = {
      {"# smartmeter_exporter capture v2\n0 68\n", 0, "capture line 1: expected"},
      {"# smartmeter_exporter capture v1\n68FA\n", line2, "capture line 2: expected"},
      {"# smartmeter_exporter capture v1\n1,5 68\n", line2, "capture line 2: bad time"},
      {"# smartmeter_exporter capture v1\n1.1234567 68\n", line2, "capture line 2: bad time"},
      {"# smartmeter_exporter capture v1\n-1 68\n", line2, "capture line 2: bad time"},
      {"# smartmeter_exporter capture v1\n1. 68\n", line2, "capture line 2: bad time"},
      {"# smartmeter_exporter capture v1\n0 6\n", line2, "capture line 2: bad hex"},
      {"# smartmeter_exporter capture v1\n0 zz\n", line2, "capture line 2: bad hex"},
      {"# smartmeter_exporter capture v1\n0 # only a comment\n", line2, "capture line 2: no bytes"},
      {"# smartmeter_exporter capture v1\n2 68\n1 16\n", line2 + 5, "capture line 3: time goes"},
      {"# smartmeter_exporter capture v1\n# start yesterday\n", line2, "capture line 2: start"},
      {"# smartmeter_exporter capture v1\n# start 2024-02-30T00:00:00Z\n", line2,
       "capture line 2: start"},
  };
  for (const auto& bad : cases) {
    auto capture = parse_timed_capture(bad.text);
    ASSERT_FALSE(capture) << bad.text;
    EXPECT_EQ(capture.error().code, ErrorCode::decode) << bad.text;
    EXPECT_EQ(capture.error().offset, bad.line_offset) << bad.text;
    EXPECT_NE(capture.error().message.find(bad.message), std::string::npos)
        << bad.text << " -> " << capture.error().message;
  }
}

TEST(CaptureFormat, DetectsTheKindOfAFile) {
  auto timed = parse_capture(bytes_of("# smartmeter_exporter capture v1\n0 01\n"));
  ASSERT_TRUE(timed);
  EXPECT_EQ(timed->kind, CaptureKind::timed);

  auto hex = parse_capture(bytes_of("# a vector\n68 FA FA 68\n0x16\n"));
  ASSERT_TRUE(hex);
  EXPECT_EQ(hex->kind, CaptureKind::hex);
  ASSERT_EQ(hex->chunks.size(), 1U);
  EXPECT_EQ(testing::bytes_of(hex->chunks[0].bytes),
            (std::vector<std::uint8_t>{0x68, 0xFA, 0xFA, 0x68, 0x16}));

  const std::vector<std::uint8_t> raw{0x68, 0xFA, 0xFA, 0x68, 0x00, 0xFF};
  auto binary = parse_capture(raw);
  ASSERT_TRUE(binary);
  EXPECT_EQ(binary->kind, CaptureKind::binary);
  ASSERT_EQ(binary->chunks.size(), 1U);
  EXPECT_EQ(testing::bytes_of(binary->chunks[0].bytes), raw);

  auto empty = parse_capture({});
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->chunks.empty());

  // A header followed by more text on the line is not our header.
  EXPECT_FALSE(is_timed_capture(bytes_of("# smartmeter_exporter capture v10\n")));
}

TEST(CaptureFormat, ReadsTheSharedTestVectors) {
  auto capture =
      read_capture_file(std::string(SM_TEST_DATA) + "/vectors/AT-TINETZ-KFM-DOC-EXAMPLE/input.hex");
  ASSERT_TRUE(capture) << capture.error().describe();
  EXPECT_EQ(capture->kind, CaptureKind::hex);
  ASSERT_EQ(capture->chunks.size(), 1U);
  const auto bytes = capture->chunks[0].bytes;
  ASSERT_GE(bytes.size(), 4U);
  EXPECT_EQ(bytes[0], 0x68);
  EXPECT_EQ(bytes[1], 0xFA);
  EXPECT_EQ(bytes.back(), 0x16);
}

TEST(CaptureFormat, FileErrors) {
  auto missing = read_capture_file("/nonexistent/capture.hex");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("No such file"), std::string::npos);
  EXPECT_EQ(missing.error().code, ErrorCode::io);  // not a frame's error code
  EXPECT_EQ(missing.error().layer, Layer::source);

  TempDir dir;
  const std::string path = dir.file("big.bin");
  std::ofstream(path, std::ios::binary) << std::string(100, 'x');
  auto too_big = read_capture_file(path, 99);
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code, ErrorCode::length);
  EXPECT_EQ(too_big.error().layer, Layer::source);

  const std::string bad = dir.file("bad.capture");
  std::ofstream(bad) << "# smartmeter_exporter capture v1\nnonsense\n";
  auto malformed = read_capture_file(bad);
  ASSERT_FALSE(malformed);
  EXPECT_NE(malformed.error().message.find(bad + ": capture line 2"), std::string::npos);
}

// Issue 14 item 9: a capture of many short reads held one vector per chunk, ~80 bytes each
// (a 20 MB capture of one-byte lines took 294 MB). Now the bytes share one buffer.
TEST(CaptureFormat, ManyOneByteChunksCostLittleMoreThanTheirBytes) {
  constexpr std::size_t kLines = 100'000;
  std::string text = std::string(kCaptureHeader) + "\n";
  for (std::size_t i = 0; i < kLines; ++i) {
    text += format_capture_line(std::chrono::microseconds(i * 4167),
                                std::array<std::uint8_t, 1>{static_cast<std::uint8_t>(i)});
  }
  auto capture = parse_timed_capture(text);
  ASSERT_TRUE(capture) << capture.error().describe();
  ASSERT_EQ(capture->chunks.size(), kLines);
  EXPECT_EQ(capture->total_bytes(), kLines);
  EXPECT_EQ(capture->chunks[kLines - 1].bytes.front(), static_cast<std::uint8_t>(kLines - 1));
  EXPECT_EQ(capture->chunks.back().offset, std::chrono::microseconds((kLines - 1) * 4167));
  // One byte, an offset and an end per chunk: 17 bytes (and room reserved for the header
  // lines); a vector per chunk was 56 and more.
  EXPECT_LE(capture->chunks.heap_bytes(), kLines * 17 + 1024)
      << "bytes per chunk: " << capture->chunks.heap_bytes() / kLines;
  // And the chunks still come back one by one, in order.
  std::size_t i = 0;
  for (const auto chunk : capture->chunks) {
    ASSERT_EQ(chunk.bytes.size(), 1U);
    ASSERT_EQ(chunk.bytes[0], static_cast<std::uint8_t>(i++));
  }
  EXPECT_EQ(i, kLines);
}

TEST(CaptureFormat, UtcTimestampsRoundTrip) {
  using namespace std::chrono;
  const auto time = sys_days{year{1999} / 12 / 31} + 23h + 59min + 59s + 999999us;
  EXPECT_EQ(format_utc_timestamp(time), "1999-12-31T23:59:59.999999Z");
  EXPECT_EQ(parse_utc_timestamp("1999-12-31T23:59:59.999999Z"), time);
  EXPECT_EQ(parse_utc_timestamp("2024-05-01T00:00:00Z"), sys_days{year{2024} / 5 / 1});
  EXPECT_EQ(parse_utc_timestamp("2024-05-01T00:00:00.5Z"), sys_days{year{2024} / 5 / 1} + 500ms);
  EXPECT_FALSE(parse_utc_timestamp("2024-05-01 00:00:00Z"));
  EXPECT_FALSE(parse_utc_timestamp("2024-05-01T24:00:00Z"));
  EXPECT_FALSE(parse_utc_timestamp("2024-13-01T00:00:00Z"));
  EXPECT_FALSE(parse_utc_timestamp("2024-05-01T00:00:00"));
  EXPECT_FALSE(parse_utc_timestamp("2024-05-01T00:00:00.Z"));
}

}  // namespace
}  // namespace sm::source
