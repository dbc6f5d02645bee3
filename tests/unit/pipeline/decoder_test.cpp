// Decoder over every real vector: what the exporter gets (explain off) must not depend on
// explain, on the Decoder having decoded frames before (its buffers are reused from push
// to push), or on how the stream is chunked. The outputs themselves are pinned by
// tests/golden; this checks that the fast paths agree with the annotated ones.
#include "pipeline/decoder.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../dlms/alloc_probe.h"
#include "common/hex.h"

namespace sm::pipeline {
namespace {

namespace fs = std::filesystem;

const fs::path kVectors = fs::path(SM_TEST_DATA) / "vectors";

std::vector<std::uint8_t> hex_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream text;
  text << in.rdbuf();
  auto bytes = parse_hex(text.str());
  EXPECT_TRUE(bytes.has_value()) << p;
  return bytes.value_or(std::vector<std::uint8_t>{});
}

std::optional<dlms::Key> key_file(const fs::path& p) {
  if (!fs::exists(p)) return std::nullopt;
  const auto bytes = hex_file(p);
  if (bytes.size() != 16) {
    ADD_FAILURE() << p;
    return std::nullopt;
  }
  dlms::Key key{};
  std::copy(bytes.begin(), bytes.end(), key.begin());
  return key;
}

// Every field of an outcome the exporter uses, as text (explain-only fields left out).
// Stream offsets are given relative to `base` (offsets count from a Decoder's first push).
std::string describe(const Outcome& outcome, std::size_t base) {
  std::ostringstream s;
  if (const auto* f = std::get_if<FrameFailure>(&outcome)) {
    // Frame-layer errors are at stream offsets too.
    const std::size_t at =
        f->error.layer == Layer::frame ? f->error.offset - base : f->error.offset;
    s << "failure " << to_string(f->error.code) << " " << to_string(f->error.layer) << " at " << at
      << ": " << f->error.message << " @" << f->stream_offset - base << "+" << f->stream_length
      << " link " << (f->link ? std::string(frame::to_string(*f->link)) : "-") << " sc "
      << (f->security ? static_cast<int>(f->security->control) : -1);
    return s.str();
  }
  const auto& d = std::get<DecodedFrame>(outcome);
  const auto& r = d.reading;
  s << "frame " << frame::to_string(d.link) << " @" << d.stream_offset - base << "+"
    << d.stream_length << " frames " << d.link_frames << " verified " << d.tag_verified << " ic "
    << (d.security ? static_cast<long long>(d.security->invocation_counter) : -1) << " profile "
    << r.profile << " time " << (r.meter_time ? r.meter_time->iso8601() : "-") << " "
    << (r.meter_time && r.meter_time->unix_seconds ? *r.meter_time->unix_seconds : 0) << " id "
    << r.meter_id.value_or("-") << " name " << r.device_name.value_or("-") << " list "
    << r.list_id.value_or("-") << " text " << r.text.value_or("-");
  for (const auto& reg : r.registers) {
    s << "\n  " << reg.obis.to_string() << " " << reg.value << " raw "
      << (reg.raw ? std::to_string(*reg.raw) : "-") << " scaler " << reg.scaler << " unit "
      << reg.unit << " text " << reg.text.value_or("-");
  }
  return s.str();
}

// Pushes `input` in chunks of `chunk` bytes (0: all at once), then finish(); `base` is what
// the decoder was pushed before. With `into`, each push goes into that list (the
// exporter's way, its storage reused), else push() returns a new one.
std::vector<std::string> run(Decoder& decoder, const std::vector<std::uint8_t>& input,
                             std::size_t chunk, std::size_t base = 0,
                             std::vector<Outcome>* into = nullptr) {
  std::vector<std::string> out;
  const std::size_t step = chunk == 0 ? std::max<std::size_t>(input.size(), 1) : chunk;
  for (std::size_t i = 0; i < input.size(); i += step) {
    const auto bytes =
        std::span<const std::uint8_t>(input).subspan(i, std::min(step, input.size() - i));
    std::vector<Outcome> returned;
    if (into != nullptr) {
      decoder.push(bytes, *into);
    } else {
      returned = decoder.push(bytes);
    }
    for (const auto& o : into != nullptr ? *into : returned) out.push_back(describe(o, base));
  }
  for (const auto& o : decoder.finish()) out.push_back(describe(o, base));
  return out;
}

TEST(Decoder, ExplainReuseAndChunkingDoNotChangeOutcomes) {
  std::size_t vectors = 0;
  for (const auto& entry : fs::directory_iterator(kVectors)) {
    if (!entry.is_directory() || !fs::exists(entry.path() / "input.hex")) continue;
    ++vectors;
    const auto input = hex_file(entry.path() / "input.hex");
    DecoderOptions options;
    options.keys.encryption = key_file(entry.path() / "key.hex");
    options.keys.authentication = key_file(entry.path() / "auth-key.hex");

    DecoderOptions explained = options;
    explained.explain = true;
    Decoder reference(explained);
    const auto expected = run(reference, input, 0);

    Decoder decoder(options);  // one decoder for every run below: buffers are reused
    std::size_t pushed = 0;
    for (int round = 0; round < 3; ++round) {
      EXPECT_EQ(run(decoder, input, 0, pushed), expected)
          << entry.path().filename() << " round " << round;
      pushed += input.size();
    }
    EXPECT_EQ(run(decoder, input, 1, pushed), expected) << entry.path().filename() << " bytewise";
    pushed += input.size();
    EXPECT_EQ(run(decoder, input, 13, pushed), expected) << entry.path().filename() << " by 13";
    pushed += input.size();
    std::vector<Outcome> list;
    for (int round = 0; round < 3; ++round) {
      EXPECT_EQ(run(decoder, input, 0, pushed, &list), expected)
          << entry.path().filename() << " into a list, round " << round;
      pushed += input.size();
    }
    EXPECT_EQ(run(decoder, input, 7, pushed, &list), expected)
        << entry.path().filename() << " into a list by 7";
  }
  EXPECT_GT(vectors, 10u);
}

// Pushing into the same list, as the exporter does: once warm, a burst allocates nothing
// (the list, the Reading's register list, the APDU and plaintext buffers are reused). On
// M-Bus segments (KSM West), HDLC + GBT blocks (E450) and one HDLC frame (Aidon).
TEST(Decoder, PushIntoAListAllocatesNothingOnceWarm) {
  for (const char* id : {"AT-TINETZ-KFM-DOC-EXAMPLE", "XX-LGZ-E450-GBT-1", "NO-AIDON-1PH"}) {
    const fs::path dir = kVectors / id;
    const auto input = hex_file(dir / "input.hex");
    DecoderOptions options;
    options.keys.encryption = key_file(dir / "key.hex");
    options.keys.authentication = key_file(dir / "auth-key.hex");
    Decoder decoder(options);
    std::vector<Outcome> list;
    decoder.push(input, list);
    const auto* registers = std::get<DecodedFrame>(list.at(0)).reading.registers.data();
    decoder.push(input, list);
    dlms::test::alloc_probe_start();
    decoder.push(input, list);
    const auto stats = dlms::test::alloc_probe_stop();
    EXPECT_EQ(stats.count, 0u) << id << ": " << stats.total << " bytes";
    ASSERT_EQ(list.size(), 1u) << id;
    ASSERT_TRUE(std::holds_alternative<DecodedFrame>(list[0])) << id;
    EXPECT_EQ(std::get<DecodedFrame>(list[0]).reading.registers.data(), registers) << id;
    EXPECT_GE(std::get<DecodedFrame>(list[0]).reading.registers.size(), 9u) << id;
  }
}

}  // namespace
}  // namespace sm::pipeline

