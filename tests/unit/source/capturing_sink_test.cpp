#include "source/capturing_sink.h"

#include <gtest/gtest.h>

#include "source_test_support.h"

namespace sm::source {
namespace {

using namespace std::chrono_literals;

TEST(CapturingSink, WritesEveryChunkAndPassesEverythingOn) {
  testing::TempDir dir;
  const std::string path = dir.file("tee.capture");
  const auto start = std::chrono::system_clock::now();
  auto writer = CaptureWriter::create(path, {}, start);
  ASSERT_TRUE(writer.has_value());
  testing::RecordingSink next;
  CapturingSink tee(*writer, next);
  const std::vector<std::uint8_t> a{0x68, 0xFA, 0xFA}, b{0x68, 0x16};
  tee.on_connected(false);
  tee.on_bytes(a, start + 10ms);
  tee.on_bytes(b, start + 1500ms);
  tee.on_disconnected("device hung up");
  EXPECT_EQ(tee.bytes_written(), 5u);
  EXPECT_EQ(next.bytes(), (std::vector<std::uint8_t>{0x68, 0xFA, 0xFA, 0x68, 0x16}));
  EXPECT_EQ(next.disconnect_reasons().size(), 1u);

  auto capture = read_capture_file(path);
  ASSERT_TRUE(capture.has_value()) << capture.error().message;
  ASSERT_EQ(capture->chunks.size(), 2u);
  EXPECT_EQ(testing::bytes_of(capture->chunks[0].bytes), a);
  EXPECT_EQ(capture->chunks[0].offset, 10ms);
  EXPECT_EQ(testing::bytes_of(capture->chunks[1].bytes), b);
  EXPECT_EQ(capture->chunks[1].offset, 1500ms);
}

}  // namespace
}  // namespace sm::source
