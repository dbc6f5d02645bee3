// Every real capture in tests/data/vectors through StreamFramer: the reassembled APDU must
// equal the one vector.json gives (encrypted_apdu_hex, or plaintext_hex for unencrypted
// meters), whatever the chunking, and every truncation must end `incomplete`, never in a
// bogus APDU.
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "frame_test_util.h"

namespace sm::frame::test {
namespace {

struct Expectation {
  const char* id;
  LinkType link;
  std::size_t apdus;            // APDUs the capture yields
  std::size_t link_frames;      // frames/segments behind the (first) APDU
  const char* apdu_field;       // vector.json field holding the expected APDU, or nullptr
  std::size_t apdu_length;      // when the APDU is a prefix of that field (0 = all of it)
  ErrorCode trailing_error;     // the last error finish() reports (decode = garbage)
  std::size_t trailing_errors;  // errors after the APDUs
};

constexpr Expectation kExpectations[] = {
    // M-Bus long frames, DLMS segmentation (CI 0x00 + 0x11; 0x10 single).
    {"AT-EVN-KFM-SPEC-EXAMPLE", LinkType::mbus, 1, 2, "encrypted_apdu_hex", 0, {}, 0},
    {"AT-EVN-SAGEMCOM-L0101-QUIRK", LinkType::mbus, 1, 2, "encrypted_apdu_hex", 0, {}, 0},
    {"AT-EVN-SAGEMCOM-T210D-1", LinkType::mbus, 1, 2, "encrypted_apdu_hex", 0, {}, 0},
    {"AT-EVN-SAGEMCOM-T210D-2-NOKEY", LinkType::mbus, 1, 2, "encrypted_apdu_hex", 0, {}, 0},
    {"AT-TINETZ-KFM-DOC-EXAMPLE", LinkType::mbus, 1, 2, "encrypted_apdu_hex", 0, {}, 0},
    {"AT-SALZBURG-ELS-DOC-NOKEY", LinkType::mbus, 1, 1, "encrypted_apdu_hex", 0, {}, 0},
    // HDLC, single frames.
    {"AT-EWW-SMS-IM350-WELS-A", LinkType::hdlc, 1, 1, "encrypted_apdu_hex", 0, {}, 0},
    {"AT-WN-ISK-AM550-RDDL-2", LinkType::hdlc, 1, 1, "encrypted_apdu_hex", 0, {}, 0},
    {"AT-WN-SMS-IM350-RDDL", LinkType::hdlc, 1, 1, "encrypted_apdu_hex", 0, {}, 0},
    {"DK-KAM-OMNIPOWER-TESTKEYS", LinkType::hdlc, 1, 1, "encrypted_apdu_hex", 0, {}, 0},
    {"NO-AIDON-1PH", LinkType::hdlc, 1, 1, "plaintext_hex", 0, {}, 0},
    {"NO-KFM-MA304H3E-CNRD", LinkType::hdlc, 1, 1, "plaintext_hex", 0, {}, 0},
    {"XX-KAM-OMNIPOWER-CENTIVOLT", LinkType::hdlc, 1, 1, "plaintext_hex", 0, {}, 0},
    {"SI-ISK-AM550-GH956-1S", LinkType::hdlc, 1, 1, "plaintext_hex", 0, {}, 0},
    {"SI-ISK-AM550-GH956-15MIN", LinkType::hdlc, 1, 1, "plaintext_hex", 0, {}, 0},
    {"SI-ISK-AM550-GH615-1S", LinkType::hdlc, 1, 1, "plaintext_hex", 0, {}, 0},
    {"SI-ISK-AM550-GH615-UP3F", LinkType::hdlc, 1, 1, "plaintext_hex", 0, {}, 0},
    {"SI-ISK-AM550-GH869-1PH", LinkType::hdlc, 1, 1, "plaintext_hex", 0, {}, 0},
    // HDLC segmentation bit; General-Block-Transfer over HDLC.
    {"XX-ISK-SEGMENTED-HDLC", LinkType::hdlc, 1, 3, "plaintext_hex", 0, {}, 0},
    {"XX-LGZ-E450-GBT-1", LinkType::hdlc, 1, 3, "encrypted_apdu_hex", 0, {}, 0},
    {"CY-LGZ-E450-GBT-PLAIN", LinkType::hdlc, 1, 5, "plaintext_hex", 0, {}, 0},
    {"CH-LGZ-E450-VSE2026", LinkType::hdlc, 1, 4, "plaintext_hex", 0, {}, 0},
    {"CY-LGZ-E450-GBT-ENUM", LinkType::hdlc, 1, 3, "plaintext_hex", 0, {}, 0},
    {"AT-LGZ-E450-RDDL-GBT-BLOCK1", LinkType::hdlc, 0, 0, nullptr, 0, ErrorCode::incomplete, 1},
    // DLMS wrapper (two datagrams; one).
    {"XX-DLMSUDP-MYDUMMYKEY", LinkType::wrapper, 2, 1, nullptr, 0, {}, 0},
    {"XX-EICT-G3-EVENT-SC10", LinkType::wrapper, 1, 1, "encrypted_apdu_hex", 0, {}, 0},
    // Bare APDUs. The E450 capture carries 4 bytes beyond its declared length (10 + 3 +
    // 453 = 466): frame the declared APDU; the rest is garbage, but for its last byte, DD
    // (general-ciphering), which the stream cuts off.
    {"LU-SAGEMCOM-SMARTY-NEXXTLAB", LinkType::raw, 1, 1, "encrypted_apdu_hex", 0, {}, 0},
    {"AT-KLU-LGZ-E450-ZEROKEY-CORRUPT", LinkType::raw, 1, 1, "encrypted_apdu_hex", 466,
     ErrorCode::incomplete, 2},
    {"AT-SALZBURG-KFM-PLAINTEXT-APDU", LinkType::raw, 1, 1, "plaintext_hex", 0, {}, 0},
    // Data-notifications whose items are {attribute descriptor, value} (Czechia): the body is
    // no A-XDR value; its length is the descriptor-item reader's (dlms/descriptor_items.h).
    {"CZ-CEZ-SMS-XT211-RAW", LinkType::raw, 1, 1, "plaintext_hex", 0, {}, 0},
    {"CZ-EGD-DOC-EXAMPLE", LinkType::raw, 1, 1, "plaintext_hex", 0, {}, 0},
    // A bare LLC PDU (E6 E7 00 + data-notification), as HAN gateways forward it.
    {"NO-KFM-MA304H3E-CNRD-LLC", LinkType::raw, 1, 1, "plaintext_hex", 0, {}, 0},
    {"SI-ISK-AM550-GH869-1PH-LLC", LinkType::raw, 1, 1, "plaintext_hex", 0, {}, 0},
};

const Expectation* find_expectation(const std::string& id) {
  for (const auto& e : kExpectations) {
    if (id == e.id) return &e;
  }
  return nullptr;
}

TEST(FrameVectors, EveryVectorDirectoryHasAnExpectation) {
  std::set<std::string> ids;
  for (const auto& entry : std::filesystem::directory_iterator(vectors_dir())) {
    if (entry.is_directory()) ids.insert(entry.path().filename().string());
  }
  EXPECT_EQ(ids.size(), std::size(kExpectations));
  for (const auto& id : ids) EXPECT_NE(find_expectation(id), nullptr) << id;
}

class VectorTest : public ::testing::TestWithParam<Expectation> {};

TEST_P(VectorTest, FramesTheExpectedApdus) {
  const Expectation& x = GetParam();
  const Bytes input = vector_input(x.id);
  ASSERT_FALSE(input.empty());
  const auto events = run_framer(input);
  const auto apdus = apdus_of(events);
  const auto errors = errors_of(events);
  ASSERT_EQ(apdus.size(), x.apdus) << ::testing::PrintToString(describe(events));
  for (const auto& a : apdus) {
    EXPECT_EQ(a.link, x.link);
    EXPECT_FALSE(a.notes.empty());
    for (const auto& n : a.notes) {
      EXPECT_EQ(n.space, "stream");
      EXPECT_LE(n.offset + n.length, input.size()) << n.meaning;
    }
  }
  if (x.apdus > 0) {
    EXPECT_EQ(apdus[0].stream_offset, 0u);
    EXPECT_EQ(apdus[0].link_frames, x.link_frames);
  }
  if (x.apdu_field != nullptr) {
    auto expected = vector_hex_field(x.id, x.apdu_field);
    ASSERT_TRUE(expected.has_value()) << x.apdu_field;
    if (x.apdu_length != 0) expected->resize(x.apdu_length);
    EXPECT_EQ(to_hex(apdus.at(0).bytes), to_hex(*expected));
  }
  if (x.trailing_errors > 0) {
    ASSERT_EQ(errors.size(), x.trailing_errors) << ::testing::PrintToString(describe(events));
    EXPECT_EQ(errors.back().error.code, x.trailing_error);
    EXPECT_EQ(errors.back().error.layer, Layer::frame);
  } else {
    EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(describe(events));
    // Everything consumed belongs to an APDU.
    std::size_t covered = 0;
    for (const auto& a : apdus) covered += a.stream_length;
    EXPECT_EQ(covered, input.size());
  }
}

TEST_P(VectorTest, AnyChunkingGivesTheSameEvents) {
  const Expectation& x = GetParam();
  const Bytes input = vector_input(x.id);
  const auto whole = describe(run_framer(input));
  EXPECT_EQ(describe(run_framer(input, 1)), whole) << "byte at a time";
  for (std::size_t chunk : {2u, 3u, 7u, 64u, 255u}) {
    EXPECT_EQ(describe(run_framer(input, chunk)), whole) << "chunks of " << chunk;
  }
  // Random chunk boundaries.
  std::mt19937 random(42);
  for (int round = 0; round < 5; ++round) {
    StreamFramer framer;
    std::vector<FrameEvent> events;
    std::size_t i = 0;
    while (i < input.size()) {
      const std::size_t n = std::min<std::size_t>(1 + random() % 40, input.size() - i);
      auto got = framer.push(std::span<const std::uint8_t>(input).subspan(i, n));
      events.insert(events.end(), got.begin(), got.end());
      i += n;
    }
    auto tail = framer.finish();
    events.insert(events.end(), tail.begin(), tail.end());
    EXPECT_EQ(describe(events), whole) << "random round " << round;
    EXPECT_EQ(framer.bytes_seen(), input.size());
  }
}

// Cut the capture after every byte: finish() must report `incomplete`, and any APDU that
// comes out must be one the whole capture yields (a complete frame before the cut).
TEST_P(VectorTest, TruncationAtEveryByteEndsIncomplete) {
  const Expectation& x = GetParam();
  const Bytes input = vector_input(x.id);
  const auto full = apdus_of(run_framer(input));
  // Where a cut leaves nothing pending: after a complete APDU (and any flags after it).
  std::set<std::size_t> clean_cuts = {0};
  for (const auto& a : full) clean_cuts.insert(a.stream_offset + a.stream_length);
  const auto is_clean = [&](std::size_t cut) {
    std::size_t boundary = *std::prev(clean_cuts.upper_bound(cut));
    while (boundary < cut && input[boundary] == 0x7E) ++boundary;
    return boundary == cut;
  };
  for (std::size_t cut = 1; cut < input.size(); ++cut) {
    const Bytes prefix(input.begin(), input.begin() + static_cast<std::ptrdiff_t>(cut));
    const auto events = run_framer(prefix);
    const auto apdus = apdus_of(events);
    for (const auto& a : apdus) {
      const bool known = std::any_of(full.begin(), full.end(), [&](const Apdu& f) {
        return f.bytes == a.bytes && f.stream_offset == a.stream_offset;
      });
      EXPECT_TRUE(known) << x.id << " cut at " << cut << ": " << describe(FrameEvent(a));
    }
    if (apdus.size() < full.size() && !is_clean(cut)) {
      const auto errors = errors_of(events);
      const bool incomplete = std::any_of(errors.begin(), errors.end(), [](const FrameError& e) {
        return e.error.code == ErrorCode::incomplete;
      });
      EXPECT_TRUE(incomplete) << x.id << " cut at " << cut << ": "
                              << ::testing::PrintToString(describe(events));
    }
  }
}

// Two back-to-back copies frame as two APDUs (no state leaks from one to the next).
TEST_P(VectorTest, BackToBackCopies) {
  const Expectation& x = GetParam();
  const Bytes input = vector_input(x.id);
  const auto events = run_framer(concat({input, input}));
  const auto apdus = apdus_of(events);
  ASSERT_EQ(apdus.size(), 2 * x.apdus) << ::testing::PrintToString(describe(events));
  if (x.apdus > 0) {
    EXPECT_EQ(apdus[x.apdus].stream_offset, input.size());
    EXPECT_EQ(apdus[x.apdus].bytes, apdus[0].bytes);
  }
  // Errors: none, or the capture's own trailing errors after the second copy and one
  // between the copies (a lone GBT block 1 followed by another block 1 drops the first:
  // out of sequence; the E450's 4 extra bytes are garbage when the next APDU follows).
  EXPECT_EQ(errors_of(events).size(), x.trailing_errors == 0 ? 0u : x.trailing_errors + 1)
      << ::testing::PrintToString(describe(events));
}

// Without annotations (as the exporter runs it) the framer finds the same events, only
// without notes; also when the caller reuses one event vector for every push, and when
// the same stream repeats (the reassembly buffers are reused from APDU to APDU).
TEST_P(VectorTest, WithoutAnnotationsTheSameEventsWithoutNotes) {
  const Expectation& x = GetParam();
  const Bytes once = vector_input(x.id);
  ASSERT_FALSE(once.empty());
  const Bytes input = concat({once, once, once});
  for (std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{7}}) {
    auto expected = run_framer(input, chunk);
    for (auto& e : expected) {
      if (auto* a = std::get_if<Apdu>(&e)) a->notes.clear();
    }
    StreamFramer framer({}, Annotate::no);
    std::vector<FrameEvent> got;
    std::vector<FrameEvent> reused;
    const std::size_t step = chunk == 0 ? input.size() : chunk;
    for (std::size_t i = 0; i < input.size(); i += step) {
      framer.push(std::span<const std::uint8_t>(input).subspan(i, std::min(step, input.size() - i)),
                  reused);
      for (auto& e : reused) got.push_back(std::move(e));
    }
    framer.finish(reused);
    for (auto& e : reused) got.push_back(std::move(e));
    EXPECT_EQ(describe(got), describe(expected)) << "chunk " << chunk;
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, VectorTest, ::testing::ValuesIn(kExpectations),
                         [](const ::testing::TestParamInfo<Expectation>& param) {
                           std::string name = param.param.id;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(FrameVectors, WrapperDatagramsCarryTheirApdus) {
  const Bytes input = vector_input("XX-DLMSUDP-MYDUMMYKEY");
  const auto apdus = apdus_of(run_framer(input));
  ASSERT_EQ(apdus.size(), 2u);
  // Each datagram: 8-byte wrapper header (length 0x46 = 70) + the APDU.
  EXPECT_EQ(apdus[0].bytes, Bytes(input.begin() + 8, input.begin() + 78));
  EXPECT_EQ(apdus[1].bytes, Bytes(input.begin() + 86, input.end()));
  EXPECT_EQ(apdus[1].stream_offset, 78u);
}

TEST(FrameVectors, GbtBlockOneAloneIsIncomplete) {
  const auto events = run_framer(vector_input("AT-LGZ-E450-RDDL-GBT-BLOCK1"));
  ASSERT_EQ(events.size(), 1u);
  const auto& e = std::get<FrameError>(events[0]);
  EXPECT_EQ(e.error.code, ErrorCode::incomplete);
  EXPECT_EQ(e.stream_offset, 0u);
  EXPECT_EQ(e.skipped, 141u);
  EXPECT_NE(e.error.message.find("General-Block-Transfer"), std::string::npos) << e.error.message;
}

// BD E3 15 DD follow the declared APDU: three bytes of garbage, then the start of a
// general-ciphering APDU (DD) that the stream cuts off.
TEST(FrameVectors, CorruptE450TrailsGarbageAndACutOffTag) {
  const auto events = run_framer(vector_input("AT-KLU-LGZ-E450-ZEROKEY-CORRUPT"));
  ASSERT_EQ(events.size(), 3u) << ::testing::PrintToString(describe(events));
  const auto& garbage = std::get<FrameError>(events[1]);
  EXPECT_EQ(garbage.error.code, ErrorCode::decode);
  EXPECT_EQ(garbage.stream_offset, 466u);
  EXPECT_EQ(garbage.skipped, 3u);
  const auto& cut = std::get<FrameError>(events[2]);
  EXPECT_EQ(cut.error.code, ErrorCode::incomplete);
  EXPECT_EQ(cut.stream_offset, 469u);
  EXPECT_EQ(cut.skipped, 1u);
}

TEST(FrameVectors, SagemcomQuirkIsAnnotated) {
  const auto apdus = apdus_of(run_framer(vector_input("AT-EVN-SAGEMCOM-L0101-QUIRK")));
  ASSERT_EQ(apdus.size(), 1u);
  EXPECT_EQ(apdus[0].stream_length, 263u + 19u);
  const bool noted =
      std::any_of(apdus[0].notes.begin(), apdus[0].notes.end(), [](const Annotation& n) {
        return n.offset == 1 && n.layer == "mbus" && n.meaning.find("L + 256") != std::string::npos;
      });
  EXPECT_TRUE(noted);
}

TEST(FrameVectors, HdlcAnnotationsNameEveryHeaderField) {
  const auto apdus = apdus_of(run_framer(vector_input("NO-AIDON-1PH")));
  ASSERT_EQ(apdus.size(), 1u);
  std::vector<std::string> seen;
  for (const auto& n : apdus[0].notes) {
    seen.push_back(std::to_string(n.offset) + "+" + std::to_string(n.length) + " " +
                   std::string(n.layer));
  }
  // 7E | A0D2 | 41 | 0883 | 13 | HCS | E6E700 | APDU | FCS | 7E
  const std::vector<std::string> expected = {"0+1 hdlc",   "1+2 hdlc",  "3+1 hdlc", "4+2 hdlc",
                                             "6+1 hdlc",   "7+2 hdlc",  "9+3 llc",  "12+197 hdlc",
                                             "209+2 hdlc", "211+1 hdlc"};
  EXPECT_EQ(seen, expected);
}

TEST(FrameVectors, GbtAnnotationsMapBlockHeadersToTheStream) {
  const auto apdus = apdus_of(run_framer(vector_input("XX-LGZ-E450-GBT-1")));
  ASSERT_EQ(apdus.size(), 1u);
  // Block 2 starts its HDLC frame at 141; its E0 sits right after the HCS (no LLC).
  const bool block2 =
      std::any_of(apdus[0].notes.begin(), apdus[0].notes.end(), [](const Annotation& n) {
        return n.layer == "gbt" && n.meaning == "block-number 2" && n.offset == 141 + 9 + 2;
      });
  EXPECT_TRUE(block2) << describe(FrameEvent(apdus[0]));
}

}  // namespace
}  // namespace sm::frame::test
