// Bare pushes under each protection tag of dlms/apdu_tags.h through the whole Decoder:
// general-glo-ciphering and general-ded-ciphering decrypt to the vector's values;
// general-ciphering and general-signing are reported as unsupported, by their names.
#include <string>

#include <gtest/gtest.h>

#include "../dlms/protected_pushes.h"
#include "pipeline/decoder.h"

namespace sm::pipeline {
namespace {

namespace pushes = sm::dlms::test;

std::vector<Outcome> decode(const std::vector<std::uint8_t>& input) {
  DecoderOptions options;
  options.keys = pushes::tinetz_keys();
  Decoder decoder(options);
  auto out = decoder.push(input);
  for (auto& o : decoder.finish()) out.push_back(std::move(o));
  return out;
}

TEST(BareProtection, GloAndDedCipheringDecrypt) {
  for (const auto& apdu : {pushes::glo_ciphering_push(), pushes::ded_ciphering_push()}) {
    ASSERT_FALSE(apdu.empty());
    SCOPED_TRACE(static_cast<int>(apdu[0]));
    const auto outcomes = decode(apdu);
    ASSERT_EQ(outcomes.size(), 1u);
    const auto* frame = std::get_if<DecodedFrame>(&outcomes[0]);
    ASSERT_NE(frame, nullptr) << std::get<FrameFailure>(outcomes[0]).error.describe();
    EXPECT_EQ(frame->link, frame::LinkType::raw);
    ASSERT_TRUE(frame->security.has_value());
    EXPECT_EQ(frame->security->apdu_tag, apdu[0]);
    EXPECT_EQ(frame->security->invocation_counter, pushes::kPushCounter);
    EXPECT_EQ(frame->reading.meter_id.value_or("-"), "1KFM0100000035");
    EXPECT_GE(frame->reading.registers.size(), 10u);
  }
}

TEST(BareProtection, GeneralCipheringAndSigningAreUnsupportedByName) {
  const std::pair<std::vector<std::uint8_t>, std::string> cases[] = {
      {pushes::general_ciphering_push(), "general-ciphering (0xDD)"},
      {pushes::general_signing_push(), "general-signing (0xDF)"}};
  for (const auto& [apdu, name] : cases) {
    SCOPED_TRACE(name);
    const auto outcomes = decode(apdu);
    ASSERT_EQ(outcomes.size(), 1u);
    const auto* failure = std::get_if<FrameFailure>(&outcomes[0]);
    ASSERT_NE(failure, nullptr);
    EXPECT_EQ(failure->error.code, ErrorCode::unsupported) << failure->error.describe();
    EXPECT_EQ(failure->stream_length, apdu.size());
    EXPECT_NE(failure->error.message.find(name), std::string::npos) << failure->error.message;
    EXPECT_EQ(failure->error.message.find("ded-ciphering"), std::string::npos);
  }
}

}  // namespace
}  // namespace sm::pipeline
