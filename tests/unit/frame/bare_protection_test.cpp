// Bare APDUs under each protection tag of dlms/apdu_tags.h, between bytes of noise: the
// ciphering APDUs the security layer removes (general-glo 0xDB, general-ded 0xDC) are
// framed whole, in every A-XDR length form; general-ciphering (0xDD) and general-signing
// (0xDF) are framed by their fields and named as what they are, never as ded-ciphering.
#include <string>

#include <gtest/gtest.h>

#include "../dlms/protected_pushes.h"
#include "frame_test_util.h"

namespace sm::frame::test {
namespace {

namespace pushes = sm::dlms::test;

struct Push {
  const char* name;  // what the annotation must call it
  Bytes apdu;
};

std::vector<Push> all_pushes() {
  return {{"general-glo-ciphering 0xDB", pushes::glo_ciphering_push()},
          {"general-ded-ciphering 0xDC", pushes::ded_ciphering_push()},
          {"general-ciphering 0xDD", pushes::general_ciphering_push()},
          {"general-signing 0xDF", pushes::general_signing_push()}};
}

const Bytes kNoise{0x11, 0x22, 0x33};

std::vector<FrameEvent> frame_annotated(const Bytes& input) {
  StreamFramer framer({}, Annotate::yes);
  auto events = framer.push(input);
  for (auto& e : framer.finish()) events.push_back(std::move(e));
  return events;
}

TEST(BareProtection, EachTagIsFramedWholeBetweenNoise) {
  for (const auto& push : all_pushes()) {
    SCOPED_TRACE(push.name);
    ASSERT_FALSE(push.apdu.empty());
    const Bytes input = concat({kNoise, push.apdu, kNoise, push.apdu});
    for (const std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{7}}) {
      const auto events = run_framer(input, chunk);
      const auto apdus = apdus_of(events);
      ASSERT_EQ(apdus.size(), 2u) << chunk << "\n" << ::testing::PrintToString(describe(events));
      for (const auto& a : apdus) {
        EXPECT_EQ(a.link, LinkType::raw);
        EXPECT_EQ(a.bytes, push.apdu);
      }
      EXPECT_EQ(apdus[0].stream_offset, kNoise.size());
      EXPECT_EQ(accounted_bytes(events), input.size());
    }
  }
}

TEST(BareProtection, AnnotationsNameTheTag) {
  for (const auto& push : all_pushes()) {
    SCOPED_TRACE(push.name);
    const auto apdus = apdus_of(frame_annotated(concat({kNoise, push.apdu})));
    ASSERT_EQ(apdus.size(), 1u);
    std::string notes;
    for (const auto& n : apdus[0].notes) notes += n.meaning + "\n";
    EXPECT_NE(notes.find(push.name), std::string::npos) << notes;
    if (push.apdu[0] != dlms::apdu_tag::general_ded_ciphering) {
      EXPECT_EQ(notes.find("ded-ciphering"), std::string::npos) << notes;
    }
  }
}

TEST(BareProtection, EveryLengthFormOfTheCipheredContent) {
  const Bytes glo = pushes::glo_ciphering_push();
  for (unsigned form = 2; form <= 4; ++form) {  // (the content needs 2 bytes)
    SCOPED_TRACE(form);
    const Bytes apdu = pushes::with_length_form(glo, form);
    ASSERT_EQ(apdu[10], 0x80 | form);
    const auto apdus = apdus_of(run_framer(concat({kNoise, apdu, kNoise})));
    ASSERT_EQ(apdus.size(), 1u);
    EXPECT_EQ(apdus[0].bytes, apdu);
  }
}

// An APDU one byte longer than max_apdu is never framed, whatever part of it (a field's
// content, its length octets, a key-info byte) crosses the limit; at the limit it is.
// (Found by fuzz_frame: the length octets were not counted.)
TEST(BareProtection, AGeneralApduBeyondTheLimitIsNotFramed) {
  auto pushes = all_pushes();
  // general-signing with an empty signature: it ends in a length octet, not in content.
  Bytes unsigned_push = pushes::general_signing_push();
  unsigned_push.resize(unsigned_push.size() - 65);
  unsigned_push.push_back(0x00);
  pushes.push_back({"general-signing 0xDF", unsigned_push});
  for (const auto& push : pushes) {
    SCOPED_TRACE(push.name);
    for (std::size_t cut = 0; cut <= 12; ++cut) {
      FramerLimits limits;
      limits.max_apdu = push.apdu.size() - cut;
      StreamFramer framer(limits);
      auto events = framer.push(concat({kNoise, push.apdu, kNoise}));
      for (auto& e : framer.finish()) events.push_back(std::move(e));
      const auto apdus = apdus_of(events);
      for (const auto& a : apdus) EXPECT_LE(a.bytes.size(), limits.max_apdu) << cut;
      if (cut == 0) {
        ASSERT_EQ(apdus.size(), 1u);
        EXPECT_EQ(apdus[0].bytes, push.apdu);
      }
    }
  }
}

// A field that breaks the structure (a system title of 5 bytes) is no frame: its bytes are
// noise, and the push after it is still found.
TEST(BareProtection, BrokenGeneralFieldsAreNoFrame) {
  for (auto push : {pushes::general_ciphering_push(), pushes::general_signing_push()}) {
    Bytes broken = push;
    broken[10] = 0x05;  // the originator system title's length
    const auto events = run_framer(concat({broken, push}));
    const auto apdus = apdus_of(events);
    ASSERT_FALSE(apdus.empty()) << ::testing::PrintToString(describe(events));
    // (general-signing carries the plaintext notification, which may frame on its own.)
    for (const auto& a : apdus) EXPECT_GE(a.stream_offset, 11u);
    EXPECT_EQ(apdus.back().bytes, push);
  }
}

}  // namespace
}  // namespace sm::frame::test
