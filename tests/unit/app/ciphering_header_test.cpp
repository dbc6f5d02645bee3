// The ciphering header (dlms/ciphering.h) as its three users read it — the security
// layer, the framer's bare-APDU probe and `diagnose` — in every A-XDR form of the content
// length (81 / 82 / 83 / 84): all three must find the same header.
#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include "../dlms/protected_pushes.h"
#include "app/diagnosis.h"
#include "dlms/ciphering.h"
#include "frame/stream_framer.h"

namespace sm::app {
namespace {

namespace pushes = sm::dlms::test;

std::string all_findings(const Diagnosis& d, std::string_view stage) {
  std::string text;
  for (const auto& s : d.stages) {
    if (s.stage != stage) continue;
    for (const auto& f : s.findings) text += f + "\n";
  }
  return text;
}

TEST(CipheringHeader, SecurityProbeAndDiagnoseAgreeInEveryLengthForm) {
  const auto glo = pushes::glo_ciphering_push();
  const auto keys = pushes::tinetz_keys();
  for (const unsigned form : {2u, 3u, 4u}) {  // (the content needs 2 bytes)
    SCOPED_TRACE(form);
    const auto apdu = pushes::with_length_form(glo, form);
    ByteReader r(apdu, Layer::dlms, "test");
    const auto header = dlms::read_ciphering_header(r);
    ASSERT_TRUE(header.has_value()) << header.error().describe();
    EXPECT_EQ(header->prefix.content_offset, 11u + form);
    EXPECT_EQ(header->prefix.total(), apdu.size());
    EXPECT_EQ(header->security.system_title, pushes::kPushTitle);
    EXPECT_EQ(header->security.control, 0x20);
    EXPECT_EQ(header->security.invocation_counter, pushes::kPushCounter);

    // The security layer: the same header, and the plaintext.
    const auto unprotected = dlms::unprotect(apdu, keys);
    ASSERT_TRUE(unprotected.has_value()) << unprotected.error().describe();
    ASSERT_TRUE(unprotected->security.has_value());
    EXPECT_EQ(unprotected->security->system_title, header->security.system_title);
    EXPECT_EQ(unprotected->security->invocation_counter, header->security.invocation_counter);
    EXPECT_EQ(unprotected->plaintext, pushes::tinetz_file("plaintext.hex"));

    // The bare-APDU probe: the whole APDU, no more, no less.
    frame::StreamFramer framer;
    auto events = framer.push(apdu);
    for (auto& e : framer.finish()) events.push_back(std::move(e));
    ASSERT_EQ(events.size(), 1u);
    const auto* framed = std::get_if<frame::Apdu>(&events[0]);
    ASSERT_NE(framed, nullptr);
    EXPECT_EQ(framed->bytes, apdu);

    // diagnose: reports the header, and its redaction masks the title's serial and the IC.
    DiagnosisInput in;
    in.trials.push_back(Trial{"capture file", {}, std::chrono::milliseconds{1}, {}});
    in.trials.back().chunks.push_back(std::chrono::microseconds{0}, apdu);
    pipeline::DecoderOptions options;
    options.keys = keys;
    const Diagnosis d = diagnose(in, options);
    const std::string cipher = all_findings(d, "Ciphering header");
    EXPECT_NE(cipher.find("general-glo-ciphering (0xDB)"), std::string::npos) << cipher;
    EXPECT_NE(cipher.find("invocation counter " + std::to_string(pushes::kPushCounter)),
              std::string::npos)
        << cipher;
    const auto redacted = redact_push(apdu, apdu, {});
    ASSERT_EQ(redacted.size(), apdu.size());
    const auto ic = redacted.begin() + static_cast<std::ptrdiff_t>(header->ic_offset());
    EXPECT_TRUE(std::all_of(ic, ic + 4, [](auto b) { return b == kRedactedByte; }));
    EXPECT_TRUE(std::all_of(redacted.begin() + 5, redacted.begin() + 10,
                            [](auto b) { return b == kRedactedByte; }));
    EXPECT_TRUE(std::equal(redacted.begin() + 2, redacted.begin() + 5, apdu.begin() + 2));
  }
}

// A general-ciphering (0xDD) or general-signing (0xDF) push has no ciphering header this
// exporter reads: diagnose says so by name instead of calling it "not ciphered".
TEST(CipheringHeader, DiagnoseNamesAGeneralProtectionPush) {
  for (const auto& [apdu, name] :
       {std::pair{pushes::general_ciphering_push(), "general-ciphering (0xDD) is not decoded"},
        std::pair{pushes::general_signing_push(), "general-signing (0xDF) is not decoded"}}) {
    DiagnosisInput in;
    in.trials.push_back(Trial{"capture file", {}, std::chrono::milliseconds{1}, {}});
    in.trials.back().chunks.push_back(std::chrono::microseconds{0}, apdu);
    const Diagnosis d = diagnose(in, pipeline::DecoderOptions{});
    const std::string cipher = all_findings(d, "Ciphering header");
    EXPECT_NE(cipher.find(name), std::string::npos) << cipher;
    EXPECT_EQ(cipher.find("not ciphered"), std::string::npos) << cipher;
  }
}

TEST(CipheringHeader, Errors) {
  const auto glo = pushes::glo_ciphering_push();
  const auto read = [](std::vector<std::uint8_t> bytes) {
    ByteReader r(bytes, Layer::dlms, "test");
    const auto header = dlms::read_ciphering_header(r);
    return header ? std::string("ok") : std::string(to_string(header.error().code));
  };
  auto title7 = glo;
  title7[1] = 0x07;
  EXPECT_EQ(read(title7), "decode");
  auto form5 = glo;
  form5[10] = 0x85;
  EXPECT_EQ(read(form5), "decode");
  auto short_content = glo;
  short_content.resize(11);
  short_content[10] = 0x04;  // cannot hold SC and IC
  EXPECT_EQ(read(short_content), "length");
  EXPECT_EQ(read(std::vector<std::uint8_t>(glo.begin(), glo.begin() + 13)), "incomplete");
  EXPECT_EQ(read({0x0F, 0x00}), "decode");  // not a ciphering tag
}

}  // namespace
}  // namespace sm::app