namespace sm::pipeline {
namespace {

// Issue 19 item 2: the ČEZ XT211 push fed raw as a byte stream decodes (before: dropped, then
// "DLMS wrapper incomplete"); a mixed list is a decode error with no Reading.
TEST(Decoder, DescriptorItemPushFromAByteStream) {
  const auto apdu = hex_file(kVectors / "CZ-CEZ-SMS-XT211-RAW" / "plaintext.hex");
  Decoder decoder{DecoderOptions{}};
  auto outcomes = decoder.push(apdu);
  for (auto& o : decoder.finish()) outcomes.push_back(std::move(o));
  ASSERT_EQ(outcomes.size(), 1u);
  const auto* decoded = std::get_if<DecodedFrame>(&outcomes[0]);
  ASSERT_NE(decoded, nullptr) << std::get<FrameFailure>(outcomes[0]).error.describe();
  EXPECT_EQ(decoded->reading.profile, "descriptor-items");
  EXPECT_EQ(decoded->reading.registers.size(), 22u);

  auto mixed = apdu;
  mixed[37] = 0x09;  // item 2's class-id 00 46 -> 09 06: an OBIS-tagged item's start
  mixed[38] = 0x06;
  Decoder again{DecoderOptions{}};
  auto failed = again.push(mixed);
  for (auto& o : again.finish()) failed.push_back(std::move(o));
  bool decode_error = false;
  for (const auto& o : failed) {
    ASSERT_EQ(std::get_if<DecodedFrame>(&o), nullptr) << "a mixed list decoded";
    decode_error = decode_error || std::get<FrameFailure>(o).error.code == ErrorCode::decode;
  }
  EXPECT_TRUE(decode_error);
}

}  // namespace
}  // namespace sm::pipeline
