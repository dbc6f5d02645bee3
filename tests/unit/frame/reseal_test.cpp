// frame::reseal_link_frames: frames whose payload was edited (diagnose's redaction) get
// the checksums their new bytes need, found with the framer's own probes: M-Bus (two
// segments) and HDLC (three segments, the shared and missing flags of real captures).
#include "frame/reseal.h"

#include <gtest/gtest.h>

#include "frame_test_util.h"

namespace sm::frame::test {
namespace {

// Edits every 40th byte from `from` on (inside the frames' payload for these captures).
Bytes edited(const Bytes& original, std::size_t from) {
  Bytes out = original;
  for (std::size_t i = from; i < out.size(); i += 40) out[i] = static_cast<std::uint8_t>(~out[i]);
  return out;
}

void expect_resealed(const std::string& id, LinkType link, std::size_t from) {
  SCOPED_TRACE(id);
  const Bytes original = vector_input(id);
  const auto before = apdus_of(run_framer(original));
  ASSERT_EQ(before.size(), 1u);
  Bytes changed = edited(original, from);
  // Edited, the frames fail their checks; resealed, they frame again with the new bytes.
  EXPECT_TRUE(apdus_of(run_framer(changed)).empty());
  reseal_link_frames(original, changed);
  const auto events = run_framer(changed);
  const auto after = apdus_of(events);
  ASSERT_EQ(after.size(), 1u) << ::testing::PrintToString(describe(events));
  EXPECT_EQ(after[0].link, link);
  EXPECT_EQ(after[0].link_frames, before[0].link_frames);
  EXPECT_NE(after[0].bytes, before[0].bytes);
  EXPECT_EQ(after[0].bytes.size(), before[0].bytes.size());
  EXPECT_TRUE(errors_of(events).empty());
}

TEST(Reseal, MbusSegments) {
  expect_resealed("AT-TINETZ-KFM-DOC-EXAMPLE", LinkType::mbus, 30);
}

TEST(Reseal, HdlcSegments) {
  expect_resealed("XX-ISK-SEGMENTED-HDLC", LinkType::hdlc, 30);
}

TEST(Reseal, SizesMustMatch) {
  const Bytes original = vector_input("AT-TINETZ-KFM-DOC-EXAMPLE");
  Bytes shorter(original.begin(), original.end() - 1);
  const Bytes kept = shorter;
  reseal_link_frames(original, shorter);
  EXPECT_EQ(shorter, kept);
}

}  // namespace
}  // namespace sm::frame::test
